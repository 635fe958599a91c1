"""Two-new organizations (两新组织): listing, filters, object-level access, writes, export.

Validation comes from :mod:`core.registry.schemas` (one place for forms, API and imports);
this module adds the rules that need the database: credit code unique per tenant, what an
org secretary may see and change (only the organizations linked to their account in
:class:`UserOrganization`), and what may be deleted.

Access is described by :class:`Access`, built from the request's :class:`~core.web.context.Ctx`
(``Access.of(ctx)``), so the same functions serve pages, the API and tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import ColumnElement, Select, exists, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock, crypto, history, search
from core.forms import FormErrors
from core.registry import choices
from core.registry import extensions as ext
from core.registry.models import (
    ClusterMember,
    InstructorAssignment,
    InstructorVisit,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
    UserOrganization,
)
from core.registry.schemas import (
    ALL_SUB_KINDS,
    ORGANIZATION_FIELDS,
    clean_organization,
    credit_code_taken,
)
from core.web.listing import PAGE_SIZE, PageOf, paginate

#: boolean flags of an organization, in display order
FLAGS = {
    "has_union": "建有工会",
    "has_youth_league": "建有团组织",
    "has_womens_federation": "建有妇联",
    "is_internet_platform": "互联网平台企业",
    "employs_new_groups": "吸纳新就业群体",
    "party_work_active": "党的工作已覆盖",
}
#: the flag filter: ``has_union`` or ``not_has_union`` …
FLAG_FILTERS = {
    **FLAGS,
    "not_has_union": "未建工会",
    "not_has_youth_league": "未建团组织",
    "not_has_womens_federation": "未建妇联",
    "not_is_internet_platform": "非互联网平台企业",
    "not_employs_new_groups": "未吸纳新就业群体",
    "not_party_work_active": "党的工作未覆盖",
}

COVERAGE_FILTERS = {"covered": "有党组织覆盖", "uncovered": "无党组织覆盖"}

NOT_FOUND = "组织不存在"
DUPLICATE_CODE = "该统一社会信用代码已登记"


class Refused(Exception):
    """An action the rules do not allow right now; the message says why and what to do instead."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- who may see and change what ------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """What the current principal may do in the registry of the session's tenant.

    ``own_only``: an org secretary (``registry:write_own`` without ``registry:write``) —
    sees and edits only the organizations linked to ``user_id`` in ``UserOrganization``.
    """

    user_id: int | None
    write_all: bool = False
    own_only: bool = False

    @classmethod
    def of(cls, ctx) -> Access:
        write_all = ctx.can("registry:write")
        return cls(ctx.user.id, write_all, ctx.can("registry:write_own") and not write_all)

    @property
    def can_write(self) -> bool:
        return self.write_all or self.own_only

    @property
    def can_create(self) -> bool:
        return self.write_all

    def own_ids(self) -> Select:
        return select(UserOrganization.organization_id).where(UserOrganization.user_id == self.user_id)

    def org_clause(self) -> ColumnElement[bool]:
        """Organizations this principal may see."""
        return Organization.id.in_(self.own_ids()) if self.own_only else true()

    def require_create(self) -> None:
        if not self.can_create:
            raise PermissionDeniedException("没有权限新建组织")

    def require_write(self) -> None:
        if not self.can_write:
            raise PermissionDeniedException("没有权限修改台账")

    def require_write_all(self) -> None:
        if not self.write_all:
            raise PermissionDeniedException("没有权限执行此操作")


def get_organization(session: Session, access: Access, org_id: int) -> Organization:
    """The organization if this principal may see it; otherwise 404 (never reveal others)."""
    org = session.get(Organization, org_id)  # another tenant's id is filtered out
    if org is None:
        raise NotFoundException(NOT_FOUND)
    if access.own_only and not session.scalar(
        select(UserOrganization.id).where(UserOrganization.user_id == access.user_id,
                                          UserOrganization.organization_id == org_id)
    ):
        raise NotFoundException(NOT_FOUND)
    return org


# --- listing ------------------------------------------------------------------------------------


@dataclass
class OrgFilter:
    q: str = ""
    kind: str = ""
    sub_kind: str = ""
    industry: str = ""
    status: str = ""
    community: str = ""
    building: str = ""
    coverage: str = ""  # covered | uncovered
    flag: str = ""  # a key of FLAG_FILTERS; several separated by commas

    KEYS = ("q", "kind", "sub_kind", "industry", "status", "community", "building", "coverage", "flag")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> OrgFilter:
        def one(key: str) -> str:
            value = data.get(key)
            if isinstance(value, list):
                value = ",".join(str(v) for v in value if v) if key == "flag" else (value[-1] if value else "")
            return str(value or "").strip()

        return cls(**{k: one(k) for k in cls.KEYS})

    def query(self) -> dict[str, str]:
        """The non-empty filters, for links (pager, export)."""
        return {k: getattr(self, k) for k in self.KEYS if getattr(self, k)}

    def flags(self) -> list[str]:
        return [f for f in (p.strip() for p in self.flag.split(",")) if f in FLAG_FILTERS]


def covered_clause() -> ColumnElement[bool]:
    """The organization is covered by at least one party org that is not dissolved."""
    return exists(
        select(PartyOrgCoverage.id)
        .join(PartyOrg, PartyOrg.id == PartyOrgCoverage.party_org_id)
        .where(PartyOrgCoverage.organization_id == Organization.id, PartyOrg.dissolved_on.is_(None))
    )


def org_select(access: Access, f: OrgFilter) -> Select:
    stmt = select(Organization).where(access.org_clause())
    if f.q:
        stmt = stmt.where(search.matches(f.q, Organization.name, Organization.credit_code, Organization.address))
    for key in ("kind", "sub_kind", "industry", "status", "community", "building"):
        value = getattr(f, key)
        if value:
            stmt = stmt.where(getattr(Organization, key) == value)
    if f.coverage == "covered":
        stmt = stmt.where(covered_clause())
    elif f.coverage == "uncovered":
        stmt = stmt.where(~covered_clause())
    for flag in f.flags():
        column = getattr(Organization, flag.removeprefix("not_"))
        stmt = stmt.where(column.is_(False) if flag.startswith("not_") else column.is_(True))
    return stmt.order_by(Organization.name, Organization.id)


def list_organizations(session: Session, access: Access, f: OrgFilter, page: int = 1,
                       page_size: int = PAGE_SIZE) -> PageOf:
    return paginate(session, org_select(access, f), page, page_size)


def filter_options(session: Session, access: Access) -> dict[str, list[str]]:
    """Distinct communities and buildings in use, for the filter drop-downs."""
    out = {}
    for key in ("community", "building"):
        column = getattr(Organization, key)
        out[key] = list(session.scalars(
            select(column).where(access.org_clause(), column != "").distinct().order_by(column).limit(500)
        ))
    return out


def covering_party_orgs(session: Session, org_ids: list[int], *, include_dissolved: bool = False
                        ) -> dict[int, list[PartyOrg]]:
    """organization id → the party orgs covering it."""
    if not org_ids:
        return {}
    stmt = (select(PartyOrgCoverage.organization_id, PartyOrg)
            .join(PartyOrg, PartyOrg.id == PartyOrgCoverage.party_org_id)
            .where(PartyOrgCoverage.organization_id.in_(org_ids))
            .order_by(PartyOrg.name))
    if not include_dissolved:
        stmt = stmt.where(PartyOrg.dissolved_on.is_(None))
    out: dict[int, list[PartyOrg]] = {}
    for org_id, po in session.execute(stmt):
        out.setdefault(org_id, []).append(po)
    return out


def member_counts(session: Session, org_ids: list[int]) -> dict[int, int]:
    if not org_ids:
        return {}
    rows = session.execute(select(Member.organization_id, func.count(Member.id))
                           .where(Member.organization_id.in_(org_ids)).group_by(Member.organization_id))
    return {org_id: n for org_id, n in rows}


# --- presentation helpers -----------------------------------------------------------------------


def phone_of(org: Organization) -> str:
    try:
        return crypto.decrypt(org.contact_phone_enc) or ""
    except crypto.DecryptionError:
        return ""


def masked_phone(org: Organization) -> str:
    return crypto.mask_phone(phone_of(org)) or ""


def labels(org: Organization) -> dict[str, str]:
    return {
        "kind": choices.ORG_KINDS.get(org.kind, org.kind),
        "sub_kind": ALL_SUB_KINDS.get(org.sub_kind, org.sub_kind),
        "industry": ext.code_label(org.tenant_id, "industries", org.industry) if org.tenant_id
        else choices.INDUSTRIES.get(org.industry, org.industry),
        "status": choices.ORG_STATUSES.get(org.status, org.status),
    }


def form_values(org: Organization | None = None) -> dict[str, Any]:
    """The edit form's values (the full phone number: only editors see the form)."""
    if org is None:
        return {"kind": "enterprise", "status": "operating", "employees": ""}
    values: dict[str, Any] = {spec.key: getattr(org, spec.key, "") for spec in ORGANIZATION_FIELDS
                              if spec.key != "contact_phone"}
    values["contact_phone"] = phone_of(org)
    return {k: ("" if v is None else v) for k, v in values.items()}


def raw_form(data: Mapping[str, Any]) -> dict[str, Any]:
    """The organization fields of a submitted form (checkboxes absent → unchecked)."""
    out: dict[str, Any] = {}
    for spec in ORGANIZATION_FIELDS:
        value = data.get(spec.key, "")
        if isinstance(value, list):
            value = value[-1] if value else ""
        out[spec.key] = str(value).strip() if not isinstance(value, bool) else value
    return out


# --- writes -------------------------------------------------------------------------------------


def _community_tenant(session: Session, community: str) -> int | None:
    """The community/village tenant under this street whose name is ``community``, if any."""
    if not community:
        return None
    from core.tenancy import tree

    home = session.info.get("tenant_id")
    for child in tree().children.get(home, []):
        if child.name == community and not child.archived:
            return child.id
    return None


def _checked(session: Session, org: Organization | None, raw: Mapping[str, Any], partial: bool
             ) -> dict[str, Any]:
    values, errors = clean_organization(raw, partial=partial, fields=ext.tenant_specs(session, ORGANIZATION_FIELDS))
    extra, extra_errors = ext.clean_extra(session, "organization", raw, org.extra if org else None, partial=partial)
    errors.update(extra_errors)
    values["extra"] = extra
    if partial:
        if "status" in values and values["status"] is None:
            values.pop("status")
        kind = values.get("kind") or (org.kind if org else None)
        sub = values.get("sub_kind") if "sub_kind" in values else (org.sub_kind if org else "")
        if kind and sub and "sub_kind" not in errors and "kind" not in errors \
                and sub not in choices.ORG_SUB_KINDS.get(kind, {}):
            errors["sub_kind"] = f"类型：「{ALL_SUB_KINDS.get(sub, sub)}」不属于{choices.ORG_KINDS[kind]}"
    code = values.get("credit_code")
    if code and "credit_code" not in errors and credit_code_taken(session, code, org.id if org else None):
        errors["credit_code"] = DUPLICATE_CODE
    if errors:
        raise FormErrors(errors)
    if "community" in values:
        values["community_tenant_id"] = _community_tenant(session, values["community"])
    return values


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent insert of the same credit code
        raise FormErrors({"credit_code": DUPLICATE_CODE}) from exc


def create_organization(session: Session, access: Access, raw: Mapping[str, Any]) -> Organization:
    access.require_create()
    values = _checked(session, None, raw, partial=False)
    org = Organization(**values)
    session.add(org)
    _flush(session)
    ext.changed(session, "organization", org, None)
    return org


def update_organization(session: Session, access: Access, org: Organization, raw: Mapping[str, Any],
                        *, partial: bool = False) -> Organization:
    access.require_write()
    values = _checked(session, org, raw, partial=partial)
    before = ext.snapshot(org)
    for key, value in values.items():
        if getattr(org, key) != value:
            setattr(org, key, value)
    _flush(session)
    ext.changed(session, "organization", org, before)
    return org


def set_status(session: Session, access: Access, org: Organization, status: str) -> Organization:
    access.require_write()
    if status not in choices.ORG_STATUSES and status not in choices.ORG_STATUSES.values():
        raise FormErrors({"status": f"经营状态：无效的选项「{status}」"})
    code = next(k for k, v in choices.ORG_STATUSES.items() if status in (k, v))
    before = ext.snapshot(org)
    org.status = code
    session.flush()
    ext.changed(session, "organization", org, before)
    return org


def delete_blockers(session: Session, org: Organization) -> list[str]:
    """Why ``org`` cannot be deleted (rows that refer to it), in Chinese; empty if it can."""
    reasons = []
    checks = [
        (Member.organization_id, "名党员登记在此工作"),
        (PartyOrgCoverage.organization_id, "个党组织覆盖此组织"),
        (InstructorAssignment.organization_id, "条党建指导员分配记录"),
        (InstructorVisit.organization_id, "条指导员走访记录"),
        (ClusterMember.organization_id, "个组团成员记录"),
    ]
    for column, text in checks:
        n = session.scalar(select(func.count()).where(column == org.id)) or 0
        if n:
            reasons.append(f"有 {n} {text}")
    from core.registry.services.clusters import upper_memberships

    if org.tenant_id and (n := upper_memberships(org.tenant_id, "organization_id", org.id)):
        reasons.append(f"有 {n} 个上级辖区组团的成员记录")
    return reasons


def delete_organization(session: Session, access: Access, org: Organization) -> None:
    access.require_write_all()  # an org secretary may edit, not delete, their organization
    reasons = delete_blockers(session, org)
    if reasons:
        raise Refused(f"「{org.name}」不能删除：{'；'.join(reasons)}。"
                      "如该组织已注销或迁出，请将经营状态改为「已注销」或「已迁出」。")
    for link in session.scalars(select(UserOrganization).where(UserOrganization.organization_id == org.id)):
        session.delete(link)
    before = ext.snapshot(org)
    session.delete(org)
    session.flush()
    ext.changed(session, "organization", org, before, deleted=True)


# --- detail, history, export --------------------------------------------------------------------


@dataclass
class OrgDetail:
    org: Organization
    party_orgs: list[PartyOrg]
    dissolved_party_orgs: list[PartyOrg]
    member_count: int
    history: list[history.Change] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    #: (instructor id, name, assignment start) of the instructors assigned today
    instructors: list[tuple[int, str, Any]] = field(default_factory=list)
    visit_count: int = 0


def detail(session: Session, org: Organization) -> OrgDetail:
    from core.registry.models import Instructor

    every = covering_party_orgs(session, [org.id], include_dissolved=True).get(org.id, [])
    instructors = [tuple(r) for r in session.execute(
        select(Instructor.id, Instructor.name, InstructorAssignment.start_on)
        .join(InstructorAssignment, InstructorAssignment.instructor_id == Instructor.id)
        .where(InstructorAssignment.organization_id == org.id, InstructorAssignment.running_on(clock.today()))
        .order_by(InstructorAssignment.start_on))]
    return OrgDetail(
        instructors=instructors,
        visit_count=session.scalar(select(func.count(InstructorVisit.id))
                                   .where(InstructorVisit.organization_id == org.id)) or 0,
        org=org,
        party_orgs=[p for p in every if p.dissolved_on is None],
        dissolved_party_orgs=[p for p in every if p.dissolved_on is not None],
        member_count=member_counts(session, [org.id]).get(org.id, 0),
        history=history.of(session, {"organizations": [org.id]}),
        blockers=delete_blockers(session, org),
    )


EXPORT_HEADERS = [spec.label for spec in ORGANIZATION_FIELDS] + ["覆盖党组织", "党员人数"]


def export_headers(tenant) -> list[str]:
    """The export's headers: the core's, then the tenant's extra fields."""
    return EXPORT_HEADERS + ext.export_headers(ext.extra_fields(tenant, "organization"))


def export_rows(session: Session, access: Access, f: OrgFilter) -> Iterator[list[Any]]:
    """Rows of the filtered list for Excel; the contact phone is masked."""
    stmt = org_select(access, f).execution_options(yield_per=1000)
    batch: list[Organization] = []
    extra_fields = ext.extra_fields(session, "organization")

    def flush_batch() -> Iterator[list[Any]]:
        ids = [o.id for o in batch]
        covering = covering_party_orgs(session, ids)
        counts = member_counts(session, ids)
        extra = ext.export_cells(session, extra_fields, batch)
        for org in batch:
            lab = labels(org)
            row: list[Any] = []
            for spec in ORGANIZATION_FIELDS:
                key = spec.key
                if key == "contact_phone":
                    row.append(masked_phone(org))
                elif key in lab:
                    row.append(lab[key] if getattr(org, key) else "")
                elif spec.kind == "bool":
                    row.append("是" if getattr(org, key) else "否")
                else:
                    value = getattr(org, key)
                    row.append("" if value is None else value)
            row.append("、".join(p.name for p in covering.get(org.id, [])))
            row.append(counts.get(org.id, 0))
            row.extend(extra[org.id])
            yield row

    for org in session.scalars(stmt):
        batch.append(org)
        if len(batch) >= 500:
            yield from flush_batch()
            batch = []
    if batch:
        yield from flush_batch()


def count(session: Session, access: Access, f: OrgFilter) -> int:
    return session.scalar(select(func.count()).select_from(org_select(access, f).order_by(None).subquery())) or 0

