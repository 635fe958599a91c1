"""Rules of the designations block (称号与监管黑名单).

A designation is given to one subject — a row referenced as ``(subject_kind, subject_id)`` —
of a kind registered by a plugin, at a level, on a date, with an optional expiry. Its life:

* recorded for a kind that ``needs_review``: ``applied`` (待审核) → ``active`` (审核通过) or
  ``returned`` (退回, with a note) → ``applied`` again (重新申报);
* recorded for a kind without review, or confirmed: ``active``;
* proposed from a published assessment result: ``proposed`` (待确认) → ``active`` or ``dismissed``;
* ``active`` → ``revoked`` (撤销, reason required: 动态管理). An active designation past its
  ``expires_on`` reads 已到期 and no longer counts.

The supervision blacklist (监管黑名单) holds organizations with a reason from the tenant's list
(setting ``blacklist_reasons``, default 违法经营、偷逃税款、侵权滥权). A subject whose blocking
organizations (:class:`~plugins.designations.types.SubjectType`) are all on it is refused a
designation with a message naming the entry; listing an organization revokes its designations
still in force or pending — and, with the setting ``revoke_party_orgs``, those of the party orgs
covering only blacklisted organizations. Lifting an entry restores nothing: titles are applied
for again.

Invalid input raises :class:`~core.forms.FormErrors` (field → Chinese message) before anything
is written.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core import search
from core.forms import FormErrors, row_id, text, text_problem
from core.plugins import registry
from core.registry.models import Organization
from core.tenancy import TenantInfo
from plugins.designations.models import BlacklistEntry, Designation, DesignationFile
from plugins.designations.subjects import subject_types
from plugins.designations.types import (
    LEVELS,
    DesignationKind,
    SubjectRef,
    SubjectType,
    split_reasons,
)

STATUSES = {"proposed": "待确认", "applied": "待审核", "returned": "已退回", "active": "有效",
            "revoked": "已撤销", "dismissed": "未采纳"}
#: shown for an active designation past its expiry (never stored)
EXPIRED = "已到期"
VIEW_STATUSES = {**STATUSES, "expired": EXPIRED}
#: statuses a blacklisting ends (revoked with the entry's reason)
OPEN = ("proposed", "applied", "returned", "active")
SOURCES = {"manual": "人工登记", "assessment": "考核结果提名", "import": "导入", "migration": "数据迁移"}


@dataclass(frozen=True)
class Transition:
    verb: str
    sources: tuple[str, ...]
    target: str
    permission: str


TRANSITIONS = {
    "approve": Transition("审核通过", ("applied",), "active", "designations:review"),
    "return": Transition("退回", ("applied",), "returned", "designations:review"),
    "resubmit": Transition("重新申报", ("returned",), "applied", "designations:apply"),
    "confirm": Transition("确认", ("proposed",), "active", "designations:review"),
    "dismiss": Transition("不予采纳", ("proposed",), "dismissed", "designations:review"),
    "revoke": Transition("撤销", ("active",), "revoked", "designations:review"),
}


# --- configuration -----------------------------------------------------------------------------


def settings(tenant: TenantInfo):
    return registry().settings(tenant.id, "designations")


def kinds_for(tenant: TenantInfo) -> dict[str, DesignationKind]:
    """key → kind for ``tenant`` (its plugins' kinds, the block's generic ones last)."""
    found: dict[str, DesignationKind] = {}
    for batch in registry().hooks_for(tenant.id).register_designation_kinds(tenant=tenant):
        for kind in batch or ():
            found.setdefault(kind.key, kind)
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[1].label)))


def reasons_for(tenant: TenantInfo) -> list[str]:
    return split_reasons(settings(tenant).blacklist_reasons)


def kind_subjects(kind: DesignationKind, types: Mapping[str, SubjectType]) -> list[str]:
    """The kind's subject kinds the tenant knows (a kind may name ``site`` before sites exist)."""
    return [s for s in kind.subjects if s in types]


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_expiry(kind: DesignationKind, awarded_on: dt.date) -> dt.date | None:
    return add_months(awarded_on, kind.validity_months) if kind.validity_months else None


def view_status(d: Designation, today: dt.date) -> str:
    if d.status == "active" and d.expires_on is not None and d.expires_on < today:
        return "expired"
    return d.status


def in_force(today: dt.date):
    """SQL condition: active and not past its expiry."""
    return (Designation.status == "active") & (
        Designation.expires_on.is_(None) | (Designation.expires_on >= today))


# --- subjects ----------------------------------------------------------------------------------


def subject_ref(session: Session, tenant: TenantInfo, kind: str, subject_id: int | None) -> SubjectRef | None:
    """The subject if its kind is known and the row exists in the session's tenant."""
    st = subject_types(tenant).get(kind)
    if st is None or subject_id is None:
        return None
    name = st.names(session, [subject_id]).get(subject_id)
    if name is None:
        return None
    return SubjectRef(kind, subject_id, name, st.path.format(id=subject_id) if st.path else "")


def subject_paths(tenant: TenantInfo, rows: Iterable[Designation]) -> dict[int, str]:
    types = subject_types(tenant)
    out = {}
    for d in rows:
        st = types.get(d.subject_kind)
        if st is not None and st.path:
            out[d.id] = st.path.format(id=d.subject_id)
    return out


def parse_subject(raw: Mapping[str, Any]) -> tuple[str, int | None]:
    """``subject_kind`` + ``subject_id``, or one ``subject`` field ``"organization:12"`` (the form)."""
    combined = text(raw, "subject")
    if combined and ":" in combined:
        kind, _sep, ident = combined.partition(":")
        return kind.strip(), row_id(ident)
    return text(raw, "subject_kind"), row_id(text(raw, "subject_id"))


# --- blacklist ---------------------------------------------------------------------------------


def current_entries(session: Session, organization_ids: Iterable[int]) -> dict[int, BlacklistEntry]:
    """organization id → its entry in force (not lifted), for those on the blacklist."""
    ids = list(set(organization_ids))
    if not ids:
        return {}
    stmt = (select(BlacklistEntry).where(BlacklistEntry.organization_id.in_(ids), BlacklistEntry.lifted_on.is_(None))
            .order_by(BlacklistEntry.listed_on, BlacklistEntry.id))
    return {e.organization_id: e for e in session.scalars(stmt)}


def blocking_entries(session: Session, tenant: TenantInfo, subject_kind: str, subject_id: int
                     ) -> list[BlacklistEntry]:
    """The blacklist entries that block the subject: all of its blocking organizations are on
    the list (an organization: itself; a party org: every organization it covers)."""
    st = subject_types(tenant).get(subject_kind)
    if st is None or st.organizations is None:
        return []
    orgs = list(dict.fromkeys(st.organizations(session, subject_id)))
    if not orgs:
        return []
    entries = current_entries(session, orgs)
    return [entries[o] for o in orgs] if len(entries) == len(orgs) else []


def blocked_message(session: Session, entries: list[BlacklistEntry]) -> str:
    names = dict(session.execute(select(Organization.id, Organization.name)
                                 .where(Organization.id.in_([e.organization_id for e in entries]))).all())
    parts = "；".join(f"「{names.get(e.organization_id, '')}」自 {e.listed_on.isoformat()} 起因{e.reason}列入监管黑名单"
                     for e in entries)
    return f"{parts}，不能授予称号；移出黑名单后方可申报"


def check_not_blocked(session: Session, tenant: TenantInfo, subject_kind: str, subject_id: int,
                      key: str = "subject") -> None:
    entries = blocking_entries(session, tenant, subject_kind, subject_id)
    if entries:
        raise FormErrors({key: blocked_message(session, entries)})


def _date(raw: Mapping[str, Any], key: str, label: str, errors: dict[str, str], *, required: bool = False,
          today: dt.date | None = None) -> dt.date | None:
    value = text(raw, key)
    if not value:
        if required:
            errors[key] = f"请填写{label}"
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        errors[key] = f"{label}格式应为 2026-04-15"
        return None
    if not 1949 <= day.year <= 2100:
        errors[key] = f"{label}应在 1949–2100 年之间"
        return None
    if today is not None and day > today:
        errors[key] = f"{label}不能晚于今天"
        return None
    return day


def _text_field(raw: Mapping[str, Any], key: str, label: str, limit: int, errors: dict[str, str],
                required: bool = False) -> str:
    value = text(raw, key)
    problem = text_problem(value)
    if problem:
        errors[key] = f"{label}{problem}"
    elif required and not value:
        errors[key] = f"请填写{label}"
    elif len(value) > limit:
        errors[key] = f"{label}最多 {limit} 个字符"
    return value


def get_entry(session: Session, entry_id: int) -> BlacklistEntry:
    entry = session.get(BlacklistEntry, entry_id)
    if entry is None:
        raise NotFoundException("黑名单记录不存在")
    return entry


def list_organization(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], today: dt.date,
                      username: str = "") -> tuple[BlacklistEntry, list[Designation]]:
    """Put an organization on the blacklist (fields ``organization_id``, ``reason`` — one of the
    tenant's reasons —, ``detail``, ``listed_on`` (default today, not in the future)); revoke the
    designations it ends. Returns the entry and the revoked designations."""
    errors: dict[str, str] = {}
    org_id = row_id(text(raw, "organization_id"))
    org = session.get(Organization, org_id) if org_id else None
    if org is None:
        errors["organization_id"] = "请选择本辖区的两新组织"
    reasons = reasons_for(tenant)
    reason = text(raw, "reason")
    if not reason:
        errors["reason"] = "请选择列入事由"
    elif reason not in reasons:
        errors["reason"] = f"列入事由应为：{'、'.join(reasons)}"
    detail = _text_field(raw, "detail", "具体情况", 5000, errors)
    listed_on = _date(raw, "listed_on", "列入日期", errors, today=today) if text(raw, "listed_on") else today
    if org is not None and "organization_id" not in errors:
        existing = current_entries(session, [org.id]).get(org.id)
        if existing is not None:
            errors["organization_id"] = (f"「{org.name}」已在监管黑名单中（自 {existing.listed_on.isoformat()} 起，"
                                         f"{existing.reason}）")
    if errors:
        raise FormErrors(errors)
    entry = BlacklistEntry(organization_id=org.id, reason=reason, detail=detail, listed_on=listed_on,
                           listed_by=username)
    session.add(entry)
    session.flush()
    return entry, revoke_for_blacklist(session, tenant, entry, org.name, today, username)


def revoke_for_blacklist(session: Session, tenant: TenantInfo, entry: BlacklistEntry, org_name: str,
                         today: dt.date, username: str = "") -> list[Designation]:
    """Revoke the open designations of the entry's organization and — with ``revoke_party_orgs``
    — of every subject now blocked through it (party orgs covering only blacklisted organizations,
    or a registered kind whose organizations are all on the list)."""
    reason = f"动态管理：「{org_name}」列入监管黑名单（{entry.reason}）" + (f"：{entry.detail}" if entry.detail else "")
    types = subject_types(tenant)
    revoked = []
    rows = list(session.scalars(select(Designation).where(Designation.status.in_(OPEN))
                                .order_by(Designation.id)))
    follow = settings(tenant).revoke_party_orgs
    for d in rows:
        if d.subject_kind == "organization":
            hit = d.subject_id == entry.organization_id
        elif not follow:
            hit = False
        else:
            st = types.get(d.subject_kind)
            if st is None or st.organizations is None:
                continue
            orgs = st.organizations(session, d.subject_id)
            hit = entry.organization_id in orgs and bool(blocking_entries(session, tenant, d.subject_kind,
                                                                          d.subject_id))
        if hit:
            d.status, d.revoked_on, d.revoked_by, d.revoke_reason = "revoked", today, username, reason[:5000]
            d.revoked_by_entry_id = entry.id
            revoked.append(d)
    session.flush()
    return revoked


def lift(session: Session, entry: BlacklistEntry, raw: Mapping[str, Any], today: dt.date,
         username: str = "") -> BlacklistEntry:
    """Lift an entry (``lift_reason`` required, ``lifted_on`` default today). Revoked titles stay revoked."""
    errors: dict[str, str] = {}
    if entry.lifted_on is not None:
        raise FormErrors({"status": f"该记录已于 {entry.lifted_on.isoformat()} 移出黑名单"})
    why = _text_field(raw, "lift_reason", "移出原因", 5000, errors, required=True)
    lifted_on = _date(raw, "lifted_on", "移出日期", errors, today=today) if text(raw, "lifted_on") else today
    if lifted_on is not None and "lifted_on" not in errors and lifted_on < entry.listed_on:
        errors["lifted_on"] = f"移出日期不能早于列入日期 {entry.listed_on.isoformat()}"
    if errors:
        raise FormErrors(errors)
    entry.lifted_on, entry.lifted_by, entry.lift_reason = lifted_on, username, why
    session.flush()
    return entry


def revoked_by(session: Session, entry: BlacklistEntry) -> list[Designation]:
    """The designations the entry's listing revoked."""
    return list(session.scalars(select(Designation).where(Designation.revoked_by_entry_id == entry.id)
                                .order_by(Designation.id)))


def blacklist_select(q: str = "", reason: str = "", state: str = "current") -> Select:
    stmt = select(BlacklistEntry).join(Organization, Organization.id == BlacklistEntry.organization_id)
    if q:
        stmt = stmt.where(search.matches(q, Organization.name, BlacklistEntry.detail))
    if reason:
        stmt = stmt.where(BlacklistEntry.reason == reason)
    if state == "current":
        stmt = stmt.where(BlacklistEntry.lifted_on.is_(None))
    elif state == "lifted":
        stmt = stmt.where(BlacklistEntry.lifted_on.is_not(None))
    return stmt.order_by(BlacklistEntry.listed_on.desc(), BlacklistEntry.id.desc())


BLACKLIST_STATES = {"current": "在黑名单中", "lifted": "已移出", "all": "全部"}
BLACKLIST_HEADERS = ["组织", "列入事由", "具体情况", "列入日期", "列入人", "移出日期", "移出原因", "移出人"]


def organization_names(session: Session, entries: Iterable[BlacklistEntry]) -> dict[int, str]:
    ids = list({e.organization_id for e in entries})
    if not ids:
        return {}
    return dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())


def blacklist_rows(session: Session, entries: Iterable[BlacklistEntry]) -> Iterable[list[Any]]:
    for e in entries:
        name = organization_names(session, [e]).get(e.organization_id, "")
        yield [name, e.reason, e.detail, e.listed_on, e.listed_by, e.lifted_on or "", e.lift_reason, e.lifted_by]


# --- designations ------------------------------------------------------------------------------


def get_designation(session: Session, designation_id: int) -> Designation:
    d = session.get(Designation, designation_id)
    if d is None:
        raise NotFoundException("称号记录不存在")
    return d


def clean(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], today: dt.date,
          current: Designation | None = None) -> dict[str, Any]:
    """Checked fields of a designation (new, or ``current`` being edited: kind and subject stay)."""
    errors: dict[str, str] = {}
    kinds = kinds_for(tenant)
    types = subject_types(tenant)
    if current is None:
        kind = kinds.get(text(raw, "kind"))
        if kind is None:
            errors["kind"] = "请选择称号类别"
        subject_kind, subject_id = parse_subject(raw)
        ref = subject_ref(session, tenant, subject_kind, subject_id)
        if ref is None:
            errors["subject"] = "请选择本辖区的授予对象"
        elif kind is not None and subject_kind not in kind_subjects(kind, types):
            allowed = "、".join(types[s].label for s in kind_subjects(kind, types)) or "—"
            errors["subject"] = f"「{kind.label}」只能授予：{allowed}"
    else:
        kind = kinds.get(current.kind)
        subject_kind, subject_id = current.subject_kind, current.subject_id
        ref = SubjectRef(subject_kind, subject_id, current.subject_name)
    level = text(raw, "level") or (current.level if current else "")
    if level not in LEVELS:
        errors["level"] = "请选择级别（街道级、区级、市级）"
    elif kind is not None and level not in kind.levels:
        errors["level"] = f"「{kind.label}」的级别只能是：{'、'.join(LEVELS[lv] for lv in kind.levels)}"
    awarded_on = _date(raw, "awarded_on", "授予日期", errors, today=today) if text(raw, "awarded_on") else today
    expires_on = _date(raw, "expires_on", "有效期至", errors)
    plaque_on = _date(raw, "plaque_on", "挂牌日期", errors, today=today)
    if awarded_on and expires_on and "expires_on" not in errors and expires_on < awarded_on:
        errors["expires_on"] = "有效期至不能早于授予日期"
    if awarded_on and plaque_on and "plaque_on" not in errors and plaque_on < awarded_on:
        errors["plaque_on"] = "挂牌日期不能早于授予日期"
    title = _text_field(raw, "title", "称号全称", 200, errors)
    awarded_by = _text_field(raw, "awarded_by", "授予单位", 100, errors)
    basis = _text_field(raw, "basis", "主要事迹或依据", 5000, errors)
    if errors:
        raise FormErrors(errors)
    assert ref is not None and awarded_on is not None
    if current is None and kind is not None:
        check_not_blocked(session, tenant, subject_kind, subject_id)
        dup = session.scalar(select(Designation).where(
            Designation.kind == kind.key, Designation.subject_kind == subject_kind,
            Designation.subject_id == subject_id, Designation.level == level,
            Designation.status.in_(("proposed", "applied", "returned")) | in_force(today)).limit(1))
        if dup is not None:
            raise FormErrors({"kind": f"「{ref.name}」已有{STATUSES[dup.status]}的{LEVELS[level]}「{kind.label}」"
                                      f"（{dup.awarded_on.isoformat()}），不能重复登记"})
    if expires_on is None and kind is not None and not text(raw, "expires_on") and current is None:
        expires_on = default_expiry(kind, awarded_on)
    values = {"level": level, "awarded_on": awarded_on, "expires_on": expires_on, "plaque_on": plaque_on,
              "title": title, "awarded_by": awarded_by, "basis": basis}
    if current is None:
        values.update(kind=kind.key, kind_label=kind.label, subject_kind=subject_kind, subject_id=subject_id,
                      subject_name=ref.name[:200])
    return values


def create(session: Session, tenant: TenantInfo, raw: Mapping[str, Any], today: dt.date, username: str = "",
           *, source: str = "manual", source_key: str = "", status: str | None = None) -> Designation:
    """Record a designation: ``applied`` for a kind that needs review, else ``active`` (``status``
    overrides: ``proposed`` for a proposal, ``active`` for an import of past decisions)."""
    values = clean(session, tenant, raw, today)
    kind = kinds_for(tenant)[values["kind"]]
    d = Designation(**values, status=status or ("applied" if kind.needs_review else "active"),
                    applied_by=username, source=source, source_key=source_key)
    session.add(d)
    session.flush()
    return d


EDITABLE = ("level", "awarded_on", "expires_on", "plaque_on", "title", "awarded_by", "basis")


def update(session: Session, tenant: TenantInfo, d: Designation, raw: Mapping[str, Any], today: dt.date
           ) -> Designation:
    """Change level, dates, title, awarding body or basis (not of a revoked or dismissed one); a
    field left out keeps its value."""
    if d.status in ("revoked", "dismissed"):
        raise FormErrors({"status": f"「{STATUSES[d.status]}」的称号不能修改"})
    merged = {key: "" if getattr(d, key) is None else str(getattr(d, key)) for key in EDITABLE}
    merged.update({k: v for k, v in raw.items() if k in EDITABLE})
    for key, value in clean(session, tenant, merged, today, current=d).items():
        setattr(d, key, value)
    session.flush()
    return d


def allowed_actions(d: Designation) -> list[str]:
    return [a for a, t in TRANSITIONS.items() if d.status in t.sources]


def transition(session: Session, tenant: TenantInfo, d: Designation, action: str, raw: Mapping[str, Any],
               today: dt.date, username: str = "", *, separate_review: bool = False) -> Designation:
    """One step (:data:`TRANSITIONS`): ``return`` and ``revoke`` need ``note`` / ``reason``;
    ``approve`` and ``confirm`` check the blacklist again; with ``separate_review`` nobody
    approves their own application."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise FormErrors({"status": "不支持的操作"})
    if d.status not in t.sources:
        raise FormErrors({"status": f"当前状态为「{STATUSES.get(d.status, d.status)}」，不能{t.verb}"})
    errors: dict[str, str] = {}
    if action in ("approve", "confirm"):
        if action == "approve" and separate_review and username and d.applied_by == username:
            raise FormErrors({"status": "不能审核本人提交的申报，请由其他有审核权限的人员审核"})
        check_not_blocked(session, tenant, d.subject_kind, d.subject_id, key="status")
        kind = kinds_for(tenant).get(d.kind)
        if kind is not None and kind.evidence and not session.scalar(
                select(DesignationFile.id).where(DesignationFile.designation_id == d.id).limit(1)):
            raise FormErrors({"status": f"请先上传佐证文件：{kind.evidence}"})
        note = _text_field(raw, "note", "审核意见", 2000, errors)
        # the day the title is given (验收命名), if not the one applied for; the default expiry follows it
        awarded = _date(raw, "awarded_on", "授予日期", errors, today=today) if text(raw, "awarded_on") else None
        if errors:
            raise FormErrors(errors)
        if awarded is not None and awarded != d.awarded_on:
            if kind is not None and d.expires_on == default_expiry(kind, d.awarded_on):
                d.expires_on = default_expiry(kind, awarded)
            d.awarded_on = awarded
        d.reviewed_by, d.reviewed_on, d.review_note = username, today, note
    elif action in ("return", "dismiss"):
        note = _text_field(raw, "note", "退回原因" if action == "return" else "不予采纳的原因", 2000, errors,
                           required=action == "return")
        if errors:
            raise FormErrors(errors)
        d.reviewed_by, d.reviewed_on, d.review_note = username, today, note
    elif action == "resubmit":
        check_not_blocked(session, tenant, d.subject_kind, d.subject_id, key="status")
        d.applied_by = username or d.applied_by
    elif action == "revoke":
        reason = _text_field(raw, "reason", "撤销原因", 5000, errors, required=True)
        revoked_on = _date(raw, "revoked_on", "撤销日期", errors, today=today) if text(raw, "revoked_on") else today
        if revoked_on is not None and "revoked_on" not in errors and revoked_on < d.awarded_on:
            errors["revoked_on"] = f"撤销日期不能早于授予日期 {d.awarded_on.isoformat()}"
        if errors:
            raise FormErrors(errors)
        d.revoked_on, d.revoked_by, d.revoke_reason = revoked_on, username, reason
    d.status = t.target
    session.flush()
    return d


def designation_select(q: str = "", kind: str = "", level: str = "", status: str = "", subject_kind: str = "",
                       today: dt.date | None = None, subject_id: int | None = None) -> Select:
    stmt = select(Designation)
    if q:
        stmt = stmt.where(search.matches(q, Designation.subject_name, Designation.kind_label, Designation.title,
                                         Designation.basis))
    if kind:
        stmt = stmt.where(Designation.kind == kind)
    if level in LEVELS:
        stmt = stmt.where(Designation.level == level)
    if subject_kind:
        stmt = stmt.where(Designation.subject_kind == subject_kind)
    if subject_id is not None:
        stmt = stmt.where(Designation.subject_id == subject_id)
    if status and today is not None:
        if status == "active":
            stmt = stmt.where(in_force(today))
        elif status == "expired":
            stmt = stmt.where(Designation.status == "active", Designation.expires_on < today)
        elif status == "expiring":
            stmt = stmt.where(in_force(today), Designation.expires_on.is_not(None))
        elif status in STATUSES:
            stmt = stmt.where(Designation.status == status)
    if status == "expiring":
        return stmt.order_by(Designation.expires_on, Designation.id)
    return stmt.order_by(Designation.awarded_on.desc(), Designation.id.desc())


def of_subject(session: Session, subject_kind: str, subject_id: int) -> list[Designation]:
    return list(session.scalars(select(Designation).where(
        Designation.subject_kind == subject_kind, Designation.subject_id == subject_id)
        .order_by(Designation.awarded_on.desc(), Designation.id.desc())))


def expiring(session: Session, today: dt.date, days: int) -> list[Designation]:
    """Designations in force whose expiry falls within ``days`` days from ``today``."""
    return list(session.scalars(select(Designation).where(
        in_force(today), Designation.expires_on.is_not(None),
        Designation.expires_on <= today + dt.timedelta(days=days)).order_by(Designation.expires_on, Designation.id)))


def counts(session: Session, today: dt.date) -> list[tuple[str, str, str, int]]:
    """(kind, kind_label, level, n) of the designations in force, by kind and level."""
    stmt = (select(Designation.kind, func.max(Designation.kind_label), Designation.level, func.count(Designation.id))
            .where(in_force(today)).group_by(Designation.kind, Designation.level)
            .order_by(Designation.kind, Designation.level))
    return [(k, label, lv, int(n)) for k, label, lv, n in session.execute(stmt)]


def pending_count(session: Session) -> int:
    return int(session.scalar(select(func.count(Designation.id))
                              .where(Designation.status.in_(("applied", "proposed")))) or 0)


HEADERS = ["称号类别", "称号全称", "授予对象类型", "授予对象", "级别", "授予日期", "有效期至", "挂牌日期", "授予单位",
           "状态", "主要事迹或依据", "审核意见", "撤销日期", "撤销原因", "来源"]


def export_rows(tenant: TenantInfo, rows: Iterable[Designation], today: dt.date) -> Iterable[list[Any]]:
    types = subject_types(tenant)
    for d in rows:
        st = types.get(d.subject_kind)
        yield [d.kind_label, d.title, st.label if st else d.subject_kind, d.subject_name, LEVELS.get(d.level, d.level),
               d.awarded_on, d.expires_on or "", d.plaque_on or "", d.awarded_by,
               VIEW_STATUSES.get(view_status(d, today)), d.basis, d.review_note, d.revoked_on or "",
               d.revoke_reason, SOURCES.get(d.source, d.source)]


# --- proposals from assessment -----------------------------------------------------------------


def propose_from_round(session: Session, tenant: TenantInfo, round: Any, today: dt.date) -> list[Designation]:
    """Proposals (status ``proposed``) for a published round (``plugins.assessment.api.PublishedRound``):
    one per result matching a kind's ``from_assessment`` rule. Idempotent per (round, kind, target);
    a target that is blacklisted, gone or not a subject the kind takes is skipped."""
    out: list[Designation] = []
    for kind in kinds_for(tenant).values():
        for rule in kind.from_assessment:
            if rule.template_key != round.template_key:
                continue
            for r in round.results:
                if not rule.matches(r.grade, r.rank) or r.target_kind not in kind.subjects:
                    continue
                key = f"assessment:{round.id}:{kind.key}:{r.target_kind}:{r.target_id}"
                if session.scalar(select(Designation.id).where(Designation.source_key == key).limit(1)):
                    continue
                basis = f"{round.title}：{r.total}分" + (f"，{r.grade}" if r.grade else "") + f"，第{r.rank}名"
                try:  # create() checks everything before it writes: a refusal leaves nothing behind
                    out.append(create(session, tenant, {
                        "kind": kind.key, "subject_kind": r.target_kind, "subject_id": str(r.target_id),
                        "level": rule.level if rule.level in kind.levels else kind.levels[0],
                        "awarded_on": today.isoformat(), "basis": basis}, today, "系统（考核结果）",
                        source="assessment", source_key=key, status="proposed"))
                except FormErrors:
                    continue  # blacklisted, already designated, or gone: nothing to propose
    return out


def pending_proposals(session: Session) -> list[Designation]:
    return list(session.scalars(select(Designation).where(Designation.status == "proposed")
                                .order_by(Designation.id)))


def subject_options(session: Session, tenant: TenantInfo) -> list[tuple[SubjectType, list[tuple[int, str]]]]:
    return [(st, st.options(session, "", 500)) for st in subject_types(tenant).values()]


def organization_options(session: Session) -> list[tuple[int, str]]:
    return [(i, n) for i, n in session.execute(select(Organization.id, Organization.name)
                                               .order_by(Organization.name).limit(2000))]

