"""Party members (党员): listing, search, create/update, the pipeline, mobile members,
relation transfer (CORE-7) and the audited reveal of masked ID-card and phone numbers.

Validation goes through :func:`core.registry.schemas.clean_member`; this module adds what
needs the database (references, uniqueness, the org secretary's scope) and the step rules
of the pipeline. Services raise :class:`core.forms.FormErrors` before writing anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, clock, crypto, search, validators
from core.forms import FormErrors
from core.registry import choices
from core.registry import extensions as ext
from core.registry.models import Member, Organization, PartyOrg, PartyOrgCoverage, UserOrganization
from core.registry.schemas import (
    MEMBER_FIELDS,
    PIPELINE,
    STEP_DATES,
    clean_member,
    member_hash_taken,
    parse_date,
    resolve_organization,
    resolve_party_org,
)

FIELD_KEYS = [s.key for s in MEMBER_FIELDS]
#: keys whose stored value is ciphertext: an empty input on update means "unchanged"
SECRET_KEYS = ("id_number", "phone")

#: where a mobile member's relation sits → the rule of 003 §9
#: (人才交流中心和原毕业高校「必须转」，本市以外「动员转」，本地农村社区「征求意见转」)
TRANSFER_LOCATIONS = {
    "talent_center": "人才交流中心",
    "university": "原毕业高校",
    "outside_city": "本市以外",
    "local_rural": "本地农村社区",
}
LOCATION_RULES = {
    "talent_center": "must",
    "university": "must",
    "outside_city": "mobilize",
    "local_rural": "consult",
}


# --- permissions and scope ----------------------------------------------------------------------


def can_write(perms: Iterable[str]) -> bool:
    perms = set(perms)
    return "registry:write" in perms or "registry:write_own" in perms


def org_scope(session: Session, user_id: int, perms: Iterable[str]) -> frozenset[int] | None:
    """Organizations an org secretary is limited to; ``None`` = no object-level limit.

    A user with ``registry:write_own`` but without ``registry:write`` (the org secretary)
    sees and edits only the organizations linked to them by :class:`UserOrganization`
    and the members working there.
    """
    perms = set(perms)
    if "registry:write" in perms or "registry:write_own" not in perms:
        return None
    return frozenset(
        session.scalars(select(UserOrganization.organization_id).where(UserOrganization.user_id == user_id))
    )


def get_member(session: Session, member_id: int, scope: frozenset[int] | None = None) -> Member | None:
    """The member of the session's tenant (and within ``scope``), else ``None`` (→ 404)."""
    member = session.get(Member, member_id)
    if member is None:
        return None
    if scope is not None and member.organization_id not in scope:
        return None
    return member


# --- display ------------------------------------------------------------------------------------


def plain(token: str | None) -> str | None:
    """Decrypt a stored value; ``None`` if it cannot be read (e.g. a rotated key)."""
    if not token:
        return None
    try:
        return crypto.decrypt(token)
    except crypto.DecryptionError:
        return None


def masked_id(member: Member) -> str:
    if not member.id_number_enc:
        return ""
    return crypto.mask_id(plain(member.id_number_enc)) or "（无法解密）"


def masked_phone(member: Member) -> str:
    if not member.phone_enc:
        return ""
    return crypto.mask_phone(plain(member.phone_enc)) or "（无法解密）"


@dataclass
class MemberRow:
    """A member with what a page or the API shows next to it (masked values, names)."""

    m: Member
    id_masked: str
    phone_masked: str
    party_org_name: str = ""
    organization_name: str = ""

    @property
    def status_label(self) -> str:
        return choices.MEMBER_STATUSES.get(self.m.status, self.m.status)

    @property
    def next_status(self) -> str | None:
        i = PIPELINE.index(self.m.status) if self.m.status in PIPELINE else len(PIPELINE) - 1
        return PIPELINE[i + 1] if i + 1 < len(PIPELINE) else None


def rows_for(session: Session, members: list[Member]) -> list[MemberRow]:
    po_ids = {m.party_org_id for m in members if m.party_org_id}
    org_ids = {m.organization_id for m in members if m.organization_id}
    po_names = dict(session.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.id.in_(po_ids))).all()) if po_ids else {}
    org_names = (
        dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))).all())
        if org_ids else {}
    )
    return [
        MemberRow(m, masked_id(m), masked_phone(m), po_names.get(m.party_org_id, ""),
                  org_names.get(m.organization_id, ""))
        for m in members
    ]


def row_for(session: Session, member: Member) -> MemberRow:
    return rows_for(session, [member])[0]


# --- listing ------------------------------------------------------------------------------------


@dataclass
class MemberFilter:
    q: str = ""
    status: str = ""
    party_org: str = ""
    organization: str = ""
    mobile: str = ""  # "out" | "in" | "any" | "no"
    transfer_rule: str = ""  # a code, or "none"
    transfer_state: str = ""
    lost_contact: str = ""  # "1" | "0"
    position: str = ""  # a code, or "none"
    page: int = 1
    page_size: int = 25
    notes: list[str] = field(default_factory=list)

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (for the pager and the export link)."""
        keys = ("q", "status", "party_org", "organization", "mobile", "transfer_rule", "transfer_state",
                "lost_contact", "position")
        return {k: str(getattr(self, k)) for k in keys}


def member_filter(params: Mapping[str, Any]) -> MemberFilter:
    def s(key: str) -> str:
        v = params.get(key)
        return "" if v is None else str(v).strip()

    page = s("page")
    size = s("page_size")
    return MemberFilter(
        q=s("q"), status=s("status"), party_org=s("party_org"), organization=s("organization"),
        mobile=s("mobile"), transfer_rule=s("transfer_rule"), transfer_state=s("transfer_state"),
        lost_contact=s("lost_contact"), position=s("position"),
        page=int(page) if page.isdigit() else 1,
        page_size=min(int(size), 200) if size.isdigit() and int(size) > 0 else 25,
    )


def search_condition(q: str):
    """Exact ID-card or phone number via the keyed hash; otherwise a part of the name."""
    q = q.strip()
    idn = validators.normalize_id_number(q)
    if not validators.validate_id_number(idn):
        return Member.id_number_hash == crypto.blind_index(idn, "id_number")
    phone = validators.normalize_mobile(q)
    if not validators.validate_mobile(phone):
        return Member.phone_hash == crypto.blind_index(phone, "phone")
    return search.matches(q, Member.name)


def member_query(session: Session, f: MemberFilter, scope: frozenset[int] | None = None) -> Select:
    stmt = select(Member)
    if scope is not None:
        stmt = stmt.where(Member.organization_id.in_(scope or {-1}))
    if f.q:
        stmt = stmt.where(search_condition(f.q))
    if f.status in choices.MEMBER_STATUSES:
        stmt = stmt.where(Member.status == f.status)
    if f.party_org:
        po_id, problem = resolve_party_org(session, f.party_org)
        if problem:
            f.notes.append(problem)
        stmt = stmt.where(Member.party_org_id == (po_id or -1))
    if f.organization:
        org_id, problem = resolve_organization(session, f.organization)
        if problem:
            f.notes.append(problem)
        stmt = stmt.where(Member.organization_id == (org_id or -1))
    if f.mobile in ("out", "in"):
        stmt = stmt.where(Member.mobile == f.mobile)
    elif f.mobile == "any":
        stmt = stmt.where(Member.mobile != "")
    elif f.mobile == "no":
        stmt = stmt.where(Member.mobile == "")
    if f.transfer_rule == "none":
        stmt = stmt.where(Member.transfer_rule == "")
    elif f.transfer_rule in choices.TRANSFER_RULES and f.transfer_rule:
        stmt = stmt.where(Member.transfer_rule == f.transfer_rule)
    if f.transfer_state in choices.TRANSFER_STATES and f.transfer_state:
        stmt = stmt.where(Member.transfer_state == f.transfer_state)
    if f.lost_contact in ("1", "0"):
        stmt = stmt.where(Member.lost_contact.is_(f.lost_contact == "1"))
    if f.position == "none":
        stmt = stmt.where(Member.position == "")
    elif f.position in choices.POSITIONS and f.position:
        stmt = stmt.where(Member.position == f.position)
    return stmt.order_by(Member.name, Member.id)


def filter_names(session: Session, f: MemberFilter, scope: frozenset[int] | None = None
                 ) -> dict[str, tuple[int, str]]:
    """(id, name) of the organization / party org the list is filtered by (links carry ids)."""
    out: dict[str, tuple[int, str]] = {}
    if f.organization:
        org_id, _ = resolve_organization(session, f.organization)
        if org_id and (scope is None or org_id in scope):
            out["organization"] = (org_id, session.scalar(select(Organization.name).where(Organization.id == org_id)))
    if f.party_org:
        po_id, _ = resolve_party_org(session, f.party_org)
        if po_id:
            po = session.get(PartyOrg, po_id)
            visible = scope is None or session.scalar(select(PartyOrgCoverage.id).where(
                PartyOrgCoverage.party_org_id == po_id, PartyOrgCoverage.organization_id.in_(scope or {-1})).limit(1))
            if po is not None and visible:
                out["party_org"] = (po.id, f"{po.name}（已撤销）" if po.dissolved_on else po.name)
    return out


def export_headers(tenant) -> list[str]:
    """The export's headers: the core's, then the tenant's extra fields."""
    return EXPORT_HEADERS + ext.export_headers(ext.extra_fields(tenant, "member"))


EXPORT_HEADERS = [
    "姓名", "性别", "出生日期", "民族", "学历", "身份证号", "手机号", "政治面貌", "申请入党日期",
    "确定积极分子日期", "确定发展对象日期", "入党日期（预备）", "转正日期", "所在党组织", "工作单位",
    "党内职务", "流动党员", "流入/流出地", "组织关系转接", "转接状态", "失联", "积分",
]


def export_rows(session: Session, stmt: Select, *, full: bool = False) -> list[list[Any]]:
    """Rows for the Excel export: ID-card and phone numbers masked, codes as labels.

    ``full`` writes them in clear text: only for a principal with ``members:reveal`` (the
    caller checks); the route records the export (:func:`core.web.export.xlsx_export`).
    """
    out = []
    members = list(session.scalars(stmt))
    fields = ext.extra_fields(session, "member")
    for chunk_start in range(0, len(members), 1000):
        chunk = members[chunk_start:chunk_start + 1000]
        extra = ext.export_cells(session, fields, chunk)
        for r in rows_for(session, chunk):
            m = r.m
            id_number, phone = ((plain(m.id_number_enc) or "", plain(m.phone_enc) or "") if full
                                else (r.id_masked, r.phone_masked))
            out.append([
                m.name, choices.GENDERS.get(m.gender, ""), m.birth_date, m.ethnicity,
                choices.EDUCATION.get(m.education, ""), id_number, phone, r.status_label,
                m.applied_on, m.activist_on, m.candidate_on, m.probationary_on, m.full_on,
                r.party_org_name, r.organization_name,
                choices.POSITIONS.get(m.position, "") if m.position else "",
                choices.MOBILE_DIRECTIONS.get(m.mobile, "") if m.mobile else "", m.mobile_counterpart,
                choices.TRANSFER_RULES.get(m.transfer_rule, "") if m.transfer_rule else "",
                choices.TRANSFER_STATES.get(m.transfer_state, "") if m.transfer_state else "",
                "是" if m.lost_contact else "否", m.points, *extra[m.id],
            ])
    return out


# --- options for forms --------------------------------------------------------------------------


def party_org_options(session: Session, scope: frozenset[int] | None = None,
                      include: int | None = None) -> list[tuple[int, str]]:
    """Party orgs to choose from (not dissolved); a secretary gets those covering their orgs.

    ``include`` (the member's current party org, or the one a list is filtered by) is always
    offered, even when dissolved: a select without it would silently clear it on save.
    """
    stmt = select(PartyOrg.id, PartyOrg.name).where(PartyOrg.dissolved_on.is_(None))
    if scope is not None:
        covering = select(PartyOrgCoverage.party_org_id).where(PartyOrgCoverage.organization_id.in_(scope or {-1}))
        stmt = stmt.where(PartyOrg.id.in_(covering))
    options = [tuple(r) for r in session.execute(stmt.order_by(PartyOrg.name).limit(2000))]
    if include and all(pid != include for pid, _ in options):
        extra = session.execute(select(PartyOrg.id, PartyOrg.name, PartyOrg.dissolved_on)
                                .where(PartyOrg.id == include)).first()
        if extra is not None:
            name = f"{extra.name}（已撤销）" if extra.dissolved_on else extra.name
            options.insert(0, (extra.id, name))
    return options


def organization_options(session: Session, scope: frozenset[int] | None = None,
                         limit: int = 2000) -> list[tuple[int, str]]:
    stmt = select(Organization.id, Organization.name)
    if scope is not None:
        stmt = stmt.where(Organization.id.in_(scope or {-1}))
    return [tuple(r) for r in session.execute(stmt.order_by(Organization.name).limit(limit))]


# --- create / update ----------------------------------------------------------------------------


def current_raw(member: Member) -> dict[str, Any]:
    """The member's stored values in the shape :func:`clean_member` accepts."""
    raw: dict[str, Any] = {}
    for spec in MEMBER_FIELDS:
        key = spec.key
        if key == "id_number":
            raw[key] = plain(member.id_number_enc) or ""
        elif key == "phone":
            raw[key] = plain(member.phone_enc) or ""
        elif key == "party_org":
            raw[key] = str(member.party_org_id) if member.party_org_id else ""
        elif key == "organization":
            raw[key] = str(member.organization_id) if member.organization_id else ""
        else:
            value = getattr(member, key)
            raw[key] = "" if value is None else value
    return raw


def form_values(member: Member) -> dict[str, str]:
    """Values for the edit form: secrets left empty (typing a new one replaces it)."""
    out = {}
    for key, value in current_raw(member).items():
        if key in SECRET_KEYS:
            out[key] = ""
        elif isinstance(value, bool):
            out[key] = "1" if value else ""
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = str(value)
    return out


def _normalise_api_keys(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Accept ``party_org_id`` / ``organization_id`` as aliases of the reference fields."""
    data = dict(raw)
    for alias, key in (("party_org_id", "party_org"), ("organization_id", "organization")):
        if alias in data and key not in data:
            value = data.pop(alias)
            data[key] = "" if value is None else str(value)
    return data


def _clean(session: Session, raw: Mapping[str, Any], *, exclude_id: int | None,
           scope: frozenset[int] | None, current_extra: Mapping[str, Any] | None = None,
           extra_raw: Mapping[str, Any] | None = None) -> dict[str, Any]:
    values, errors = clean_member(raw)
    extra, extra_errors = ext.clean_extra(session, "member", extra_raw if extra_raw is not None else raw,
                                          current_extra, partial=current_extra is not None)
    errors.update(extra_errors)
    values["extra"] = extra
    po_id, problem = resolve_party_org(session, values.pop("party_org", None))
    if problem:
        errors["party_org"] = f"所在党组织：{problem}"
    values["party_org_id"] = po_id
    org_id, problem = resolve_organization(session, values.pop("organization", None))
    if problem:
        errors["organization"] = f"工作单位：{problem}"
    values["organization_id"] = org_id
    if scope is not None and "organization" not in errors and org_id not in scope:
        errors["organization"] = "工作单位：只能登记本组织的党员，请选择您负责的组织"
    if values.get("id_number_hash") and member_hash_taken(session, values["id_number_hash"], exclude_id):
        errors["id_number"] = "该身份证号已登记"
    if values.get("transfer_state") and not values.get("transfer_rule"):
        errors["transfer_state"] = "转接状态：无需转接时不应填写转接状态"
    if values.get("transfer_rule") == "must" and values.get("transfer_state") == "kept":
        errors["transfer_state"] = "转接状态：「必须转」的组织关系不能保留原关系"
    if values.get("transfer_rule") and not values.get("transfer_state"):
        values["transfer_state"] = "pending"
    if not values.get("mobile"):
        values["mobile_counterpart"] = ""
    if errors:
        raise FormErrors(errors)
    return values


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent registration of the same ID number
        session.rollback()
        raise FormErrors({"id_number": "该身份证号已登记"}) from exc


def create_member(session: Session, raw: Mapping[str, Any], *, scope: frozenset[int] | None = None) -> Member:
    raw = _normalise_api_keys(raw)
    values = _clean(session, raw, exclude_id=None, scope=scope)
    member = Member(**values)
    session.add(member)
    _flush(session)
    ext.changed(session, "member", member, None)
    return member


def update_member(session: Session, member: Member, raw: Mapping[str, Any], *,
                  scope: frozenset[int] | None = None) -> Member:
    """Apply ``raw`` (any subset of the fields) over the stored values and re-check the whole.

    An empty ID-card or phone number means "unchanged" (forms never show the stored value).
    """
    raw = _normalise_api_keys(raw)
    merged = current_raw(member)
    for key, value in raw.items():
        if key not in merged:
            continue
        if key in SECRET_KEYS and (value is None or str(value).strip() == ""):
            continue
        merged[key] = value
    values = _clean(session, merged, exclude_id=member.id, scope=scope, current_extra=member.extra or {},
                    extra_raw=raw)
    before = ext.snapshot(member)
    # unchanged secrets keep their ciphertext (no needless re-encryption in the audit trail)
    if values.get("id_number_hash") == member.id_number_hash:
        values.pop("id_number_enc", None)
        values.pop("id_number_hash", None)
    if values.get("phone_hash") == member.phone_hash:
        values.pop("phone_enc", None)
        values.pop("phone_hash", None)
    for key, value in values.items():
        if getattr(member, key) != value:
            setattr(member, key, value)
    _flush(session)
    ext.changed(session, "member", member, before)
    return member


def delete_member(session: Session, member: Member) -> None:
    before = ext.snapshot(member)
    session.delete(member)
    session.flush()
    ext.changed(session, "member", member, before, deleted=True)


# --- pipeline -----------------------------------------------------------------------------------

STEP_LABELS = {
    "applied_on": "申请入党日期",
    "activist_on": "确定积极分子日期",
    "candidate_on": "确定发展对象日期",
    "probationary_on": "入党日期（预备）",
    "full_on": "转正日期",
}


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def advance(session: Session, member: Member, on: Any, to: str | None = None) -> Member:
    """Move the member one step along 申请人 → 积极分子 → 发展对象 → 预备党员 → 正式党员.

    ``on`` is the date of the step; it may not lie before an earlier step or in the future.
    ``to`` (optional) names the intended stage: anything but the next one is refused.
    The party's waiting periods apply: one year of training as an activist before becoming
    a candidate, one year of probation before full membership.
    """
    status = member.status if member.status in PIPELINE else PIPELINE[-1]
    i = PIPELINE.index(status)
    if i == len(PIPELINE) - 1:
        raise FormErrors({"to": "已是正式党员，没有下一阶段"})
    nxt = PIPELINE[i + 1]
    label = choices.MEMBER_STATUSES
    errors: dict[str, str] = {}
    if to and to != nxt:
        if to not in PIPELINE:
            errors["to"] = f"无效的阶段「{to}」"
        elif PIPELINE.index(to) <= i:
            errors["to"] = f"只能向后推进：当前已是{label[status]}"
        else:
            skipped = "、".join(label[s] for s in PIPELINE[i + 1:PIPELINE.index(to)])
            errors["to"] = f"不能跳过「{skipped}」阶段：当前为{label[status]}，下一阶段是{label[nxt]}"
        raise FormErrors(errors)
    key = STEP_DATES[nxt]
    when = parse_date(on) if on not in (None, "") else None
    if on in (None, ""):
        errors["date"] = f"{STEP_LABELS[key]}：必填"
    elif when is None:
        errors["date"] = f"{STEP_LABELS[key]}：日期格式应为 2024-03-01"
    elif when > clock.today():
        errors["date"] = f"{STEP_LABELS[key]}：不能晚于今天"
    else:
        for earlier in PIPELINE[:i + 1]:
            prev_key = STEP_DATES[earlier]
            prev = getattr(member, prev_key)
            if prev and when < prev:
                errors["date"] = f"{STEP_LABELS[key]}：不能早于{STEP_LABELS[prev_key]}（{prev.isoformat()}）"
        if "date" not in errors:
            if nxt == "candidate" and member.activist_on and when < _add_years(member.activist_on, 1):
                errors["date"] = (f"{STEP_LABELS[key]}：入党积极分子须经过一年以上培养教育，"
                                  f"最早可于 {_add_years(member.activist_on, 1).isoformat()} 确定为发展对象")
            if nxt == "full" and member.probationary_on and when < _add_years(member.probationary_on, 1):
                errors["date"] = (f"{STEP_LABELS[key]}：预备期为一年，"
                                  f"最早可于 {_add_years(member.probationary_on, 1).isoformat()} 转正")
        if member.birth_date and nxt == "activist" and when < _add_years(member.birth_date, 18):
            errors["date"] = f"{STEP_LABELS[key]}：确定积极分子时须年满十八周岁"
    if errors:
        raise FormErrors(errors)
    before = ext.snapshot(member)
    setattr(member, key, when)
    member.status = nxt
    session.flush()
    ext.changed(session, "member", member, before)
    return member


# --- mobile members and relation transfer (003 §9) ----------------------------------------------


def set_mobile(session: Session, member: Member, raw: Mapping[str, Any]) -> Member:
    """流动党员: direction (流出/流入/否) and the place or party org at the other end."""
    values, errors = clean_member(
        {"mobile": raw.get("mobile", ""), "mobile_counterpart": raw.get("mobile_counterpart", "")}, partial=True
    )
    if errors:
        raise FormErrors(errors)
    before = ext.snapshot(member)
    member.mobile = values.get("mobile") or ""
    member.mobile_counterpart = values.get("mobile_counterpart", "") if member.mobile else ""
    session.flush()
    ext.changed(session, "member", member, before)
    return member


def suggested_rule(location: str) -> str:
    return LOCATION_RULES.get(location, "")


def set_transfer(session: Session, member: Member, raw: Mapping[str, Any]) -> Member:
    """Relation transfer rule and state.

    ``location`` (optional, one of :data:`TRANSFER_LOCATIONS`) says where the relation sits;
    the rule then follows 003 §9 and a contradicting rule is refused.
    """
    errors: dict[str, str] = {}
    location = str(raw.get("location") or "").strip()
    if location and location not in TRANSFER_LOCATIONS:
        errors["location"] = f"组织关系所在地：无效的选项「{location}」"
    values, clean_errors = clean_member(
        {"transfer_rule": raw.get("transfer_rule", ""), "transfer_state": raw.get("transfer_state", "")}, partial=True
    )
    errors.update(clean_errors)
    rule = values.get("transfer_rule") or ""
    state = values.get("transfer_state") or ""
    if location in LOCATION_RULES and not errors:
        expected = LOCATION_RULES[location]
        if not rule:
            rule = expected
        elif rule != expected:
            errors["transfer_rule"] = (
                f"组织关系转接：关系在{TRANSFER_LOCATIONS[location]}的，"
                f"应按「{choices.TRANSFER_RULES[expected]}」办理"
            )
    if state and not rule:
        errors["transfer_state"] = "转接状态：无需转接时不应填写转接状态"
    if rule == "must" and state == "kept":
        errors["transfer_state"] = "转接状态：「必须转」的组织关系不能保留原关系"
    if errors:
        raise FormErrors(errors)
    before = ext.snapshot(member)
    member.transfer_rule = rule
    member.transfer_state = (state or "pending") if rule else ""
    session.flush()
    ext.changed(session, "member", member, before)
    return member


# --- reveal -------------------------------------------------------------------------------------


def reveal(session: Session, member: Member) -> dict[str, str | None]:
    """The full ID-card and phone numbers, with an audit entry (the caller checks members:reveal)."""
    shown = {"id_number": plain(member.id_number_enc), "phone": plain(member.phone_enc)}
    audit.record(session, "members.reveal", entity="members", entity_id=member.id,
                 summary=f"查看{member.name}的完整身份证号和手机号")
    session.flush()
    return shown
