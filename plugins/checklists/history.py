"""How templates, checklists, items and evidence files read in histories (see :mod:`core.history`)."""

from __future__ import annotations

from core.history import Labels
from plugins.checklists.models import (
    Checklist,
    ChecklistEvidence,
    ChecklistItem,
    ChecklistTemplateItem,
    ChecklistTemplateRow,
)
from plugins.checklists.service import ITEM_STATUSES, STATUSES

LABELS = [
    Labels(ChecklistTemplateRow, "清单模板", {"label": "模板名称", "description": "说明", "subject_kinds": "适用对象",
                                          "active": "启用"}, title="label"),
    Labels(ChecklistTemplateItem, "模板事项", {"template_id": "模板", "position": "序号", "chapter": "篇章",
                                           "label": "检查事项", "evidence_required": "须佐证", "guidance": "检查说明"},
           title="label"),
    Labels(Checklist, "评估清单",
           {"template_key": "模板", "title": "清单名称", "subject_kind": "检查对象类型", "subject_id": "检查对象",
            "subject_name": "检查对象名称", "opened_on": "开始日期", "due_on": "完成期限", "status": "状态",
            "decided_on": "验收日期", "decided_by": "验收人", "decision_note": "验收意见", "note": "备注",
            "na_allowed": "允许不适用"},
           hidden={"subject_id"}, choices={"status": STATUSES}, title="title",
           actions={"export": "导出评估清单"}),
    Labels(ChecklistItem, "检查事项",
           {"checklist_id": "清单", "position": "序号", "key": "事项代码", "chapter": "篇章", "label": "检查事项",
            "evidence_required": "须佐证", "guidance": "检查说明", "status": "检查结果", "note": "检查意见",
            "reviewed_by": "检查人", "reviewed_on": "检查日期"},
           hidden={"key", "position"}, choices={"status": ITEM_STATUSES}, title="label"),
    Labels(ChecklistEvidence, "佐证材料",
           {"item_id": "检查事项", "description": "说明", "filename": "文件名", "content_type": "文件类型",
            "size": "大小（字节）", "sha256": "校验值", "stored_name": "存储名", "uploaded_by_id": "上传人"},
           hidden={"sha256", "stored_name", "content_type"}, title="filename"),
]
