"""How units, pairings and visits read in histories (see :mod:`core.history`)."""

from __future__ import annotations

from core.history import Labels
from plugins.units.models import Pairing, Unit, Visit, VisitAttachment
from plugins.units.types import HOLDER_TYPES, TARGET_TYPES


def _unit_kinds(tenant) -> dict[str, str]:
    from plugins.units.service import unit_kinds

    return {k: v.label for k, v in unit_kinds(tenant).items()}


def _pairing_kinds(tenant) -> dict[str, str]:
    from plugins.units.service import pairing_kinds

    return {k: v.label for k, v in pairing_kinds(tenant).items()}


LABELS = [
    Labels(Unit, "单位",
           {"kind": "单位类别", "name": "单位名称", "duties": "工作分工和职责", "contact_name": "联系人",
            "contact_member_id": "联系人（党员）", "contact_user_id": "联系人（平台用户）", "contact_phone_enc": "联系电话",
            "party_org_id": "所属党组织", "note": "备注", "archived_on": "停用日期"},
           choices={"kind": _unit_kinds}, actions={"export": "导出单位", "reveal": "查看联系人完整电话"}),
    Labels(Pairing, "结对",
           {"kind": "结对类型", "holder_type": "结对主体类型", "unit_id": "单位", "user_id": "平台用户", "member_id": "党员",
            "target_type": "结对对象类型", "organization_id": "两新组织", "party_org_id": "党组织",
            "started_on": "开始日期", "ended_on": "结束日期", "content": "共建内容"},
           choices={"kind": _pairing_kinds, "holder_type": HOLDER_TYPES, "target_type": TARGET_TYPES},
           actions={"export": "导出结对"}, title=("unit_id", "user_id", "member_id")),
    Labels(Visit, "走访记录",
           {"pairing_id": "结对", "visited_on": "走访日期", "visitor": "走访人", "visitor_user_id": "登记人",
            "note": "走访情况"}, title="visited_on"),
    Labels(VisitAttachment, "走访附件",
           {"visit_id": "走访记录", "filename": "文件名", "content_type": "文件类型", "size": "大小（字节）",
            "sha256": "校验值", "stored_name": "存储名", "uploaded_by_id": "上传人"},
           hidden={"stored_name", "sha256"}, title="filename"),
]
