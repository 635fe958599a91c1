"""Rules of the indicators block: which indicators a tenant has, targets, entered actuals, and the
figures (target, actual, gap, attainment) of a tenant's subtree — the tenant's own and, rolled up,
one row per child.

Reads of figures take a session that sees the tenant's whole subtree (``ctx.read_rollup_session
("indicators:read")``: explicit and permission-checked, never a disabled filter); writes take the
tenant's own session. Every write flushes and leaves the commit to the caller; bad input raises
:class:`core.forms.FormErrors` with Chinese messages before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, periods
from core.forms import FormErrors, text, text_problem
from core.plugins import registry
from core.tenancy import TenantInfo, tree
from core.validators import compact, normalize_text
from plugins.indicators.models import IndicatorActual, IndicatorTarget
from plugins.indicators.types import Figure, Indicator, as_decimal

PLUGIN = "indicators"
MAX_VALUE = Decimal("1000000000")
TARGET_SOURCES = {"tenant": "本级设定", "default": "方案默认", "": "未设定"}
ACTUAL_SOURCES = {"computed": "系统计算", "entered": "填报", "rollup": "下级填报合计", "": "未填报"}
STATUS = {"met": "已达标", "short": "未达标", "none": "无目标或无实绩"}


# --- indicators ----------------------------------------------------------------------------------


def indicators_for(tenant: TenantInfo) -> dict[str, Indicator]:
    """key → indicator of ``tenant``: every enabled plugin's registrations, in dependency order (a
    later one with the same key replaces an earlier one), sorted by group, order and label."""
    found: dict[str, Indicator] = {}
    answers = registry().each_for(tenant.id, "register_indicators", tenant=tenant)
    # the block's own first: a program's registration with the same key replaces it
    for _name, result in sorted(answers, key=lambda a: a[0] != PLUGIN):
        for ind in result or ():
            if not isinstance(ind, Indicator):
                raise TypeError(f"register_indicators returned {type(ind).__name__}, not Indicator")
            found[ind.key] = ind
    return dict(sorted(found.items(), key=lambda kv: (kv[1].group, kv[1].order, kv[1].label, kv[0])))


def get_indicator(tenant: TenantInfo, key: str) -> Indicator:
    ind = indicators_for(tenant).get(key or "")
    if ind is None:
        raise NotFoundException("指标不存在")
    return ind


# --- inputs --------------------------------------------------------------------------------------


def parse_value(raw: Any) -> Decimal:
    """A figure as typed (``96.5``, ``９６.５%``, ``38个`` is refused): ``ValueError`` with a Chinese
    message unless it is a number ≥ 0 with at most two decimals."""
    value = compact(str(raw if raw is not None else "")).removesuffix("%").replace(",", "")
    if not value:
        raise ValueError("请填写数值")
    if not re.fullmatch(r"\d+(\.\d+)?", value):
        raise ValueError("应为不小于 0 的数字，如 96.5 或 38")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError("应为不小于 0 的数字，如 96.5 或 38") from None
    if number != number.quantize(Decimal("0.01")):
        raise ValueError("最多保留两位小数")
    if number >= MAX_VALUE:
        raise ValueError("数值过大")
    return number


def clean_period(raw: Mapping[str, Any], ind: Indicator | None, errors: dict[str, str]) -> periods.Period | None:
    """The period of a form or JSON body: ``period_kind`` (default: the indicator's) and ``period``
    (``2026``, ``2026-Q1``, ``2026-W10`` …) or ``period_year`` + ``period_part``."""
    kind = text(raw, "period_kind") or (ind.period_kind if ind else "year")
    if kind not in periods.KINDS:
        errors["period_kind"] = "请选择周期类型（周、月度、季度、半年、年度）"
        return None
    key = text(raw, "period") or periods.join_key(kind, text(raw, "period_year"), text(raw, "period_part"))
    try:
        return periods.parse(kind, key)
    except ValueError:
        errors["period"] = f"请选择有效的{periods.KINDS[kind]}期间（如 {periods.containing(kind, dt.date(2026, 3, 2)).key}）"
        return None


def _indicator_field(tenant: TenantInfo, raw: Mapping[str, Any], errors: dict[str, str]) -> Indicator | None:
    ind = indicators_for(tenant).get(text(raw, "indicator"))
    if ind is None:
        errors["indicator"] = "请选择指标"
    return ind


def _note(raw: Mapping[str, Any], key: str, label: str, errors: dict[str, str], required: bool = False) -> str:
    value = text(raw, key)
    problem = text_problem(value)
    if problem:
        errors[key] = f"{label}{problem}"
    elif required and not value:
        errors[key] = f"请填写{label}"
    elif len(value) > 5000:
        errors[key] = f"{label}最多 5000 个字符"
    return value


# --- targets -------------------------------------------------------------------------------------


def set_target(session: Session, tenant: TenantInfo, raw: Mapping[str, Any]) -> IndicatorTarget:
    """Set ``tenant``'s target of an indicator for a period (fields ``indicator``, ``period_kind``,
    ``period``, ``value``, ``note``); a second target for the same period replaces the first."""
    errors: dict[str, str] = {}
    ind = _indicator_field(tenant, raw, errors)
    period = clean_period(raw, ind, errors)
    value = None
    try:
        value = parse_value(text(raw, "value"))
    except ValueError as exc:
        errors["value"] = f"目标值{exc}"
    else:
        if ind is not None and ind.unit == "%" and value > 100:
            errors["value"] = "目标值：百分比不能超过 100"
    note = _note(raw, "note", "备注", errors)
    if errors:
        raise FormErrors(errors)
    assert ind is not None and period is not None and value is not None
    row = session.scalar(select(IndicatorTarget).where(
        IndicatorTarget.tenant_id == tenant.id, IndicatorTarget.indicator == ind.key,
        IndicatorTarget.period_kind == period.kind, IndicatorTarget.period == period.key))
    if row is None:
        row = IndicatorTarget(tenant_id=tenant.id, indicator=ind.key, period_kind=period.kind, period=period.key)
        session.add(row)
    row.indicator_label, row.value, row.note = ind.label, value, note
    session.flush()
    return row


def get_target(session: Session, target_id: int) -> IndicatorTarget:
    row = session.get(IndicatorTarget, target_id)
    if row is None:
        raise NotFoundException("目标不存在")
    return row


def delete_target(session: Session, row: IndicatorTarget) -> None:
    """Remove a tenant's target: the program's default (if any) applies again."""
    session.delete(row)
    session.flush()


# --- entered actuals -----------------------------------------------------------------------------


def enter_actual(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], today: dt.date,
                 username: str = "") -> IndicatorActual:
    """Enter ``tenant``'s actual of an indicator that is not computed (fields ``indicator``,
    ``period_kind``, ``period``, ``value``, ``evidence`` — required: what the figure rests on);
    entering again for the same period replaces the value and evidence."""
    errors: dict[str, str] = {}
    ind = _indicator_field(tenant, raw, errors)
    if ind is not None and ind.computed:
        errors["indicator"] = f"「{ind.label}」由系统根据台账自动计算，不能手工填报"
    period = clean_period(raw, ind, errors)
    if period is not None and period.start > today:
        errors["period"] = "该期间尚未开始，不能填报实绩"
    value = None
    try:
        value = parse_value(text(raw, "value"))
    except ValueError as exc:
        errors["value"] = f"实绩{exc}"
    else:
        if ind is not None and ind.unit == "%" and value > 100:
            errors["value"] = "实绩：百分比不能超过 100"
    evidence = _note(raw, "evidence", "说明与佐证", errors, required=True)
    if errors:
        raise FormErrors(errors)
    assert ind is not None and period is not None and value is not None
    row = session.scalar(select(IndicatorActual).where(
        IndicatorActual.tenant_id == tenant.id, IndicatorActual.indicator == ind.key,
        IndicatorActual.period_kind == period.kind, IndicatorActual.period == period.key))
    if row is None:
        row = IndicatorActual(tenant_id=tenant.id, indicator=ind.key, period_kind=period.kind, period=period.key)
        session.add(row)
    row.indicator_label, row.value, row.evidence = ind.label, value, evidence
    row.entered_on, row.entered_by = today, username
    session.flush()
    return row


def get_actual(session: Session, actual_id: int) -> IndicatorActual:
    row = session.get(IndicatorActual, actual_id)
    if row is None:
        raise NotFoundException("填报记录不存在")
    return row


def delete_actual(session: Session, row: IndicatorActual) -> None:
    session.delete(row)
    session.flush()


# --- figures -------------------------------------------------------------------------------------


@dataclass
class Rows:
    """What a roll-up session has stored for some indicators and one period, by tenant."""

    targets: dict[tuple[int, str], IndicatorTarget]
    actuals: dict[tuple[int, str], IndicatorActual]


def stored(rs: Session, tenant_ids: Iterable[int], keys: Iterable[str], period: periods.Period) -> Rows:
    ids, keys = list(tenant_ids), list(keys)
    targets = {(t.tenant_id, t.indicator): t for t in rs.scalars(select(IndicatorTarget).where(
        IndicatorTarget.tenant_id.in_(ids), IndicatorTarget.indicator.in_(keys),
        IndicatorTarget.period_kind == period.kind, IndicatorTarget.period == period.key))}
    actuals = {(a.tenant_id, a.indicator): a for a in rs.scalars(select(IndicatorActual).where(
        IndicatorActual.tenant_id.in_(ids), IndicatorActual.indicator.in_(keys),
        IndicatorActual.period_kind == period.kind, IndicatorActual.period == period.key))}
    return Rows(targets, actuals)


def _entered_sum(tenant_id: int, key: str, rows: Rows, scope: set[int]) -> Decimal | None:
    """A tenant's own entry, else the sum of its children's (each: own entry, else its children's)."""
    own = rows.actuals.get((tenant_id, key))
    if own is not None:
        return own.value
    parts = [v for c in tree().children.get(tenant_id, []) if c.id in scope
             if (v := _entered_sum(c.id, key, rows, scope)) is not None]
    return sum(parts, Decimal(0)) if parts else None


def figure(rs: Session, tenant: TenantInfo, ind: Indicator, period: periods.Period, rows: Rows,
           scope: Iterable[int]) -> Figure:
    """``ind``'s figure for ``tenant`` (its subtree within ``scope``, the ids ``rs`` may see)."""
    scope = set(scope)
    subtree = [i for i in tree().descendant_ids(tenant.id) if i in scope]
    target = rows.targets.get((tenant.id, ind.key))
    if target is not None:
        t_value, t_source, t_id = target.value, "tenant", target.id
    else:
        t_value = ind.default_for(tenant.level)
        t_source, t_id = ("default" if t_value is not None else ""), None
    entry = rows.actuals.get((tenant.id, ind.key))
    if ind.computed:
        assert ind.compute is not None
        a_value = as_decimal(ind.compute(rs, subtree, period), ind.decimals)
        a_source = "computed" if a_value is not None else ""
    elif entry is not None:
        a_value, a_source = entry.value, "entered"
    elif ind.rollup == "sum":
        a_value = _entered_sum(tenant.id, ind.key, rows, scope)
        a_source = "rollup" if a_value is not None else ""
    else:
        a_value, a_source = None, ""
    return Figure(ind, tenant.id, period, t_value, t_source, t_id, a_value, a_source,
                  entry.id if entry is not None and not ind.computed else None,
                  entry.evidence if entry is not None and not ind.computed else "")


def table(rs: Session, tenant: TenantInfo, scope: Iterable[int], kind: str, key: str = "", q: str = "",
          status: str = "", today: dt.date | None = None) -> tuple[periods.Period, list[Figure]]:
    """Every indicator's figure for ``tenant`` in one period (``kind`` + ``key``; default the current
    period of ``kind``), filtered by a search text over label/unit/description and a ``status``
    (``met``, ``short``, ``none``). ``ValueError`` for a period that is not one."""
    kind = kind if kind in periods.KINDS else "year"
    period = periods.parse(kind, key) if key else periods.containing(kind, today or clock.today())
    inds = [i for i in indicators_for(tenant).values() if matches(i, q)]
    scope = tuple(scope)
    rows = stored(rs, scope, [i.key for i in inds], period)
    out = [figure(rs, tenant, i, period, rows, scope) for i in inds]
    if status:
        out = [f for f in out if status_of(f) == status]
    return period, out


def matches(ind: Indicator, q: str) -> bool:
    q = normalize_text(q).lower()
    if not q:
        return True
    return any(q in (s or "").lower() for s in (ind.label, ind.unit, ind.description, ind.group, ind.key))


def status_of(f: Figure) -> str:
    return "none" if f.met is None else ("met" if f.met else "short")


@dataclass
class RollupRow:
    tenant: TenantInfo
    figure: Figure
    own: bool = False


def rollup(rs: Session, tenant: TenantInfo, scope: Iterable[int], ind: Indicator, period: periods.Period
           ) -> tuple[Figure, list[RollupRow]]:
    """``ind`` for ``tenant``'s whole subtree and one row per live child (its own subtree)."""
    scope = tuple(scope)
    rows = stored(rs, scope, [ind.key], period)
    total = figure(rs, tenant, ind, period, rows, scope)
    out = [RollupRow(c, figure(rs, c, ind, period, rows, scope))
           for c in tree().children.get(tenant.id, []) if c.id in scope and not c.archived]
    return total, out


# --- presentation --------------------------------------------------------------------------------


def fmt(value: Decimal | None, ind: Indicator, signed: bool = False) -> str:
    """``96.5%``, ``38 个``, ``+2 个``; ``—`` for nothing."""
    if value is None:
        return "—"
    shown = format(value.normalize(), "f")
    if signed and value > 0:
        shown = "+" + shown
    return f"{shown}{ind.unit}" if ind.unit == "%" else f"{shown} {ind.unit}"


EXPORT_HEADERS = ["指标", "单位", "期间", "目标", "目标来源", "实绩", "实绩来源", "差距", "完成率（%）", "状态"]


def export_rows(figures: Iterable[Figure]) -> list[list[Any]]:
    return [[f.indicator.label, f.indicator.unit, f.period.label, f.target if f.target is not None else "",
             TARGET_SOURCES[f.target_source], f.actual if f.actual is not None else "", ACTUAL_SOURCES[f.actual_source],
             f.gap if f.gap is not None else "", f.attainment if f.attainment is not None else "",
             STATUS[status_of(f)]] for f in figures]
