"""The rules of the lists engine (清单工作法): one engine, configured by the tenant's schemes.

Pages, the JSON API, demo data and tests all go through these functions. Each takes the
session (scoped to the tenant, or to a district's subtree for escalations), an :class:`Access`
describing the principal, the tenant's :class:`~plugins.lists.types.EffectiveScheme` where
vocabularies matter, and ``today`` (injected: the rules never read the clock themselves).

Invalid input raises :class:`~core.forms.FormErrors` (field → Chinese message) before anything
is written; an illegal state change raises it with the key ``"status"``; a missing right raises
``PermissionDeniedException`` (403) and an invisible row ``NotFoundException`` (404).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import crypto, history, search
from core.forms import FormErrors, text
from core.models import User
from core.permissions import authorizer
from core.plugins import registry
from core.registry.models import (
    Cluster,
    ClusterMember,
    Organization,
    PartyOrgCoverage,
    UserOrganization,
)
from core.tenancy import TenantInfo, tree
from core.validators import normalize_mobile, validate_mobile
from core.web.listing import PAGE_SIZE, PageOf, paginate
from plugins.lists.models import (
    ListAttachment,
    ListComment,
    ListDemand,
    ListResource,
    ListStation,
    ListWork,
    ListWorkResource,
)
from plugins.lists.types import EffectiveScheme, ListScheme

PLUGIN = "lists"


# --- schemes ----------------------------------------------------------------------------------


def schemes_for(tenant: TenantInfo) -> list[ListScheme]:
    """The schemes the tenant's enabled programs register (possibly none)."""
    found: list[ListScheme] = []
    for batch in registry().hooks_for(tenant.id).register_list_schemes(tenant=tenant):
        found.extend(batch or ())
    return found


def scheme_for(tenant: TenantInfo) -> EffectiveScheme:
    """The union of the tenant's schemes, or the default scheme when there are none."""
    return EffectiveScheme.of(schemes_for(tenant))


def fire(session: Session, demand: ListDemand, action: str, old: str, new: str) -> None:
    """Tell the demand's tenant's programs (``on_list_demand_transition``)."""
    session.flush()
    tenant = tree().by_id.get(demand.tenant_id)
    if tenant is None:
        return
    registry().hooks_for(tenant.id).on_list_demand_transition(
        session=session, tenant=tenant, demand=demand, action=action, old_status=old, new_status=new)


# --- vocabularies of the engine itself --------------------------------------------------------

STATUSES = {"submitted": "已提交", "accepted": "已受理", "in_progress": "办理中", "resolved": "已解决",
            "rated": "已评价", "rejected": "已退回"}
OPEN_STATUSES = ("submitted", "accepted", "in_progress")
SOLVED_STATUSES = ("resolved", "rated")
CHANNELS = {"secretary": "书记提交", "staff": "专干代录", "station": "服务站接单"}
ESCALATION_STATUSES = {"pending": "待上级答复", "answered": "上级已答复"}
WORK_STATUSES = {"claimed": "待确认", "open": "进行中", "done": "已完成", "cancelled": "已取消"}
WORK_ACTIVE = ("claimed", "open")
CLAIM_SIDES = {"staff": "专干匹配", "requester": "需求方认领", "provider": "资源方认领"}
RESOURCE_STATUSES = {"active": "有效", "withdrawn": "已撤回"}
STATION_LEVELS = {"street": "街道", "community": "社区（村）"}
SLA_STATES = {"overdue": "已超期", "due_soon": "即将到期", "ok": "未到期"}


@dataclass(frozen=True)
class Transition:
    action: str
    verb: str  # for the message: 不能「verb」
    sources: tuple[str, ...]
    target: str


#: the demand's state machine; everything not listed here is refused
TRANSITIONS = {
    "accept": Transition("accept", "受理", ("submitted",), "accepted"),
    "start": Transition("start", "开始办理", ("accepted",), "in_progress"),
    "resolve": Transition("resolve", "办结", ("in_progress",), "resolved"),
    "rate": Transition("rate", "评价", ("resolved",), "rated"),
    "reject": Transition("reject", "退回", ("submitted", "accepted"), "rejected"),
}
#: other actions on a demand and the states they need
ACTION_STATES = {
    "match": ("匹配资源", OPEN_STATUSES),
    "claim": ("认领", OPEN_STATUSES),
    "escalate": ("上报", ("accepted", "in_progress")),
    "edit": ("修改", ("submitted",)),
}
WORK_TRANSITIONS = {
    "confirm": Transition("confirm", "确认认领", ("claimed",), "open"),
    "complete": Transition("complete", "完成", ("open",), "done"),
    "cancel": Transition("cancel", "取消", ("claimed", "open"), "cancelled"),
}


def refuse_state(current: str, verb: str, labels: Mapping[str, str] = STATUSES) -> FormErrors:
    return FormErrors({"status": f"当前状态为「{labels.get(current, current)}」，不能{verb}"})


def check_transition(demand: ListDemand, action: str) -> Transition:
    t = TRANSITIONS[action]
    if demand.status not in t.sources:
        raise refuse_state(demand.status, t.verb)
    return t


def check_action(demand: ListDemand, action: str) -> None:
    verb, states = ACTION_STATES[action]
    if demand.status not in states:
        raise refuse_state(demand.status, verb)


def allowed_actions(demand: ListDemand) -> set[str]:
    """Transitions and actions the demand's state allows (rights are checked separately)."""
    out = {a for a, t in TRANSITIONS.items() if demand.status in t.sources}
    out |= {a for a, (_verb, states) in ACTION_STATES.items() if demand.status in states}
    if demand.escalation_status == "pending":
        out.discard("escalate")
    return out


# --- who may do what --------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """The principal's rights in the lists of the session's tenant.

    ``restricted``: an org secretary (``lists:submit``) or a resource provider (``lists:offer``)
    without staff rights — sees only their own organizations' demands (secretary), open demands
    and what their resources serve (provider), and the offers that are on the list.
    """

    user_id: int | None
    username: str = ""
    perms: frozenset[str] = frozenset()

    @classmethod
    def of(cls, ctx) -> Access:
        return cls(ctx.user.id, ctx.user.username, frozenset(p for p in ctx.perms if p.startswith("lists:")))

    def can(self, perm: str) -> bool:
        return f"lists:{perm}" in self.perms

    @property
    def can_write(self) -> bool:
        return self.can("write")

    @property
    def can_triage(self) -> bool:
        return self.can("triage")

    @property
    def can_submit(self) -> bool:
        return self.can("submit") or self.can_write

    @property
    def can_offer(self) -> bool:
        return self.can("offer") or self.can_write

    @property
    def staff(self) -> bool:
        return self.can_write or self.can_triage

    @property
    def restricted(self) -> bool:
        return not self.staff and (self.can("submit") or self.can("offer"))

    def require(self, perm: str, message: str = "没有权限执行此操作") -> None:
        if not self.can(perm):
            raise PermissionDeniedException(message)

    def own_org_ids(self) -> Select:
        return select(UserOrganization.organization_id).where(UserOrganization.user_id == self.user_id)

    def own_resource_ids(self) -> Select:
        return select(ListResource.id).where(ListResource.provider_user_id == self.user_id)

    def demand_clause(self) -> ColumnElement[bool]:
        if not self.restricted:
            return true()
        conds: list[ColumnElement[bool]] = []
        if self.can("submit"):
            conds.append(ListDemand.organization_id.in_(self.own_org_ids()))
            conds.append(ListDemand.submitted_by_id == self.user_id)
        if self.can("offer"):
            conds.append(ListDemand.status.in_(OPEN_STATUSES))
            conds.append(ListDemand.id.in_(
                select(ListWork.demand_id).join(ListWorkResource, ListWorkResource.work_id == ListWork.id)
                .where(ListWorkResource.resource_id.in_(self.own_resource_ids()))))
            conds.append(ListDemand.id.in_(select(ListWork.demand_id).where(ListWork.claimed_by_id == self.user_id)))
        return or_(*conds) if conds else false()

    def resource_clause(self) -> ColumnElement[bool]:
        if not self.restricted:
            return true()
        return or_(ListResource.status == "active", ListResource.provider_user_id == self.user_id)

    def work_clause(self) -> ColumnElement[bool]:
        if not self.restricted:
            return true()
        visible = select(ListDemand.id).where(self.demand_clause())
        return or_(ListWork.demand_id.in_(visible), ListWork.claimed_by_id == self.user_id,
                   ListWork.owner_user_id == self.user_id)


def is_requester(session: Session, access: Access, demand: ListDemand) -> bool:
    """The principal asked for this demand: submitted it, or is a secretary of its organization."""
    if access.user_id is None:
        return False
    if demand.submitted_by_id == access.user_id:
        return True
    return demand.organization_id is not None and bool(session.scalar(
        select(UserOrganization.id).where(UserOrganization.user_id == access.user_id,
                                          UserOrganization.organization_id == demand.organization_id)))


def get_demand(session: Session, access: Access, demand_id: int) -> ListDemand:
    demand = session.scalar(select(ListDemand).where(ListDemand.id == demand_id, access.demand_clause()))
    if demand is None:  # another tenant's or one this principal may not see
        raise NotFoundException("需求不存在")
    return demand


def get_resource(session: Session, access: Access, resource_id: int) -> ListResource:
    res = session.scalar(select(ListResource).where(ListResource.id == resource_id, access.resource_clause()))
    if res is None:
        raise NotFoundException("资源不存在")
    return res


def get_work(session: Session, access: Access, work_id: int) -> ListWork:
    work = session.scalar(select(ListWork).where(ListWork.id == work_id, access.work_clause()))
    if work is None:
        raise NotFoundException("清单事项不存在")
    return work


def get_station(session: Session, station_id: int) -> ListStation:
    station = session.get(ListStation, station_id)
    if station is None:
        raise NotFoundException("服务站不存在")
    return station


# --- input helpers ----------------------------------------------------------------------------


def id_list(raw: Mapping[str, Any], key: str) -> list[int] | None:
    """Integer ids from a form list / JSON list / comma string; ``None`` if one is not a number."""
    value = raw.get(key)
    if value is None or value == "":
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    out: list[int] = []
    for item in items:
        s = str(item).strip()
        if not s:
            continue
        if not s.isdigit():
            return None
        out.append(int(s))
    return list(dict.fromkeys(out))


class Checker:
    """Collects field errors; :meth:`done` raises them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, key: str, message: str) -> None:
        self.errors.setdefault(key, message)

    def text(self, raw: Mapping[str, Any], key: str, label: str, max_len: int, required: bool = False) -> str:
        value = text(raw, key)
        if required and not value:
            self.fail(key, f"请填写{label}")
        elif len(value) > max_len:
            self.fail(key, f"{label}最多 {max_len} 个字符")
        return value

    def choice(self, raw: Mapping[str, Any], key: str, label: str, options: Mapping[str, str],
               required: bool = False, default: str = "") -> str:
        value = text(raw, key) or default
        if not value:
            if required:
                self.fail(key, f"请选择{label}")
            return ""
        if value in options:
            return value
        by_label = next((k for k, v in options.items() if v == value), None)
        if by_label is None:
            self.fail(key, f"{label}：无效的选项「{value}」")
            return ""
        return by_label

    def date(self, raw: Mapping[str, Any], key: str, label: str, required: bool = False) -> dt.date | None:
        value = raw.get(key)
        if isinstance(value, dt.date):
            return value
        s = text(raw, key)
        if not s:
            if required:
                self.fail(key, f"请填写{label}")
            return None
        try:
            return dt.date.fromisoformat(s)
        except ValueError:
            self.fail(key, f"{label}格式应为 2024-05-01")
            return None

    def integer(self, raw: Mapping[str, Any], key: str, label: str, lo: int, hi: int,
                required: bool = False) -> int | None:
        value = raw.get(key)
        s = text(raw, key) if not isinstance(value, int) or isinstance(value, bool) else str(value)
        if not s:
            if required:
                self.fail(key, f"请填写{label}")
            return None
        if not re.fullmatch(r"-?\d+", s):
            self.fail(key, f"{label}须为整数")
            return None
        n = int(s)
        if not lo <= n <= hi:
            self.fail(key, f"{label}须在 {lo}–{hi} 之间")
            return None
        return n

    def done(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)


LANDLINE_RE = re.compile(r"0\d{2,3}-?\d{7,8}")


def clean_phone(c: Checker, raw: Mapping[str, Any], key: str = "contact_phone") -> str | None:
    value = text(raw, key)
    if not value:
        return None
    compact = re.sub(r"\s+", "", value)
    if LANDLINE_RE.fullmatch(compact):
        return compact
    problem = validate_mobile(compact)
    if problem:
        c.fail(key, f"联系电话：{problem}（座机请写成 0731-88888888）")
        return None
    return normalize_mobile(compact)


def phone_of(res: ListResource) -> str:
    try:
        return crypto.decrypt(res.contact_phone_enc) or ""
    except crypto.DecryptionError:
        return ""


def masked_phone(res: ListResource) -> str:
    return crypto.mask_phone(phone_of(res)) or ""


def _set_phone(res: ListResource, phone: str | None) -> None:
    res.contact_phone_enc = crypto.encrypt(phone) if phone else None
    res.contact_phone_hash = crypto.blind_index(phone, "phone") if phone else None


# --- stations ---------------------------------------------------------------------------------


def clean_station(raw: Mapping[str, Any]) -> dict[str, Any]:
    c = Checker()
    values = {
        "name": c.text(raw, "name", "服务站名称", 100, required=True),
        "level": c.choice(raw, "level", "层级", STATION_LEVELS, required=True, default="street"),
        "community": c.text(raw, "community", "所在社区（村）", 100),
        "address": c.text(raw, "address", "地址", 200),
    }
    c.done()
    return values


def create_station(session: Session, access: Access, raw: Mapping[str, Any]) -> ListStation:
    access.require("write")
    values = clean_station(raw)
    if session.scalar(select(ListStation.id).where(ListStation.name == values["name"])):
        raise FormErrors({"name": "该服务站已存在"})
    station = ListStation(**values)
    session.add(station)
    try:
        session.flush()
    except IntegrityError as exc:
        raise FormErrors({"name": "该服务站已存在"}) from exc
    return station


def set_station_active(session: Session, access: Access, station: ListStation, active: bool) -> ListStation:
    access.require("write")
    station.active = active
    session.flush()
    return station


def stations(session: Session, active_only: bool = False) -> list[ListStation]:
    stmt = select(ListStation).order_by(ListStation.level.desc(), ListStation.name)
    if active_only:
        stmt = stmt.where(ListStation.active.is_(True))
    return list(session.scalars(stmt))


# --- demands ----------------------------------------------------------------------------------


def organization_options(session: Session, access: Access) -> dict[int, str]:
    """Organizations the principal may submit demands for: all (staff) or their own (secretary)."""
    stmt = select(Organization.id, Organization.name).order_by(Organization.name, Organization.id)
    if not access.can_write:
        if not access.can("submit"):
            return {}
        stmt = stmt.where(Organization.id.in_(access.own_org_ids()))
    return dict(session.execute(stmt.limit(2000)).all())


def clean_demand(session: Session, access: Access, scheme: EffectiveScheme, raw: Mapping[str, Any]
                 ) -> dict[str, Any]:
    c = Checker()
    values: dict[str, Any] = {
        "title": c.text(raw, "title", "需求标题", 100, required=True),
        "description": c.text(raw, "description", "需求描述", 5000),
        "category": c.choice(raw, "category", "需求类别", scheme.options("categories"), required=True),
        "urgency": c.choice(raw, "urgency", "紧急程度", scheme.options("urgencies"), required=True,
                            default=scheme.urgencies[0].key),
        "action_tag": c.choice(raw, "action_tag", "专项行动", scheme.options("special_actions")),
        "contact_name": c.text(raw, "contact_name", "联系人", 50),
    }
    org_raw = text(raw, "organization_id")
    org = None
    if not org_raw:
        c.fail("organization_id", "请选择提出需求的组织")
    elif not org_raw.isdigit():
        c.fail("organization_id", "组织不存在")
    else:
        org = session.get(Organization, int(org_raw))  # another tenant's is filtered out
        if org is None:
            c.fail("organization_id", "组织不存在")
        elif not access.can_write and org.id not in organization_options(session, access):
            c.fail("organization_id", "只能为您负责的组织提交需求")
    if org is not None:
        values["organization_id"] = org.id
        values["org_name"] = org.name
    station_raw = text(raw, "station_id")
    values["station_id"] = None
    if station_raw:
        if not access.can_write:
            c.fail("station_id", "只有专干可以登记服务站接单")
        else:
            station = session.get(ListStation, int(station_raw)) if station_raw.isdigit() else None
            if station is None or not station.active:
                c.fail("station_id", "服务站不存在或已停用")
            else:
                values["station_id"] = station.id
    c.done()
    return values


def submit_demand(session: Session, access: Access, scheme: EffectiveScheme, raw: Mapping[str, Any],
                  today: dt.date) -> ListDemand:
    """A new demand: by a secretary for their own organization, or by staff on its behalf
    (``station_id`` set: taken at a service station). The SLA deadline follows the urgency."""
    if not (access.can_write or access.can("submit")):
        raise PermissionDeniedException("没有权限提交需求")
    values = clean_demand(session, access, scheme, raw)
    if values["station_id"]:
        channel = "station"
    elif access.can_write:
        channel = "staff"
    else:
        channel = "secretary"
    demand = ListDemand(**values, channel=channel, submitted_by_id=access.user_id, status="submitted",
                        submitted_on=today, due_on=today + dt.timedelta(days=scheme.sla_days(values["urgency"])))
    session.add(demand)
    session.flush()
    fire(session, demand, "submit", "", "submitted")
    return demand


def can_edit(session: Session, access: Access, demand: ListDemand) -> bool:
    return demand.status == "submitted" and (access.can_write or is_requester(session, access, demand))


def update_demand(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
                  raw: Mapping[str, Any]) -> ListDemand:
    if not (access.can_write or is_requester(session, access, demand)):
        raise PermissionDeniedException("没有权限修改该需求")
    check_action(demand, "edit")
    values = clean_demand(session, access, scheme, raw)
    if not values["station_id"] and demand.channel == "station":
        values["station_id"] = demand.station_id
    for key, value in values.items():
        setattr(demand, key, value)
    demand.due_on = demand.submitted_on + dt.timedelta(days=scheme.sla_days(demand.urgency))
    session.flush()
    return demand


def _triage(c: Checker, scheme: EffectiveScheme, raw: Mapping[str, Any], required: bool, default: str = "") -> str:
    return c.choice(raw, "triage_level", "解决方式", scheme.options("triage_levels"), required=required,
                    default=default)


def _advance(session: Session, demand: ListDemand, t: Transition, today: dt.date) -> str:
    old = demand.status
    demand.status = t.target
    if t.action == "accept" or (t.target == "in_progress" and demand.accepted_on is None):
        demand.accepted_on = today
    return old


def accept(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
           raw: Mapping[str, Any], today: dt.date) -> ListDemand:
    """受理: submitted → accepted, optionally with the triage level."""
    access.require("triage")
    t = check_transition(demand, "accept")
    c = Checker()
    level = _triage(c, scheme, raw, required=False)
    c.done()
    old = _advance(session, demand, t, today)
    if level:
        demand.triage_level = level
    fire(session, demand, t.action, old, t.target)
    return demand


def start(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
          raw: Mapping[str, Any], today: dt.date) -> ListDemand:
    """开始办理: accepted → in progress (e.g. 现场办公快速解决 without a resource)."""
    access.require("triage")
    t = check_transition(demand, "start")
    c = Checker()
    level = _triage(c, scheme, raw, required=False)
    c.done()
    old = _advance(session, demand, t, today)
    if level:
        demand.triage_level = level
    fire(session, demand, t.action, old, t.target)
    return demand


def resolve(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
            raw: Mapping[str, Any], today: dt.date) -> ListDemand:
    """办结: in progress → resolved, with what was done and how (triage level); every work item
    of the demand must be finished or cancelled first."""
    access.require("triage")
    t = check_transition(demand, "resolve")
    c = Checker()
    resolution = c.text(raw, "resolution", "办理结果", 5000, required=True)
    level = _triage(c, scheme, raw, required=True, default=demand.triage_level)
    c.done()
    active = [w for w in _works_of(session, demand.id) if w.status in WORK_ACTIVE]
    if active:
        names = "、".join(f"「{w.title}」" for w in active[:3])
        raise FormErrors({"status": f"还有 {len(active)} 项清单事项未完成（{names}），请先完成或取消"})
    old = _advance(session, demand, t, today)
    demand.resolution, demand.triage_level, demand.resolved_on = resolution, level, today
    fire(session, demand, t.action, old, t.target)
    return demand


def reject(session: Session, access: Access, demand: ListDemand, raw: Mapping[str, Any],
           today: dt.date) -> ListDemand:
    """退回 with a reason (from submitted or accepted); pending claims are cancelled."""
    access.require("triage")
    t = check_transition(demand, "reject")
    c = Checker()
    reason = c.text(raw, "reason", "退回原因", 2000, required=True)
    c.done()
    for w in _works_of(session, demand.id):
        if w.status in WORK_ACTIVE:
            w.status, w.result = "cancelled", f"需求已退回：{reason}"
    old = _advance(session, demand, t, today)
    demand.reject_reason = reason
    fire(session, demand, t.action, old, t.target)
    return demand


def can_rate(session: Session, access: Access, demand: ListDemand) -> bool:
    return access.can_write or is_requester(session, access, demand)


def rate(session: Session, access: Access, demand: ListDemand, raw: Mapping[str, Any],
         today: dt.date) -> ListDemand:
    """评价 by the requester (staff may record it on their behalf): 1–5 with a comment."""
    if not can_rate(session, access, demand):
        raise PermissionDeniedException("只有提出需求的组织可以评价")
    t = check_transition(demand, "rate")
    c = Checker()
    rating = c.integer(raw, "rating", "评分", 1, 5)
    if rating is None and "rating" not in c.errors:
        c.fail("rating", "请选择 1–5 分的评价")
    comment = c.text(raw, "rating_comment", "评价意见", 1000)
    c.done()
    old = _advance(session, demand, t, today)
    demand.rating, demand.rating_comment, demand.rated_by_id, demand.rated_on = rating, comment, access.user_id, today
    fire(session, demand, t.action, old, t.target)
    return demand


def set_triage(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
               raw: Mapping[str, Any]) -> ListDemand:
    """Change the triage level (分级) of an open demand."""
    access.require("triage")
    if demand.status not in OPEN_STATUSES:
        raise refuse_state(demand.status, "调整解决方式")
    c = Checker()
    level = _triage(c, scheme, raw, required=True)
    c.done()
    demand.triage_level = level
    session.flush()
    return demand


def can_comment(session: Session, access: Access, demand: ListDemand) -> bool:
    return access.staff or access.can("offer") or is_requester(session, access, demand)


def add_comment(session: Session, access: Access, demand: ListDemand, raw: Mapping[str, Any],
                author_name: str = "") -> ListComment:
    if not can_comment(session, access, demand):
        raise PermissionDeniedException("没有权限留言")
    c = Checker()
    body = c.text(raw, "body", "留言内容", 2000, required=True)
    c.done()
    comment = ListComment(tenant_id=demand.tenant_id, demand_id=demand.id, author_id=access.user_id,
                          author_name=author_name or access.username, body=body,
                          author_tenant_id=session.info.get("tenant_id"))
    session.add(comment)
    session.flush()
    return comment


# --- escalation up the tenant tree ------------------------------------------------------------


def _enabled_parent(tenant_id: int) -> TenantInfo:
    t = tree()
    me = t.by_id[tenant_id]
    parent = t.by_id.get(me.parent_id) if me.parent_id else None
    if parent is None or parent.archived:
        raise FormErrors({"status": f"「{me.name}」没有上级辖区，无法上报"})
    if not registry().is_enabled(parent.id, PLUGIN):
        raise FormErrors({"status": f"上级辖区「{parent.name}」未启用清单工作法，无法上报"})
    return parent


def escalate(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
             raw: Mapping[str, Any], today: dt.date) -> ListDemand:
    """对上协调: the demand goes to the parent tenant's escalation queue (its own items stay here)."""
    access.require("triage")
    check_action(demand, "escalate")
    if demand.escalation_status == "pending":
        target = tree().by_id.get(demand.escalated_to_id or 0)
        raise FormErrors({"status": f"已上报「{target.name if target else '上级'}」，请等待答复"})
    c = Checker()
    reason = c.text(raw, "escalation_reason", "上报说明", 2000, required=True)
    c.done()
    parent = _enabled_parent(demand.tenant_id)
    demand.escalated_to_id, demand.escalated_on = parent.id, today
    demand.escalation_reason, demand.escalation_status, demand.escalation_reply = reason, "pending", ""
    if scheme.escalation_level in scheme.labels["triage_levels"]:
        demand.triage_level = scheme.escalation_level
    fire(session, demand, "escalate", demand.status, demand.status)
    return demand


def escalation_select(tenant_id: int) -> Select:
    """Demands escalated to ``tenant_id`` (run in a session over its subtree: its streets only)."""
    return select(ListDemand).where(ListDemand.escalated_to_id == tenant_id)


def get_escalation(session: Session, tenant_id: int, demand_id: int) -> ListDemand:
    demand = session.scalar(escalation_select(tenant_id).where(ListDemand.id == demand_id))
    if demand is None:
        raise NotFoundException("上报事项不存在")
    return demand


def answer_escalation(session: Session, access: Access, tenant: TenantInfo, demand: ListDemand,
                      raw: Mapping[str, Any], author_name: str = "") -> ListDemand:
    """The district (``tenant``) answers an escalation of one of its streets."""
    access.require("triage")
    if demand.escalated_to_id != tenant.id:
        raise NotFoundException("上报事项不存在")
    if demand.escalation_status != "pending":
        raise FormErrors({"status": "该上报事项已答复"})
    c = Checker()
    reply = c.text(raw, "reply", "答复意见", 2000, required=True)
    c.done()
    demand.escalation_status, demand.escalation_reply = "answered", reply
    session.add(ListComment(tenant_id=demand.tenant_id, demand_id=demand.id, author_id=access.user_id,
                            author_name=author_name or access.username, author_tenant_id=tenant.id,
                            kind="reply", body=f"{tenant.name}答复：{reply}"))
    fire(session, demand, "answer", demand.status, demand.status)
    return demand


def forward_escalation(session: Session, access: Access, tenant: TenantInfo, demand: ListDemand,
                       raw: Mapping[str, Any], today: dt.date, author_name: str = "") -> ListDemand:
    """The district passes an escalation on to its own parent (e.g. the city)."""
    access.require("triage")
    if demand.escalated_to_id != tenant.id:
        raise NotFoundException("上报事项不存在")
    if demand.escalation_status != "pending":
        raise FormErrors({"status": "该上报事项已答复"})
    c = Checker()
    reason = c.text(raw, "reply", "转报说明", 2000, required=True)
    c.done()
    parent = _enabled_parent(tenant.id)
    demand.escalated_to_id, demand.escalated_on = parent.id, today
    session.add(ListComment(tenant_id=demand.tenant_id, demand_id=demand.id, author_id=access.user_id,
                            author_name=author_name or access.username, author_tenant_id=tenant.id,
                            kind="reply", body=f"{tenant.name}转报{parent.name}：{reason}"))
    fire(session, demand, "forward", demand.status, demand.status)
    return demand


# --- resources --------------------------------------------------------------------------------


def clean_resource(session: Session, access: Access, scheme: EffectiveScheme, raw: Mapping[str, Any],
                   today: dt.date, existing: ListResource | None = None) -> dict[str, Any]:
    c = Checker()
    values: dict[str, Any] = {
        "title": c.text(raw, "title", "资源名称", 100, required=True),
        "description": c.text(raw, "description", "资源内容", 5000),
        "category": c.choice(raw, "category", "资源类别", scheme.options("categories")),
        "provider_kind": c.choice(raw, "provider_kind", "提供方类型", scheme.options("provider_kinds"),
                                  required=True),
        "provider_name": c.text(raw, "provider_name", "提供方", 200),
        "capacity": c.integer(raw, "capacity", "可服务次数", 1, 100000),
        "contact_name": c.text(raw, "contact_name", "联系人", 50),
        "valid_until": c.date(raw, "valid_until", "有效期"),
    }
    phone = clean_phone(c, raw)
    org_raw = text(raw, "organization_id")
    values["organization_id"] = None
    if org_raw:
        org = session.get(Organization, int(org_raw)) if org_raw.isdigit() else None
        if org is None:
            c.fail("organization_id", "组织不存在")
        else:
            values["organization_id"] = org.id
            values["provider_name"] = values["provider_name"] or org.name
    username = text(raw, "provider_username")
    if access.can_write and "provider_username" in raw:
        values["provider_user_id"] = None
        if username:
            user = session.scalar(select(User).where(User.username == username))
            tenant_id = session.info.get("tenant_id")
            if user is None:
                c.fail("provider_username", f"用户「{username}」不存在")
            elif tenant_id is None or "lists:offer" not in authorizer.effective_permissions(user.id, tenant_id):
                c.fail("provider_username", f"用户「{username}」在本辖区没有「资源提供方」角色")
            else:
                values["provider_user_id"] = user.id
    if not values["provider_name"] and "provider_name" not in c.errors:
        c.fail("provider_name", "请填写提供方")
    if values["valid_until"] and values["valid_until"] < today and (
            existing is None or existing.valid_until != values["valid_until"]):
        c.fail("valid_until", "有效期不能早于今天")
    if existing is not None and values["capacity"] is not None and "capacity" not in c.errors:
        used = used_capacity(session, [existing.id]).get(existing.id, 0)
        if values["capacity"] < used:
            c.fail("capacity", f"已对接 {used} 次，可服务次数不能少于 {used}")
    c.done()
    values["_phone"] = phone
    return values


def _apply_resource(res: ListResource, values: dict[str, Any]) -> None:
    phone = values.pop("_phone")
    for key, value in values.items():
        setattr(res, key, value)
    _set_phone(res, phone)


def can_edit_resource(access: Access, res: ListResource) -> bool:
    return access.can_write or (access.can("offer") and res.provider_user_id == access.user_id
                                and access.user_id is not None)


def create_resource(session: Session, access: Access, scheme: EffectiveScheme, raw: Mapping[str, Any],
                    today: dt.date) -> ListResource:
    """A resource offer: staff register any; a provider (``lists:offer``) registers their own."""
    if not (access.can_write or access.can("offer")):
        raise PermissionDeniedException("没有权限登记资源")
    values = clean_resource(session, access, scheme, raw, today)
    res = ListResource(status="active", provider_user_id=None if access.can_write else access.user_id)
    _apply_resource(res, values)  # staff may name the provider's account (``provider_username``)
    session.add(res)
    session.flush()
    return res


def update_resource(session: Session, access: Access, scheme: EffectiveScheme, res: ListResource,
                    raw: Mapping[str, Any], today: dt.date) -> ListResource:
    if not can_edit_resource(access, res):
        raise PermissionDeniedException("没有权限修改该资源")
    values = clean_resource(session, access, scheme, raw, today, res)
    _apply_resource(res, values)
    session.flush()
    return res


def set_resource_status(session: Session, access: Access, res: ListResource, status: str) -> ListResource:
    if not can_edit_resource(access, res):
        raise PermissionDeniedException("没有权限修改该资源")
    if status not in RESOURCE_STATUSES:
        raise FormErrors({"status": f"状态：无效的选项「{status}」"})
    res.status = status
    session.flush()
    return res


def used_capacity(session: Session, resource_ids: Iterable[int]) -> dict[int, int]:
    """resource id → number of work items using it that are not cancelled."""
    ids = list(resource_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(ListWorkResource.resource_id, func.count(ListWorkResource.id))
        .join(ListWork, ListWork.id == ListWorkResource.work_id)
        .where(ListWorkResource.resource_id.in_(ids), ListWork.status != "cancelled")
        .group_by(ListWorkResource.resource_id))
    return {rid: n for rid, n in rows}


def resource_problem(res: ListResource, used: int, today: dt.date) -> str | None:
    """Why the resource cannot take another demand today, or ``None``."""
    if res.status != "active":
        return f"资源「{res.title}」已撤回"
    if res.valid_until is not None and res.valid_until < today:
        return f"资源「{res.title}」已于 {res.valid_until.isoformat()} 过期"
    if res.capacity is not None and used >= res.capacity:
        return f"资源「{res.title}」的服务容量已用完（{used}/{res.capacity}）"
    return None


def available_resources(session: Session, access: Access, today: dt.date, own_only: bool = False
                        ) -> list[ListResource]:
    """Resources that can take a demand today (the principal's own ones if ``own_only``)."""
    stmt = (select(ListResource).where(ListResource.status == "active", access.resource_clause(),
                                       or_(ListResource.valid_until.is_(None), ListResource.valid_until >= today))
            .order_by(ListResource.title, ListResource.id))
    if own_only:
        stmt = stmt.where(ListResource.provider_user_id == access.user_id)
    found = list(session.scalars(stmt.limit(1000)))
    used = used_capacity(session, [r.id for r in found])
    return [r for r in found if resource_problem(r, used.get(r.id, 0), today) is None]


def _resources_for_link(session: Session, access: Access, demand: ListDemand, c: Checker,
                        raw: Mapping[str, Any], today: dt.date) -> list[ListResource]:
    ids = id_list(raw, "resource_ids")
    if ids is None:
        c.fail("resource_ids", "资源编号无效")
        return []
    if not ids:
        c.fail("resource_ids", "请至少选择一项资源")
        return []
    found = {r.id: r for r in session.scalars(select(ListResource).where(ListResource.id.in_(ids),
                                                                          access.resource_clause()))}
    missing = [i for i in ids if i not in found]
    if missing:
        c.fail("resource_ids", f"资源不存在：{'、'.join(str(i) for i in missing)}")
        return []
    used = used_capacity(session, ids)
    linked = set(session.scalars(
        select(ListWorkResource.resource_id).join(ListWork, ListWork.id == ListWorkResource.work_id)
        .where(ListWork.demand_id == demand.id, ListWork.status.in_(WORK_ACTIVE),
               ListWorkResource.resource_id.in_(ids))))
    problems = []
    for rid in ids:
        res = found[rid]
        problem = resource_problem(res, used.get(rid, 0), today)
        if problem:
            problems.append(problem)
        elif rid in linked:
            problems.append(f"资源「{res.title}」已与该需求对接")
    if problems:
        c.fail("resource_ids", "；".join(problems))
    return [found[i] for i in ids]


def _work_fields(c: Checker, scheme: EffectiveScheme, raw: Mapping[str, Any], demand: ListDemand,
                 today: dt.date) -> dict[str, Any]:
    kinds = scheme.options("work_lists")
    values = {
        "kind": c.choice(raw, "kind", "清单", kinds, required=True, default=scheme.work_lists[0].key
                         if len(kinds) == 1 else ""),
        "title": c.text(raw, "title", "事项名称", 100) or demand.title,
        "owner_name": c.text(raw, "owner_name", "责任人", 50, required=True),
        "owner_role": c.choice(raw, "owner_role", "认领角色", scheme.options("claimer_roles")),
        "deadline": c.date(raw, "deadline", "完成时限"),
        "triage_level": _triage(c, scheme, raw, required=True, default=demand.triage_level),
        "note": c.text(raw, "note", "工作安排", 2000),
    }
    if values["deadline"] is None and "deadline" not in c.errors:
        values["deadline"] = max(demand.due_on, today)
    elif values["deadline"] is not None and values["deadline"] < today:
        c.fail("deadline", "完成时限不能早于今天")
    return values


def _to_in_progress(session: Session, demand: ListDemand, today: dt.date, level: str) -> str:
    old = demand.status
    if demand.status in ("submitted", "accepted"):
        demand.status = "in_progress"
        demand.accepted_on = demand.accepted_on or today
    if not demand.triage_level and level:
        demand.triage_level = level
    return old


def _works_of(session: Session, demand_id: int) -> list[ListWork]:
    return list(session.scalars(select(ListWork).where(ListWork.demand_id == demand_id).order_by(ListWork.id)))


def match(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
          raw: Mapping[str, Any], today: dt.date) -> ListWork:
    """Staff link the demand to one or more resources: a work item (task / project / service)
    with owner, deadline and triage level. The demand moves on to 办理中."""
    access.require("triage")
    check_action(demand, "match")
    c = Checker()
    resources = _resources_for_link(session, access, demand, c, raw, today)
    values = _work_fields(c, scheme, raw, demand, today)
    c.done()
    work = ListWork(tenant_id=demand.tenant_id, demand_id=demand.id, status="open", claim_side="staff",
                    claimed_by_id=access.user_id, **values)
    session.add(work)
    session.flush()
    session.add_all(ListWorkResource(tenant_id=demand.tenant_id, work_id=work.id, resource_id=r.id)
                    for r in resources)
    old = _to_in_progress(session, demand, today, values["triage_level"])
    fire(session, demand, "match", old, demand.status)
    return work


def claim(session: Session, access: Access, scheme: EffectiveScheme, demand: ListDemand,
          raw: Mapping[str, Any], today: dt.date) -> ListWork:
    """双向认领: the requester's secretary claims resources for the demand, or a provider claims
    the demand with their own resources. The claim waits for staff to confirm it."""
    check_action(demand, "claim")
    c = Checker()
    resources = _resources_for_link(session, access, demand, c, raw, today)
    note = c.text(raw, "note", "认领说明", 2000)
    if access.can("submit") and is_requester(session, access, demand):
        side = "requester"
    elif access.can("offer") and access.user_id is not None:
        if any(r.provider_user_id != access.user_id for r in resources):
            raise PermissionDeniedException("只能用您本人提供的资源认领需求")
        side = "provider"
    else:
        raise PermissionDeniedException("没有权限认领")
    c.done()
    first = resources[0]
    work = ListWork(
        tenant_id=demand.tenant_id, demand_id=demand.id, kind=scheme.work_lists[0].key, title=demand.title,
        status="claimed", claim_side=side, claimed_by_id=access.user_id, note=note,
        owner_name=first.provider_name[:50] if side == "provider" else "",
        owner_user_id=access.user_id if side == "provider" else None,
        deadline=max(demand.due_on, today), triage_level=demand.triage_level,
    )
    session.add(work)
    session.flush()
    session.add_all(ListWorkResource(tenant_id=demand.tenant_id, work_id=work.id, resource_id=r.id)
                    for r in resources)
    fire(session, demand, "claim", demand.status, demand.status)
    return work


def _check_work(work: ListWork, action: str) -> Transition:
    t = WORK_TRANSITIONS[action]
    if work.status not in t.sources:
        raise refuse_state(work.status, t.verb, WORK_STATUSES)
    return t


def confirm_claim(session: Session, access: Access, scheme: EffectiveScheme, work: ListWork,
                  raw: Mapping[str, Any], today: dt.date) -> ListWork:
    """Staff accept a claim, naming owner, deadline and triage level; the demand is 办理中."""
    access.require("triage")
    t = _check_work(work, "confirm")
    demand = session.get(ListDemand, work.demand_id)
    if demand.status not in OPEN_STATUSES:
        raise refuse_state(demand.status, "确认认领")
    c = Checker()
    merged = {"owner_name": work.owner_name, "title": work.title, "kind": work.kind, **dict(raw)}
    values = _work_fields(c, scheme, merged, demand, today)
    c.done()
    for key, value in values.items():
        setattr(work, key, value)
    work.status = t.target
    old = _to_in_progress(session, demand, today, values["triage_level"])
    fire(session, demand, "confirm", old, demand.status)
    return work


def can_complete(access: Access, work: ListWork) -> bool:
    return access.can_triage or (work.owner_user_id is not None and work.owner_user_id == access.user_id)


def complete_work(session: Session, access: Access, work: ListWork, raw: Mapping[str, Any],
                  today: dt.date) -> ListWork:
    if not can_complete(access, work):
        raise PermissionDeniedException("只有责任人或专干可以办结该事项")
    t = _check_work(work, "complete")
    c = Checker()
    result = c.text(raw, "result", "完成情况", 2000, required=True)
    c.done()
    work.status, work.result, work.done_on = t.target, result, today
    session.flush()
    return work


def cancel_work(session: Session, access: Access, work: ListWork, raw: Mapping[str, Any]) -> ListWork:
    """Cancel a work item, or decline a claim, with a reason; its resources are freed."""
    access.require("triage")
    t = _check_work(work, "cancel")
    c = Checker()
    reason = c.text(raw, "reason", "取消原因", 2000, required=True)
    c.done()
    work.status, work.result = t.target, reason
    session.flush()
    return work


# --- attachments (metadata; the bytes are handled by plugins.lists.files) -----------------------


def can_attach(session: Session, access: Access, demand: ListDemand) -> bool:
    return demand.status in OPEN_STATUSES and (access.staff or is_requester(session, access, demand))


def attachments_of(session: Session, demand_id: int) -> list[ListAttachment]:
    return list(session.scalars(select(ListAttachment).where(ListAttachment.demand_id == demand_id)
                                .order_by(ListAttachment.id)))


# --- lists and filters ------------------------------------------------------------------------


class Filter:
    KEYS: tuple[str, ...] = ()

    def __init__(self, **values: str) -> None:
        for k in self.KEYS:
            setattr(self, k, str(values.get(k, "") or "").strip())

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]):
        return cls(**{k: text(data, k) for k in cls.KEYS})

    def query(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in self.KEYS if getattr(self, k)}


class DemandFilter(Filter):
    KEYS = ("q", "status", "category", "urgency", "triage", "action", "channel", "station", "org", "sla",
            "escalated", "year", "cluster")

    def check(self, session: Session) -> None:
        """Refuse a ``cluster`` that is not one of the tenant's clusters (FormErrors naming it)."""
        if self.cluster and (not self.cluster.isdigit() or session.scalar(
                select(Cluster.id).where(Cluster.id == int(self.cluster))) is None):
            raise FormErrors({"cluster": "组团不存在"})


def clusters(session: Session) -> list[Cluster]:
    """The tenant's clusters (archived ones last) for the demand list's filter."""
    return list(session.scalars(select(Cluster).order_by(Cluster.archived_on.is_not(None), Cluster.name, Cluster.id)))


def cluster_org_ids(cluster_id: int, today: dt.date) -> Select:
    """Organizations in a cluster on ``today``: current organization members, and those covered by
    its current party-org members (a joint group's members are party orgs)."""
    current = and_(ClusterMember.cluster_id == cluster_id,
                   or_(ClusterMember.left_on.is_(None), ClusterMember.left_on > today))
    direct = select(ClusterMember.organization_id).where(current, ClusterMember.organization_id.is_not(None))
    covered = (select(PartyOrgCoverage.organization_id)
               .join(ClusterMember, ClusterMember.party_org_id == PartyOrgCoverage.party_org_id).where(current))
    return direct.union(covered)


def demand_select(access: Access, f: DemandFilter, today: dt.date) -> Select:
    stmt = select(ListDemand).where(access.demand_clause())
    if f.q:
        stmt = stmt.where(search.matches(f.q, ListDemand.title, ListDemand.org_name, ListDemand.description))
    if f.status == "open":
        stmt = stmt.where(ListDemand.status.in_(OPEN_STATUSES))
    elif f.status == "solved":
        stmt = stmt.where(ListDemand.status.in_(SOLVED_STATUSES))
    elif f.status == "closed":
        stmt = stmt.where(ListDemand.status.not_in(OPEN_STATUSES))
    elif f.status:
        stmt = stmt.where(ListDemand.status == f.status)
    for key, column in (("category", ListDemand.category), ("urgency", ListDemand.urgency),
                        ("triage", ListDemand.triage_level), ("action", ListDemand.action_tag),
                        ("channel", ListDemand.channel)):
        value = getattr(f, key)
        if value:
            stmt = stmt.where(column == ("" if value == "none" else value))
    if f.station.isdigit():
        stmt = stmt.where(ListDemand.station_id == int(f.station))
    if f.org.isdigit():
        stmt = stmt.where(ListDemand.organization_id == int(f.org))
    if f.cluster.isdigit():
        stmt = stmt.where(ListDemand.organization_id.in_(cluster_org_ids(int(f.cluster), today)))
    if f.sla == "overdue":
        stmt = stmt.where(ListDemand.status.in_(OPEN_STATUSES), ListDemand.due_on < today)
    elif f.sla == "due_soon":
        stmt = stmt.where(ListDemand.status.in_(OPEN_STATUSES), ListDemand.due_on >= today,
                          ListDemand.due_on <= today + dt.timedelta(days=DUE_SOON_DAYS))
    if f.escalated in ESCALATION_STATUSES:
        stmt = stmt.where(ListDemand.escalation_status == f.escalated)
    elif f.escalated == "1":
        stmt = stmt.where(ListDemand.escalation_status != "")
    if f.year.isdigit() and len(f.year) == 4:
        y = int(f.year)
        stmt = stmt.where(ListDemand.submitted_on >= dt.date(y, 1, 1), ListDemand.submitted_on <= dt.date(y, 12, 31))
    return stmt.order_by(ListDemand.submitted_on.desc(), ListDemand.id.desc())


def list_demands(session: Session, access: Access, f: DemandFilter, today: dt.date, page: int = 1,
                 page_size: int = PAGE_SIZE) -> PageOf:
    return paginate(session, demand_select(access, f, today), page, page_size)


DUE_SOON_DAYS = 2


def sla_state(demand: ListDemand, today: dt.date) -> str:
    """``overdue`` / ``due_soon`` / ``ok`` for an open demand, ``""`` once it is closed."""
    if demand.status not in OPEN_STATUSES:
        return ""
    if demand.due_on < today:
        return "overdue"
    if demand.due_on <= today + dt.timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "ok"


def overdue_days(demand: ListDemand, today: dt.date) -> int:
    return (today - demand.due_on).days if sla_state(demand, today) == "overdue" else 0


def work_overdue(work: ListWork, today: dt.date) -> bool:
    return work.status in WORK_ACTIVE and work.deadline is not None and work.deadline < today


class ResourceFilter(Filter):
    KEYS = ("q", "category", "provider_kind", "status", "available", "mine")


def resource_select(access: Access, f: ResourceFilter, today: dt.date) -> Select:
    stmt = select(ListResource).where(access.resource_clause())
    if f.q:
        stmt = stmt.where(search.matches(f.q, ListResource.title, ListResource.provider_name, ListResource.description))
    if f.category:
        stmt = stmt.where(ListResource.category == f.category)
    if f.provider_kind:
        stmt = stmt.where(ListResource.provider_kind == f.provider_kind)
    if f.status in RESOURCE_STATUSES:
        stmt = stmt.where(ListResource.status == f.status)
    if f.available == "1":
        stmt = stmt.where(ListResource.status == "active",
                          or_(ListResource.valid_until.is_(None), ListResource.valid_until >= today))
    elif f.available == "expired":
        stmt = stmt.where(ListResource.valid_until < today)
    if f.mine == "1":
        stmt = stmt.where(ListResource.provider_user_id == access.user_id)
    return stmt.order_by(ListResource.status, ListResource.title, ListResource.id)


def list_resources(session: Session, access: Access, f: ResourceFilter, today: dt.date, page: int = 1,
                   page_size: int = PAGE_SIZE) -> PageOf:
    return paginate(session, resource_select(access, f, today), page, page_size)


class WorkFilter(Filter):
    KEYS = ("q", "kind", "status", "triage", "role", "overdue", "side", "mine")


def work_select(access: Access, f: WorkFilter, today: dt.date) -> Select:
    stmt = select(ListWork).where(access.work_clause())
    if f.q:
        stmt = stmt.where(search.matches(f.q, ListWork.title, ListWork.owner_name))
    for key, column in (("kind", ListWork.kind), ("triage", ListWork.triage_level),
                        ("role", ListWork.owner_role), ("side", ListWork.claim_side)):
        value = getattr(f, key)
        if value:
            stmt = stmt.where(column == value)
    if f.status == "active":
        stmt = stmt.where(ListWork.status.in_(WORK_ACTIVE))
    elif f.status:
        stmt = stmt.where(ListWork.status == f.status)
    if f.overdue == "1":
        stmt = stmt.where(ListWork.status.in_(WORK_ACTIVE), ListWork.deadline < today)
    if f.mine == "1":
        stmt = stmt.where(or_(ListWork.owner_user_id == access.user_id, ListWork.claimed_by_id == access.user_id))
    return stmt.order_by(ListWork.deadline.is_(None), ListWork.deadline, ListWork.id)


def list_works(session: Session, access: Access, f: WorkFilter, today: dt.date, page: int = 1,
               page_size: int = PAGE_SIZE) -> PageOf:
    return paginate(session, work_select(access, f, today), page, page_size)


def resources_of_works(session: Session, work_ids: list[int]) -> dict[int, list[ListResource]]:
    if not work_ids:
        return {}
    out: dict[int, list[ListResource]] = {}
    rows = session.execute(select(ListWorkResource.work_id, ListResource)
                           .join(ListResource, ListResource.id == ListWorkResource.resource_id)
                           .where(ListWorkResource.work_id.in_(work_ids)).order_by(ListResource.id))
    for wid, res in rows:
        out.setdefault(wid, []).append(res)
    return out


def demands_by_id(session: Session, ids: Iterable[int]) -> dict[int, ListDemand]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {d.id: d for d in session.scalars(select(ListDemand).where(ListDemand.id.in_(ids)))}


def works_of_resource(session: Session, resource_id: int) -> list[ListWork]:
    return list(session.scalars(select(ListWork).join(ListWorkResource, ListWorkResource.work_id == ListWork.id)
                                .where(ListWorkResource.resource_id == resource_id).order_by(ListWork.id.desc())))


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: (u.display_name or u.username) for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def own_open_demands(session: Session, access: Access) -> list[ListDemand]:
    """The requester's demands that can still take a claim."""
    if not access.can("submit") or access.user_id is None:
        return []
    return list(session.scalars(
        select(ListDemand).where(ListDemand.status.in_(OPEN_STATUSES),
                                 or_(ListDemand.organization_id.in_(access.own_org_ids()),
                                     ListDemand.submitted_by_id == access.user_id))
        .order_by(ListDemand.submitted_on.desc(), ListDemand.id.desc()).limit(200)))


# --- counters ---------------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    label: str
    submitted: int = 0
    solved: int = 0
    open: int = 0


@dataclass
class Counters:
    year: int
    submitted: int = 0
    solved: int = 0
    open: int = 0
    overdue: int = 0
    escalated_pending: int = 0
    on_time: int = 0
    avg_days: float | None = None
    avg_rating: float | None = None
    rated: int = 0
    works_active: int = 0
    works_overdue: int = 0
    by_category: list[Row] = field(default_factory=list)
    by_triage: list[Row] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.solved, 1) if self.solved else None


def _rows(order: Iterable[tuple[str, str]], found: Iterable[str], labels: Mapping[str, str],
          none_label: str) -> dict[str, Row]:
    rows = {k: Row(k, v) for k, v in order}
    for k in found:
        if k not in rows:
            rows[k] = Row(k, labels.get(k, k) if k else none_label)
    return rows


def counters(session: Session, scheme: EffectiveScheme, today: dt.date, year: int | None = None,
             organization_ids: Iterable[int] | None = None) -> Counters:
    """The list dashboard's numbers for ``year`` (default: today's) over the session's scope.

    *Solved this year* counts demands resolved (or resolved and rated) in the year; the average
    time to close is the mean of ``resolved_on − submitted_on`` in days over those. ``open`` and
    ``overdue`` are as of ``today``. Programs pass ``organization_ids`` for a group's share.
    """
    year = year or today.year
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    scope = true() if organization_ids is None else ListDemand.organization_id.in_(list(organization_ids))
    out = Counters(year=year)
    cols = (ListDemand.category, ListDemand.triage_level, ListDemand.status, ListDemand.submitted_on,
            ListDemand.resolved_on, ListDemand.due_on, ListDemand.rating, ListDemand.rated_on,
            ListDemand.escalation_status)
    rows = session.execute(select(*cols).where(scope, or_(
        and_(ListDemand.submitted_on >= start, ListDemand.submitted_on <= end),
        and_(ListDemand.resolved_on >= start, ListDemand.resolved_on <= end),
        ListDemand.status.in_(OPEN_STATUSES)))).all()
    cats = _rows(((c.key, c.label) for c in scheme.categories), (r.category for r in rows),
                 scheme.labels["categories"], "未分类")
    levels = _rows(((c.key, c.label) for c in scheme.triage_levels), (r.triage_level for r in rows),
                   scheme.labels["triage_levels"], "未分级")
    days: list[int] = []
    ratings: list[int] = []
    for r in rows:
        if start <= r.submitted_on <= end:
            out.submitted += 1
            cats[r.category].submitted += 1
            levels[r.triage_level].submitted += 1
        if r.status in OPEN_STATUSES:
            out.open += 1
            cats[r.category].open += 1
            levels[r.triage_level].open += 1
            if r.due_on < today:
                out.overdue += 1
            if r.escalation_status == "pending":
                out.escalated_pending += 1
        if r.status in SOLVED_STATUSES and r.resolved_on is not None and start <= r.resolved_on <= end:
            out.solved += 1
            cats[r.category].solved += 1
            levels[r.triage_level].solved += 1
            days.append((r.resolved_on - r.submitted_on).days)
            if r.resolved_on <= r.due_on:
                out.on_time += 1
        if r.rating is not None and r.rated_on is not None and start <= r.rated_on <= end:
            ratings.append(r.rating)
    out.avg_days = round(sum(days) / len(days), 1) if days else None
    out.avg_rating = round(sum(ratings) / len(ratings), 2) if ratings else None
    out.rated = len(ratings)
    out.by_category = [r for r in cats.values() if r.key in scheme.labels["categories"] or r.submitted
                       or r.solved or r.open]
    out.by_triage = [r for r in levels.values() if r.key in scheme.labels["triage_levels"] or r.submitted
                     or r.solved or r.open]
    wscope = true() if organization_ids is None else ListWork.demand_id.in_(select(ListDemand.id).where(scope))
    out.works_active = session.scalar(select(func.count(ListWork.id)).where(
        wscope, ListWork.status.in_(WORK_ACTIVE))) or 0
    out.works_overdue = session.scalar(select(func.count(ListWork.id)).where(
        wscope, ListWork.status.in_(WORK_ACTIVE), ListWork.deadline < today)) or 0
    return out


@dataclass
class TenantRow:
    tenant: TenantInfo
    open: int = 0
    overdue: int = 0
    solved: int = 0
    escalated: int = 0


def rollup(session: Session, tenant_ids: Iterable[int], today: dt.date, year: int | None = None,
           escalated_to: int | None = None) -> list[TenantRow]:
    """Per tenant of ``tenant_ids`` (a session over a subtree): open, overdue and solved this year,
    and how many it escalated to ``escalated_to`` that still wait for an answer."""
    year = year or today.year
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    t = tree()
    out = {tid: TenantRow(t.by_id[tid]) for tid in tenant_ids if tid in t.by_id}
    rows = session.execute(select(ListDemand.tenant_id, ListDemand.status, ListDemand.due_on,
                                  ListDemand.resolved_on, ListDemand.escalated_to_id, ListDemand.escalation_status)
                           .where(ListDemand.tenant_id.in_(list(out)), or_(
                               ListDemand.status.in_(OPEN_STATUSES),
                               and_(ListDemand.resolved_on >= start, ListDemand.resolved_on <= end))))
    for tid, status, due_on, resolved_on, esc_to, esc_status in rows:
        row = out[tid]
        if status in OPEN_STATUSES:
            row.open += 1
            row.overdue += due_on < today
        elif resolved_on is not None:
            row.solved += 1
        if escalated_to is not None and esc_to == escalated_to and esc_status == "pending":
            row.escalated += 1
    return sorted(out.values(), key=lambda r: (-r.overdue, -r.open, r.tenant.name))


# --- history ----------------------------------------------------------------------------------


def demand_history(session: Session, demand: ListDemand) -> list[history.Change]:
    """The demand's history with its works, resource links, comments and files (removed ones too)."""
    work_ids = list(session.scalars(select(ListWork.id).where(ListWork.demand_id == demand.id)))
    by_demand = ("demand_id", demand.id)
    return history.of(session, {"lists_demands": [demand.id]}, demand.tenant_id, children={
        "lists_works": by_demand, "lists_comments": by_demand, "lists_attachments": by_demand,
        "lists_work_resources": ("work_id", work_ids)})


# --- detail bundles ---------------------------------------------------------------------------


@dataclass
class DemandDetail:
    demand: ListDemand
    works: list[ListWork]
    work_resources: dict[int, list[ListResource]]
    comments: list[ListComment]
    attachments: list[ListAttachment]
    history: list[history.Change]
    station: ListStation | None
    names: dict[int, str]
    escalated_to: TenantInfo | None


def demand_detail(session: Session, scheme: EffectiveScheme, demand: ListDemand) -> DemandDetail:
    works = _works_of(session, demand.id)
    comments = list(session.scalars(select(ListComment).where(ListComment.demand_id == demand.id)
                                    .order_by(ListComment.created_at, ListComment.id)))
    return DemandDetail(
        demand=demand, works=works, work_resources=resources_of_works(session, [w.id for w in works]),
        comments=comments, attachments=attachments_of(session, demand.id),
        history=demand_history(session, demand),
        station=session.get(ListStation, demand.station_id) if demand.station_id else None,
        names=user_names(session, [demand.submitted_by_id, demand.rated_by_id,
                                   *(w.claimed_by_id for w in works), *(w.owner_user_id for w in works)]),
        escalated_to=tree().by_id.get(demand.escalated_to_id) if demand.escalated_to_id else None,
    )


# --- Excel --------------------------------------------------------------------------------------

DEMAND_HEADERS = ["编号", "需求标题", "提出组织", "类别", "紧急程度", "专项行动", "来源", "服务站", "状态", "解决方式",
                  "提交日期", "办理时限", "超期天数", "办结日期", "办理结果", "评分", "评价意见", "上报状态"]


def demand_rows(session: Session, access: Access, scheme: EffectiveScheme, f: DemandFilter,
                today: dt.date) -> Iterator[list[Any]]:
    names = {s.id: s.name for s in stations(session)}
    for d in session.scalars(demand_select(access, f, today).execution_options(yield_per=500)):
        yield [d.id, d.title, d.org_name, scheme.label("categories", d.category),
               scheme.label("urgencies", d.urgency), scheme.label("special_actions", d.action_tag),
               CHANNELS.get(d.channel, d.channel), names.get(d.station_id, ""), STATUSES.get(d.status, d.status),
               scheme.label("triage_levels", d.triage_level), d.submitted_on.isoformat(), d.due_on.isoformat(),
               overdue_days(d, today) or "", d.resolved_on.isoformat() if d.resolved_on else "", d.resolution,
               d.rating if d.rating is not None else "", d.rating_comment,
               ESCALATION_STATUSES.get(d.escalation_status, "")]


RESOURCE_HEADERS = ["编号", "资源名称", "类别", "提供方类型", "提供方", "可服务次数", "已对接", "联系人", "联系电话",
                    "有效期至", "状态"]


def resource_rows(session: Session, access: Access, scheme: EffectiveScheme, f: ResourceFilter,
                  today: dt.date) -> Iterator[list[Any]]:
    items = list(session.scalars(resource_select(access, f, today)))
    used = used_capacity(session, [r.id for r in items])
    for r in items:
        yield [r.id, r.title, scheme.label("categories", r.category), scheme.label("provider_kinds", r.provider_kind),
               r.provider_name, r.capacity if r.capacity is not None else "不限", used.get(r.id, 0), r.contact_name,
               masked_phone(r), r.valid_until.isoformat() if r.valid_until else "长期",
               RESOURCE_STATUSES.get(r.status, r.status)]


WORK_HEADERS = ["编号", "清单", "事项名称", "需求编号", "提出组织", "责任人", "认领角色", "解决方式", "完成时限", "状态",
                "是否超期", "认领方", "对接资源", "完成情况"]


def work_rows(session: Session, access: Access, scheme: EffectiveScheme, f: WorkFilter,
              today: dt.date) -> Iterator[list[Any]]:
    items = list(session.scalars(work_select(access, f, today)))
    res = resources_of_works(session, [w.id for w in items])
    demands = demands_by_id(session, [w.demand_id for w in items])
    for w in items:
        d = demands.get(w.demand_id)
        yield [w.id, scheme.label("work_lists", w.kind), w.title, w.demand_id, d.org_name if d else "",
               w.owner_name, scheme.label("claimer_roles", w.owner_role), scheme.label("triage_levels", w.triage_level),
               w.deadline.isoformat() if w.deadline else "", WORK_STATUSES.get(w.status, w.status),
               "是" if work_overdue(w, today) else "", CLAIM_SIDES.get(w.claim_side, w.claim_side),
               "、".join(r.title for r in res.get(w.id, [])), w.result]
