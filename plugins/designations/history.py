"""How designations, blacklist entries and their files read in histories (see :mod:`core.history`)."""

from __future__ import annotations

from core.history import Labels
from plugins.designations.models import BlacklistEntry, BlacklistFile, Designation, DesignationFile
from plugins.designations.service import SOURCES, STATUSES
from plugins.designations.types import LEVELS

SUBJECT_KINDS = {"organization": "两新组织", "party_org": "党组织", "member": "党员", "site": "阵地与站点"}

LABELS = [
    Labels(Designation, "称号",
           {"kind": "称号类别代码", "kind_label": "称号类别", "subject_kind": "授予对象类型", "subject_id": "授予对象编号",
            "subject_name": "授予对象", "level": "级别", "title": "称号全称", "awarded_on": "授予日期",
            "expires_on": "有效期至", "plaque_on": "挂牌日期", "awarded_by": "授予单位", "basis": "主要事迹或依据",
            "status": "状态", "applied_by": "申报人", "reviewed_by": "审核人", "reviewed_on": "审核日期",
            "review_note": "审核意见", "revoked_on": "撤销日期", "revoked_by": "撤销人", "revoke_reason": "撤销原因",
            "revoked_by_entry_id": "因监管黑名单记录撤销", "source": "来源"},
           hidden={"kind", "subject_id", "source_key"},
           choices={"status": STATUSES, "level": LEVELS, "subject_kind": SUBJECT_KINDS, "source": SOURCES},
           actions={"export": "导出称号"}),
    Labels(BlacklistEntry, "监管黑名单记录",
           {"organization_id": "组织", "reason": "列入事由", "detail": "具体情况", "listed_on": "列入日期",
            "listed_by": "列入人", "lifted_on": "移出日期", "lifted_by": "移出人", "lift_reason": "移出原因"},
           title="organization_id", actions={"export": "导出监管黑名单"}),
    Labels(DesignationFile, "称号佐证材料",
           {"filename": "文件名", "content_type": "类型", "size": "大小（字节）", "uploaded_by_id": "上传人",
            "designation_id": "称号"},
           hidden={"stored_name", "sha256"}, title="filename"),
    Labels(BlacklistFile, "黑名单佐证材料",
           {"filename": "文件名", "content_type": "类型", "size": "大小（字节）", "uploaded_by_id": "上传人",
            "entry_id": "黑名单记录"},
           hidden={"stored_name", "sha256"}, title="filename"),
]
