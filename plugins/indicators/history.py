"""How targets and entered actuals read in histories (see :mod:`core.history`)."""

from __future__ import annotations

from core import periods
from core.history import Labels
from plugins.indicators.models import IndicatorActual, IndicatorTarget


def _title(values) -> str:
    """「社会组织党组织覆盖率 2026年度」"""
    return f"{values.get('indicator_label') or ''} {periods.label(values.get('period_kind') or '', values.get('period') or '')}"


LABELS = [
    Labels(IndicatorTarget, "指标目标",
           {"indicator": "指标代码", "indicator_label": "指标", "period_kind": "周期类型", "period": "期间",
            "value": "目标值", "note": "备注"},
           choices={"period_kind": periods.KINDS}, title=_title,
           actions={"export": "导出指标"}),
    Labels(IndicatorActual, "指标实绩",
           {"indicator": "指标代码", "indicator_label": "指标", "period_kind": "周期类型", "period": "期间",
            "value": "实绩", "evidence": "说明与佐证", "entered_on": "填报日期", "entered_by": "填报人"},
           choices={"period_kind": periods.KINDS}, title=_title),
]
