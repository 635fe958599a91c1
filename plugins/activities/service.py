"""The rules of the activities engine (组织活动): one engine, configured by the tenant's types.

Pages, the JSON API, demo data and tests all go through these functions. They take the session
(scoped to the tenant), an :class:`Access` describing the principal, the tenant's
:class:`TypeSet` where types matter, and ``now`` / ``today`` (injected: the rules never read
the clock themselves; the web layer passes :func:`utc_now` / :func:`local_today`).

Invalid input raises :class:`~core.forms.FormErrors` (field → Chinese message) before anything
is written; an illegal state change raises it with the key ``"status"``; a missing right raises
``PermissionDeniedException`` (403) and a row the principal may not see ``NotFoundException`` (404).

Object-level rule: a user who may write activities but is not a registry-wide writer (the org
secretary: ``activities:write`` without ``registry:write``) manages only the activities of the
party orgs covering their own organizations (``UserOrganization`` → ``PartyOrgCoverage``) and
of the clusters they lead (``ClusterLeader.user_id``); besides those they see the tenant's own
activities and those of the clusters their party orgs or organizations belong to.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from core import clock, search
from core.clock import SHANGHAI, UTC
from core.forms import FormErrors, text
from core.history import Change
from core.history import of as changes_of
from core.plugins import registry
from core.registry.models import (
    Cluster,
    ClusterLeader,
    ClusterMember,
    Member,
    PartyOrg,
    PartyOrgCoverage,
    UserOrganization,
)
from core.tenancy import TenantInfo, tree
from core.web.listing import PAGE_SIZE, PageOf, paginate
from plugins.activities.models import (
    Activity,
    ActivityAttachment,
    ActivityCoOrganizer,
    ActivityFollowUp,
    ActivityParticipant,
    ActivitySpeaker,
)
from plugins.activities.types import (
    BUILTIN_TYPES,
    ORGANIZER_KINDS,
    PERIODS,
    ActivityType,
    AttendanceRate,
    period_bounds,
    period_label,
)

PLUGIN = "activities"
NOT_FOUND = "活动不存在"

STATUSES = {"scheduled": "计划中", "held": "已举行", "cancelled": "已取消"}
ATTENDANCE = {"pending": "未登记", "present": "出席", "absent": "缺席", "leave": "请假"}
LEAVE_DECISIONS = {"": "待审批", "yes": "准假", "no": "不准假"}
ATTACHMENT_KINDS = {"photo": "照片", "signin": "签到表", "record": "会议记录", "material": "学习材料",
                    "other": "其他"}
#: party members (not the pipeline) — whom "add all members of the organizer" adds
PARTY_MEMBER_STATUSES = ("probationary", "full")
MAX_DURATION = dt.timedelta(days=31)


# --- time -------------------------------------------------------------------------------------------


def local_to_utc(day: dt.date, at: dt.time = dt.time(0, 0)) -> dt.datetime:
    """A wall-clock time in Asia/Shanghai as aware UTC."""
    return dt.datetime.combine(day, at, tzinfo=SHANGHAI).astimezone(UTC)


def utc_range(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[first 00:00, last+1 00:00)`` in Asia/Shanghai, as UTC bounds for ``starts_at``."""
    return local_to_utc(first), local_to_utc(last + dt.timedelta(days=1))


def parse_date(value: str) -> dt.date | None:
    value = (value or "").strip().replace("/", "-")
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _parse_time(value: str) -> dt.time | None:
    m = re.fullmatch(r"(\d{1,2})[:：](\d{2})(?::\d{2})?", (value or "").strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return dt.time(int(m.group(1)), int(m.group(2)))


def _parse_datetime(value: str) -> dt.datetime | None:
    """ISO 8601; a value without offset is Asia/Shanghai wall-clock time."""
    try:
        parsed = dt.datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    return parsed.astimezone(UTC)


# --- types --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeSet:
    """The activity types of one tenant: built-ins (unless switched off) plus its programs' types."""

    types: tuple[ActivityType, ...]

    @classmethod
    def of(cls, program_types: Iterable[ActivityType], builtins: bool = True) -> TypeSet:
        by_key: dict[str, ActivityType] = {t.key: t for t in BUILTIN_TYPES} if builtins else {}
        for t in program_types:
            by_key[t.key] = t  # a program may replace a built-in
        if not by_key:  # switched off with no program types: the engine still works
            by_key = {t.key: t for t in BUILTIN_TYPES}
        return cls(tuple(sorted(by_key.values(), key=lambda t: (t.order, t.key))))

    def get(self, key: str | None) -> ActivityType | None:
        return next((t for t in self.types if t.key == key), None)

    def label(self, key: str | None) -> str:
        t = self.get(key)
        return t.label if t else (key or "")

    def options(self) -> dict[str, str]:
        return {t.key: (f"{t.group} · {t.label}" if t.group else t.label) for t in self.types}

    @property
    def cadenced(self) -> tuple[ActivityType, ...]:
        return tuple(t for t in self.types if t.cadence is not None)


def program_types(tenant: TenantInfo) -> list[ActivityType]:
    found: list[ActivityType] = []
    for batch in registry().hooks_for(tenant.id).register_activity_types(tenant=tenant):
        found.extend(batch or ())
    return found


def types_for(tenant: TenantInfo) -> TypeSet:
    """The tenant's activity types (built-ins per its settings, then its programs')."""
    builtins = True
    if registry().is_enabled(tenant.id, PLUGIN):
        builtins = registry().settings(tenant.id, PLUGIN).builtin_types
    return TypeSet.of(program_types(tenant), builtins)


def fire(session: Session, activity: Activity, action: str) -> None:
    """Tell the activity's tenant's programs (``on_activity_changed``)."""
    session.flush()
    tenant = tree().by_id.get(activity.tenant_id)
    if tenant is not None:
        registry().hooks_for(tenant.id).on_activity_changed(session=session, tenant=tenant, activity=activity,
                                                            action=action)


# --- access --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """The principal's rights in the activities of the session's tenant.

    ``own_only``: may write activities but is not a registry-wide writer (the org secretary) —
    limited to their own party orgs and the clusters they lead (see the module docstring).
    """

    user_id: int | None
    perms: frozenset[str] = frozenset()

    @classmethod
    def of(cls, ctx) -> Access:
        return cls(ctx.user.id, frozenset(ctx.perms))

    @property
    def can_read(self) -> bool:
        return "activities:read" in self.perms

    @property
    def can_write(self) -> bool:
        return "activities:write" in self.perms

    @property
    def own_only(self) -> bool:
        return self.can_write and "registry:write" not in self.perms


@dataclass(frozen=True)
class Scope:
    """What an ``own_only`` principal owns and belongs to (ids in the session's tenant)."""

    party_orgs: frozenset[int]  # they manage (write)
    clusters: frozenset[int]  # they lead (write)
    member_clusters: frozenset[int]  # their party orgs / organizations belong to (read)


def scope_of(session: Session, access: Access) -> Scope | None:
    """``None`` when the principal is not limited; cached on the session."""
    if not access.own_only:
        return None
    cache = session.info.setdefault("activities_scope", {})
    if access.user_id in cache:
        return cache[access.user_id]
    own_orgs = select(UserOrganization.organization_id).where(UserOrganization.user_id == access.user_id)
    pos = frozenset(session.scalars(
        select(PartyOrgCoverage.party_org_id).where(PartyOrgCoverage.organization_id.in_(own_orgs))))
    led = frozenset(session.scalars(
        select(ClusterLeader.cluster_id).where(ClusterLeader.user_id == access.user_id,
                                               ClusterLeader.ended_on.is_(None))))
    member_of = frozenset(session.scalars(
        select(ClusterMember.cluster_id).where(
            ClusterMember.left_on.is_(None),
            or_(ClusterMember.party_org_id.in_(pos or {-1}), ClusterMember.organization_id.in_(own_orgs)))))
    cache[access.user_id] = scope = Scope(pos, led, member_of)
    return scope


def visible_clause(session: Session, access: Access) -> ColumnElement[bool]:
    scope = scope_of(session, access)
    if scope is None:
        return true()
    clusters = (scope.clusters | scope.member_clusters) or {-1}
    return or_(Activity.organizer_kind == "tenant",
               Activity.party_org_id.in_(scope.party_orgs or {-1}),
               Activity.cluster_id.in_(clusters),
               Activity.id.in_(select(ActivityCoOrganizer.activity_id).where(or_(
                   ActivityCoOrganizer.party_org_id.in_(scope.party_orgs or {-1}),
                   ActivityCoOrganizer.cluster_id.in_(clusters)))))


def may_organize(session: Session, access: Access, kind: str, organizer_id: int | None) -> bool:
    """May the principal write activities of this organizer?"""
    if not access.can_write:
        return False
    scope = scope_of(session, access)
    if scope is None:
        return True
    if kind == "party_org":
        return organizer_id in scope.party_orgs
    if kind == "cluster":
        return organizer_id in scope.clusters
    return False


def can_edit(session: Session, access: Access, activity: Activity) -> bool:
    return may_organize(session, access, activity.organizer_kind, activity.organizer_id)


def get_activity(session: Session, access: Access, activity_id: int) -> Activity:
    """The activity, if it is the tenant's and visible to the principal; else 404."""
    activity = session.get(Activity, activity_id)  # another tenant's id is filtered out
    if activity is None:
        raise NotFoundException(NOT_FOUND)
    if access.own_only and not session.scalar(
            select(Activity.id).where(Activity.id == activity.id, visible_clause(session, access))):
        raise NotFoundException(NOT_FOUND)
    return activity


def require_edit(session: Session, access: Access, activity: Activity) -> None:
    if not access.can_write:
        raise PermissionDeniedException("没有权限修改组织活动")
    if not can_edit(session, access, activity):
        raise PermissionDeniedException("只能管理本党组织（或本人担任组长的联建组织）的活动")


# --- organizers -----------------------------------------------------------------------------------------


def organizer_value(kind: str, organizer_id: int | None) -> str:
    return "tenant" if kind == "tenant" else f"{kind}:{organizer_id}"


def parse_organizer(value: str) -> tuple[str, int | None] | None:
    value = (value or "").strip()
    if value == "tenant":
        return "tenant", None
    kind, _, raw = value.partition(":")
    if kind in ("party_org", "cluster") and raw.isdigit():
        return kind, int(raw)
    return None


def _live_party_orgs(session: Session) -> Select:
    return select(PartyOrg).where(PartyOrg.dissolved_on.is_(None)).order_by(PartyOrg.name, PartyOrg.id)


def _live_clusters(session: Session) -> Select:
    return select(Cluster).where(Cluster.archived_on.is_(None)).order_by(Cluster.name, Cluster.id)


def organizer_options(session: Session, access: Access, tenant: TenantInfo, *, writable: bool = True,
                      activity_type: ActivityType | None = None,
                      kinds: tuple[str, ...] | None = None) -> dict[str, str]:
    """``{"party_org:12": "xx党支部", "cluster:3": "第一联组（联组）", "tenant": "东方红街道"}`` — the
    organizers the principal may pick (``writable``) or filter by (and name as co-organizers)."""
    scope = scope_of(session, access)
    kinds = kinds or (activity_type.organizer_kinds if activity_type else tuple(ORGANIZER_KINDS))
    out: dict[str, str] = {}
    if "tenant" in kinds and (scope is None or not writable):
        out["tenant"] = f"{tenant.name}（本级）"
    if "party_org" in kinds:
        stmt = _live_party_orgs(session)
        if scope is not None:
            stmt = stmt.where(PartyOrg.id.in_(scope.party_orgs or {-1}))
        for po in session.scalars(stmt):
            out[f"party_org:{po.id}"] = po.name
    if "cluster" in kinds:
        stmt = _live_clusters(session)
        if scope is not None:
            ids = scope.clusters if writable else scope.clusters | scope.member_clusters
            stmt = stmt.where(Cluster.id.in_(ids or {-1}))
        for c in session.scalars(stmt):
            out[f"cluster:{c.id}"] = c.name
    return out


def organizer_name(session: Session, activity: Activity) -> str:
    """The organizer's current name (the snapshot when it no longer exists)."""
    if activity.organizer_kind == "party_org" and activity.party_org_id:
        po = session.get(PartyOrg, activity.party_org_id)
        return po.name if po else activity.organizer_name
    if activity.organizer_kind == "cluster" and activity.cluster_id:
        c = session.get(Cluster, activity.cluster_id)
        return c.name if c else activity.organizer_name
    if activity.organizer_kind == "tenant":
        t = tree().by_id.get(activity.tenant_id)
        return t.name if t else activity.organizer_name
    return f"{activity.organizer_name}（已删除）" if activity.organizer_name else "—"


def organizer_names(session: Session, activities: Iterable[Activity]) -> dict[int, str]:
    """Activity id → organizer name, in two queries."""
    acts = list(activities)
    po_ids = {a.party_org_id for a in acts if a.organizer_kind == "party_org" and a.party_org_id}
    cl_ids = {a.cluster_id for a in acts if a.organizer_kind == "cluster" and a.cluster_id}
    pos = {i: n for i, n in session.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.id.in_(po_ids)))
           } if po_ids else {}
    cls = {i: n for i, n in session.execute(select(Cluster.id, Cluster.name).where(Cluster.id.in_(cl_ids)))
           } if cl_ids else {}
    out = {}
    for a in acts:
        if a.organizer_kind == "party_org":
            out[a.id] = pos.get(a.party_org_id) or f"{a.organizer_name}（已删除）"
        elif a.organizer_kind == "cluster":
            out[a.id] = cls.get(a.cluster_id) or f"{a.organizer_name}（已删除）"
        else:
            t = tree().by_id.get(a.tenant_id)
            out[a.id] = t.name if t else a.organizer_name
    return out


# --- create / update -------------------------------------------------------------------------------------

FORM_FIELDS = ("activity_type", "organizer", "co_organizers", "title", "description", "date", "start_time",
               "end_date", "end_time", "place", "speakers", "minutes")
#: at most this many co-organizers per activity
MAX_CO_ORGANIZERS = 20


def form_values(activity: Activity | None = None) -> dict[str, str]:
    """The edit form's initial values (local times)."""
    if activity is None:
        return {}
    start, end = clock.local(activity.starts_at), clock.local(activity.ends_at)
    return {
        "activity_type": activity.activity_type,
        "organizer": organizer_value(activity.organizer_kind, activity.organizer_id),
        "co_organizers": [organizer_value(c.organizer_kind, c.organizer_id) for c in activity.co_organizers
                          if c.organizer_id is not None],
        "title": activity.title, "description": activity.description,
        "date": start.date().isoformat(), "start_time": start.strftime("%H:%M"),
        "end_date": end.date().isoformat() if end.date() != start.date() else "", "end_time": end.strftime("%H:%M"),
        "place": activity.place, "minutes": activity.minutes,
        "speakers": "\n".join(_speaker_line(s) for s in activity.speakers),
    }


def _speaker_line(s: ActivitySpeaker) -> str:
    parts = [s.name, s.unit, s.topic]
    while parts and not parts[-1]:
        parts.pop()
    return "，".join(parts)


def parse_speakers(value: Any) -> tuple[list[tuple[str, str, str]], str | None]:
    """Speakers from the form (one per line: ``姓名，单位职务，讲题``; ``,`` and ``|`` also separate)
    or from the API (a list of ``{"name", "unit", "topic"}``). → (rows, error message)."""
    rows: list[tuple[str, str, str]] = []
    if isinstance(value, (list, tuple)):
        items = []
        for item in value:
            get = item.get if isinstance(item, Mapping) else (lambda k, d="", _i=item: getattr(_i, k, d))
            items.append(tuple(str(get(k, "") or "").strip() for k in ("name", "unit", "topic")))
    else:
        items = []
        for line in str(value or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in re.split(r"[，,|｜\t]", line)]
            name, unit = (parts + ["", ""])[:2]
            items.append((name, unit, "，".join(p for p in parts[2:] if p)))
    for name, unit, topic in items:
        if not name:
            return [], f"第 {len(rows) + 1} 位主讲人缺少姓名"
        if len(name) > 50 or len(unit) > 100 or len(topic) > 200:
            return [], f"主讲人「{name[:20]}」的信息过长（姓名 50 字、单位 100 字、讲题 200 字以内）"
        rows.append((name, unit, topic))
    if len(rows) > 30:
        return [], "主讲人最多 30 位"
    return rows, None


@dataclass
class Cleaned:
    activity_type: ActivityType
    kind: str
    party_org: PartyOrg | None
    cluster: Cluster | None
    organizer_name: str
    title: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    speakers: list[tuple[str, str, str]]
    minutes: str
    co_organizers: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, id, name)


def co_organizer_values(value: Any) -> list[str]:
    """The co-organizers a form (a list, or one comma-separated string) or the API gave."""
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,，\s]+", str(value or ""))
    return [str(v).strip() for v in items if str(v or "").strip()]


def _clean_co_organizers(session: Session, raw: Mapping[str, Any], organizer: tuple[str, int | None] | None,
                         atype: ActivityType | None, current: Activity | None,
                         errors: dict[str, str]) -> list[tuple[str, int, str]]:
    values = co_organizer_values(raw.get("co_organizers"))
    kept = {(c.organizer_kind, c.organizer_id) for c in current.co_organizers} if current else set()
    out: list[tuple[str, int, str]] = []
    for value in values:
        parsed = parse_organizer(value)
        if parsed is None or parsed[0] == "tenant":
            errors["co_organizers"] = "共同组织单位应为党组织或联建组织"
            return []
        kind, oid = parsed
        row = session.get(PartyOrg if kind == "party_org" else Cluster, oid)  # another tenant's id: None
        if row is None:
            errors["co_organizers"] = "共同组织单位不存在"
            return []
        gone = row.dissolved_on if kind == "party_org" else row.archived_on
        if gone is not None and (kind, oid) not in kept:
            errors["co_organizers"] = f"「{row.name}」已撤销，不能再组织活动"
            return []
        if (kind, oid) == organizer:
            errors["co_organizers"] = f"「{row.name}」已是组织单位，不必再列为共同组织单位"
            return []
        if any((k, i) == (kind, oid) for k, i, _ in out):
            errors["co_organizers"] = f"「{row.name}」重复了"
            return []
        out.append((kind, oid, row.name))
    if len(out) > MAX_CO_ORGANIZERS:
        errors["co_organizers"] = f"共同组织单位最多 {MAX_CO_ORGANIZERS} 个"
    elif atype is not None and atype.joint and not out:
        errors["co_organizers"] = f"「{atype.label}」由多方联合开展，请选择至少一个共同组织单位"
    return out


def clean(session: Session, access: Access, tenant: TenantInfo, types: TypeSet, raw: Mapping[str, Any],
          current: Activity | None = None) -> Cleaned:
    """Validate a form or API body; raise :class:`FormErrors` with every problem at once.

    Times come as ``date`` + ``start_time`` (+ ``end_date``) + ``end_time`` (Asia/Shanghai wall
    clock, the form), or as ISO ``starts_at`` / ``ends_at`` (the API; no offset = Asia/Shanghai).
    """
    errors: dict[str, str] = {}
    atype = types.get(text(raw, "activity_type"))
    if not text(raw, "activity_type"):
        errors["activity_type"] = "请选择活动类型"
    elif atype is None:
        errors["activity_type"] = "活动类型无效"

    party_org = cluster = None
    kind = ""
    org_name = ""
    parsed = parse_organizer(text(raw, "organizer"))
    if not text(raw, "organizer"):
        errors["organizer"] = "请选择组织单位"
    elif parsed is None:
        errors["organizer"] = "组织单位无效"
    else:
        kind, oid = parsed
        if kind == "party_org":
            party_org = session.get(PartyOrg, oid)
            if party_org is None:
                errors["organizer"] = "党组织不存在"
            elif party_org.dissolved_on is not None and (current is None or current.party_org_id != oid):
                errors["organizer"] = f"「{party_org.name}」已撤销，不能再组织活动"
            else:
                org_name = party_org.name
        elif kind == "cluster":
            cluster = session.get(Cluster, oid)
            if cluster is None:
                errors["organizer"] = "联建组织不存在"
            elif cluster.archived_on is not None and (current is None or current.cluster_id != oid):
                errors["organizer"] = f"「{cluster.name}」已撤销，不能再组织活动"
            else:
                org_name = cluster.name
        else:
            org_name = tenant.name
        if "organizer" not in errors:
            if atype is not None and not atype.allows(kind):
                errors["organizer"] = f"「{atype.label}」只能由{atype.organizers_label}组织"
            elif not may_organize(session, access, kind, oid if kind != "tenant" else None):
                errors["organizer"] = ("只能为本人所在党组织（或担任组长的联建组织）登记活动" if access.own_only
                                       else "没有权限为该组织登记活动")

    title = text(raw, "title")
    if not title:
        errors["title"] = "请填写活动主题"
    elif len(title) > 200:
        errors["title"] = "活动主题最多 200 个字符"
    description = text(raw, "description")
    if len(description) > 5000:
        errors["description"] = "活动内容最多 5000 个字符"
    place = text(raw, "place")
    if len(place) > 200:
        errors["place"] = "活动地点最多 200 个字符"
    minutes = text(raw, "minutes")
    if len(minutes) > 20000:
        errors["minutes"] = "会议记录最多 20000 个字符"

    starts_at = ends_at = None
    if text(raw, "starts_at") or text(raw, "ends_at"):  # the API's ISO form
        starts_at = _parse_datetime(text(raw, "starts_at"))
        if starts_at is None:
            errors["starts_at"] = "开始时间格式应为 YYYY-MM-DDTHH:MM" if text(raw, "starts_at") else "请填写开始时间"
        if text(raw, "ends_at"):
            ends_at = _parse_datetime(text(raw, "ends_at"))
            if ends_at is None:
                errors["ends_at"] = "结束时间格式应为 YYYY-MM-DDTHH:MM"
        else:
            errors["ends_at"] = "请填写结束时间"
        end_key = "ends_at"
    else:
        day = parse_date(text(raw, "date"))
        if day is None:
            errors["date"] = "日期格式应为 YYYY-MM-DD" if text(raw, "date") else "请填写活动日期"
        start_t = _parse_time(text(raw, "start_time"))
        if start_t is None:
            errors["start_time"] = "时间格式应为 HH:MM" if text(raw, "start_time") else "请填写开始时间"
        end_day = parse_date(text(raw, "end_date")) if text(raw, "end_date") else day
        if text(raw, "end_date") and end_day is None:
            errors["end_date"] = "日期格式应为 YYYY-MM-DD"
        end_t = _parse_time(text(raw, "end_time"))
        if end_t is None:
            errors["end_time"] = "时间格式应为 HH:MM" if text(raw, "end_time") else "请填写结束时间"
        if day and start_t:
            starts_at = local_to_utc(day, start_t)
        if end_day and end_t:
            ends_at = local_to_utc(end_day, end_t)
        end_key = "end_time"
    if starts_at and ends_at and end_key not in errors:
        if ends_at <= starts_at:
            errors[end_key] = "结束时间须晚于开始时间"
        elif ends_at - starts_at > MAX_DURATION:
            errors[end_key] = "活动时长不能超过 31 天"

    speakers, speaker_error = parse_speakers(raw.get("speakers"))
    if speaker_error:
        errors["speakers"] = speaker_error
    elif speakers and atype is not None and not atype.has_speakers:
        errors["speakers"] = f"「{atype.label}」不设主讲人，请清空"

    co_organizers = _clean_co_organizers(
        session, raw, (kind, party_org.id if party_org else cluster.id if cluster else None) if kind else None,
        atype, current, errors)

    if errors:
        raise FormErrors(errors)
    return Cleaned(atype, kind, party_org, cluster, org_name, title, description, starts_at, ends_at, place,
                   speakers, minutes, co_organizers)


def _apply(session: Session, activity: Activity, c: Cleaned) -> None:
    activity.activity_type = c.activity_type.key
    activity.organizer_kind = c.kind
    activity.party_org_id = c.party_org.id if c.party_org else None
    activity.cluster_id = c.cluster.id if c.cluster else None
    activity.organizer_name = c.organizer_name
    activity.title, activity.description, activity.place, activity.minutes = c.title, c.description, c.place, c.minutes
    if activity.starts_at is None or clock.aware(activity.starts_at) != c.starts_at:
        activity.starts_at = c.starts_at
    if activity.ends_at is None or clock.aware(activity.ends_at) != c.ends_at:
        activity.ends_at = c.ends_at
    old_co = [(x.organizer_kind, x.organizer_id) for x in activity.co_organizers]
    if old_co != [(k, i) for k, i, _ in c.co_organizers]:
        for x in list(activity.co_organizers):
            activity.co_organizers.remove(x)
            session.delete(x)
        session.flush()
        for kind, oid, name in c.co_organizers:
            activity.co_organizers.append(ActivityCoOrganizer(
                organizer_kind=kind, party_org_id=oid if kind == "party_org" else None,
                cluster_id=oid if kind == "cluster" else None, organizer_name=name, tenant_id=activity.tenant_id))
    old = [(s.name, s.unit, s.topic) for s in activity.speakers]
    if old != c.speakers:
        for speaker in list(activity.speakers):  # deleted explicitly: the audit sees session.deleted only
            activity.speakers.remove(speaker)
            session.delete(speaker)
        session.flush()
        for i, (name, unit, topic) in enumerate(c.speakers):
            activity.speakers.append(ActivitySpeaker(name=name, unit=unit, topic=topic, position=i,
                                                     tenant_id=activity.tenant_id))


def create_activity(session: Session, access: Access, tenant: TenantInfo, types: TypeSet,
                    raw: Mapping[str, Any], now: dt.datetime) -> Activity:
    """Record an activity; one that has already started is recorded as held (已举行)."""
    if not access.can_write:
        raise PermissionDeniedException("没有权限登记组织活动")
    c = clean(session, access, tenant, types, raw)
    activity = Activity(tenant_id=tenant.id, created_by_id=access.user_id,
                        status="held" if c.starts_at <= clock.aware(now) else "scheduled")
    session.add(activity)
    _apply(session, activity, c)
    fire(session, activity, "create")
    return activity


def update_activity(session: Session, access: Access, tenant: TenantInfo, types: TypeSet, activity: Activity,
                    raw: Mapping[str, Any], now: dt.datetime) -> Activity:
    require_edit(session, access, activity)
    if activity.status == "cancelled":
        raise refuse_state(activity.status, "修改")
    c = clean(session, access, tenant, types, raw, current=activity)
    if activity.status == "held" and c.starts_at > clock.aware(now):
        raise FormErrors({"date": "活动已举行，开始时间不能晚于现在"})
    _apply(session, activity, c)
    fire(session, activity, "update")
    return activity


def save_minutes(session: Session, access: Access, activity: Activity, minutes: str) -> Activity:
    """Save the minutes (会议记录) alone — also for an activity whose organizer no longer exists."""
    require_edit(session, access, activity)
    _check_open(activity, "修改会议记录")
    minutes = (minutes or "").strip()
    if len(minutes) > 20000:
        raise FormErrors({"minutes": "会议记录最多 20000 个字符"})
    activity.minutes = minutes
    fire(session, activity, "update")
    return activity


# --- state ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    action: str
    verb: str
    sources: tuple[str, ...]
    target: str


#: the activity's state machine; everything not listed here is refused
TRANSITIONS = {
    "hold": Transition("hold", "标记为已举行", ("scheduled",), "held"),
    "cancel": Transition("cancel", "取消", ("scheduled",), "cancelled"),
    "restore": Transition("restore", "恢复", ("cancelled",), "scheduled"),
}


def refuse_state(current: str, verb: str) -> FormErrors:
    return FormErrors({"status": f"当前状态为「{STATUSES.get(current, current)}」，不能{verb}"})


def allowed_actions(activity: Activity) -> set[str]:
    return {a for a, t in TRANSITIONS.items() if activity.status in t.sources}


def change_status(session: Session, access: Access, activity: Activity, action: str, now: dt.datetime,
                  reason: str = "") -> Activity:
    """``hold`` (only once it has started), ``cancel`` (with a reason) or ``restore``."""
    require_edit(session, access, activity)
    t = TRANSITIONS.get(action)
    if t is None:
        raise FormErrors({"status": "未知的操作"})
    if activity.status not in t.sources:
        raise refuse_state(activity.status, t.verb)
    reason = (reason or "").strip()
    if action == "hold" and clock.aware(activity.starts_at) > clock.aware(now):
        raise FormErrors({"status": "活动尚未开始，不能标记为已举行"})
    if action == "cancel":
        if not reason:
            raise FormErrors({"reason": "请填写取消原因"})
        if len(reason) > 200:
            raise FormErrors({"reason": "取消原因最多 200 个字符"})
        activity.cancel_reason = reason
    if action == "restore":
        activity.cancel_reason = ""
    activity.status = t.target
    fire(session, activity, action)
    return activity


def delete_activity(session: Session, access: Access, activity: Activity) -> list[ActivityAttachment]:
    """Delete the activity and its rows; returns its attachments so that the caller can
    ``files.discard`` their stored files once the deletion is committed."""
    require_edit(session, access, activity)
    attachments = list(activity.attachments)
    fire(session, activity, "delete")
    session.delete(activity)
    session.flush()
    return attachments


# --- participants and attendance ---------------------------------------------------------------------------


def _members_of_organizer(activity: Activity) -> Select:
    """Members belonging to the organizer: its party org; a cluster's party orgs and organizations."""
    stmt = select(Member).order_by(Member.name, Member.id)
    if activity.organizer_kind == "party_org":
        return stmt.where(Member.party_org_id == (activity.party_org_id or -1))
    if activity.organizer_kind == "cluster":
        live = and_(ClusterMember.cluster_id == (activity.cluster_id or -1), ClusterMember.left_on.is_(None))
        return stmt.where(or_(
            Member.party_org_id.in_(select(ClusterMember.party_org_id)
                                    .where(live, ClusterMember.party_org_id.is_not(None))),
            Member.organization_id.in_(select(ClusterMember.organization_id)
                                       .where(live, ClusterMember.organization_id.is_not(None)))))
    return stmt


def _member_allowed(session: Session, access: Access, member: Member) -> bool:
    scope = scope_of(session, access)
    if scope is None:
        return True
    if member.party_org_id in scope.party_orgs:
        return True
    own_orgs = set(session.scalars(select(UserOrganization.organization_id)
                                   .where(UserOrganization.user_id == access.user_id)))
    return member.organization_id in own_orgs


def member_candidates(session: Session, access: Access, activity: Activity, limit: int = 500) -> list[Member]:
    """Members the form offers to add: the organizer's, not yet taking part."""
    taken = select(ActivityParticipant.member_id).where(ActivityParticipant.activity_id == activity.id,
                                                        ActivityParticipant.member_id.is_not(None))
    stmt = _members_of_organizer(activity).where(Member.id.not_in(taken)).limit(limit)
    return [m for m in session.scalars(stmt) if _member_allowed(session, access, m)]


def _check_open(activity: Activity, verb: str) -> None:
    if activity.status == "cancelled":
        raise refuse_state(activity.status, verb)


def add_participants(session: Session, access: Access, activity: Activity, member_ids: Iterable[Any] = (),
                     others: str = "", all_members: bool = False) -> list[ActivityParticipant]:
    """Add members (ids; or every party member of the organizer) and other people (one per
    line: ``姓名，单位``). Duplicates are refused with the person's name; nothing is half-added."""
    require_edit(session, access, activity)
    _check_open(activity, "修改参加人员")
    errors: dict[str, str] = {}
    existing_members = {p.member_id for p in activity.participants if p.member_id}
    existing_names = {(p.name, p.unit) for p in activity.participants if not p.member_id}
    members: list[Member] = []
    ids: list[int] = []
    for raw in member_ids:
        s = str(raw).strip()
        if not s:
            continue
        if not s.isdigit():
            errors["member_ids"] = "党员编号无效"
            break
        ids.append(int(s))
    if all_members:
        ids.extend(m.id for m in session.scalars(_members_of_organizer(activity)
                                                  .where(Member.status.in_(PARTY_MEMBER_STATUSES)))
                   if _member_allowed(session, access, m) and m.id not in existing_members)
        if not ids and activity.organizer_kind == "tenant":
            errors["member_ids"] = "本级活动请逐一选择参加党员"
    for mid in dict.fromkeys(ids):
        member = session.get(Member, mid)  # another tenant's member is filtered out
        if member is None or not _member_allowed(session, access, member):
            errors["member_ids"] = "所选党员不存在或不在您的管理范围内"
            break
        if member.id in existing_members:
            errors["member_ids"] = f"「{member.name}」已在参加人员中"
            break
        members.append(member)
    people: list[tuple[str, str]] = []
    for line in (others or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[，,|｜\t]", line, maxsplit=1)]
        name, unit = (parts + [""])[:2]
        if not name or len(name) > 50 or len(unit) > 100:
            errors["others"] = f"「{line.strip()[:20]}」格式有误：每行一人，「姓名，单位」，姓名 50 字以内"
            break
        if (name, unit) in existing_names or (name, unit) in people:
            errors["others"] = f"「{name}」已在参加人员中"
            break
        people.append((name, unit))
    if errors:
        raise FormErrors(errors)
    if not members and not people:
        raise FormErrors({"member_ids": "没有可添加的人员" if all_members else "请选择党员或填写其他参加人员"})
    added = []
    for m in members:
        added.append(ActivityParticipant(member_id=m.id, name=m.name, tenant_id=activity.tenant_id))
    for name, unit in people:
        added.append(ActivityParticipant(name=name, unit=unit, tenant_id=activity.tenant_id))
    activity.participants.extend(added)
    fire(session, activity, "participants")
    return added


def remove_participant(session: Session, access: Access, activity: Activity, participant_id: int) -> None:
    require_edit(session, access, activity)
    _check_open(activity, "修改参加人员")
    p = next((p for p in activity.participants if p.id == participant_id), None)
    if p is None:
        raise NotFoundException("参加人员不存在")
    activity.participants.remove(p)
    session.delete(p)  # explicitly, so the audit log records it
    fire(session, activity, "participants")


@dataclass(frozen=True)
class AttendanceEntry:
    """One row of the attendance sheet as submitted."""

    participant_id: int
    attendance: str
    leave_reason: str = ""
    leave_decision: str = ""  # "" pending | "yes" | "no"
    note: str = ""


def attendance_entries(data: Mapping[str, Any], participant_ids: Iterable[int]) -> list[AttendanceEntry]:
    """The sheet's form fields ``att_<id>``, ``reason_<id>``, ``approve_<id>``, ``note_<id>``."""
    return [AttendanceEntry(pid, text(data, f"att_{pid}") or "pending", text(data, f"reason_{pid}"),
                            text(data, f"approve_{pid}"), text(data, f"note_{pid}"))
            for pid in participant_ids if f"att_{pid}" in data]


def record_attendance(session: Session, access: Access, activity: Activity, entries: Iterable[AttendanceEntry],
                      now: dt.datetime) -> Activity:
    """Save attendance rows; every row is checked first, so a bad row changes nothing.

    Rules: present/absent only once the activity is held (已举行); a leave needs a reason
    (请假事由) and may be approved (准假) or not (不准假 — counts as absent in the rate);
    a decision needs a leave; nothing can change on a cancelled activity.
    """
    require_edit(session, access, activity)
    _check_open(activity, "登记出勤")
    by_id = {p.id: p for p in activity.participants}
    errors: dict[str, str] = {}
    changes: list[tuple[ActivityParticipant, AttendanceEntry]] = []
    for e in entries:
        p = by_id.get(e.participant_id)
        if p is None:
            raise NotFoundException("参加人员不存在")
        key = f"att_{p.id}"
        if e.attendance not in ATTENDANCE:
            errors[key] = "出勤状态无效"
        elif e.attendance in ("present", "absent") and activity.status != "held":
            errors[key] = f"活动尚未举行，不能登记「{p.name}」{ATTENDANCE[e.attendance]}"
        elif e.attendance == "leave" and not e.leave_reason:
            errors[f"reason_{p.id}"] = f"请填写「{p.name}」的请假事由"
        elif len(e.leave_reason) > 200 or len(e.note) > 200:
            errors[f"reason_{p.id}"] = "事由和备注各 200 字以内"
        elif e.leave_decision not in LEAVE_DECISIONS:
            errors[f"approve_{p.id}"] = "审批意见无效"
        elif e.leave_decision and e.attendance != "leave":
            errors[f"approve_{p.id}"] = f"「{p.name}」未请假，无需审批"
        else:
            changes.append((p, e))
    if errors:
        raise FormErrors(errors)
    for p, e in changes:
        decided = {"": None, "yes": True, "no": False}[e.leave_decision] if e.attendance == "leave" else None
        reason = e.leave_reason if e.attendance == "leave" else ""
        if (p.attendance, p.leave_reason, p.leave_approved, p.note) == (e.attendance, reason, decided, e.note):
            continue
        if decided != p.leave_approved:
            p.leave_decided_by_id = access.user_id if decided is not None else None
        p.attendance, p.leave_reason, p.leave_approved, p.note = e.attendance, reason, decided, e.note
    fire(session, activity, "attendance")
    return activity


def rate_of(rows: Iterable[tuple[str, bool | None]]) -> AttendanceRate:
    """Attendance figures of ``(attendance, leave_approved)`` rows."""
    c: dict[str, int] = defaultdict(int)
    for attendance, approved in rows:
        if attendance == "leave":
            c["leave_approved" if approved is True else "leave_rejected" if approved is False else "leave_pending"] += 1
        else:
            c[attendance] += 1
    return AttendanceRate(present=c["present"], absent=c["absent"], leave_approved=c["leave_approved"],
                          leave_rejected=c["leave_rejected"], leave_pending=c["leave_pending"], pending=c["pending"])


def attendance_summary(activity: Activity) -> AttendanceRate:
    return rate_of((p.attendance, p.leave_approved) for p in activity.participants)


# --- follow-ups and attachments ------------------------------------------------------------------------------


def add_follow_up(session: Session, access: Access, activity: Activity, raw: Mapping[str, Any]) -> ActivityFollowUp:
    require_edit(session, access, activity)
    errors = {}
    body = text(raw, "text")
    if not body:
        errors["text"] = "请填写落实事项"
    elif len(body) > 300:
        errors["text"] = "落实事项最多 300 个字符"
    due = parse_date(text(raw, "due_on"))
    if text(raw, "due_on") and due is None:
        errors["due_on"] = "日期格式应为 YYYY-MM-DD"
    if errors:
        raise FormErrors(errors)
    fu = ActivityFollowUp(text=body, due_on=due, tenant_id=activity.tenant_id)
    activity.follow_ups.append(fu)
    session.flush()
    return fu


def _follow_up(activity: Activity, follow_up_id: int) -> ActivityFollowUp:
    fu = next((f for f in activity.follow_ups if f.id == follow_up_id), None)
    if fu is None:
        raise NotFoundException("落实事项不存在")
    return fu


def set_follow_up_done(session: Session, access: Access, activity: Activity, follow_up_id: int, done: bool,
                       today: dt.date) -> ActivityFollowUp:
    require_edit(session, access, activity)
    fu = _follow_up(activity, follow_up_id)
    fu.done, fu.done_on = done, (today if done else None)
    session.flush()
    return fu


def delete_follow_up(session: Session, access: Access, activity: Activity, follow_up_id: int) -> None:
    require_edit(session, access, activity)
    fu = _follow_up(activity, follow_up_id)
    activity.follow_ups.remove(fu)
    session.delete(fu)
    session.flush()


def follow_up_overdue(fu: ActivityFollowUp, today: dt.date) -> bool:
    return not fu.done and fu.due_on is not None and fu.due_on < today


def add_attachment(session: Session, access: Access, activity: Activity, raw: Mapping[str, Any]) -> ActivityAttachment:
    """Record an attachment's metadata (file name, kind, where it is kept) — no file is stored."""
    require_edit(session, access, activity)
    errors = {}
    filename = text(raw, "filename")
    if not filename:
        errors["filename"] = "请填写文件名称"
    elif len(filename) > 200:
        errors["filename"] = "文件名称最多 200 个字符"
    kind = text(raw, "kind") or "photo"
    if kind not in ATTACHMENT_KINDS:
        errors["kind"] = "附件类别无效"
    size = None
    if text(raw, "size_kb"):
        try:
            size = int(round(float(text(raw, "size_kb")) * 1024))
            if size < 0 or size > 2**31 - 1:
                raise ValueError
        except ValueError:
            errors["size_kb"] = "大小应为不小于 0 的数字（KB）"
    location, description = text(raw, "location"), text(raw, "description")
    if len(location) > 300:
        errors["location"] = "存放位置最多 300 个字符"
    if len(description) > 200:
        errors["description"] = "说明最多 200 个字符"
    if errors:
        raise FormErrors(errors)
    att = ActivityAttachment(kind=kind, filename=filename, location=location, size_bytes=size,
                             description=description, tenant_id=activity.tenant_id)
    activity.attachments.append(att)
    session.flush()
    return att


def upload_attachment(session: Session, access: Access, activity: Activity, raw: Mapping[str, Any], filename: str,
                      data: bytes) -> ActivityAttachment:
    """Store an uploaded file (photo, sign-in sheet …) of ``activity``: type, size and content
    are checked by :mod:`plugins.activities.files`. The caller commits, and calls
    ``files.discard(att)`` when it rolls back instead."""
    from plugins.activities import files

    require_edit(session, access, activity)
    errors = {}
    kind = text(raw, "kind") or "photo"
    if kind not in ATTACHMENT_KINDS:
        errors["kind"] = "附件类别无效"
    description = text(raw, "description")
    if len(description) > 200:
        errors["description"] = "说明最多 200 个字符"
    try:
        files.check(filename, data)
    except FormErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise FormErrors(errors)
    return files.store(session, activity, filename, data, kind, description, access.user_id)


def get_attachment(activity: Activity, attachment_id: int) -> ActivityAttachment:
    att = next((a for a in activity.attachments if a.id == attachment_id), None)
    if att is None:
        raise NotFoundException("附件不存在")
    return att


def delete_attachment(session: Session, access: Access, activity: Activity, attachment_id: int) -> ActivityAttachment:
    """Delete an attachment row; once the caller committed, ``files.discard(att)`` removes
    the stored file (if there is one)."""
    require_edit(session, access, activity)
    att = get_attachment(activity, attachment_id)
    activity.attachments.remove(att)
    session.delete(att)
    session.flush()
    return att


# --- listing -----------------------------------------------------------------------------------------------


@dataclass
class ActivityFilter:
    q: str = ""
    type: str = ""
    organizer: str = ""
    status: str = ""
    date_from: str = ""
    date_to: str = ""

    KEYS = ("q", "type", "organizer", "status", "date_from", "date_to")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ActivityFilter:
        return cls(**{k: text(data, k) for k in cls.KEYS})

    def query(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in self.KEYS if getattr(self, k)}


def organizer_clause(value: str) -> ColumnElement[bool] | None:
    parsed = parse_organizer(value)
    if parsed is None:
        return None
    kind, oid = parsed
    if kind == "party_org":
        return and_(Activity.organizer_kind == "party_org", Activity.party_org_id == oid)
    if kind == "cluster":
        return and_(Activity.organizer_kind == "cluster", Activity.cluster_id == oid)
    return Activity.organizer_kind == "tenant"


def activity_select(session: Session, access: Access, f: ActivityFilter) -> Select:
    stmt = select(Activity).where(visible_clause(session, access))
    if f.q:
        stmt = stmt.where(search.matches(f.q, Activity.title, Activity.place, Activity.description,
                                         Activity.organizer_name))
    if f.type:
        stmt = stmt.where(Activity.activity_type == f.type)
    if f.organizer:
        clause = organizer_clause(f.organizer)
        stmt = stmt.where(clause if clause is not None else false())
    if f.status in STATUSES:
        stmt = stmt.where(Activity.status == f.status)
    first, last = parse_date(f.date_from), parse_date(f.date_to)
    if first:
        stmt = stmt.where(Activity.starts_at >= local_to_utc(first))
    if last:
        stmt = stmt.where(Activity.starts_at < local_to_utc(last + dt.timedelta(days=1)))
    return stmt.order_by(Activity.starts_at.desc(), Activity.id.desc())


def list_activities(session: Session, access: Access, f: ActivityFilter, page: int = 1,
                    page_size: int = PAGE_SIZE) -> PageOf:
    stmt = activity_select(session, access, f).options(selectinload(Activity.participants),
                                                       selectinload(Activity.speakers))
    return paginate(session, stmt, page, page_size)


EXPORT_HEADERS = ["活动类型", "活动主题", "组织单位", "开始时间", "结束时间", "地点", "状态", "主讲人",
                  "参加人数", "出席", "请假", "缺席", "出席率"]


def export_rows(session: Session, access: Access, types: TypeSet, f: ActivityFilter) -> Iterator[list[Any]]:
    stmt = activity_select(session, access, f).options(selectinload(Activity.participants),
                                                       selectinload(Activity.speakers))
    acts = list(session.scalars(stmt.limit(50000)))
    names = organizer_names(session, acts)
    for a in acts:
        r = attendance_summary(a)
        yield [types.label(a.activity_type), a.title, names.get(a.id, ""), clock.local_minute(a.starts_at), clock.local_minute(a.ends_at),
               a.place, STATUSES.get(a.status, a.status), "、".join(s.name for s in a.speakers), r.participants,
               r.present, r.leave, r.absent,
               "" if r.rate is None else f"{r.rate:.0%}"]


# --- calendar ---------------------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    date: dt.date
    in_month: bool
    is_today: bool
    items: list[Activity] = field(default_factory=list)


@dataclass
class CalendarMonth:
    year: int
    month: int
    weeks: list[list[CalendarDay]]
    names: dict[int, str]

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def prev(self) -> str:
        return f"{self.year - 1}-12" if self.month == 1 else f"{self.year}-{self.month - 1:02d}"

    @property
    def next(self) -> str:
        return f"{self.year + 1}-01" if self.month == 12 else f"{self.year}-{self.month + 1:02d}"

    @property
    def count(self) -> int:
        return len({a.id for w in self.weeks for d in w if d.in_month for a in d.items})


WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


def parse_month(value: str, today: dt.date) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", (value or "").strip())
    if m and 1 <= int(m.group(2)) <= 12 and 1900 < int(m.group(1)) < 3000:
        return int(m.group(1)), int(m.group(2))
    return today.year, today.month


def month_calendar(session: Session, access: Access, year: int, month: int, today: dt.date,
                   f: ActivityFilter | None = None) -> CalendarMonth:
    """The month as weeks (Monday first) of days with the activities held on each local day
    (a multi-day activity appears on each of its days)."""
    weeks = pycal.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    lo, hi = utc_range(first, last)
    f = f or ActivityFilter()
    stmt = (activity_select(session, access, ActivityFilter(q=f.q, type=f.type, organizer=f.organizer,
                                                            status=f.status))
            .where(Activity.starts_at < hi, Activity.ends_at >= lo).order_by(None)
            .order_by(Activity.starts_at, Activity.id))
    acts = list(session.scalars(stmt))
    by_day: dict[dt.date, list[Activity]] = defaultdict(list)
    for a in acts:
        day, end = clock.local(a.starts_at).date(), clock.local(a.ends_at - dt.timedelta(microseconds=1)).date()
        while day <= end:
            if first <= day <= last:
                by_day[day].append(a)
            day += dt.timedelta(days=1)
    grid = [[CalendarDay(d, d.month == month, d == today, by_day.get(d, [])) for d in week] for week in weeks]
    return CalendarMonth(year, month, grid, organizer_names(session, acts))


# --- due reminders ------------------------------------------------------------------------------------------


@dataclass
class DueOrganizer:
    kind: str
    id: int
    name: str
    held: int = 0
    scheduled: int = 0

    @property
    def value(self) -> str:
        return organizer_value(self.kind, self.id)


@dataclass
class DueRow:
    """One cadence-bound type in the period containing the reference day."""

    type: ActivityType
    period_start: dt.date
    period_end: dt.date
    organizers: list[DueOrganizer]

    @property
    def required(self) -> int:
        return self.type.cadence.times

    @property
    def period_label(self) -> str:
        return period_label(self.type.cadence.period, self.period_start)

    @property
    def missing(self) -> list[DueOrganizer]:
        """Organizers that have not held it often enough yet in this period."""
        return [o for o in self.organizers if o.held < self.required]

    @property
    def done(self) -> list[DueOrganizer]:
        return [o for o in self.organizers if o.held >= self.required]


def obliged_organizers(session: Session, tenant: TenantInfo, atype: ActivityType, start: dt.date, end: dt.date,
                       access: Access | None = None) -> list[DueOrganizer]:
    """Who owes an activity of ``atype`` in ``[start, end]``: party orgs (of the cadence's types)
    founded by the end and not dissolved before the start; live clusters (of its types); or the
    tenant. An ``own_only`` principal sees only their own."""
    cad = atype.cadence
    scope = scope_of(session, access) if access is not None else None
    if cad.applies_to == "party_org":
        stmt = (select(PartyOrg.id, PartyOrg.name)
                .where(or_(PartyOrg.dissolved_on.is_(None), PartyOrg.dissolved_on >= start),
                       or_(PartyOrg.founded_on.is_(None), PartyOrg.founded_on <= end))
                .order_by(PartyOrg.name, PartyOrg.id))
        if cad.party_org_types:
            stmt = stmt.where(PartyOrg.org_type.in_(cad.party_org_types))
        if scope is not None:
            stmt = stmt.where(PartyOrg.id.in_(scope.party_orgs or {-1}))
        return [DueOrganizer("party_org", i, n) for i, n in session.execute(stmt)]
    if cad.applies_to == "cluster":
        stmt = (select(Cluster.id, Cluster.name)
                .where(or_(Cluster.archived_on.is_(None), Cluster.archived_on >= start))
                .order_by(Cluster.name, Cluster.id))
        if cad.cluster_types:
            stmt = stmt.where(Cluster.cluster_type.in_(cad.cluster_types))
        if scope is not None:
            stmt = stmt.where(Cluster.id.in_(scope.clusters or {-1}))
        return [DueOrganizer("cluster", i, n) for i, n in session.execute(stmt)]
    if scope is not None:
        return []
    return [DueOrganizer("tenant", tenant.id, tenant.name)]


def count_by_organizer(session: Session, type_keys: str | Iterable[str] | None, period_start: dt.date,
                       period_end: dt.date, statuses: Iterable[str] = ("held",)) -> dict[tuple[str, int], int]:
    """Activities per organizer ``(kind, id)`` whose local start date is in ``[start, end]`` — as
    organizer or as a co-organizer (联合开展)."""
    lo, hi = utc_range(period_start, period_end)
    org_id = _organizer_id_column()
    stmt = (select(Activity.organizer_kind, org_id, func.count())
            .where(Activity.starts_at >= lo, Activity.starts_at < hi, Activity.status.in_(tuple(statuses)),
                   org_id.is_not(None))
            .group_by(Activity.organizer_kind, org_id))
    co_id = func.coalesce(ActivityCoOrganizer.party_org_id, ActivityCoOrganizer.cluster_id)
    co = (select(ActivityCoOrganizer.organizer_kind, co_id, func.count(func.distinct(Activity.id)))
          .join(Activity, Activity.id == ActivityCoOrganizer.activity_id)
          .where(Activity.starts_at >= lo, Activity.starts_at < hi, Activity.status.in_(tuple(statuses)),
                 co_id.is_not(None))
          .group_by(ActivityCoOrganizer.organizer_kind, co_id))
    if type_keys is not None:
        keys = (type_keys,) if isinstance(type_keys, str) else tuple(type_keys)
        stmt = stmt.where(Activity.activity_type.in_(keys))
        co = co.where(Activity.activity_type.in_(keys))
    out = {(kind, oid): n for kind, oid, n in session.execute(stmt)}
    for kind, oid, n in session.execute(co):  # an activity counts for each of its co-organizers too
        out[(kind, oid)] = out.get((kind, oid), 0) + n
    return out


def _organizer_id_column():
    from sqlalchemy import case

    return case((Activity.organizer_kind == "party_org", Activity.party_org_id),
                (Activity.organizer_kind == "cluster", Activity.cluster_id),
                else_=Activity.tenant_id)


def attendance_by_organizer(session: Session, type_keys: str | Iterable[str] | None, period_start: dt.date,
                            period_end: dt.date) -> dict[tuple[str, int], AttendanceRate]:
    """Attendance figures per organizer over its held activities starting in ``[start, end]``."""
    lo, hi = utc_range(period_start, period_end)
    org_id = _organizer_id_column()
    stmt = (select(Activity.organizer_kind, org_id, ActivityParticipant.attendance,
                   ActivityParticipant.leave_approved, func.count())
            .join(ActivityParticipant, ActivityParticipant.activity_id == Activity.id)
            .where(Activity.starts_at >= lo, Activity.starts_at < hi, Activity.status == "held", org_id.is_not(None))
            .group_by(Activity.organizer_kind, org_id, ActivityParticipant.attendance,
                      ActivityParticipant.leave_approved))
    if type_keys is not None:
        keys = (type_keys,) if isinstance(type_keys, str) else tuple(type_keys)
        stmt = stmt.where(Activity.activity_type.in_(keys))
    rows: dict[tuple[str, int], list[tuple[str, bool | None]]] = defaultdict(list)
    for kind, oid, attendance, approved, n in session.execute(stmt):
        rows[(kind, oid)].extend([(attendance, approved)] * n)
    return {k: rate_of(v) for k, v in rows.items()}


def due_rows(session: Session, tenant: TenantInfo, types: TypeSet, today: dt.date, access: Access | None = None,
             type_key: str = "") -> list[DueRow]:
    """For each cadence-bound type: the period containing ``today`` and, per obliged organizer,
    how many activities it has held and has scheduled in it."""
    out = []
    for atype in types.cadenced:
        if type_key and atype.key != type_key:
            continue
        start, end = period_bounds(atype.cadence.period, today)
        organizers = obliged_organizers(session, tenant, atype, start, end, access)
        held = count_by_organizer(session, atype.key, start, end, ("held",))
        scheduled = count_by_organizer(session, atype.key, start, end, ("scheduled",))
        for o in organizers:
            o.held, o.scheduled = held.get((o.kind, o.id), 0), scheduled.get((o.kind, o.id), 0)
        out.append(DueRow(atype, start, end, organizers))
    return out


DUE_HEADERS = ["活动类型", "周期", "开始日期", "结束日期", "组织", "已开展（次）", "要求（次）", "计划中（次）"]


def due_export_rows(rows: Iterable[DueRow]) -> list[list[Any]]:
    """Every organizer still missing an activity on the due page (not only the preview)."""
    return [[r.type.label, r.period_label, r.period_start.isoformat(), r.period_end.isoformat(), o.name, o.held,
             r.required, o.scheduled] for r in rows for o in r.missing]


@dataclass
class StatsRow:
    """One organizer's activities in a period (for assessments: 一季一考核 …)."""

    kind: str
    id: int
    name: str
    held: int = 0
    scheduled: int = 0
    attendance: AttendanceRate | None = None

    @property
    def value(self) -> str:
        return organizer_value(self.kind, self.id)


@dataclass
class Stats:
    period: str
    period_start: dt.date
    period_end: dt.date
    type_key: str
    rows: list[StatsRow]

    @property
    def period_label(self) -> str:
        return period_label(self.period, self.period_start)

    @property
    def held(self) -> int:
        return sum(r.held for r in self.rows)

    @property
    def without(self) -> int:
        """Organizers that held none in the period."""
        return sum(1 for r in self.rows if not r.held)


def stats(session: Session, access: Access, tenant: TenantInfo, period: str, day: dt.date, type_key: str = "",
          kind: str = "") -> Stats:
    """Held and scheduled activities and attendance per organizer in the period (``month`` …
    ``year``) containing ``day``: every organizer the principal may see (the tenant, live party
    orgs and clusters — zero rows included, so that who did nothing shows), plus dissolved ones
    that still have activities in the period. ``type_key``: one type or all; ``kind``: one kind
    of organizer or all. Order: most held first, then by name."""
    if period not in PERIODS:
        raise FormErrors({"period": "统计周期无效"})
    start, end = period_bounds(period, day)
    keys = type_key or None
    held = count_by_organizer(session, keys, start, end, ("held",))
    scheduled = count_by_organizer(session, keys, start, end, ("scheduled",))
    rates = attendance_by_organizer(session, keys, start, end)
    rows: dict[tuple[str, int], StatsRow] = {}
    for value, name in organizer_options(session, access, tenant, writable=False).items():
        parsed = parse_organizer(value)
        if parsed is None:
            continue
        okind, oid = parsed
        oid = tenant.id if okind == "tenant" else oid
        rows[(okind, oid)] = StatsRow(okind, oid, name.removesuffix("（本级）"))
    scope = scope_of(session, access)
    extra = [k for k in (*held, *scheduled) if k not in rows]
    if extra and scope is None:  # organizers dissolved or archived since: names from the snapshot
        for okind, oid in extra:
            col = Activity.party_org_id if okind == "party_org" else Activity.cluster_id
            if okind == "tenant":
                continue
            name = session.scalar(select(Activity.organizer_name).where(Activity.organizer_kind == okind, col == oid)
                                  .order_by(Activity.id.desc()).limit(1)) or str(oid)
            rows[(okind, oid)] = StatsRow(okind, oid, name)
    out = []
    for key, row in rows.items():
        if kind and row.kind != kind:
            continue
        row.held, row.scheduled, row.attendance = held.get(key, 0), scheduled.get(key, 0), rates.get(key)
        out.append(row)
    out.sort(key=lambda r: (-r.held, r.kind != "tenant", r.name, r.id))
    return Stats(period, start, end, type_key, out)


STATS_HEADERS = ["组织单位", "类型", "已举行（次）", "计划中（次）", "应到（人次）", "出席（人次）", "请假（人次）", "缺席（人次）",
                 "出席率"]


def stats_rows(s: Stats) -> list[list[Any]]:
    out = []
    for r in s.rows:
        a = r.attendance
        out.append([r.name, ORGANIZER_KINDS.get(r.kind, r.kind), r.held, r.scheduled,
                    a.expected if a else 0, a.present if a else 0, a.leave if a else 0, a.absent if a else 0,
                    "" if a is None or a.rate is None else f"{a.rate:.1%}"])
    return out


def widget_data(session: Session, tenant: TenantInfo, today: dt.date, access: Access | None = None) -> dict[str, Any]:
    """The dashboard card: what is due this period and this month's activities — an
    ``own_only`` principal's own organizers only (their party orgs, the clusters they lead)."""
    types = types_for(tenant)
    rows = due_rows(session, tenant, types, today, access)
    lo, hi = utc_range(today.replace(day=1), period_bounds("month", today)[1])
    this_month = session.scalar(select(func.count()).select_from(Activity)
                                .where(Activity.starts_at >= lo, Activity.starts_at < hi,
                                       Activity.status != "cancelled",
                                       visible_clause(session, access) if access is not None else true())) or 0
    return {"rows": [{"label": r.type.label, "period": r.period_label, "missing": len(r.missing),
                      "total": len(r.organizers), "key": r.type.key} for r in rows],
            "this_month": this_month}


# --- history ----------------------------------------------------------------------------------------------

def history(session: Session, activity: Activity, limit: int = 200) -> list[Change]:
    """Audit entries of the activity and of its rows, deleted rows included, newest first, in words."""
    children = {t: ("activity_id", activity.id) for t in ("activities_speakers", "activities_participants",
                                                           "activities_attachments", "activities_follow_ups")}
    return changes_of(session, {"activities_activities": [activity.id]}, activity.tenant_id, limit,
                      children=children)


# --- detail -------------------------------------------------------------------------------------------------


@dataclass
class Detail:
    activity: Activity
    type: ActivityType | None
    type_label: str
    organizer: str
    start: dt.datetime  # local
    end: dt.datetime  # local
    summary: AttendanceRate
    members: dict[int, Member]
    co_organizers: list[str] = field(default_factory=list)


def co_organizer_names(session: Session, activity: Activity) -> list[str]:
    """The co-organizers' current names (the snapshot, marked deleted, when one no longer exists)."""
    out = []
    for c in activity.co_organizers:
        row = (session.get(PartyOrg, c.party_org_id) if c.party_org_id else
               session.get(Cluster, c.cluster_id) if c.cluster_id else None)
        out.append(row.name if row is not None else f"{c.organizer_name}（已删除）")
    return out


def detail(session: Session, types: TypeSet, activity: Activity) -> Detail:
    ids = [p.member_id for p in activity.participants if p.member_id]
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids)))} if ids else {}
    return Detail(activity, types.get(activity.activity_type), types.label(activity.activity_type),
                  organizer_name(session, activity), clock.local(activity.starts_at), clock.local(activity.ends_at),
                  attendance_summary(activity), members, co_organizer_names(session, activity))


def period_choices() -> dict[str, str]:
    return dict(PERIODS)



@dataclass(frozen=True)
class Presence:
    """A member's first presence at a held activity of the types asked for."""

    day: dt.date  # local (Asia/Shanghai) start date
    activity_id: int
    title: str


def members_present(session: Session, type_keys: str | Iterable[str], period_start: dt.date,
                    period_end: dt.date) -> dict[int, Presence]:
    """member id → the first held activity of ``type_keys`` starting in ``[start, end]`` (local
    dates) at which the member's attendance is ``present``."""
    lo, hi = utc_range(period_start, period_end)
    keys = (type_keys,) if isinstance(type_keys, str) else tuple(type_keys)
    rows = session.execute(
        select(ActivityParticipant.member_id, Activity.starts_at, Activity.id, Activity.title)
        .join(Activity, Activity.id == ActivityParticipant.activity_id)
        .where(Activity.activity_type.in_(keys), Activity.status == "held", Activity.starts_at >= lo,
               Activity.starts_at < hi, ActivityParticipant.attendance == "present",
               ActivityParticipant.member_id.is_not(None))
        .order_by(Activity.starts_at, Activity.id))
    out: dict[int, Presence] = {}
    for member_id, starts_at, activity_id, title in rows:
        out.setdefault(member_id, Presence(clock.local(starts_at).date(), activity_id, title))
    return out
