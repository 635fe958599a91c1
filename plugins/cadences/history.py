"""How recurrences and their occurrences read in histories (see :mod:`core.history`)."""

from __future__ import annotations

from core import periods
from core.history import Labels
from plugins.cadences.models import Occurrence, Recurrence
from plugins.cadences.service import KINDS, OWNERS

LABELS = [
    Labels(Recurrence, "周期安排",
           {"kind": "类型", "title": "名称", "template_key": "模板代码", "template_label": "模板",
            "period_kind": "周期", "start_period": "起始期间", "offset_days": "期间开始后第几天创建",
            "owners": "任务分配给", "auto_open": "自动开启考核", "active": "启用", "note": "备注"},
           choices={"kind": KINDS, "period_kind": periods.EVERY, "owners": OWNERS}, actions={"export": "导出周期安排"}),
    Labels(Occurrence, "周期创建记录",
           {"recurrence_id": "周期安排", "period": "期间", "created_on": "创建日期", "ref_kind": "类型",
            "ref_id": "编号", "ref_title": "创建的内容"},
           choices={"ref_kind": KINDS}, title="ref_title"),
]
