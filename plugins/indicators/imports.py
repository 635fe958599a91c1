"""Targets (指标目标) as an import kind, through the registry's import pages: one row per indicator
and period, matched on (指标, 周期类型, 期间) — importing the same file twice writes nothing, a
changed value updates the target."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import periods
from core.registry.importer import EXAMPLE_MARK, ImportKind, ImportRun
from core.registry.schemas import FieldSpec, clean
from core.tenancy import TenantInfo
from plugins.indicators.models import IndicatorTarget
from plugins.indicators.service import indicators_for, parse_value


def _fields(tenant: TenantInfo) -> tuple[FieldSpec, ...]:
    return (
        FieldSpec("indicator", "指标", "choice", required=True,
                  choices={k: i.label for k, i in indicators_for(tenant).items()}),
        FieldSpec("period_kind", "周期类型", "choice", choices=periods.KINDS, help="不填为年度"),
        FieldSpec("period", "期间", required=True, max_length=16,
                  help="年度填 2026；季度 2026-Q1；半年 2026-H1；月度 2026-03；周 2026-W10"),
        FieldSpec("value", "目标值", required=True, max_length=30, help="数字，最多两位小数；百分比填 96.5"),
        FieldSpec("note", "备注", "text", max_length=5000),
    )


def _cleaner(tenant: TenantInfo):
    fields = _fields(tenant)
    labels = {k: i for k, i in indicators_for(tenant).items()}

    def clean_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        values, errors = clean(list(fields), raw)
        values["period_kind"] = kind = values.get("period_kind") or "year"
        ind = labels.get(values.get("indicator") or "")
        if ind is not None:
            values["indicator_label"] = ind.label
        if values.get("period"):
            try:
                values["period"] = periods.parse(kind, str(values["period"])).key
            except ValueError:
                errors["period"] = f"期间：不是有效的{periods.KINDS[kind]}期间（如 {periods.key_of(kind, periods.parse('year', '2026').start)}）"
        if "value" in values and values["value"] not in (None, ""):
            try:
                values["value"] = parse_value(values["value"])
                if ind is not None and ind.unit == "%" and values["value"] > 100:
                    errors["value"] = "目标值：百分比不能超过 100"
            except ValueError as exc:
                errors["value"] = f"目标值：{exc}"
        values["note"] = values.get("note") or ""
        return values, errors

    return clean_row


def _batch(run: ImportRun, rows: list) -> None:
    for row in rows:
        if row.errors:
            continue
        row.key = (row.values["indicator"], row.values["period_kind"], row.values["period"])
        if run.duplicate(row, ("target", *row.key), "period"):
            continue
        found = run.session.scalar(select(IndicatorTarget).where(
            IndicatorTarget.indicator == row.key[0], IndicatorTarget.period_kind == row.key[1],
            IndicatorTarget.period == row.key[2]))
        run.upsert(row, found)


def targets_kind(tenant: TenantInfo) -> ImportKind:
    return ImportKind(
        "indicators_targets", "指标目标", IndicatorTarget, _fields(tenant), _cleaner(tenant), "indicators",
        ("indicator", "period", "value"), {}, {},
        {"indicator": EXAMPLE_MARK + "社会组织党组织覆盖率", "period_kind": "年度", "period": "2026", "value": "96.5",
         "note": ""},
        synonyms={"指标": ("指标名称", "考核指标", "目标指标"), "周期类型": ("周期", "考核周期"),
                  "期间": ("年度", "时间", "期次"), "目标值": ("目标", "目标数", "任务数", "目标任务"),
                  "备注": ("说明",)},
        batch=_batch, permission="indicators:write", guide="按指标、周期类型和期间识别目标；同一期间再次导入即更新目标值。",
    )
