"""Party-building instructors (党建指导员, CORE-6): people, their assignments to organizations,
the visit log, and the organizations that still need an instructor (002: every organization
without a party org or with only a weak one gets one).

Rules:
* an organization has at most one instructor at a time (assignment periods never overlap);
* a user of the platform is linked to at most one instructor per tenant;
* an instructor without ``registry:write`` records visits only as their own linked instructor,
  for organizations assigned to them on the day of the visit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from core import clock, crypto, history, search
from core.audit import record
from core.forms import FormErrors, row_id
from core.models import User
from core.permissions import authorizer
from core.registry.models import (
    Instructor,
    InstructorAssignment,
    InstructorVisit,
    InstructorVisitAttachment,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
)
from core.registry.schemas import FieldSpec, clean, parse_date, resolve_organization
from core.registry.services.members import plain

INSTRUCTOR_FIELDS = [
    FieldSpec("name", "姓名", required=True, max_length=50),
    FieldSpec("unit", "派出单位", max_length=100),
    FieldSpec("phone", "手机号", "mobile"),
    FieldSpec("active", "在岗", "bool"),
    FieldSpec("username", "平台账号", max_length=64, help="可选：填写用户名，该用户即可为本人负责的组织记录走访"),
]

ASSIGNMENT_FIELDS = [
    FieldSpec("organization", "组织", "ref", required=True),
    FieldSpec("start_on", "开始日期", "date", required=True),
    FieldSpec("end_on", "结束日期", "date"),
]

VISIT_FIELDS = [
    FieldSpec("instructor", "指导员", "ref", required=True),
    FieldSpec("organization", "走访组织", "ref", required=True),
    FieldSpec("visited_on", "走访日期", "date", required=True),
    FieldSpec("findings", "发现的问题与情况", "text", required=True, max_length=4000),
    FieldSpec("follow_up", "跟进措施", "text", max_length=4000),
    FieldSpec("follow_up_done", "跟进已完成", "bool"),
]


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise FormErrors(errors)


def masked_phone(instructor: Instructor) -> str:
    if not instructor.phone_enc:
        return ""
    return crypto.mask_phone(plain(instructor.phone_enc)) or "（无法解密）"


# --- instructors --------------------------------------------------------------------------------


def instructor_of_user(session: Session, user_id: int) -> Instructor | None:
    return session.scalar(select(Instructor).where(Instructor.user_id == user_id).order_by(Instructor.id))


def _clean_instructor(session: Session, raw: Mapping[str, Any], tenant_id: int,
                      exclude_id: int | None) -> dict[str, Any]:
    values, errors = clean(INSTRUCTOR_FIELDS, raw)
    username = values.pop("username", "") or ""
    values["user_id"] = None
    if username:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.is_active:
            errors["username"] = f"平台账号：找不到用户「{username}」"
        elif "tenant:view" not in authorizer.effective_permissions(user.id, tenant_id):
            errors["username"] = f"平台账号：用户「{username}」在本辖区没有角色，请先为其授予角色"
        else:
            other = session.scalar(select(Instructor).where(
                Instructor.user_id == user.id, Instructor.id != (exclude_id or -1)))
            if other is not None:
                errors["username"] = f"平台账号：用户「{username}」已关联指导员「{other.name}」"
            values["user_id"] = user.id
    phone = values.pop("phone", None)
    values["phone_enc"] = crypto.encrypt(phone) if phone else None
    _fail(errors)
    return values


def create_instructor(session: Session, raw: Mapping[str, Any], tenant_id: int) -> Instructor:
    raw = {"active": True, **raw}
    values = _clean_instructor(session, raw, tenant_id, None)
    instructor = Instructor(**values)
    session.add(instructor)
    session.flush()
    return instructor


def update_instructor(session: Session, instructor: Instructor, raw: Mapping[str, Any],
                      tenant_id: int) -> Instructor:
    """``raw`` may hold any subset of the fields; an empty phone keeps the stored one."""
    merged = instructor_form(session, instructor)
    for key, value in raw.items():
        if key in merged and not (key == "phone" and (value is None or str(value).strip() == "")):
            merged[key] = value
    if not merged["phone"]:
        merged["phone"] = plain(instructor.phone_enc) or ""
    values = _clean_instructor(session, merged, tenant_id, instructor.id)
    if values.get("phone_enc") and plain(values["phone_enc"]) == plain(instructor.phone_enc):
        values.pop("phone_enc")
    for key, value in values.items():
        if getattr(instructor, key) != value:
            setattr(instructor, key, value)
    session.flush()
    return instructor


def instructor_form(session: Session, instructor: Instructor) -> dict[str, Any]:
    username = session.scalar(select(User.username).where(User.id == instructor.user_id)) if instructor.user_id else ""
    return {"name": instructor.name, "unit": instructor.unit, "phone": "",
            "active": instructor.active, "username": username or ""}


def delete_instructor(session: Session, instructor: Instructor) -> None:
    visits = session.scalar(select(func.count()).select_from(InstructorVisit)
                            .where(InstructorVisit.instructor_id == instructor.id))
    if visits:
        raise FormErrors({"__all__": f"该指导员已有 {visits} 条走访记录，不能删除；如已离岗，请编辑并取消“在岗”"})
    session.delete(instructor)
    session.flush()


@dataclass
class InstructorRow:
    i: Instructor
    phone_masked: str
    username: str
    organizations: int
    visits_this_year: int


def instructor_query(q: str = "", active: str = "") -> Select:
    stmt = select(Instructor)
    if q:
        stmt = stmt.where(search.matches(q, Instructor.name, Instructor.unit))
    if active in ("1", "0"):
        stmt = stmt.where(Instructor.active.is_(active == "1"))
    return stmt.order_by(Instructor.active.desc(), Instructor.name, Instructor.id)


def instructor_rows(session: Session, instructors: list[Instructor], scope: frozenset[int] | None = None,
                    day: dt.date | None = None) -> list[InstructorRow]:
    day = day or clock.today()
    ids = [i.id for i in instructors]
    if not ids:
        return []
    assign = (select(InstructorAssignment.instructor_id, func.count())
              .where(InstructorAssignment.instructor_id.in_(ids), InstructorAssignment.running_on(day))
              .group_by(InstructorAssignment.instructor_id))
    visits = (select(InstructorVisit.instructor_id, func.count())
              .where(InstructorVisit.instructor_id.in_(ids),
                     InstructorVisit.visited_on >= dt.date(day.year, 1, 1),
                     InstructorVisit.visited_on <= dt.date(day.year, 12, 31))
              .group_by(InstructorVisit.instructor_id))
    if scope is not None:
        assign = assign.where(InstructorAssignment.organization_id.in_(scope or {-1}))
        visits = visits.where(InstructorVisit.organization_id.in_(scope or {-1}))
    counts = dict(session.execute(assign).all())
    visit_counts = dict(session.execute(visits).all())
    user_ids = {i.user_id for i in instructors if i.user_id}
    users = dict(session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all()) if user_ids else {}
    return [InstructorRow(i, masked_phone(i), users.get(i.user_id, ""), counts.get(i.id, 0),
                          visit_counts.get(i.id, 0)) for i in instructors]


def instructor_options(session: Session, only_active: bool = True) -> list[tuple[int, str]]:
    stmt = select(Instructor.id, Instructor.name, Instructor.unit)
    if only_active:
        stmt = stmt.where(Instructor.active.is_(True))
    return [(i, f"{n}（{u}）" if u else n) for i, n, u in session.execute(stmt.order_by(Instructor.name))]


# --- assignments --------------------------------------------------------------------------------


@dataclass
class AssignmentRow:
    a: InstructorAssignment
    organization_name: str
    instructor_name: str
    active: bool


def assignment_rows(session: Session, assignments: list[InstructorAssignment],
                    day: dt.date | None = None) -> list[AssignmentRow]:
    day = day or clock.today()
    org_ids = {a.organization_id for a in assignments}
    ins_ids = {a.instructor_id for a in assignments}
    orgs = dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))).all()) if org_ids else {}
    ins = dict(session.execute(select(Instructor.id, Instructor.name).where(Instructor.id.in_(ins_ids))).all()) if ins_ids else {}
    return [AssignmentRow(a, orgs.get(a.organization_id, ""), ins.get(a.instructor_id, ""),
                          a.start_on <= day and (a.end_on is None or a.end_on >= day)) for a in assignments]


def assignments_of(session: Session, instructor: Instructor, scope: frozenset[int] | None = None) -> list[InstructorAssignment]:
    stmt = select(InstructorAssignment).where(InstructorAssignment.instructor_id == instructor.id)
    if scope is not None:
        stmt = stmt.where(InstructorAssignment.organization_id.in_(scope or {-1}))
    return list(session.scalars(stmt.order_by(InstructorAssignment.start_on.desc(), InstructorAssignment.id.desc())))


def _overlapping(session: Session, organization_id: int, start: dt.date, end: dt.date | None,
                 exclude_id: int | None = None) -> InstructorAssignment | None:
    """Another assignment of the organization whose period meets [start, end]."""
    stmt = select(InstructorAssignment).where(
        InstructorAssignment.organization_id == organization_id,
        or_(InstructorAssignment.end_on.is_(None), InstructorAssignment.end_on >= start),
    )
    if end is not None:
        stmt = stmt.where(InstructorAssignment.start_on <= end)
    if exclude_id:
        stmt = stmt.where(InstructorAssignment.id != exclude_id)
    return session.scalar(stmt.order_by(InstructorAssignment.start_on))


def _overlap_message(session: Session, other: InstructorAssignment) -> str:
    name = session.scalar(select(Instructor.name).where(Instructor.id == other.instructor_id)) or ""
    period = f"{other.start_on.isoformat()} 起" + (f"至 {other.end_on.isoformat()}" if other.end_on else "")
    return (f"该组织已由指导员「{name}」负责（{period}），一个组织同一时间只能有一名指导员；"
            f"请先结束原分配，或选择不重叠的期间")


def assign(session: Session, instructor: Instructor, raw: Mapping[str, Any]) -> InstructorAssignment:
    raw = {"start_on": clock.today(), **{k: v for k, v in raw.items() if v not in (None, "") or k != "start_on"}}
    values, errors = clean(ASSIGNMENT_FIELDS, raw)
    org_id = None
    if "organization" not in errors:
        org_id, problem = resolve_organization(session, values.get("organization"))
        if problem:
            errors["organization"] = f"组织：{problem}"
    start, end = values.get("start_on"), values.get("end_on")
    if start and end and end < start:
        errors["end_on"] = "结束日期：不能早于开始日期"
    if not instructor.active:
        errors["__all__"] = "该指导员已不在岗，不能分配新的组织"
    if org_id and start and "end_on" not in errors:
        other = _overlapping(session, org_id, start, end)
        if other is not None:
            errors["organization"] = _overlap_message(session, other)
    _fail(errors)
    row = InstructorAssignment(instructor_id=instructor.id, organization_id=org_id, start_on=start, end_on=end)
    session.add(row)
    session.flush()
    _record_assignment(session, "assign", row, instructor.name,
                       f"{start.isoformat()} 起" + (f"至 {end.isoformat()}" if end else ""))
    return row


def _record_assignment(session: Session, verb: str, row: InstructorAssignment, instructor_name: str,
                       detail: str) -> None:
    """Assignments show in the history of both the instructor and the organization (like coverage
    does for party orgs); the row's own audit entry is kept as well."""
    org_name = session.scalar(select(Organization.name).where(Organization.id == row.organization_id)) or ""
    text = {"assign": "分配", "end": "结束分配", "delete": "删除分配记录"}[verb]
    period = {"start_on": row.start_on.isoformat(), "end_on": row.end_on.isoformat() if row.end_on else None}
    action = {"assign": "assign", "end": "end_assignment", "delete": "delete_assignment"}[verb]
    record(session, f"instructors.{action}", entity="instructors", entity_id=row.instructor_id,
           summary=f"{text}：{org_name}（{detail}）", after={"organization_id": row.organization_id, **period})
    record(session, f"organizations.instructor_{verb}", entity="organizations", entity_id=row.organization_id,
           summary=f"{text}党建指导员「{instructor_name}」（{detail}）",
           after={"instructor_id": row.instructor_id, **period})


def end_assignment(session: Session, assignment: InstructorAssignment, end_on: Any) -> InstructorAssignment:
    day = parse_date(end_on) if end_on not in (None, "") else clock.today()
    if day is None:
        raise FormErrors({"end_on": "结束日期：日期格式应为 2024-03-01"})
    if day < assignment.start_on:
        raise FormErrors({"end_on": f"结束日期：不能早于开始日期（{assignment.start_on.isoformat()}）"})
    other = _overlapping(session, assignment.organization_id, assignment.start_on, day, exclude_id=assignment.id)
    if other is not None:  # only possible when the end moves later
        raise FormErrors({"end_on": _overlap_message(session, other)})
    assignment.end_on = day
    session.flush()
    _record_assignment(session, "end", assignment, _instructor_name(session, assignment),
                       f"{assignment.start_on.isoformat()} 至 {day.isoformat()}")
    return assignment


def delete_assignment(session: Session, assignment: InstructorAssignment) -> None:
    _record_assignment(session, "delete", assignment, _instructor_name(session, assignment),
                       f"原期间 {assignment.start_on.isoformat()} 起"
                       + (f"至 {assignment.end_on.isoformat()}" if assignment.end_on else ""))
    session.delete(assignment)
    session.flush()


def _instructor_name(session: Session, assignment: InstructorAssignment) -> str:
    return session.scalar(select(Instructor.name).where(Instructor.id == assignment.instructor_id)) or ""


# --- visits -------------------------------------------------------------------------------------


@dataclass
class VisitFilter:
    instructor: str = ""
    organization: str = ""
    date_from: str = ""
    date_to: str = ""
    follow_up: str = ""  # "open" | "done"
    page: int = 1
    page_size: int = 25
    notes: list[str] = field(default_factory=list)

    def query(self) -> dict[str, str]:
        return {k: str(getattr(self, k)) for k in ("instructor", "organization", "date_from", "date_to", "follow_up")}


def visit_filter(params: Mapping[str, Any]) -> VisitFilter:
    def s(key: str) -> str:
        v = params.get(key)
        return "" if v is None else str(v).strip()

    page, size = s("page"), s("page_size")
    return VisitFilter(instructor=s("instructor"), organization=s("organization"), date_from=s("date_from"),
                       date_to=s("date_to"), follow_up=s("follow_up"),
                       page=int(page) if page.isdigit() else 1,
                       page_size=min(int(size), 200) if size.isdigit() and int(size) > 0 else 25)


def visit_query(session: Session, f: VisitFilter, scope: frozenset[int] | None = None) -> Select:
    stmt = select(InstructorVisit)
    if scope is not None:
        stmt = stmt.where(InstructorVisit.organization_id.in_(scope or {-1}))
    if f.instructor:
        stmt = stmt.where(InstructorVisit.instructor_id == (row_id(f.instructor) or -1))
    if f.organization:
        org_id, problem = resolve_organization(session, f.organization)
        if problem:
            f.notes.append(problem)
        stmt = stmt.where(InstructorVisit.organization_id == (org_id or -1))
    for value, op, label in ((f.date_from, "ge", "起始日期"), (f.date_to, "le", "截止日期")):
        if value:
            day = parse_date(value)
            if day is None:
                f.notes.append(f"{label}格式应为 2024-03-01，已忽略")
            elif op == "ge":
                stmt = stmt.where(InstructorVisit.visited_on >= day)
            else:
                stmt = stmt.where(InstructorVisit.visited_on <= day)
    if f.follow_up == "open":
        stmt = stmt.where(InstructorVisit.follow_up_done.is_(False), InstructorVisit.follow_up != "")
    elif f.follow_up == "done":
        stmt = stmt.where(InstructorVisit.follow_up_done.is_(True))
    return stmt.order_by(InstructorVisit.visited_on.desc(), InstructorVisit.id.desc())


@dataclass
class VisitRow:
    v: InstructorVisit
    instructor_name: str
    organization_name: str


def visit_rows(session: Session, visits: list[InstructorVisit]) -> list[VisitRow]:
    org_ids = {v.organization_id for v in visits}
    ins_ids = {v.instructor_id for v in visits}
    orgs = dict(session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))).all()) if org_ids else {}
    ins = dict(session.execute(select(Instructor.id, Instructor.name).where(Instructor.id.in_(ins_ids))).all()) if ins_ids else {}
    return [VisitRow(v, ins.get(v.instructor_id, ""), orgs.get(v.organization_id, "")) for v in visits]


VISIT_EXPORT_HEADERS = ["走访日期", "指导员", "组织", "发现的问题与情况", "跟进措施", "跟进已完成", "照片与附件"]


def visit_export_rows(session: Session, stmt: Select) -> list[list[Any]]:
    visits = list(session.scalars(stmt))
    out = []
    for start in range(0, len(visits), 1000):
        chunk = visits[start:start + 1000]
        files = visit_attachments(session, [v.id for v in chunk])
        for r in visit_rows(session, chunk):
            out.append([r.v.visited_on, r.instructor_name, r.organization_name, r.v.findings, r.v.follow_up,
                        "是" if r.v.follow_up_done else "否", "、".join(a.filename for a in files.get(r.v.id, []))])
    return out


@dataclass
class VisitActor:
    """Who records a visit: ``instructor_id`` None = staff (anyone, anywhere)."""

    unrestricted: bool
    instructor_id: int | None = None


def visit_actor(session: Session, user_id: int, perms) -> VisitActor:
    if "registry:write" in perms:
        return VisitActor(True)
    own = instructor_of_user(session, user_id)
    return VisitActor(False, own.id if own else None)


def assigned_on(session: Session, instructor_id: int, organization_id: int, day: dt.date) -> bool:
    return session.scalar(select(InstructorAssignment.id).where(
        InstructorAssignment.instructor_id == instructor_id,
        InstructorAssignment.organization_id == organization_id,
        InstructorAssignment.running_on(day),
    ).limit(1)) is not None


def _clean_visit(session: Session, raw: Mapping[str, Any], actor: VisitActor) -> dict[str, Any]:
    raw = dict(raw)
    if not actor.unrestricted:
        if actor.instructor_id is None:
            raise FormErrors({"__all__": "您的账号尚未关联指导员，不能记录走访；请联系街道专干"})
        raw["instructor"] = str(actor.instructor_id)  # an instructor records only as themself
    values, errors = clean(VISIT_FIELDS, raw)
    instructor = None
    if "instructor" not in errors:
        ref = str(values.pop("instructor"))
        instructor = session.get(Instructor, row_id(ref)) if row_id(ref) else None
        if instructor is None:
            errors["instructor"] = f"指导员：找不到指导员「{ref}」"
    else:
        values.pop("instructor", None)
    org_id = None
    if "organization" not in errors:
        org_id, problem = resolve_organization(session, values.pop("organization"))
        if problem:
            errors["organization"] = f"走访组织：{problem}"
    else:
        values.pop("organization", None)
    day = values.get("visited_on")
    if day and day > clock.today():
        errors["visited_on"] = "走访日期：不能晚于今天"
    if (not actor.unrestricted and instructor is not None and org_id and day and "visited_on" not in errors
            and not assigned_on(session, instructor.id, org_id, day)):
        errors["organization"] = "走访组织：只能为走访当日分配给您的组织记录走访"
    if values.get("follow_up_done") and not values.get("follow_up"):
        errors["follow_up"] = "跟进措施：标记为已完成时须填写跟进措施"
    _fail(errors)
    values["instructor_id"] = instructor.id
    values["organization_id"] = org_id
    return values


def record_visit(session: Session, raw: Mapping[str, Any], actor: VisitActor) -> InstructorVisit:
    values = _clean_visit(session, raw, actor)
    visit = InstructorVisit(**values)
    session.add(visit)
    session.flush()
    return visit


def can_edit_visit(visit: InstructorVisit, actor: VisitActor) -> bool:
    return actor.unrestricted or (actor.instructor_id is not None and visit.instructor_id == actor.instructor_id)


def visit_form(visit: InstructorVisit) -> dict[str, Any]:
    return {"instructor": str(visit.instructor_id), "organization": str(visit.organization_id),
            "visited_on": visit.visited_on.isoformat(), "findings": visit.findings,
            "follow_up": visit.follow_up, "follow_up_done": visit.follow_up_done}


def update_visit(session: Session, visit: InstructorVisit, raw: Mapping[str, Any], actor: VisitActor) -> InstructorVisit:
    if not can_edit_visit(visit, actor):
        raise FormErrors({"__all__": "只能修改本人的走访记录"})
    merged = visit_form(visit)
    merged.update({k: v for k, v in raw.items() if k in merged})
    values = _clean_visit(session, merged, actor)
    for key, value in values.items():
        if getattr(visit, key) != value:
            setattr(visit, key, value)
    session.flush()
    return visit


def delete_visit(session: Session, visit: InstructorVisit, actor: VisitActor) -> list[InstructorVisitAttachment]:
    """Delete the visit and its attachment rows; returns the attachments so that the caller
    can ``files.discard`` their bytes once the deletion is committed."""
    if not can_edit_visit(visit, actor):
        raise FormErrors({"__all__": "只能删除本人的走访记录"})
    attachments = visit_attachments(session, [visit.id]).get(visit.id, [])
    for att in attachments:
        session.delete(att)
    session.flush()  # before the visit: no relationship tells the unit of work the order
    session.delete(visit)
    session.flush()
    return attachments


# --- visit attachments (photos, documents) ------------------------------------------------------


def visit_attachments(session: Session, visit_ids: list[int]) -> dict[int, list[InstructorVisitAttachment]]:
    """Attachments of the given visits, oldest first, by visit id."""
    out: dict[int, list[InstructorVisitAttachment]] = {}
    if not visit_ids:
        return out
    for att in session.scalars(select(InstructorVisitAttachment)
                               .where(InstructorVisitAttachment.visit_id.in_(visit_ids))
                               .order_by(InstructorVisitAttachment.id)):
        out.setdefault(att.visit_id, []).append(att)
    return out


def attachment_counts(session: Session, visit_ids: list[int]) -> dict[int, int]:
    if not visit_ids:
        return {}
    return dict(session.execute(select(InstructorVisitAttachment.visit_id, func.count())
                                .where(InstructorVisitAttachment.visit_id.in_(visit_ids))
                                .group_by(InstructorVisitAttachment.visit_id)).all())


def attach_files(session: Session, visit: InstructorVisit, uploads: list[tuple[str, bytes]], actor: VisitActor,
                 user_id: int | None) -> list[InstructorVisitAttachment]:
    """Store uploaded ``(file name, bytes)`` for ``visit``. On FormErrors (on ``file``) the
    bytes stored so far are removed; the caller rolls back. Otherwise the caller commits, and
    calls ``files.discard`` on the result if it rolls back instead."""
    from core.registry import files

    if not can_edit_visit(visit, actor):
        raise FormErrors({"__all__": "只能为本人的走访记录上传附件"})
    stored: list[InstructorVisitAttachment] = []
    try:
        for name, data in uploads:
            att = files.store(session, visit, name, data, user_id)
            stored.append(att)
            record(session, "instructor_visits.attach", entity="instructor_visits", entity_id=visit.id,
                   summary=f"上传附件：{att.filename}", after={"attachment_id": att.id, "filename": att.filename,
                                                               "size": att.size, "sha256": att.sha256})
    except Exception:
        for att in stored:
            files.discard(att)
        raise
    return stored


def get_visit_attachment(session: Session, visit: InstructorVisit, attachment_id: int) -> InstructorVisitAttachment:
    att = session.get(InstructorVisitAttachment, attachment_id)
    if att is None or att.visit_id != visit.id:
        raise NotFoundException("附件不存在")
    return att


def delete_visit_attachment(session: Session, visit: InstructorVisit, att: InstructorVisitAttachment,
                            actor: VisitActor) -> InstructorVisitAttachment:
    """Delete the row; once the caller committed, ``files.discard(att)`` removes the bytes."""
    if not can_edit_visit(visit, actor):
        raise FormErrors({"__all__": "只能删除本人走访记录的附件"})
    record(session, "instructor_visits.detach", entity="instructor_visits", entity_id=visit.id,
           summary=f"删除附件：{att.filename}", before={"attachment_id": att.id, "filename": att.filename})
    session.delete(att)
    session.flush()
    return att


def visit_history(session: Session, tenant_id: int, visit_id: int) -> list[history.Change]:
    """The visit's audit trail (edits, attachments added and removed), newest first."""
    return history.of(session, {"instructor_visits": [visit_id]}, tenant_id)


def visit_organization_options(session: Session, actor: VisitActor, limit: int = 2000) -> list[tuple[int, str]]:
    """Organizations offered in the visit form: an instructor's assigned ones, else all."""
    stmt = select(Organization.id, Organization.name)
    if not actor.unrestricted:
        assigned = select(InstructorAssignment.organization_id).where(
            InstructorAssignment.instructor_id == (actor.instructor_id or -1))
        stmt = stmt.where(Organization.id.in_(assigned))
    return [tuple(r) for r in session.execute(stmt.order_by(Organization.name).limit(limit))]


# --- organizations that need an instructor -----------------------------------------------------


def _covering(strong_only: bool):
    cond = [PartyOrgCoverage.organization_id == Organization.id, PartyOrg.dissolved_on.is_(None)]
    if strong_only:
        cond.append(PartyOrg.is_weak.is_(False))
    return exists(select(PartyOrgCoverage.id).join(PartyOrg, PartyOrg.id == PartyOrgCoverage.party_org_id)
                  .where(*cond))


def uncovered_query(day: dt.date | None = None, q: str = "", scope: frozenset[int] | None = None) -> Select:
    """Operating organizations with no party org, or covered only by weak (软弱涣散) ones,
    and no instructor assigned on ``day`` (default today)."""
    day = day or clock.today()
    has_instructor = exists(select(InstructorAssignment.id).where(
        InstructorAssignment.organization_id == Organization.id, InstructorAssignment.running_on(day)))
    stmt = select(Organization).where(Organization.status == "operating", ~_covering(True), ~has_instructor)
    if scope is not None:
        stmt = stmt.where(Organization.id.in_(scope or {-1}))
    if q:
        stmt = stmt.where(or_(search.matches(q, Organization.name), Organization.credit_code == q.upper()))
    return stmt.order_by(Organization.name, Organization.id)


@dataclass
class UncoveredRow:
    o: Organization
    reason: str


def uncovered_rows(session: Session, orgs: list[Organization]) -> list[UncoveredRow]:
    ids = [o.id for o in orgs]
    weak = set(session.scalars(
        select(PartyOrgCoverage.organization_id).join(PartyOrg, PartyOrg.id == PartyOrgCoverage.party_org_id)
        .where(PartyOrgCoverage.organization_id.in_(ids), PartyOrg.dissolved_on.is_(None))
    )) if ids else set()
    return [UncoveredRow(o, "仅由软弱涣散党组织覆盖" if o.id in weak else "未建立党组织") for o in orgs]
