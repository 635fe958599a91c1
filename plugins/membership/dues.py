"""Dues (党费): per member per month — base (monthly income), rate, due, paid, date, method,
arrears and back-payment — the rate table (a tenant setting, standard brackets by default,
changes apply from a month on), party-org and tenant ledgers and the arrears list. A month's
payments are imported through the registry's import pages (:mod:`plugins.membership.imports`,
checked whole, written all-or-nothing).

Money is integer fen; people type yuan (``"12.50"``), parsed by :mod:`core.money`. Identities the
ledger keeps: due = paid + arrears (a payment above the amount due is refused), and
retained + remitted = collected (retained = collected × the tenant's share, rounded down to the
fen; remitted is the rest). Refunds (下拨/返还) go to the funds engine as ledger entries.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock, money
from core.forms import FormErrors, row_id, text
from core.registry.models import Member, PartyOrg
from core.tenancy import TenantInfo
from plugins.membership.models import DuesProfile, DuesRateTable, DuesRecord, DuesRemittance
from plugins.membership.scope import Scope

CATEGORIES = {"employed": "在职", "retired": "离退休", "student": "学生", "laid_off": "下岗失业",
              "relief": "依靠救济"}
FIXED = ("student", "laid_off", "relief")
METHODS = {"cash": "现金", "transfer": "银行转账", "wechat": "微信", "alipay": "支付宝", "payroll": "工资代扣"}
#: 中组部《关于中国共产党党费收缴、使用和管理的规定》: monthly base (fen, upper bound; None = above) → basis points
STANDARD_TABLE: dict[str, Any] = {
    "employed": [[300000, 50], [500000, 100], [1000000, 150], [None, 200]],
    "retired": [[500000, 50], [None, 100]],
    "fixed": {"min_fen": 20, "max_fen": 100, "default_fen": 20},
}


def yuan(fen: int | None) -> str:
    return money.yuan(fen)


def parse_yuan(value: Any, label: str, *, allow_zero: bool = True) -> int:
    """Fen from "12.50" / "1,234" / "¥12.5元" (:func:`core.money.parse_yuan`); ``ValueError``
    with the field's label in front of the message."""
    try:
        return money.parse_yuan(value, allow_zero=allow_zero)
    except ValueError as exc:
        raise ValueError(f"{label}：{exc}") from None


def month_of(value: Any) -> dt.date | None:
    """"2026-03" / "2026-03-01" / a date → the first of that month; ``None`` if unreadable."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    m = re.fullmatch(r"\s*(\d{4})[-/年.](\d{1,2})(?:[-/月.](\d{1,2})日?)?月?\s*", "" if value is None else str(value))
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


# --- the rate table -----------------------------------------------------------------------------


def rate_table(session: Session, month: dt.date) -> dict[str, Any]:
    """The table in force in ``month``: the latest stored version from that month or before,
    else the standard one."""
    row = session.scalar(select(DuesRateTable).where(DuesRateTable.effective_from <= month)
                         .order_by(DuesRateTable.effective_from.desc()).limit(1))
    return row.table if row is not None else STANDARD_TABLE


def versions(session: Session) -> list[DuesRateTable]:
    return list(session.scalars(select(DuesRateTable).order_by(DuesRateTable.effective_from.desc())))


def bracket_text(brackets: list) -> str:
    """``[[300000, 50], [None, 200]]`` → ``"3000:0.5, *:2"`` (yuan : percent)."""
    parts = []
    for upper, bp in brackets:
        pct = f"{Decimal(bp) / 100:f}".rstrip("0").rstrip(".")
        parts.append(f"{'*' if upper is None else yuan(upper).replace(',', '').removesuffix('.00')}:{pct}")
    return ", ".join(parts)


def parse_brackets(value: str, label: str) -> list:
    """``"3000:0.5, 5000:1, *:2"`` → brackets (upper bound in fen, rate in basis points)."""
    out: list = []
    parts = [p.strip() for p in re.split(r"[,，;；]", value or "") if p.strip()]
    if not parts:
        raise ValueError(f"{label}：必填，如 3000:0.5, 5000:1, *:2")
    for i, part in enumerate(parts):
        upper, sep, pct = part.replace("：", ":").partition(":")
        upper, pct = upper.strip(), pct.strip().removesuffix("%")
        try:
            rate = Decimal(pct)
        except InvalidOperation:
            raise ValueError(f"{label}：「{part}」的比例应为百分数，如 0.5") from None
        if not sep or rate <= 0 or rate > 10 or rate != rate.quantize(Decimal("0.01")):
            raise ValueError(f"{label}：「{part}」格式应为 上限元数:百分比，如 3000:0.5")
        last = i == len(parts) - 1
        if upper == "*":
            if not last:
                raise ValueError(f"{label}：「*」（以上）只能放在最后一档")
            out.append([None, int(rate * 100)])
            continue
        try:
            bound = parse_yuan(upper, label, allow_zero=False)
        except ValueError:
            raise ValueError(f"{label}：「{part}」的上限应为元数") from None
        if out and out[-1][0] is not None and bound <= out[-1][0]:
            raise ValueError(f"{label}：各档上限须从低到高排列")
        out.append([bound, int(rate * 100)])
    if out[-1][0] is not None:
        raise ValueError(f"{label}：最后一档须为「*:比例」（以上）")
    return out


def save_rate_table(session: Session, raw: Mapping[str, Any]) -> DuesRateTable:
    """A new version of the table from a month on (``effective_from``: "2026-07"); the same month
    again replaces that version. Months already recorded keep the rates they were computed with."""
    errors: dict[str, str] = {}
    month = month_of(text(raw, "effective_from"))
    if month is None:
        errors["effective_from"] = "起始月份：格式应为 2026-07"
    table: dict[str, Any] = {}
    for key, label in (("employed", "在职党员比例"), ("retired", "离退休党员比例")):
        try:
            table[key] = parse_brackets(text(raw, key), label)
        except ValueError as exc:
            errors[key] = str(exc)
    fixed: dict[str, int] = {}
    for key, label in (("min_fen", "固定金额下限"), ("max_fen", "固定金额上限"), ("default_fen", "固定金额默认")):
        try:
            fixed[key] = parse_yuan(text(raw, key.removesuffix("_fen")), label, allow_zero=False)
        except ValueError as exc:
            errors[key.removesuffix("_fen")] = str(exc)
    if len(fixed) == 3 and not fixed["min_fen"] <= fixed["default_fen"] <= fixed["max_fen"]:
        errors["default"] = "固定金额默认：须在下限与上限之间"
    if errors:
        raise FormErrors(errors)
    table["fixed"] = fixed
    row = session.scalar(select(DuesRateTable).where(DuesRateTable.effective_from == month))
    if row is None:
        row = DuesRateTable(effective_from=month)
        session.add(row)
    row.table, row.note = table, text(raw, "note")[:200]
    session.flush()
    return row


def compute(table: Mapping[str, Any], category: str, base_fen: int, fixed_fen: int = 0) -> tuple[int, int]:
    """(rate in basis points, due in fen) for one month. Fixed categories (学生/下岗/依靠救济)
    pay ``fixed_fen`` (default: the table's default) and have no rate."""
    if category in FIXED:
        fx = table["fixed"]
        amount = fixed_fen or fx["default_fen"]
        return 0, min(max(amount, fx["min_fen"]), fx["max_fen"])
    brackets = table["retired" if category == "retired" else "employed"]
    bp = next(rate for upper, rate in brackets if upper is None or base_fen <= upper)
    due = (Decimal(base_fen) * bp / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return bp, int(due)


# --- profiles and monthly records ---------------------------------------------------------------


def profile(session: Session, member_id: int) -> DuesProfile | None:
    return session.scalar(select(DuesProfile).where(DuesProfile.member_id == member_id))


def save_profile(session: Session, member: Member, raw: Mapping[str, Any]) -> DuesProfile:
    errors: dict[str, str] = {}
    category = text(raw, "category")
    if category not in CATEGORIES:
        errors["category"] = "党费类别：请选择"
    base = fixed = 0
    try:
        base = parse_yuan(text(raw, "base") or "0", "缴费基数")
    except ValueError as exc:
        errors["base"] = str(exc)
    if text(raw, "fixed"):
        try:
            fixed = parse_yuan(text(raw, "fixed"), "固定金额", allow_zero=False)
        except ValueError as exc:
            errors["fixed"] = str(exc)
    if category in FIXED and fixed:
        fx = rate_table(session, clock.today().replace(day=1))["fixed"]
        if not fx["min_fen"] <= fixed <= fx["max_fen"]:
            errors["fixed"] = f"固定金额：应在 {yuan(fx['min_fen'])}–{yuan(fx['max_fen'])} 元之间"
    if errors:
        raise FormErrors(errors)
    p = profile(session, member.id)
    if p is None:
        p = DuesProfile(member_id=member.id)
        session.add(p)
    p.category, p.base_fen, p.fixed_fen = category, base if category not in FIXED else 0, fixed
    session.flush()
    return p


def _members(session: Session, scope: Scope, party_org_id: int | None = None) -> list[Member]:
    stmt = select(Member).where(Member.status.in_(("probationary", "full")), Member.party_org_id.is_not(None))
    clause = scope.member_clause()
    if clause is not None:
        stmt = stmt.where(clause)
    if party_org_id:
        stmt = stmt.where(Member.party_org_id == party_org_id)
    return list(session.scalars(stmt.order_by(Member.name, Member.id)))


def generate_month(session: Session, scope: Scope, month: dt.date, party_org_id: int | None = None) -> int:
    """The month's due records of every member (in scope, of ``party_org_id``) that has none yet,
    from their dues profile and the table in force; members without a profile count as 在职
    with base 0 until one is entered. Returns how many were added."""
    table = rate_table(session, month)
    have = set(session.scalars(select(DuesRecord.member_id).where(DuesRecord.month == month)))
    added = 0
    for m in _members(session, scope, party_org_id):
        if m.id in have:
            continue
        p = profile(session, m.id)
        category, base, fixed = (p.category, p.base_fen, p.fixed_fen) if p else ("employed", 0, 0)
        bp, due = compute(table, category, base, fixed)
        session.add(DuesRecord(member_id=m.id, party_org_id=m.party_org_id, month=month, category=category,
                               base_fen=base, rate_bp=bp, due_fen=due))
        added += 1
    session.flush()
    return added


def record_payment(session: Session, rec: DuesRecord, raw: Mapping[str, Any]) -> DuesRecord:
    """Paid amount (yuan), date and method; paid after its month → back-payment (补缴)."""
    errors = _payment_errors(raw, rec.due_fen)
    if errors:
        raise FormErrors(errors)
    _apply_payment(rec, raw)
    session.flush()
    return rec


def _payment_errors(raw: Mapping[str, Any], due_fen: int) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        paid = parse_yuan(text(raw, "paid"), "实缴金额")
        if paid > due_fen:
            errors["paid"] = f"实缴金额：不能超过应缴 {yuan(due_fen)} 元"
    except ValueError as exc:
        errors["paid"] = str(exc)
    on = text(raw, "paid_on")
    try:
        day = dt.date.fromisoformat(on) if on else clock.today()
        if day > clock.today():
            errors["paid_on"] = "缴费日期：不能晚于今天"
    except ValueError:
        errors["paid_on"] = "缴费日期：格式应为 2026-03-15"
    method = text(raw, "method")
    if method and method not in METHODS and method not in METHODS.values():
        errors["method"] = f"缴费方式：应为{'、'.join(METHODS.values())}之一"
    return errors


def _apply_payment(rec: DuesRecord, raw: Mapping[str, Any]) -> None:
    rec.paid_fen = parse_yuan(text(raw, "paid"), "实缴金额")
    on = text(raw, "paid_on")
    rec.paid_on = dt.date.fromisoformat(on) if on else clock.today()
    method = text(raw, "method")
    rec.method = {v: k for k, v in METHODS.items()}.get(method, method)
    rec.back_payment = rec.paid_fen > 0 and rec.paid_on > month_end(rec.month)
    if text(raw, "note"):
        rec.note = text(raw, "note")[:200]


def records(session: Session, scope: Scope, month: dt.date | None = None, party_org_id: int | None = None,
            member_id: int | None = None):
    stmt = select(DuesRecord)
    ids = scope.member_ids()
    if ids is not None:
        stmt = stmt.where(DuesRecord.member_id.in_(ids))
    if month:
        stmt = stmt.where(DuesRecord.month == month)
    if party_org_id:
        stmt = stmt.where(DuesRecord.party_org_id == party_org_id)
    if member_id:
        stmt = stmt.where(DuesRecord.member_id == member_id)
    return stmt.order_by(DuesRecord.month.desc(), DuesRecord.id)


# --- ledgers ------------------------------------------------------------------------------------


@dataclass
class LedgerRow:
    party_org_id: int | None
    party_org_name: str
    members: int = 0
    due_fen: int = 0
    paid_fen: int = 0
    arrears_fen: int = 0
    back_fen: int = 0
    retained_fen: int = 0
    remitted_fen: int = 0
    refunded_fen: int = 0

    @property
    def collected_fen(self) -> int:
        return self.paid_fen


def _split(row: LedgerRow, retained_percent: int) -> None:
    row.retained_fen = row.paid_fen * retained_percent // 100
    row.remitted_fen = row.paid_fen - row.retained_fen


def ledger(session: Session, scope: Scope, year: int, month: dt.date | None, retained_percent: int,
           refunds: Mapping[int, int] | None = None) -> tuple[list[LedgerRow], LedgerRow]:
    """Per party org (and the total) for ``month`` or the whole ``year``: members, due, collected
    (收缴), arrears, back-payments, retained (留存) and remitted (上缴); refunds (下拨/返还)
    from the funds ledger when given (party org id → fen)."""
    stmt = select(DuesRecord.party_org_id, func.count(func.distinct(DuesRecord.member_id)),
                  func.sum(DuesRecord.due_fen), func.sum(DuesRecord.paid_fen))
    if month:
        stmt = stmt.where(DuesRecord.month == month)
    else:
        stmt = stmt.where(DuesRecord.month >= dt.date(year, 1, 1), DuesRecord.month <= dt.date(year, 12, 1))
    ids = scope.member_ids()
    if ids is not None:
        stmt = stmt.where(DuesRecord.member_id.in_(ids))
    names = dict(session.execute(select(PartyOrg.id, PartyOrg.name)).all())
    rows: list[LedgerRow] = []
    back = dict(session.execute(stmt.with_only_columns(DuesRecord.party_org_id, func.sum(DuesRecord.paid_fen))
                                .where(DuesRecord.back_payment.is_(True)).group_by(DuesRecord.party_org_id)).all())
    for po_id, members, due, paid in session.execute(stmt.group_by(DuesRecord.party_org_id)):
        row = LedgerRow(po_id, names.get(po_id, "（无党组织）"), members, int(due or 0), int(paid or 0))
        row.arrears_fen = row.due_fen - row.paid_fen
        row.back_fen = int(back.get(po_id) or 0)
        _split(row, retained_percent)
        row.refunded_fen = int((refunds or {}).get(po_id, 0))
        rows.append(row)
    rows.sort(key=lambda r: r.party_org_name)
    total = LedgerRow(None, "合计")
    for r in rows:
        for k in ("members", "due_fen", "paid_fen", "arrears_fen", "back_fen", "retained_fen", "remitted_fen",
                  "refunded_fen"):
            setattr(total, k, getattr(total, k) + getattr(r, k))
    return rows, total


LEDGER_HEADERS = ["党组织", "党员人数", "应缴（元）", "收缴（元）", "欠缴（元）", "其中补缴（元）", "留存（元）", "上缴（元）",
                  "下拨/返还（元）"]


def ledger_rows(rows: Iterable[LedgerRow]) -> list[list[Any]]:
    return [[r.party_org_name, r.members, Decimal(r.due_fen) / 100, Decimal(r.paid_fen) / 100,
             Decimal(r.arrears_fen) / 100, Decimal(r.back_fen) / 100, Decimal(r.retained_fen) / 100,
             Decimal(r.remitted_fen) / 100, Decimal(r.refunded_fen) / 100] for r in rows]


# --- arrears ------------------------------------------------------------------------------------


@dataclass
class ArrearsRow:
    member: Member
    months: list[dt.date]  # months with arrears, oldest first
    arrears_fen: int
    consecutive: int  # unpaid months in a row, up to the latest recorded month

    def flagged(self, limit: int) -> bool:
        return self.consecutive >= limit


def arrears(session: Session, scope: Scope, on: dt.date, flag_months: int, *, flagged_only: bool = False
            ) -> list[ArrearsRow]:
    """Members with arrears in recorded months up to ``on``; ``consecutive`` counts the unpaid
    calendar months in a row ending with the member's latest record (6 in a row: flagged, as the party's
    rules say of 连续六个月不交纳党费)."""
    stmt = records(session, scope).where(DuesRecord.month <= on.replace(day=1))
    by_member: dict[int, list[DuesRecord]] = {}
    for r in session.scalars(stmt):
        by_member.setdefault(r.member_id, []).append(r)
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(list(by_member) or [-1])))}
    out = []
    for mid, recs in by_member.items():
        recs.sort(key=lambda r: r.month)
        owing = [r for r in recs if r.arrears_fen > 0]
        if not owing or mid not in members:
            continue
        run, expected = 0, None
        for r in reversed(recs):  # unpaid calendar months in a row, ending with the latest record
            if r.paid_fen > 0 or r.due_fen == 0 or (expected is not None and r.month != expected):
                break
            run += 1
            expected = (r.month - dt.timedelta(days=1)).replace(day=1)
        row = ArrearsRow(members[mid], [r.month for r in owing], sum(r.arrears_fen for r in owing), run)
        if not flagged_only or row.flagged(flag_months):
            out.append(row)
    out.sort(key=lambda r: (-r.consecutive, -r.arrears_fen, r.member.name))
    return out


# --- refunds to the funds engine ----------------------------------------------------------------


def refund(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], actor: str) -> Any:
    """下拨/返还: money returned to a party org, recorded in the funds engine's ledger as a paid
    disbursement of a 党费返还 line of that party org (through ``plugins.funds.api``)."""
    from core.plugins import registry
    from plugins.funds import api as funds

    if not registry().is_enabled(tenant.id, "funds"):
        raise FormErrors({"__all__": "本辖区未启用「经费保障」，无法把返还记入经费台账"})
    errors: dict[str, str] = {}
    po_id = text(raw, "party_org")
    po = session.get(PartyOrg, row_id(po_id)) if row_id(po_id) else None
    if po is None:
        errors["party_org"] = "党组织：请选择"
    try:
        amount = parse_yuan(text(raw, "amount"), "返还金额", allow_zero=False)
    except ValueError as exc:
        errors["amount"] = str(exc)
    year = text(raw, "year") or str(clock.today().year)
    if not year.isdigit() or not 2000 <= int(year) <= 2100:
        errors["year"] = "年度：格式应为 2026"
    purpose = text(raw, "purpose") or "党费返还"
    if errors:
        raise FormErrors(errors)
    on = clock.today()
    line = funds.create_line(session, tenant, {"year": year, "target_kind": "party_org", "target_id": str(po.id),
                                               "category": "dues_refund", "title": f"{year}年党费返还",
                                               "amount": funds.yuan_plain(amount), "note": purpose})
    d = funds.request_disbursement(session, line, {"amount": funds.yuan_plain(amount), "purpose": purpose,
                                                   "payee": po.name}, on, actor, source="membership",
                                   source_key=f"dues_refund:{po.id}:{year}")
    funds.decide(session, d, "approve", {}, on, actor)
    funds.decide(session, d, "pay", {"paid_on": on.isoformat()}, on, actor)
    return d


def refunds_by_party_org(session: Session, year: int) -> dict[int, int]:
    """Fen refunded per party org in ``year`` — read back from the funds ledger."""
    from plugins.funds.api import BudgetLine, Disbursement

    stmt = (select(BudgetLine.target_id, func.sum(Disbursement.amount_fen))
            .join(Disbursement, Disbursement.line_id == BudgetLine.id)
            .where(BudgetLine.category == "dues_refund", BudgetLine.target_kind == "party_org",
                   BudgetLine.year == year, Disbursement.status == "paid")
            .group_by(BudgetLine.target_id))
    return {po: int(total or 0) for po, total in session.execute(stmt)}


# --- 党费上缴 per party org and year ---------------------------------------------------------------


def record_remittance(session: Session, raw: Mapping[str, Any], today: dt.date | None = None,
                      visible: set[int] | None = None) -> DuesRemittance:
    """What a party org handed in (上缴) for a year: ``party_org_id``, ``year`` (2000 – this year),
    ``amount`` (yuan, exact to the fen), ``remitted_on`` (optional, not in the future), ``note``
    (≤ 200). Registering the same party org and year again replaces the amount. ``visible``: the
    party orgs the caller may name (None: all)."""
    from core.registry.schemas import parse_date

    today = today or clock.today()
    errors: dict[str, str] = {}
    ref = row_id(raw.get("party_org_id"))
    po = session.get(PartyOrg, ref) if ref else None
    if not text(raw, "party_org_id"):
        errors["party_org_id"] = "党组织：必填"
    elif po is None or (visible is not None and po.id not in visible):
        errors["party_org_id"] = "党组织：请选择本辖区的党组织"
    year_text = text(raw, "year")
    year = int(year_text) if year_text.isdigit() else 0
    if not 2000 <= year <= today.year:
        errors["year"] = f"年度：请填写 2000–{today.year} 之间的年份"
    amount = 0
    try:
        amount = parse_yuan(raw.get("amount"), "上缴党费（元）")
    except ValueError as exc:
        errors["amount"] = str(exc)
    day_text = text(raw, "remitted_on")
    day = parse_date(day_text) if day_text else None
    if day_text and day is None:
        errors["remitted_on"] = "上缴日期：日期格式应为 2024-03-01"
    elif day is not None and day > today:
        errors["remitted_on"] = "上缴日期：不能晚于今天"
    note = text(raw, "note")
    if len(note) > 200:
        errors["note"] = "备注：最多 200 个字符"
    if errors:
        raise FormErrors(errors)
    row = session.scalar(select(DuesRemittance).where(DuesRemittance.party_org_id == po.id,
                                                      DuesRemittance.year == year))
    if row is None:
        row = DuesRemittance(party_org_id=po.id, year=year, amount_fen=amount, remitted_on=day, note=note)
        session.add(row)
    else:
        row.amount_fen, row.note = amount, note
        row.remitted_on = day or row.remitted_on
    session.flush()
    return row


def remittance_select(year: int | None = None, q: str = ""):
    """党费上缴 rows (newest year first, by party org name), filtered by year and party org name."""
    from core import search

    stmt = select(DuesRemittance).join(PartyOrg, PartyOrg.id == DuesRemittance.party_org_id)
    if year:
        stmt = stmt.where(DuesRemittance.year == year)
    if q:
        stmt = stmt.where(search.matches(q, PartyOrg.name))
    return stmt.order_by(DuesRemittance.year.desc(), PartyOrg.name, DuesRemittance.id)


def remitted_by_party_org(session: Session, year: int) -> dict[int, int]:
    """Fen handed in (上缴) per party org for ``year``."""
    return {po: int(fen) for po, fen in session.execute(
        select(DuesRemittance.party_org_id, DuesRemittance.amount_fen).where(DuesRemittance.year == year))}
