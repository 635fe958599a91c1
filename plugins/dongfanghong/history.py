"""How the 东方红 program's own rows read in histories (see :mod:`core.history`)."""

from __future__ import annotations

from core.history import Labels
from plugins.dongfanghong.models import (
    Butler,
    ButlerOrganization,
    Cooperation,
    CrossAppointment,
    Cultivation,
    DutyEntry,
    GroupLink,
    GroupStaff,
    Nomination,
)
from plugins.dongfanghong.projects import (
    COOPERATION_AREAS,
    COOPERATION_KINDS,
    CULTIVATION_STATUSES,
    DIRECTIONS,
)
from plugins.dongfanghong.quantified import CROSS_DIRECTIONS, PARTY_POSTS
from plugins.dongfanghong.service import (
    BUTLER_ROLES,
    DUTY_KINDS,
    NOMINATION_CATEGORIES,
    NOMINATION_STATUSES,
)


def _yuan(fen) -> str:
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{'-' if int(fen) < 0 else ''}{whole:,}.{cents:02d}"


LABELS = [
    Labels(GroupStaff, "联组专干", {"cluster_id": "联组", "user_id": "专干", "assigned_on": "分配日期"}, title="user_id"),
    Labels(DutyEntry, "专干履职记录",
           {"cluster_id": "联组", "kind": "类别", "occurred_on": "日期", "title": "事项", "notes": "说明",
            "organization_id": "相关组织", "recorded_by_id": "记录人"},
           choices={"kind": DUTY_KINDS}),
    Labels(Butler, "服务管家", {"name": "姓名", "role": "角色", "unit": "单位", "active": "在岗",
                             "person_kind": "人员类型", "person_id": "人员", "services": "服务内容"},
           choices={"role": BUTLER_ROLES, "person_kind": {"member": "党员", "instructor": "党建指导员", "user": "系统用户",
                                                         "": "未关联"}}),
    Labels(ButlerOrganization, "管家服务组织", {"butler_id": "服务管家", "organization_id": "组织"},
           title="organization_id"),
    Labels(Nomination, "选树推荐",
           {"category": "类别", "nominee": "推荐对象", "nominee_kind": "推荐对象类型", "nominee_id": "推荐对象记录",
            "organization_id": "所在组织", "cluster_id": "联组",
            "reason": "推荐理由", "status": "状态", "review_note": "审核意见", "reviewed_by_id": "审核人",
            "reviewed_on": "审核日期"},
           choices={"category": NOMINATION_CATEGORIES, "status": NOMINATION_STATUSES}, title="nominee"),
    Labels(Cultivation, "双向培养",
           {"direction": "培养方向", "person_name": "培养对象", "member_id": "党员", "party_org_id": "党组织",
            "organization_id": "所在组织", "mentor": "培养联系人", "started_on": "开始日期", "target_on": "计划完成日期",
            "finished_on": "完成日期", "status": "状态", "notes": "备注"},
           choices={"direction": DIRECTIONS, "status": CULTIVATION_STATUSES}, title="person_name"),
    Labels(Cooperation, "共建合作",
           {"kind": "合作类型", "area": "合作领域", "cluster_id": "联组", "partner_cluster_id": "合作联组",
            "partner": "合作方", "held_on": "日期", "content": "内容", "result": "成效"},
           choices={"kind": COOPERATION_KINDS, "area": COOPERATION_AREAS}, title="partner"),
    Labels(CrossAppointment, "双向进入",
           {"party_org_id": "党组织", "member_id": "党员", "direction": "方向", "party_post": "党组织职务",
            "management_post": "管理层职务", "started_on": "任职日期", "ended_on": "离任日期", "note": "备注"},
           choices={"direction": CROSS_DIRECTIONS, "party_post": PARTY_POSTS}, title="member_id"),
    Labels(GroupLink, "联动社区（村）党组织",
           {"cluster_id": "联组", "party_org_id": "党组织", "party_org_tenant_id": "所在社区（村）", "name": "名称"},
           title="name"),
]
