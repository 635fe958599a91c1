"""The program's JSON API under /api/t/<slug>/dongfanghong: one endpoint per page, with the same
permissions and the same scoping as the page (street staff and viewers see the whole street, a
组长 / 副组长 / 专干 the party orgs of their groups; anything else answers 404). Dates are ISO
dates, instants carry their UTC offset. Error responses are declared centrally
(:mod:`core.web.openapi`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from litestar import get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy.orm import Session

from core import clock
from core.plugins import registry
from core.web.context import Ctx
from core.web.forms import save
from plugins.dongfanghong import projects as psvc
from plugins.dongfanghong import quantified as qsvc
from plugins.dongfanghong import service as svc

READ = {"permission": "dongfanghong:read"}
TAGS = ["dongfanghong"]


def _settings(ctx: Ctx):
    return registry().settings(ctx.tenant.id, "dongfanghong")


def _at(value: dt.datetime | None) -> dt.datetime | None:
    return clock.aware(value) if value is not None else None


def _visible(ctx: Ctx, db: Session) -> set[int] | None:
    return psvc.visible_party_org_ids(db, ctx.user.id, ctx.perms)


def _group_scope(ctx: Ctx, db: Session) -> set[int] | None:
    if ctx.can(svc.SEE_ALL) or ctx.can(svc.MANAGE_ALL):
        return None
    return {g.id for g in svc.visible_groups(db, ctx.user.id, ctx.perms)}


def _group(ctx: Ctx, db: Session, group_id: int, manage: bool = False):
    """As the pages: 404 unless a visible 联组 of this tenant; 403 when ``manage`` is refused."""
    from core.registry.models import Cluster

    c = db.get(Cluster, group_id)
    if c is None or c.cluster_type != svc.JOINT_GROUP or not svc.can_see_group(db, ctx.user.id, ctx.perms, c):
        raise NotFoundException("联组不存在")
    if manage and not svc.can_manage_group(db, ctx.user.id, ctx.perms, c):
        raise PermissionDeniedException("只有本联组的组长、专干或街道工作人员可以操作")
    return c


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


# --- one group: leaders, 专干, links, members, the duty record --------------------------------


@dataclass
class LeaderOut:
    title: str
    title_label: str
    person_name: str
    letter_no: str
    appointed_on: dt.date | None


@dataclass
class LinkOut:
    id: int
    name: str
    party_org_id: int | None
    tenant_name: str
    matched: bool


@dataclass
class DutyEventOut:
    kind: str
    kind_label: str
    on: dt.date
    title: str
    source: str
    source_label: str


@dataclass
class GroupDetailOut:
    id: int
    name: str
    staff: str
    leaders: list[LeaderOut]
    party_org_ids: list[int]
    links: list[LinkOut]
    duty_min_per_month: int
    duty: list[DutyEventOut]
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


@get("/groups/{group_id:int}", opt=READ, sync_to_thread=True, tags=TAGS)
def api_group(ctx: Ctx, db: Session, group_id: int) -> GroupDetailOut:
    """A group's page as data: leaders, 专干, member party orgs, linked community party orgs (DFH-1)
    and the last six months of the 专干's duty record, derived and manual (DFH-2)."""
    from core.registry.services import clusters as cl
    from plugins.dongfanghong import duty, platform

    c = _group(ctx, db, group_id)
    today = clock.today()
    titles = cl.title_labels(svc.joint_group_type(_settings(ctx).group_label))
    staff = svc.staff_of(db, [c.id]).get(c.id)
    with ctx.read_rollup_session("dongfanghong:read") as lookup:
        links = platform.links_of(db, lookup, [c.id])[c.id]
    first = svc.months_back(today, 6)[0]
    events = svc.group_events(db, c, first, today, registry().enabled(ctx.tenant.id))
    return GroupDetailOut(
        c.id, c.name, (staff.display_name or staff.username) if staff else "",
        [LeaderOut(x.title, titles.get(x.title, x.title), x.person_name, x.letter_no, x.appointed_on)
         for x in cl.leaders_of(db, c, active_only=True)],
        sorted(svc.group_party_org_ids(db, [c.id], today)[c.id]),
        [LinkOut(x.id, x.name, x.party_org_id, x.tenant_name, x.matched) for x in links],
        _settings(ctx).duty_min_per_month,
        [DutyEventOut(e.kind, duty.DUTY_KINDS[e.kind], e.on, e.title, e.source, duty.SOURCES[e.source])
         for e in events], _at(c.created_at), _at(c.updated_at))


@dataclass
class LinkIn:
    party_org_id: int


@post("/groups/{group_id:int}/links", opt=READ, sync_to_thread=True, tags=TAGS, status_code=201)
def api_link_add(ctx: Ctx, db: Session, group_id: int, data: LinkIn) -> LinkOut:
    """Link the group with a party org of the street or its community tenants (组长, 专干, staff)."""
    from plugins.dongfanghong import platform

    c = _group(ctx, db, group_id, manage=True)
    with ctx.read_rollup_session("dongfanghong:read") as lookup:
        row = save(db, lambda: platform.add_link(db, lookup, c, {"party_org_id": str(data.party_org_id)}))
    return LinkOut(row.id, row.name, row.party_org_id, "", True)


# --- 强基 --------------------------------------------------------------------------------------


@dataclass
class StructureOut:
    party_org_id: int
    name: str
    group_id: int | None
    group: str
    members: int
    managers: int
    backbones: int
    young: int
    bachelor_plus: int
    pipeline: int
    hints: list[str]


@get("/qiangji", opt=READ, sync_to_thread=True, tags=TAGS)
def api_qiangji(ctx: Ctx, db: Session, q: str = "", group: str = "", hint: str = "") -> list[StructureOut]:
    """强基: member structure of each two-new party org the user may see (the page's filters)."""
    rows, _ = psvc.structure_rows(db, _visible(ctx, db), clock.today(), _settings(ctx).young_age, q.strip()[:100],
                                  _int(group), hint[:50])
    return [StructureOut(r.party_org_id, r.name, r.group_id, r.group, r.structure.members, r.structure.managers,
                         r.structure.backbones, r.structure.young, r.structure.bachelor_plus, r.structure.pipeline,
                         list(r.structure.hints)) for r in rows]


@dataclass
class CrossOut:
    id: int
    member_id: int
    member_name: str
    direction: str
    direction_label: str
    party_post: str
    party_post_label: str
    management_post: str
    started_on: dt.date
    ended_on: dt.date | None


@dataclass
class CultivationOut:
    id: int
    direction: str
    direction_label: str
    person_name: str
    member_id: int | None
    party_org_id: int
    mentor: str
    started_on: dt.date
    target_on: dt.date | None
    finished_on: dt.date | None
    status: str
    status_label: str
    overdue: bool
    created_at: dt.datetime | None


def _cultivation(c, today: dt.date) -> CultivationOut:
    return CultivationOut(c.id, c.direction, psvc.DIRECTIONS.get(c.direction, c.direction), c.person_name,
                          c.member_id, c.party_org_id, c.mentor, c.started_on, c.target_on, c.finished_on, c.status,
                          psvc.CULTIVATION_STATUSES.get(c.status, c.status), psvc.overdue_cultivation(c, today),
                          _at(c.created_at))


def _cross(c, name: str) -> CrossOut:
    return CrossOut(c.id, c.member_id, name, c.direction, qsvc.CROSS_DIRECTIONS.get(c.direction, c.direction),
                    c.party_post, qsvc.PARTY_POSTS.get(c.party_post, c.party_post), c.management_post,
                    c.started_on, c.ended_on)


@dataclass
class PersonOut:
    member_id: int
    name: str
    status: str
    is_manager: bool
    is_backbone: bool
    job_title: str


@dataclass
class QiangjiOrgOut:
    party_org_id: int
    name: str
    is_model: bool
    people: list[PersonOut]
    cross_appointments: list[CrossOut]
    cultivations: list[CultivationOut]


@get("/qiangji/orgs/{party_org_id:int}", opt=READ, sync_to_thread=True, tags=TAGS)
def api_qiangji_org(ctx: Ctx, db: Session, party_org_id: int) -> QiangjiOrgOut:
    """One party org's 强基 page: people with 管理层 / 业务骨干, 双向进入 (DFH-3), 双向培养."""
    from plugins.dongfanghong.pages import party_org_or_404

    po = party_org_or_404(ctx, db, party_org_id)
    today = clock.today()
    people = psvc.people_of(db, po.id, today)
    return QiangjiOrgOut(
        po.id, po.name, bool(po.is_model),
        [PersonOut(r.member.id, r.member.name, r.member.status, bool(r.profile and r.profile.is_manager),
                   bool(r.profile and r.profile.is_backbone), r.profile.job_title if r.profile else "")
         for r in people],
        [_cross(c, n) for c, n in qsvc.cross_appointments(db, [po.id], current=False)],
        [_cultivation(c, today) for c in db.scalars(psvc.cultivation_select(None, party_org_id=po.id).limit(200))])


@dataclass
class CrossIn:
    member_id: int
    direction: str
    party_post: str
    management_post: str
    started_on: str
    note: str = ""


@post("/qiangji/orgs/{party_org_id:int}/cross", opt=READ, sync_to_thread=True, tags=TAGS, status_code=201)
def api_cross_add(ctx: Ctx, db: Session, party_org_id: int, data: CrossIn) -> CrossOut:
    """Record a 双向进入 (the org's 组长 / 专干 or street staff)."""
    from plugins.dongfanghong.pages import party_org_or_404

    po = party_org_or_404(ctx, db, party_org_id)
    if not psvc.can_manage_party_org(db, ctx.user.id, ctx.perms, po.id):
        raise PermissionDeniedException("只有本联组的组长、专干或街道工作人员可以维护")
    row = save(db, lambda: qsvc.save_cross_appointment(db, po, {**data.__dict__, "member_id": str(data.member_id)}))
    return _cross(row, next((n for c, n in qsvc.cross_appointments(db, [po.id]) if c.id == row.id), ""))


@get("/qiangji/cultivations", opt=READ, sync_to_thread=True, tags=TAGS)
def api_cultivations(ctx: Ctx, db: Session, direction: str = "", status: str = "", q: str = "") -> list[CultivationOut]:
    """双向培养 records the user may see (the page's filters)."""
    today = clock.today()
    stmt = psvc.cultivation_select(_visible(ctx, db), direction, status, q.strip()[:100])
    return [_cultivation(c, today) for c in db.scalars(stmt.limit(2000))]


# --- 活水, 合作 ----------------------------------------------------------------------------------


@dataclass
class CooperationOut:
    id: int
    kind: str
    kind_label: str
    area: str
    area_label: str
    group_id: int | None
    partner_group_id: int | None
    partner: str
    held_on: dt.date
    content: str
    result: str
    created_at: dt.datetime | None


def _coop(r) -> CooperationOut:
    return CooperationOut(r.id, r.kind, psvc.COOPERATION_KINDS.get(r.kind, r.kind), r.area,
                          psvc.COOPERATION_AREAS.get(r.area, r.area), r.cluster_id, r.partner_cluster_id, r.partner,
                          r.held_on, r.content, r.result, _at(r.created_at))


@dataclass
class SectorOut:
    key: str
    label: str
    active: int
    total: int


@dataclass
class HuoshuiOut:
    sectors: list[SectorOut] | None  # None without lists:read
    cobuilding: list[CooperationOut] = field(default_factory=list)


@get("/huoshui", opt=READ, sync_to_thread=True, tags=TAGS)
def api_huoshui(ctx: Ctx, db: Session, group: str = "", q: str = "", year: str = "") -> HuoshuiOut:
    """活水: resource partners by sector (the lists' visibility) and the groups' co-building with
    community party orgs."""
    sectors = None
    if ctx.can("lists:read"):
        from plugins.lists import api as lists

        sectors = [SectorOut(s.key, s.label, s.active, s.total)
                   for s in psvc.resource_partners(db, lists.access_of(ctx), clock.today())]
    stmt = psvc.cooperation_select(("community",), _int(group), "", q.strip()[:100], _int(year),
                                   _group_scope(ctx, db))
    return HuoshuiOut(sectors, [_coop(r) for r in db.scalars(stmt.limit(2000))])


@get("/cooperation", opt=READ, sync_to_thread=True, tags=TAGS)
def api_cooperation(ctx: Ctx, db: Session, kind: str = "", area: str = "", group: str = "", q: str = "",
                    year: str = "") -> list[CooperationOut]:
    """合作 records of every kind (the page's filters)."""
    kinds = (kind,) if kind in psvc.COOPERATION_KINDS else ()
    stmt = psvc.cooperation_select(kinds, _int(group), area if area in psvc.COOPERATION_AREAS else "",
                                   q.strip()[:100], _int(year), _group_scope(ctx, db))
    return [_coop(r) for r in db.scalars(stmt.limit(2000))]


# --- 阵地, 经费 --------------------------------------------------------------------------------


# venues, guarantees, butlers and nominations: api_guarantees.py, api_butlers.py, api_nominations.py


# --- 服务管家, 推荐, 四步推进, 两级平台 ----------------------------------------------------------------


@dataclass
class PhaseOut:
    title: str
    done: int
    total: int
    overdue: int


@dataclass
class PhasesOut:
    campaign_id: int | None
    campaign_title: str
    phases: list[PhaseOut]
    nominations_by_status: dict[str, int]


@get("/phases", opt=READ, sync_to_thread=True, tags=TAGS)
def api_phases(ctx: Ctx, db: Session) -> PhasesOut:
    """四步推进: the latest four-phase campaign, tasks done / all / overdue per phase, nominations."""
    from plugins.dongfanghong.pages import rollout_overview

    out = rollout_overview(ctx, db, clock.today())
    c = out["campaign"]
    return PhasesOut(c.id if c else None, c.title if c else "",
                     [PhaseOut(title, *counts) for title, *counts in out["phases"]],
                     {str(k): int(v) for k, v in out["nominations"].items()})


@dataclass
class UnitOut:
    id: int
    kind: str
    name: str
    duties: str


@dataclass
class PlatformOut:
    committee_id: int | None
    committee_name: str
    leaders: list[LeaderOut]
    member_party_orgs: list[str]
    member_units: list[UnitOut]
    units_in_street: list[UnitOut]


@get("/platform", opt=READ, sync_to_thread=True, tags=TAGS)
def api_platform(ctx: Ctx, db: Session) -> PlatformOut:
    """两级平台 (DFH-1): the 两新综合党委's make-up and the street's 驻街部门/单位 with their duties."""
    from plugins.dongfanghong import platform

    view = platform.committee(db, ctx.tenant)
    titles = {r.title: r.label for r in platform.committee_type().leaders}
    return PlatformOut(
        view.cluster.id if view.cluster else None, view.cluster.name if view.cluster else "",
        [LeaderOut(x.title, titles.get(x.title, x.title), x.person_name, x.letter_no, x.appointed_on)
         for x in view.leaders], view.party_orgs,
        [UnitOut(u.id, u.kind, u.name, u.duties) for u in view.units],
        [UnitOut(u.id, u.kind, u.name, u.duties) for u in view.resident_units])


API_ROUTES = [api_group, api_link_add, api_qiangji, api_qiangji_org, api_cross_add, api_cultivations, api_huoshui,
              api_cooperation, api_phases, api_platform]
