"""How the nanhu program's own rows read in histories and the audit log (see :mod:`core.history`)."""

from __future__ import annotations

from core.history import Labels
from plugins.nanhu.models import Disclosure, ResultUse, Talent, ThemeDay
from plugins.nanhu.service import (
    DISCLOSURE_CHANNELS,
    DISCLOSURE_KINDS,
    TALENT_CATEGORIES,
    TALENT_METHODS,
    USE_KINDS,
    USE_OUTCOMES,
)

LABELS = [
    Labels(Talent, "人才招引", {"organization_id": "两新组织", "person_name": "姓名", "headcount": "人数",
                            "category": "人才类别", "method": "招引方式", "position": "岗位",
                            "recruited_on": "招引日期", "note": "备注"},
           choices={"category": TALENT_CATEGORIES, "method": TALENT_METHODS}, title=("person_name", "organization_id")),
    Labels(ThemeDay, "“一月一课一片一实践”检查", {
        "party_org_id": "党支部", "month": "月份", "lesson_done": "一课", "lesson_topic": "党课题目",
        "film_done": "一片", "film_title": "警示教育片", "practice_done": "一实践", "practice_note": "实践内容",
        "checked_by_id": "检查人"}, title="month"),
    Labels(Disclosure, "党务企务公开", {"organization_id": "两新组织", "kind": "类别", "channel": "载体",
                                  "disclosed_on": "公开日期", "title": "公开事项", "content": "公开内容"},
           choices={"kind": DISCLOSURE_KINDS, "channel": DISCLOSURE_CHANNELS}),
    Labels(ResultUse, "考核结果运用", {"organization_id": "两新组织", "year": "考核年度", "use_kind": "运用事项",
                                 "grade": "考核等次", "outcome": "运用结果", "department": "办理部门", "note": "说明"},
           choices={"use_kind": USE_KINDS, "outcome": USE_OUTCOMES}, title="organization_id"),
]
