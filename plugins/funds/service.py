"""Rules of the funds engine (经费保障): budget lines, disbursements with approval, the ledger per
target and reward proposals from published assessment results.

Money is integer fen (分) in the database and in every calculation; people type yuan ("12.50"),
parsed with :class:`~decimal.Decimal` (never float) by :func:`parse_yuan`. Invalid input raises
:class:`~core.forms.FormErrors` (field → Chinese message) before anything is written.

Balance rule: a line's *committed* money is the sum of its disbursements that are requested,
approved or paid; a new request may not exceed ``amount_fen - committed`` and a line's budget may
not be cut below ``committed``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core import clock, search
from core.forms import FormErrors, text
from core.money import MAX_FEN, parse_yuan, yuan, yuan_plain  # noqa: F401 (re-exported)
from core.plugins import registry
from core.registry.models import Cluster, PartyOrg
from core.tenancy import TenantInfo, tree
from plugins.funds.models import BudgetLine, Disbursement
from plugins.funds.types import RewardRule

CATEGORIES = {"work": "工作经费", "reward": "奖励", "subsidy": "补贴", "startup": "启动经费",
              "venue": "阵地建设补助", "dues_refund": "党费返还"}
TARGET_KINDS = {"tenant": "本级", "cluster": "组团（联组）", "party_org": "党组织"}
STATUSES = {"requested": "待审批", "approved": "已批准", "paid": "已拨付", "rejected": "已驳回"}
COMMITTED = ("requested", "approved", "paid")


# --- money -------------------------------------------------------------------------------------


# parse_yuan, yuan and yuan_plain are the core's (core.money), shared with settings and programs


# --- helpers -----------------------------------------------------------------------------------


def target_name(session: Session, tenant: TenantInfo, kind: str, target_id: int | None) -> str | None:
    """The target's name if it exists and is visible to ``session``; ``None`` otherwise."""
    if kind == "tenant":
        return tenant.name
    model = {"cluster": Cluster, "party_org": PartyOrg}.get(kind)
    if model is None or target_id is None:
        return None
    row = session.get(model, target_id)
    return row.name if row is not None else None


def target_options(session: Session, kind: str) -> list[tuple[int, str]]:
    model = {"cluster": Cluster, "party_org": PartyOrg}.get(kind)
    if model is None:
        return []
    return [(r.id, r.name) for r in session.scalars(select(model).order_by(model.name).limit(2000))]


# --- budget lines ------------------------------------------------------------------------------


def clean_line(session: Session, tenant: TenantInfo, raw: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    year = 0
    try:
        year = int(text(raw, "year"))
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        errors["year"] = "请填写 2000–2100 之间的年度"
    kind = text(raw, "target_kind") or "tenant"
    target_id: int | None = None
    name = None
    if kind not in TARGET_KINDS:
        errors["target_kind"] = "请选择经费对象类型"
    elif kind != "tenant":
        try:
            target_id = int(text(raw, "target_id"))
        except ValueError:
            target_id = None
        name = target_name(session, tenant, kind, target_id)
        if name is None:
            errors["target_id"] = f"请选择本辖区的{TARGET_KINDS[kind]}"
    else:
        name = tenant.name
    category = text(raw, "category")
    if category not in CATEGORIES:
        errors["category"] = "请选择经费类别"
    title = text(raw, "title") or CATEGORIES.get(category, "")
    if len(title) > 200:
        errors["title"] = "名称最多 200 个字符"
    amount = 0
    try:
        amount = parse_yuan(text(raw, "amount"))
    except ValueError as exc:
        errors["amount"] = str(exc)
    note = text(raw, "note")
    if len(note) > 5000:
        errors["note"] = "备注最多 5000 个字符"
    if errors:
        raise FormErrors(errors)
    return {"year": year, "target_kind": kind, "target_id": target_id, "target_name": name or "",
            "category": category, "title": title, "amount_fen": amount, "note": note}


def create_line(session: Session, tenant: TenantInfo, raw: Mapping[str, Any]) -> BudgetLine:
    line = BudgetLine(**clean_line(session, tenant, raw))
    session.add(line)
    session.flush()
    return line


def committed_fen(session: Session, line_id: int, exclude_id: int | None = None) -> int:
    stmt = select(func.coalesce(func.sum(Disbursement.amount_fen), 0)).where(
        Disbursement.line_id == line_id, Disbursement.status.in_(COMMITTED))
    if exclude_id is not None:
        stmt = stmt.where(Disbursement.id != exclude_id)
    return int(session.scalar(stmt) or 0)


def remaining_fen(session: Session, line: BudgetLine) -> int:
    return line.amount_fen - committed_fen(session, line.id)


def update_line_amount(session: Session, line: BudgetLine, raw: Mapping[str, Any]) -> BudgetLine:
    """Change a line's budget (``amount``) and note; never below what is already committed."""
    try:
        amount = parse_yuan(text(raw, "amount"))
    except ValueError as exc:
        raise FormErrors({"amount": str(exc)}) from None
    committed = committed_fen(session, line.id)
    if amount < committed:
        raise FormErrors({"amount": f"预算金额不能低于已申请及拨付合计 {yuan(committed)} 元"})
    line.amount_fen = amount
    if "note" in raw:
        line.note = text(raw, "note")
    session.flush()
    return line


def get_line(session: Session, line_id: int) -> BudgetLine:
    line = session.get(BudgetLine, line_id)
    if line is None:
        raise NotFoundException("预算不存在")
    return line


def line_select(q: str = "", year: int | None = None, category: str = "", target_kind: str = "") -> Select:
    stmt = select(BudgetLine)
    if q:
        stmt = stmt.where(search.matches(q, BudgetLine.title, BudgetLine.target_name))
    if year:
        stmt = stmt.where(BudgetLine.year == year)
    if category in CATEGORIES:
        stmt = stmt.where(BudgetLine.category == category)
    if target_kind in TARGET_KINDS:
        stmt = stmt.where(BudgetLine.target_kind == target_kind)
    return stmt.order_by(BudgetLine.year.desc(), BudgetLine.target_name, BudgetLine.id)


# --- disbursements -----------------------------------------------------------------------------


def request_disbursement(session: Session, line: BudgetLine, raw: Mapping[str, Any], today: dt.date,
                         username: str = "", source: str = "manual", source_key: str = "") -> Disbursement:
    """A request (status ``requested``) for ``amount`` yuan against ``line``; refused when it
    exceeds the line's remaining balance."""
    errors: dict[str, str] = {}
    amount = 0
    try:
        amount = parse_yuan(text(raw, "amount"))
    except ValueError as exc:
        errors["amount"] = str(exc)
    purpose = text(raw, "purpose")
    if not purpose:
        errors["purpose"] = "请填写用途"
    elif len(purpose) > 200:
        errors["purpose"] = "用途最多 200 个字符"
    payee = text(raw, "payee")
    if len(payee) > 200:
        errors["payee"] = "收款方最多 200 个字符"
    if not errors:
        remaining = remaining_fen(session, line)
        if amount > remaining:
            errors["amount"] = (f"超出预算余额：“{line.title}”剩余 {yuan(remaining)} 元，"
                                f"本次申请 {yuan(amount)} 元")
    if errors:
        raise FormErrors(errors)
    d = Disbursement(line_id=line.id, amount_fen=amount, purpose=purpose, payee=payee or line.target_name,
                     status="requested", requested_on=today, requested_by=username, source=source,
                     source_key=source_key)
    session.add(d)
    session.flush()
    return d


@dataclass(frozen=True)
class Transition:
    verb: str
    sources: tuple[str, ...]
    target: str


TRANSITIONS = {
    "approve": Transition("批准", ("requested",), "approved"),
    "reject": Transition("驳回", ("requested",), "rejected"),
    "pay": Transition("登记拨付", ("approved",), "paid"),
}


def allowed_actions(d: Disbursement) -> list[str]:
    return [a for a, t in TRANSITIONS.items() if d.status in t.sources]


def decide(session: Session, d: Disbursement, action: str, raw: Mapping[str, Any], today: dt.date,
           username: str = "", *, separate_approval: bool = False) -> Disbursement:
    """approve / reject (needs ``reason``) / pay (``paid_on``, default today, not in the future).
    With ``separate_approval`` (the tenant's setting, passed by the pages and the API) the
    person who requested a disbursement may not approve it."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise FormErrors({"status": "不支持的操作"})
    if d.status not in t.sources:
        raise FormErrors({"status": f"当前状态为「{STATUSES.get(d.status, d.status)}」，不能{t.verb}"})
    if action == "approve" and separate_approval and username and d.requested_by == username:
        raise FormErrors({"status": "不能审批本人提出的拨付申请，请由其他有审批权限的人员审批"})
    if action == "reject":
        reason = text(raw, "reason")
        if not reason:
            raise FormErrors({"reason": "请填写驳回原因"})
        d.reject_reason = reason
    if action == "pay":
        paid_on = today
        value = text(raw, "paid_on")
        if value:
            try:
                paid_on = dt.date.fromisoformat(value)
            except ValueError:
                raise FormErrors({"paid_on": "日期格式应为 2026-04-15"}) from None
        if paid_on > today:
            raise FormErrors({"paid_on": "拨付日期不能晚于今天"})
        d.paid_on = paid_on
    else:
        d.decided_on, d.decided_by = today, username
    d.status = t.target
    session.flush()
    return d


def get_disbursement(session: Session, disbursement_id: int) -> Disbursement:
    d = session.get(Disbursement, disbursement_id)
    if d is None:
        raise NotFoundException("拨付记录不存在")
    return d


def disbursement_select(q: str = "", status: str = "", year: int | None = None) -> Select:
    stmt = select(Disbursement).join(BudgetLine, BudgetLine.id == Disbursement.line_id)
    if q:
        stmt = stmt.where(search.matches(q, Disbursement.purpose, BudgetLine.target_name, Disbursement.payee))
    if status in STATUSES:
        stmt = stmt.where(Disbursement.status == status)
    if year:
        stmt = stmt.where(BudgetLine.year == year)
    return stmt.order_by(Disbursement.requested_on.desc(), Disbursement.id.desc())


def disbursements_of(session: Session, line: BudgetLine) -> list[Disbursement]:
    return list(session.scalars(select(Disbursement).where(Disbursement.line_id == line.id)
                                .order_by(Disbursement.id)))


def lines_by_id(session: Session, ids: Iterable[int]) -> dict[int, BudgetLine]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {ln.id: ln for ln in session.scalars(select(BudgetLine).where(BudgetLine.id.in_(ids)))}


# --- ledger ------------------------------------------------------------------------------------


@dataclass
class LedgerRow:
    year: int
    target_kind: str
    target_id: int | None
    target_name: str
    budget_fen: int = 0
    requested_fen: int = 0
    approved_fen: int = 0
    paid_fen: int = 0

    @property
    def committed_fen(self) -> int:
        return self.requested_fen + self.approved_fen + self.paid_fen

    @property
    def remaining_fen(self) -> int:
        return self.budget_fen - self.committed_fen


def ledger(session: Session, year: int | None = None, target_kind: str = "", q: str = "") -> list[LedgerRow]:
    """One row per (year, target): budget, pending, approved, paid and remaining — fen."""
    rows: dict[tuple, LedgerRow] = {}
    lines = list(session.scalars(line_select(q, year, "", target_kind)))
    for ln in lines:
        key = (ln.year, ln.target_kind, ln.target_id)
        row = rows.setdefault(key, LedgerRow(ln.year, ln.target_kind, ln.target_id, ln.target_name))
        row.budget_fen += ln.amount_fen
    by_line = {ln.id: (ln.year, ln.target_kind, ln.target_id) for ln in lines}
    if by_line:
        stmt = (select(Disbursement.line_id, Disbursement.status, func.sum(Disbursement.amount_fen))
                .where(Disbursement.line_id.in_(list(by_line))).group_by(Disbursement.line_id, Disbursement.status))
        for line_id, status, total in session.execute(stmt):
            row = rows[by_line[line_id]]
            if status in COMMITTED:
                setattr(row, f"{status}_fen", getattr(row, f"{status}_fen") + int(total or 0))
    return sorted(rows.values(), key=lambda r: (-r.year, r.target_kind != "tenant", r.target_name))


LEDGER_HEADERS = ["年度", "对象类型", "对象", "预算（元）", "待审批（元）", "已批准未拨付（元）", "已拨付（元）", "余额（元）"]


def ledger_rows(rows: Iterable[LedgerRow]) -> list[list[Any]]:
    return [[r.year, TARGET_KINDS.get(r.target_kind, r.target_kind), r.target_name, Decimal(r.budget_fen) / 100,
             Decimal(r.requested_fen) / 100, Decimal(r.approved_fen) / 100, Decimal(r.paid_fen) / 100,
             Decimal(r.remaining_fen) / 100] for r in rows]


@dataclass
class LedgerEntry:
    """One line of a target's ledger: a budget line (credit, ``kind="budget"``, dated the day the
    line was set up — or its first request, if earlier — with its current amount) or a disbursement (``kind="disbursement"``, dated
    its request). ``balance_fen`` is what remains after the entry: requested, approved and paid
    money is committed; a rejected request changes nothing."""

    on: dt.date
    kind: str
    line: BudgetLine
    disbursement: Disbursement | None
    amount_fen: int
    balance_fen: int = 0

    @property
    def counts(self) -> bool:
        return self.disbursement is None or self.disbursement.status in COMMITTED


@dataclass
class TargetLedger:
    target_kind: str
    target_id: int | None
    target_name: str
    year: int | None
    lines: list[BudgetLine]
    remaining: dict[int, int]  # line id → remaining fen
    entries: list[LedgerEntry]
    totals: LedgerRow


def _local_date(value: dt.datetime | None, fallback: dt.date) -> dt.date:
    return fallback if value is None else clock.local(value).date()


def target_ledger(session: Session, tenant: TenantInfo, kind: str, target_id: int | None,
                  year: int | None = None) -> TargetLedger | None:
    """The ledger (台账) of one target — the tenant itself, a cluster or a party org — over all its
    budget lines (of ``year``, or every year): the lines with what remains, and every budget and
    disbursement in date order with the running balance. ``None`` when the target has no line
    visible to ``session`` (and is not the tenant itself)."""
    if kind not in TARGET_KINDS:
        return None
    stmt = select(BudgetLine).where(BudgetLine.target_kind == kind)
    stmt = stmt.where(BudgetLine.target_id.is_(None) if kind == "tenant" else BudgetLine.target_id == target_id)
    if year:
        stmt = stmt.where(BudgetLine.year == year)
    lines = list(session.scalars(stmt.order_by(BudgetLine.year, BudgetLine.id)))
    if kind == "tenant":
        name = tenant.name
    elif lines:
        name = target_name(session, tenant, kind, target_id) or lines[-1].target_name
    else:
        name = target_name(session, tenant, kind, target_id)
        if name is None:
            return None
    totals = LedgerRow(year or 0, kind, target_id if kind != "tenant" else None, name)
    entries: list[LedgerEntry] = []
    by_id = {ln.id: ln for ln in lines}
    items = list(session.scalars(select(Disbursement).where(Disbursement.line_id.in_(list(by_id)))
                                 .order_by(Disbursement.requested_on, Disbursement.id))) if by_id else []
    first_use: dict[int, dt.date] = {}
    for d in items:
        first_use.setdefault(d.line_id, d.requested_on)
    for ln in lines:
        totals.budget_fen += ln.amount_fen
        on = _local_date(ln.created_at, dt.date(ln.year, 1, 1))
        on = min(on, first_use.get(ln.id, on))  # a budget comes before the money drawn on it
        entries.append(LedgerEntry(on, "budget", ln, None, ln.amount_fen))
    for d in items:
        if d.status in COMMITTED:
            setattr(totals, f"{d.status}_fen", getattr(totals, f"{d.status}_fen") + d.amount_fen)
        entries.append(LedgerEntry(d.requested_on, "disbursement", by_id[d.line_id], d, d.amount_fen))
    entries.sort(key=lambda e: (e.on, e.kind != "budget", e.disbursement.id if e.disbursement else e.line.id))
    balance = 0
    for e in entries:
        if e.kind == "budget":
            balance += e.amount_fen
        elif e.counts:
            balance -= e.amount_fen
        e.balance_fen = balance
    remaining = {ln.id: ln.amount_fen for ln in lines}
    for d in items:
        if d.status in COMMITTED:
            remaining[d.line_id] -= d.amount_fen
    return TargetLedger(kind, totals.target_id, name, year, lines, remaining, entries, totals)


TARGET_LEDGER_HEADERS = ["日期", "摘要", "预算项目", "类别", "收款方", "状态", "预算（元）", "支出（元）", "余额（元）"]


def target_ledger_rows(tl: TargetLedger) -> list[list[Any]]:
    rows = []
    for e in tl.entries:
        d = e.disbursement
        rows.append([e.on, "预算" if d is None else d.purpose, e.line.title, CATEGORIES.get(e.line.category, e.line.category),
                     "" if d is None else d.payee, "" if d is None else STATUSES.get(d.status, d.status),
                     Decimal(e.amount_fen) / 100 if d is None else None,
                     Decimal(e.amount_fen) / 100 if d is not None else None, Decimal(e.balance_fen) / 100])
    return rows


# --- reward rules ------------------------------------------------------------------------------


def rules_for(tenant: TenantInfo) -> list[RewardRule]:
    found: dict[str, RewardRule] = {}
    for batch in registry().hooks_for(tenant.id).register_reward_rules(tenant=tenant):
        for rule in batch or ():
            found.setdefault(rule.key, rule)
    return list(found.values())


def _reward_line(session: Session, rule: RewardRule, year: int, kind: str, target_id: int | None, name: str,
                 amount: int) -> BudgetLine:
    """The target's line for ``rule`` in ``year``; created with the reward as its budget, or
    raised by the reward when it exists (the rule is the budget authority for its awards)."""
    line = session.scalar(select(BudgetLine).where(BudgetLine.year == year, BudgetLine.target_kind == kind,
                                                   BudgetLine.target_id == target_id,
                                                   BudgetLine.category == rule.category,
                                                   BudgetLine.title == rule.label[:200]))
    if line is None:
        line = BudgetLine(year=year, target_kind=kind, target_id=target_id, target_name=name[:200],
                          category=rule.category, title=rule.label[:200], amount_fen=0,
                          note=f"由奖励规则“{rule.label}”根据考核结果生成")
        session.add(line)
        session.flush()
    shortfall = amount - remaining_fen(session, line)
    if shortfall > 0:
        line.amount_fen += shortfall
        session.flush()
    return line


def propose_rewards(session: Session, tenant: TenantInfo, round: Any, today: dt.date) -> list[Disbursement]:
    """Reward proposals for a published round (``plugins.assessment.api.PublishedRound``):
    one ``requested`` disbursement per rewarded result and rule. Idempotent (a result already
    proposed under a rule is skipped)."""
    out: list[Disbursement] = []
    kinds = {"cluster": "cluster", "party_org": "party_org"}
    for rule in rules_for(tenant):
        if rule.template_key != round.template_key:
            continue
        for r in round.results:
            amount = rule.amount_for(r.rank, r.grade)
            if amount <= 0:
                continue
            key = f"{rule.key}:{round.id}:{r.target_kind}:{r.target_id}"
            if session.scalar(select(Disbursement.id).where(Disbursement.source_key == key)):
                continue
            kind = kinds.get(r.target_kind, "tenant")
            target_id = r.target_id if kind != "tenant" else None
            name = r.target_name if kind != "tenant" else tenant.name
            line = _reward_line(session, rule, round.period_start.year, kind, target_id, name, amount)
            what = f"第{r.rank}名" + (f"、{r.grade}" if r.grade else "")
            out.append(request_disbursement(
                session, line, {"amount": yuan_plain(amount), "purpose": f"{round.title}：{r.target_name}（{what}）",
                                "payee": r.target_name}, today, "系统（奖励规则）", source="reward", source_key=key))
    return out


def tenant_label(tenant_id: int) -> str:
    t = tree().by_id.get(tenant_id)
    return t.name if t else ""
