"""How transfers, mobile members' cards and checks, dues and points read in histories
(see :mod:`core.history`)."""

from __future__ import annotations

from core.history import Labels
from core.registry.services.members import TRANSFER_LOCATIONS
from plugins.membership.models import (
    DuesProfile,
    DuesRateTable,
    DuesRecord,
    DuesRemittance,
    MobileCard,
    MobileCheck,
    PointsEntry,
    Transfer,
    TransferStep,
)
from plugins.membership.transfers import KINDS, SCOPES, SIDES, STATES
from plugins.membership.types import MEMBER_CLASSES

APPEAL_STATES = {"pending": "申诉待处理", "upheld": "维持", "granted": "申诉成立"}


def _yuan(fen) -> str:
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{'-' if int(fen) < 0 else ''}{whole:,}.{cents:02d}"


def _rate(bp) -> str:
    return f"{int(bp) / 100:g}%"


LABELS = [
    Labels(Transfer, "组织关系转接",
           {"side": "方向", "scope": "范围", "counterpart_id": "对方转接记录", "counterpart_tenant_id": "对方辖区",
            "member_id": "党员", "member_name": "姓名", "member_data": "党员信息", "location": "关系所在",
            "kind": "转接类型", "state": "状态", "from_party_org_id": "转出党组织", "from_party_org_name": "转出党组织名称",
            "to_party_org_id": "转入党组织", "to_party_org_name": "转入党组织名称", "destination": "转往",
            "reason": "转接原因", "consent": "本人同意", "letter_no": "介绍信编号", "letter_issued_on": "介绍信开具日期",
            "letter_expires_on": "介绍信有效期至", "accepted_on": "接收日期", "returned_reason": "退回原因",
            "reported_on": "报到日期"},
           hidden={"counterpart_id"},
           choices={"side": SIDES, "scope": SCOPES, "location": TRANSFER_LOCATIONS, "kind": KINDS, "state": STATES}),
    Labels(TransferStep, "转接步骤", {"transfer_id": "组织关系转接", "at": "时间", "actor": "经办人",
                                  "actor_tenant": "经办辖区", "state": "状态", "note": "说明"},
           choices={"state": STATES}, title="state"),
    Labels(MobileCard, "流动党员活动证",
           {"member_id": "党员", "card_no": "证号", "issued_on": "发证日期", "attending_party_org_id": "参加活动党组织",
            "attending_party_org_name": "参加活动党组织名称", "away_place": "外出地点", "contact": "联系方式"},
           title="card_no"),
    Labels(MobileCheck, "流动党员联系", {"member_id": "党员", "checked_on": "联系日期", "reached": "已联系上",
                                     "note": "情况", "checked_by": "联系人"},
           title="member_id"),
    Labels(DuesRateTable, "党费标准", {"effective_from": "起用日期", "table": "标准", "note": "说明"},
           title="effective_from"),
    Labels(DuesProfile, "党费缴纳基数", {"member_id": "党员", "category": "类别", "base_fen": "缴纳基数（元）",
                                     "fixed_fen": "固定金额（元）", "member_class": "党员类别"},
           choices={"member_class": MEMBER_CLASSES}, formats={"base_fen": _yuan, "fixed_fen": _yuan},
           title="member_id"),
    Labels(DuesRecord, "党费缴纳",
           {"member_id": "党员", "party_org_id": "党组织", "month": "月份", "category": "类别", "base_fen": "基数（元）",
            "rate_bp": "比例", "due_fen": "应缴（元）", "paid_fen": "实缴（元）", "paid_on": "缴纳日期", "method": "方式",
            "back_payment": "补缴", "note": "备注"},
           formats={"base_fen": _yuan, "due_fen": _yuan, "paid_fen": _yuan, "rate_bp": _rate}, title="member_id"),
    Labels(DuesRemittance, "党费上缴",
           {"party_org_id": "党组织", "year": "年度", "amount_fen": "上缴金额（元）", "remitted_on": "上缴日期",
            "note": "备注"}, formats={"amount_fen": _yuan}, title="party_org_id"),
    Labels(PointsEntry, "积分",
           {"member_id": "党员", "rule_set": "积分办法", "rule_key": "规则标识", "rule_label": "规则", "points": "分值",
            "on": "日期", "year": "年度", "evidence": "依据", "recorded_by": "记录人", "appeal_state": "申诉状态",
            "appeal_text": "申诉内容", "appeal_reply": "申诉答复"},
           hidden={"rule_key"}, choices={"appeal_state": APPEAL_STATES}, title="rule_label"),
]
