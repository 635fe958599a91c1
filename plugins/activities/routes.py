"""Pages under /t/<slug>/activities and the JSON API under /api/t/<slug>/activities.

Handlers are thin: rights, validation, the state machine, attendance rules and queries live in
:mod:`plugins.activities.service`. Reading needs ``activities:read``, every change
``activities:write``; object-level rules (an org secretary manages only their own party orgs'
activities) are checked by the service (403 / 404).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
from litestar import Request, Response, delete, get, post, put
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.orm import Session

from core import clock
from core.forms import FormErrors
from core.plugins import registry
from core.uploads import file_response
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.render import flash, form_list, form_value, redirect, render
from plugins.activities import files
from plugins.activities import service as svc
from plugins.activities.models import Activity
from plugins.activities.service import Access, ActivityFilter, TypeSet
from plugins.activities.types import ORGANIZER_KINDS, PERIODS, AttendanceRate

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
UPLOAD_LIMIT = files.max_bytes() + 1024 * 1024
READ = {"permission": "activities:read"}
WRITE = {"permission": "activities:write"}
PAGE = {"opt": READ, "include_in_schema": False, "sync_to_thread": True}
PAGE_W = {"opt": WRITE, "include_in_schema": False, "sync_to_thread": True}
API = {"opt": READ, "sync_to_thread": True, "tags": ["activities"]}
API_W = {"opt": WRITE, "sync_to_thread": True, "tags": ["activities"]}


class View:
    """Helpers the templates call: labels and local times."""

    statuses, attendance, leave_decisions = svc.STATUSES, svc.ATTENDANCE, svc.LEAVE_DECISIONS
    attachment_kinds, organizer_kinds, periods, weekdays = svc.ATTACHMENT_KINDS, ORGANIZER_KINDS, PERIODS, svc.WEEKDAYS

    def __init__(self, types: TypeSet, today: dt.date):
        self.types, self.today = types, today

    def type_label(self, key: str) -> str:
        return self.types.label(key)

    def local(self, value: dt.datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return clock.local(value).strftime(fmt)

    def when(self, a: Activity) -> str:
        start, end = clock.local(a.starts_at), clock.local(a.ends_at)
        same_day = start.date() == end.date()
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}" if same_day else f"{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}"

    def rate(self, r: AttendanceRate) -> str:
        return "—" if r.rate is None else f"{r.rate:.0%}"

    def summary(self, a: Activity) -> AttendanceRate:
        return svc.attendance_summary(a)

    def overdue(self, fu) -> bool:
        return svc.follow_up_overdue(fu, self.today)

    def leave_value(self, approved: bool | None) -> str:
        return "" if approved is None else ("yes" if approved else "no")


def _env(ctx: Ctx) -> tuple[Access, TypeSet, dt.date]:
    return Access.of(ctx), svc.types_for(ctx.tenant), clock.today()


def _settings(ctx: Ctx):
    return registry().settings(ctx.tenant.id, "activities")


def _filter(request: Request) -> ActivityFilter:
    return ActivityFilter.from_mapping(request.query_params.dict())


# --- list, export, calendar, due --------------------------------------------------------------------------


@get("/", **PAGE)
def activity_list(ctx: Ctx, db: Session, request: Request, page: int = 1) -> Response:
    access, types, today = _env(ctx)
    f = _filter(request)
    result = svc.list_activities(db, access, f, page)
    return render("activities:ActivityList", ctx=ctx, v=View(types, today), result=result, f=f, query=f.query(),
                  names=svc.organizer_names(db, result.items), access=access, settings=_settings(ctx),
                  organizers=svc.organizer_options(db, access, ctx.tenant, writable=False))


@get("/export", **PAGE)
def activity_export(ctx: Ctx, db: Session, request: Request) -> Response:
    access, types, today = _env(ctx)
    f = _filter(request)
    return xlsx_export(db, _settings(ctx).title, svc.EXPORT_HEADERS, svc.export_rows(db, access, types, f),
                       action="activities.export", entity="activities_activities", query=f.query())


@get("/calendar", **PAGE)
def activity_calendar(ctx: Ctx, db: Session, request: Request, month: str = "") -> Response:
    access, types, today = _env(ctx)
    f = _filter(request)
    year, mon = svc.parse_month(month, today)
    cal = svc.month_calendar(db, access, year, mon, today, f)
    return render("activities:Calendar", ctx=ctx, v=View(types, today), cal=cal, f=f,
                  query={k: v for k, v in f.query().items() if k not in ("date_from", "date_to")},
                  organizers=svc.organizer_options(db, access, ctx.tenant, writable=False), access=access)


#: rows per type on the due page showing every type (one type: all rows)
DUE_PREVIEW = 20


@get("/due", **PAGE)
def due_page(ctx: Ctx, db: Session, on: str = "", type: str = "") -> Response:
    access, types, today = _env(ctx)
    day = svc.parse_date(on) or today
    rows = svc.due_rows(db, ctx.tenant, types, day, access, type_key=type)
    return render("activities:Due", ctx=ctx, v=View(types, today), rows=rows, day=day, on=on, type_key=type,
                  types=types, access=access, limit=0 if type else DUE_PREVIEW)


@get("/due/export", **PAGE)
def due_export(ctx: Ctx, db: Session, on: str = "", type: str = "") -> Response:
    access, types, today = _env(ctx)
    day = svc.parse_date(on) or today
    rows = svc.due_export_rows(svc.due_rows(db, ctx.tenant, types, day, access, type_key=type))
    title = f"应办提醒-{day.isoformat()}"
    return xlsx_export(db, title, svc.DUE_HEADERS, rows, action="activities.export",
                       entity="activities_activities",
                       query={"on": day.isoformat(), "type": type}, sheet="应办提醒", filename=f"{title}.xlsx")


def _stats(ctx: Ctx, db: Session, period: str, on: str, type: str, kind: str):
    access, types, today = _env(ctx)
    day = svc.parse_date(on) or today
    period = period if period in PERIODS else "quarter"
    type = type if types.get(type) is not None else ""
    kind = kind if kind in ORGANIZER_KINDS else ""
    return svc.stats(db, access, ctx.tenant, period, day, type, kind), types, today, day


@get("/stats", **PAGE)
def stats_page(ctx: Ctx, db: Session, period: str = "quarter", on: str = "", type: str = "", kind: str = "") -> Response:
    st, types, today, day = _stats(ctx, db, period, on, type, kind)
    return render("activities:Stats", ctx=ctx, v=View(types, today), st=st, day=day, types=types,
                  query={"period": st.period, "on": on, "type": st.type_key, "kind": kind})


@get("/stats/export", **PAGE)
def stats_export(ctx: Ctx, db: Session, period: str = "quarter", on: str = "", type: str = "", kind: str = "") -> Response:
    st, types, today, _day = _stats(ctx, db, period, on, type, kind)
    what = types.label(st.type_key) if st.type_key else "全部活动"
    title = f"活动统计-{st.period_label}-{what}"
    return xlsx_export(db, title, svc.STATS_HEADERS, svc.stats_rows(st), action="activities.export",
                       entity="activities_activities", sheet="活动统计", filename=f"{title}.xlsx",
                       query={"period": st.period, "start": st.period_start.isoformat(), "type": st.type_key,
                              "kind": kind})


# --- create / edit -----------------------------------------------------------------------------------------


def _form_page(ctx: Ctx, db: Session, form: dict, errors: dict, activity: Activity | None = None,
               status: int = 200) -> Response:
    access, types, today = _env(ctx)
    return render("activities:ActivityForm", status_code=status, ctx=ctx, v=View(types, today), form=form,
                  errors=errors, activity=activity, types=types,
                  organizers=svc.organizer_options(db, access, ctx.tenant, writable=True),
                  co_options=svc.organizer_options(db, access, ctx.tenant, writable=False, kinds=("party_org", "cluster")),
                  joint_types=[t.label for t in types.types if t.joint])


def _form(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: (str(data.get(k) or "").strip() if k in ("speakers", "description", "minutes") else form_value(data, k))
        for k in svc.FORM_FIELDS if k != "co_organizers"}
    out["co_organizers"] = svc.co_organizer_values(form_list(data, "co_organizers"))[:svc.MAX_CO_ORGANIZERS + 1]
    return out


@get("/new", **PAGE_W)
def activity_new(ctx: Ctx, db: Session, organizer: str = "", type: str = "", date: str = "") -> Response:
    access, types, today = _env(ctx)
    organizers = svc.organizer_options(db, access, ctx.tenant, writable=True)
    form = {"organizer": organizer or (next(iter(organizers)) if len(organizers) == 1 else ""),
            "activity_type": type, "date": date or today.isoformat(), "start_time": "09:00", "end_time": "11:00"}
    return _form_page(ctx, db, form, {})


@post("/new", **PAGE_W)
def activity_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    access, types, _today = _env(ctx)
    form = _form(data)
    activity = save(db, lambda: svc.create_activity(db, access, ctx.tenant, types, form, clock.utcnow()),
                    rerender=lambda errors: _form_page(ctx, db, form, errors))
    flash(request, f"活动「{activity.title}」已登记")
    return redirect(ctx.url(f"activities/{activity.id}"))


@get("/{activity_id:int}/edit", **PAGE_W)
def activity_edit(ctx: Ctx, db: Session, activity_id: int) -> Response:
    access = Access.of(ctx)
    activity = svc.get_activity(db, access, activity_id)
    svc.require_edit(db, access, activity)
    return _form_page(ctx, db, svc.form_values(activity), {}, activity)


@post("/{activity_id:int}/edit", **PAGE_W)
def activity_update(ctx: Ctx, db: Session, request: Request, activity_id: int, data: Form) -> Response:
    access, types, _today = _env(ctx)
    activity = svc.get_activity(db, access, activity_id)
    form = _form(data)

    def rerender(errors: dict[str, str]) -> Response:
        if "status" in errors:  # no longer editable: said on the activity's page
            flash(request, errors["status"], "error")
            return redirect(ctx.url(f"activities/{activity_id}"))
        return _form_page(ctx, db, form, errors, db.get(Activity, activity_id))

    save(db, lambda: svc.update_activity(db, access, ctx.tenant, types, activity, form, clock.utcnow()),
         rerender=rerender)
    flash(request, "活动已保存")
    return redirect(ctx.url(f"activities/{activity_id}"))


# --- detail and its forms ------------------------------------------------------------------------------------


def _detail_page(ctx: Ctx, db: Session, activity: Activity, errors: dict | None = None, forms: dict | None = None,
                 status: int = 200) -> Response:
    access, types, today = _env(ctx)
    errors = errors or {}
    if errors.get("status"):
        ctx.flashes.append(["error", errors["status"]])
    editable = svc.can_edit(db, access, activity)
    allowed = svc.allowed_actions(activity) if editable else set()
    not_yet = ""  # offer 标记为已举行 only once the activity has started; say so before
    if "hold" in allowed and clock.aware(activity.starts_at) > clock.aware(clock.utcnow()):
        allowed, not_yet = allowed - {"hold"}, "活动开始后才能标记为已举行"
    return render("activities:ActivityDetail", status_code=status, ctx=ctx, v=View(types, today),
                  d=svc.detail(db, types, activity), editable=editable, errors=errors, forms=forms or {},
                  allowed=allowed, not_yet=not_yet,
                  candidates=svc.member_candidates(db, access, activity) if editable else [],
                  history=svc.history(db, activity))


@get("/{activity_id:int}", **PAGE)
def activity_detail(ctx: Ctx, db: Session, activity_id: int) -> Response:
    return _detail_page(ctx, db, svc.get_activity(db, Access.of(ctx), activity_id))


def _detail_action(ctx: Ctx, db: Session, request: Request, activity_id: int, fn, message: str,
                   form: dict | None = None) -> Response:
    """Run ``fn(activity)``; on success commit and go back to the detail page, on a
    :class:`FormErrors` roll back and re-render it with the errors (422)."""
    access = Access.of(ctx)
    activity = svc.get_activity(db, access, activity_id)
    save(db, lambda: fn(activity),
         rerender=lambda errors: _detail_page(ctx, db, db.get(Activity, activity_id), errors, form))
    flash(request, message)
    return redirect(ctx.url(f"activities/{activity_id}"))


@post("/{activity_id:int}/status", **PAGE_W)
def activity_status(ctx: Ctx, db: Session, request: Request, activity_id: int, data: Form) -> Response:
    action, reason = form_value(data, "action"), form_value(data, "reason")
    access = Access.of(ctx)
    labels = {"hold": "活动已标记为已举行", "cancel": "活动已取消", "restore": "活动已恢复"}
    return _detail_action(ctx, db, request, activity_id,
                          lambda a: svc.change_status(db, access, a, action, clock.utcnow(), reason),
                          labels.get(action, "已保存"), {"reason": reason})


@post("/{activity_id:int}/delete", **PAGE_W)
def activity_delete(ctx: Ctx, db: Session, request: Request, activity_id: int) -> Response:
    access = Access.of(ctx)
    activity = svc.get_activity(db, access, activity_id)
    title = activity.title
    attachments = svc.delete_activity(db, access, activity)
    db.commit()
    for att in attachments:
        files.discard(att)
    flash(request, f"活动「{title}」已删除")
    return redirect(ctx.url("activities"))


@post("/{activity_id:int}/participants", **PAGE_W)
def participants_add(ctx: Ctx, db: Session, request: Request, activity_id: int, data: Form) -> Response:
    access = Access.of(ctx)
    ids, others, everyone = form_list(data, "member_id"), str(data.get("others") or ""), form_value(data, "all") == "1"
    return _detail_action(ctx, db, request, activity_id,
                          lambda a: svc.add_participants(db, access, a, ids, others, everyone),
                          "参加人员已添加", {"others": others})


@post("/{activity_id:int}/participants/{participant_id:int}/delete", **PAGE_W)
def participant_remove(ctx: Ctx, db: Session, request: Request, activity_id: int, participant_id: int) -> Response:
    access = Access.of(ctx)
    return _detail_action(ctx, db, request, activity_id,
                          lambda a: svc.remove_participant(db, access, a, participant_id), "已移除参加人员")


@post("/{activity_id:int}/attendance", **PAGE_W)
def attendance_save(ctx: Ctx, db: Session, request: Request, activity_id: int, data: Form) -> Response:
    access = Access.of(ctx)

    def run(a: Activity) -> None:
        entries = svc.attendance_entries(data, [p.id for p in a.participants])
        svc.record_attendance(db, access, a, entries, clock.utcnow())

    sheet = {k: form_value(data, k) for k in data if k.startswith(("att_", "reason_", "approve_", "note_"))}
    return _detail_action(ctx, db, request, activity_id, run, "出勤情况已保存", {"sheet": sheet})


@post("/{activity_id:int}/minutes", **PAGE_W)
def minutes_save(ctx: Ctx, db: Session, request: Request, activity_id: int, data: Form) -> Response:
    access = Access.of(ctx)
    minutes = str(data.get("minutes") or "").strip()
    return _detail_action(ctx, db, request, activity_id, lambda a: svc.save_minutes(db, access, a, minutes),
                          "会议记录已保存", {"minutes": minutes})


@post("/{activity_id:int}/follow-ups", **PAGE_W)
def follow_up_add(ctx: Ctx, db: Session, request: Request, activity_id: int, data: Form) -> Response:
    access = Access.of(ctx)
    form = {"text": form_value(data, "text"), "due_on": form_value(data, "due_on")}
    return _detail_action(ctx, db, request, activity_id, lambda a: svc.add_follow_up(db, access, a, form),
                          "落实事项已添加", {"follow_up": form})


@post("/{activity_id:int}/follow-ups/{follow_up_id:int}/done", **PAGE_W)
def follow_up_done(ctx: Ctx, db: Session, request: Request, activity_id: int, follow_up_id: int,
                   data: Form) -> Response:
    access, done = Access.of(ctx), form_value(data, "done", "1") == "1"
    return _detail_action(ctx, db, request, activity_id,
                          lambda a: svc.set_follow_up_done(db, access, a, follow_up_id, done, clock.today()),
                          "落实事项已更新")


@post("/{activity_id:int}/follow-ups/{follow_up_id:int}/delete", **PAGE_W)
def follow_up_delete(ctx: Ctx, db: Session, request: Request, activity_id: int, follow_up_id: int) -> Response:
    access = Access.of(ctx)
    return _detail_action(ctx, db, request, activity_id,
                          lambda a: svc.delete_follow_up(db, access, a, follow_up_id), "落实事项已删除")


@post("/{activity_id:int}/attachments", **PAGE_W)
def attachment_add(ctx: Ctx, db: Session, request: Request, activity_id: int, data: Form) -> Response:
    access = Access.of(ctx)
    form = {k: form_value(data, k) for k in ("kind", "filename", "location", "size_kb", "description")}
    return _detail_action(ctx, db, request, activity_id, lambda a: svc.add_attachment(db, access, a, form),
                          "附件信息已登记", {"attachment": form})


@post("/{activity_id:int}/attachments/{attachment_id:int}/delete", **PAGE_W)
def attachment_delete(ctx: Ctx, db: Session, request: Request, activity_id: int, attachment_id: int) -> Response:
    access = Access.of(ctx)
    deleted = []
    response = _detail_action(ctx, db, request, activity_id,
                              lambda a: deleted.append(svc.delete_attachment(db, access, a, attachment_id)),
                              "附件已删除")
    for att in deleted:  # committed: the bytes can go
        files.discard(att)
    return response


def _upload(db: Session, ctx: Ctx, activity: Activity, data: dict[str, Any]):
    """Store the uploaded ``file`` (with ``kind`` and ``description``) and commit; on any
    failure roll back, remove the stored bytes and re-raise."""
    upload = data.get("file")
    raw = {k: form_value(data, k) for k in ("kind", "description")}
    name, content = files.FILES.read_upload(upload)
    return files.FILES.commit_new(db, lambda: svc.upload_attachment(db, Access.of(ctx), activity, raw, name,
                                                                    content))


@post("/{activity_id:int}/attachments/upload", request_max_body_size=UPLOAD_LIMIT, **PAGE_W)
def attachment_upload(ctx: Ctx, db: Session, request: Request, activity_id: int, data: Multipart) -> Response:
    activity = svc.get_activity(db, Access.of(ctx), activity_id)
    form = {k: form_value(data, k) for k in ("kind", "description")}
    att = save(db, lambda: _upload(db, ctx, activity, data),
               rerender=lambda errors: _detail_page(ctx, db, db.get(Activity, activity_id), errors, {"upload": form}))
    flash(request, f"已上传「{att.filename}」")
    return redirect(ctx.url(f"activities/{activity_id}"))


def _file_response(db: Session, ctx: Ctx, activity_id: int, attachment_id: int) -> Response:
    activity = svc.get_activity(db, Access.of(ctx), activity_id)  # 404 unless visible
    att = svc.get_attachment(activity, attachment_id)
    return file_response(att, files.read)


@get("/{activity_id:int}/attachments/{attachment_id:int}", **PAGE)
def attachment_download(ctx: Ctx, db: Session, activity_id: int, attachment_id: int) -> Response:
    return _file_response(db, ctx, activity_id, attachment_id)


# --- JSON API ---------------------------------------------------------------------------------------------


@dataclass
class SpeakerIO:
    name: str
    unit: str = ""
    topic: str = ""


@dataclass
class ActivityIn:
    """``organizer``: ``"party_org:<id>"``, ``"cluster:<id>"`` or ``"tenant"``; times ISO 8601
    (without an offset they are Asia/Shanghai wall-clock times)."""

    activity_type: str
    organizer: str
    title: str
    starts_at: str
    ends_at: str
    description: str = ""
    place: str = ""
    minutes: str = ""
    speakers: list[SpeakerIO] = field(default_factory=list)
    #: other organizers of a joint activity: ``"party_org:<id>"`` or ``"cluster:<id>"``
    co_organizers: list[str] = field(default_factory=list)

    def raw(self) -> dict[str, Any]:
        return {"activity_type": self.activity_type, "organizer": self.organizer, "co_organizers": self.co_organizers,
                "title": self.title,
                "starts_at": self.starts_at, "ends_at": self.ends_at, "description": self.description,
                "place": self.place, "minutes": self.minutes,
                "speakers": [{"name": s.name, "unit": s.unit, "topic": s.topic} for s in self.speakers]}


@dataclass
class AttendanceOut:
    participants: int
    present: int
    absent: int
    leave: int
    leave_approved: int
    expected: int
    rate: float | None

    @classmethod
    def of(cls, r: AttendanceRate) -> AttendanceOut:
        return cls(r.participants, r.present, r.absent, r.leave, r.leave_approved, r.expected,
                   None if r.rate is None else round(r.rate, 4))


@dataclass
class ActivityOut:
    id: int
    activity_type: str
    type_label: str
    title: str
    organizer: str
    organizer_kind: str
    organizer_id: int | None
    organizer_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    starts_local: str
    ends_local: str
    place: str
    status: str
    status_label: str
    attendance: AttendanceOut

    @classmethod
    def of(cls, a: Activity, types: TypeSet, name: str) -> ActivityOut:
        return cls(a.id, a.activity_type, types.label(a.activity_type), a.title,
                   svc.organizer_value(a.organizer_kind, a.organizer_id), a.organizer_kind, a.organizer_id, name,
                   clock.aware(a.starts_at), clock.aware(a.ends_at), clock.local_minute(a.starts_at), clock.local_minute(a.ends_at), a.place,
                   a.status, svc.STATUSES.get(a.status, a.status), AttendanceOut.of(svc.attendance_summary(a)))


@dataclass
class ParticipantOut:
    id: int
    member_id: int | None
    name: str
    unit: str
    attendance: str
    leave_reason: str
    leave_approved: bool | None
    note: str


@dataclass
class FollowUpOut:
    id: int
    text: str
    due_on: dt.date | None
    done: bool
    done_on: dt.date | None


@dataclass
class AttachmentOut:
    """``stored``: the file was uploaded and is served at ``GET …/activities/<id>/attachments/<id>``;
    otherwise it is only registered (``location`` says where it is kept)."""

    id: int
    kind: str
    filename: str
    location: str
    size_bytes: int | None
    description: str
    content_type: str = ""
    stored: bool = False
    sha256: str = ""

    @classmethod
    def of(cls, x) -> AttachmentOut:
        return cls(x.id, x.kind, x.filename, x.location, x.size_bytes, x.description, x.content_type, x.stored,
                   x.sha256)


@dataclass
class ActivityDetailOut(ActivityOut):
    description: str = ""
    minutes: str = ""
    cancel_reason: str = ""
    speakers: list[SpeakerIO] = field(default_factory=list)
    participants: list[ParticipantOut] = field(default_factory=list)
    follow_ups: list[FollowUpOut] = field(default_factory=list)
    attachments: list[AttachmentOut] = field(default_factory=list)
    co_organizers: list[str] = field(default_factory=list)
    co_organizer_names: list[str] = field(default_factory=list)

    @classmethod
    def full(cls, db: Session, a: Activity, types: TypeSet) -> ActivityDetailOut:
        base = ActivityOut.of(a, types, svc.organizer_name(db, a))
        return cls(**base.__dict__, co_organizers=[svc.organizer_value(c.organizer_kind, c.organizer_id)
                                                   for c in a.co_organizers if c.organizer_id is not None],
                   co_organizer_names=svc.co_organizer_names(db, a), description=a.description, minutes=a.minutes, cancel_reason=a.cancel_reason,
                   speakers=[SpeakerIO(s.name, s.unit, s.topic) for s in a.speakers],
                   participants=[ParticipantOut(p.id, p.member_id, p.name, p.unit, p.attendance, p.leave_reason,
                                                p.leave_approved, p.note) for p in a.participants],
                   follow_ups=[FollowUpOut(f.id, f.text, f.due_on, f.done, f.done_on) for f in a.follow_ups],
                   attachments=[AttachmentOut.of(x) for x in a.attachments])


@dataclass
class ActivityPage:
    items: list[ActivityOut]
    total: int
    page: int
    pages: int


@get("/activities", **API)
def api_list(ctx: Ctx, db: Session, request: Request, page: int = 1, page_size: int = 25) -> ActivityPage:
    access, types, _today = _env(ctx)
    result = svc.list_activities(db, access, _filter(request), page, page_size)
    names = svc.organizer_names(db, result.items)
    return ActivityPage([ActivityOut.of(a, types, names.get(a.id, "")) for a in result.items], result.total,
                        result.page, result.pages)


@get("/activities/{activity_id:int}", **API)
def api_get(ctx: Ctx, db: Session, activity_id: int) -> ActivityDetailOut:
    access, types, _today = _env(ctx)
    return ActivityDetailOut.full(db, svc.get_activity(db, access, activity_id), types)


@post("/activities", **API_W)
def api_create(ctx: Ctx, db: Session, data: ActivityIn) -> ActivityDetailOut:
    access, types, _today = _env(ctx)
    activity = save(db, lambda: svc.create_activity(db, access, ctx.tenant, types, data.raw(), clock.utcnow()))
    return ActivityDetailOut.full(db, activity, types)


@put("/activities/{activity_id:int}", **API_W)
def api_update(ctx: Ctx, db: Session, activity_id: int, data: ActivityIn) -> ActivityDetailOut:
    access, types, _today = _env(ctx)
    activity = svc.get_activity(db, access, activity_id)
    save(db, lambda: svc.update_activity(db, access, ctx.tenant, types, activity, data.raw(), clock.utcnow()))
    return ActivityDetailOut.full(db, activity, types)


@delete("/activities/{activity_id:int}", **API_W)
def api_delete(ctx: Ctx, db: Session, activity_id: int) -> None:
    access = Access.of(ctx)
    attachments = svc.delete_activity(db, access, svc.get_activity(db, access, activity_id))
    db.commit()
    for att in attachments:
        files.discard(att)


@dataclass
class StatusIn:
    action: str  # hold | cancel | restore
    reason: str = ""


@post("/activities/{activity_id:int}/status", **API_W)
def api_status(ctx: Ctx, db: Session, activity_id: int, data: StatusIn) -> ActivityDetailOut:
    access, types, _today = _env(ctx)
    activity = svc.get_activity(db, access, activity_id)
    save(db, lambda: svc.change_status(db, access, activity, data.action, clock.utcnow(), data.reason))
    return ActivityDetailOut.full(db, activity, types)


@dataclass
class PersonIn:
    name: str
    unit: str = ""


@dataclass
class ParticipantsIn:
    member_ids: list[int] = field(default_factory=list)
    others: list[PersonIn] = field(default_factory=list)
    all_members: bool = False


@post("/activities/{activity_id:int}/participants", **API_W)
def api_participants(ctx: Ctx, db: Session, activity_id: int, data: ParticipantsIn) -> ActivityDetailOut:
    access, types, _today = _env(ctx)
    activity = svc.get_activity(db, access, activity_id)
    others = "\n".join(f"{p.name}，{p.unit}" if p.unit else p.name for p in data.others)
    save(db, lambda: svc.add_participants(db, access, activity, data.member_ids, others, data.all_members))
    return ActivityDetailOut.full(db, activity, types)


@dataclass
class AttendanceIn:
    participant_id: int
    attendance: str  # pending | present | absent | leave
    leave_reason: str = ""
    leave_decision: str = ""  # "" (undecided) | "yes" | "no"
    note: str = ""


@put("/activities/{activity_id:int}/attendance", **API_W)
def api_attendance(ctx: Ctx, db: Session, activity_id: int, data: list[AttendanceIn]) -> ActivityDetailOut:
    access, types, _today = _env(ctx)
    activity = svc.get_activity(db, access, activity_id)
    entries = [svc.AttendanceEntry(e.participant_id, e.attendance, e.leave_reason.strip(), e.leave_decision.strip(),
                                   e.note.strip()) for e in data]
    save(db, lambda: svc.record_attendance(db, access, activity, entries, clock.utcnow()))
    return ActivityDetailOut.full(db, activity, types)


@dataclass
class CadenceOut:
    period: str
    times: int
    applies_to: str
    party_org_types: list[str]
    cluster_types: list[str]


@dataclass
class TypeOut:
    key: str
    label: str
    organizer_kinds: list[str]
    has_speakers: bool
    group: str
    description: str
    cadence: CadenceOut | None


@get("/types", **API)
def api_types(ctx: Ctx) -> list[TypeOut]:
    return [TypeOut(t.key, t.label, list(t.organizer_kinds), t.has_speakers, t.group, t.description,
                    CadenceOut(t.cadence.period, t.cadence.times, t.cadence.applies_to, list(t.cadence.party_org_types),
                               list(t.cadence.cluster_types)) if t.cadence else None)
            for t in svc.types_for(ctx.tenant).types]


@dataclass
class DueOrganizerOut:
    organizer: str
    kind: str
    id: int
    name: str
    held: int
    scheduled: int


@dataclass
class DueOut:
    activity_type: str
    label: str
    period: str
    period_start: dt.date
    period_end: dt.date
    required: int
    organizers: int
    missing: list[DueOrganizerOut]


@get("/due", **API)
def api_due(ctx: Ctx, db: Session, on: str = "") -> list[DueOut]:
    access, types, today = _env(ctx)
    day = svc.parse_date(on) or today
    return [DueOut(r.type.key, r.type.label, r.period_label, r.period_start, r.period_end, r.required,
                   len(r.organizers), [DueOrganizerOut(o.value, o.kind, o.id, o.name, o.held, o.scheduled)
                                       for o in r.missing])
            for r in svc.due_rows(db, ctx.tenant, types, day, access)]


@dataclass
class CountOut:
    organizer: str
    kind: str
    id: int
    count: int
    attendance: AttendanceOut | None


@get("/counts", **API)
def api_counts(ctx: Ctx, db: Session, start: str, end: str, type: str = "") -> list[CountOut]:
    """Held activities per organizer with a local start date in ``[start, end]`` (``type``: one key or all)."""
    first, last = svc.parse_date(start), svc.parse_date(end)
    errors = {}
    if first is None:
        errors["start"] = "日期格式应为 YYYY-MM-DD"
    if last is None:
        errors["end"] = "日期格式应为 YYYY-MM-DD"
    elif first is not None and last < first:
        errors["end"] = "结束日期不能早于开始日期"
    if errors:
        raise FormErrors(errors)
    access = Access.of(ctx)
    counts = svc.count_by_organizer(db, type or None, first, last)
    rates = svc.attendance_by_organizer(db, type or None, first, last)
    scope = svc.scope_of(db, access)
    out = []
    for (kind, oid), n in sorted(counts.items()):
        if scope is not None and not (kind == "tenant" or (kind == "party_org" and oid in scope.party_orgs)
                                      or (kind == "cluster" and oid in scope.clusters | scope.member_clusters)):
            continue
        r = rates.get((kind, oid))
        out.append(CountOut(svc.organizer_value(kind, oid), kind, oid, n, AttendanceOut.of(r) if r else None))
    return out


@post("/activities/{activity_id:int}/attachments", request_max_body_size=UPLOAD_LIMIT, opt=WRITE,
      tags=["activities"])
async def api_attachment_upload(ctx: Ctx, db: Session, request: Request, activity_id: int) -> AttachmentOut:
    """Upload a file (multipart/form-data: ``file``, ``kind`` = photo | signin | record | material
    | other, ``description``); 422 with ``extra.errors`` for a wrong type, size or content.

    The activity is looked up before the body is read, so another tenant's id answers 404
    whatever was sent. Database work runs in a worker thread."""
    activity = await anyio.to_thread.run_sync(lambda: svc.get_activity(db, Access.of(ctx), activity_id))
    try:
        form = await request.form()
    except Exception as exc:  # not multipart / form data
        raise FormErrors({"file": "请以 multipart/form-data 上传文件"}) from exc
    data = {k: form.get(k) for k in form}

    def run() -> AttachmentOut:
        att = _upload(db, ctx, activity, data)
        return AttachmentOut.of(att)

    return await anyio.to_thread.run_sync(run)


@get("/activities/{activity_id:int}/attachments/{attachment_id:int}", **API)
def api_attachment_download(ctx: Ctx, db: Session, activity_id: int, attachment_id: int) -> Response:
    return _file_response(db, ctx, activity_id, attachment_id)


PAGE_ROUTES = [activity_list, activity_export, activity_calendar, due_page, due_export, stats_page, stats_export,
               activity_new, activity_create, activity_edit, activity_update, activity_detail, activity_status, activity_delete, participants_add,
               participant_remove, attendance_save, minutes_save, follow_up_add, follow_up_done, follow_up_delete,
               attachment_add, attachment_delete, attachment_upload, attachment_download]
API_ROUTES = [api_list, api_get, api_create, api_update, api_delete, api_status, api_participants, api_attendance,
              api_types, api_due, api_counts, api_attachment_upload, api_attachment_download]
