"""Pages under /t/<slug>/jinhua and the API under /api/t/<slug>/jinhua.

Each handler names its permission in ``opt``. Staff (``jinhua:write``) work on every alliance of
the tenant; a liaison (``jinhua:alliance``) sees and works on the alliances they lead only —
another alliance's id answers 404, as does another tenant's. Writes go through
:mod:`plugins.jinhua.service` (Chinese field messages, nothing half-saved), audited by the core.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, history, periods
from core.forms import FormErrors
from core.registry.models import Cluster
from core.web.context import Ctx
from core.web.forms import save
from core.web.render import flash, redirect, render
from plugins.jinhua import program
from plugins.jinhua import service as svc
from plugins.jinhua.models import AgendaItem, Alliance, Contract

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "jinhua:read"}
WRITE = {"permission": "jinhua:write"}
PAGE = {"include_in_schema": False, "sync_to_thread": True}
API = {"sync_to_thread": True, "tags": ["jinhua"]}
LIST_KEYS = ("principles", "founders", "member_ids")


def _settings(ctx: Ctx):
    from plugins.jinhua import settings_of

    return settings_of(ctx.tenant.id)


def _form(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in (data or {}).items():
        if k in LIST_KEYS:
            out[k] = [str(x).strip() for x in (v if isinstance(v, list) else [v])]
        elif isinstance(v, list):
            out[k] = str(v[-1]).strip() if v else ""
        else:
            out[k] = "" if v is None else v if isinstance(v, bool) else str(v).strip()
    return out


def _scope(ctx: Ctx, db: Session) -> set[int] | None:
    """None: every alliance of the tenant; otherwise the cluster ids the user leads."""
    if ctx.can("jinhua:write") or not ctx.can("jinhua:alliance"):
        return None
    return svc.liaison_scope(db, ctx.user.id, clock.today())


def _get(ctx: Ctx, db: Session, cluster_id: int) -> tuple[Alliance, Cluster]:
    found = svc.alliance_of(db, cluster_id)
    scope = _scope(ctx, db)
    if found is None or (scope is not None and cluster_id not in scope):
        raise NotFoundException("党建联盟不存在")
    return found


def _editable(ctx: Ctx, db: Session, cluster_id: int) -> bool:
    if ctx.can("jinhua:write"):
        return True
    return ctx.can("jinhua:alliance") and cluster_id in svc.liaison_scope(db, ctx.user.id, clock.today())


def _edit(ctx: Ctx, db: Session, cluster_id: int) -> tuple[Alliance, Cluster]:
    found = _get(ctx, db, cluster_id)
    if not _editable(ctx, db, cluster_id):
        raise PermissionDeniedException("没有权限管理该党建联盟")
    return found


@contextmanager
def _lookup(ctx: Ctx, db: Session):
    """A read-only session over the tenant's subtree (members may be its streets'), else ``db``."""
    if len(ctx.subtree()) <= 1 or not ctx.can("registry:read"):
        yield db
        return
    session = ctx.read_rollup_session("registry:read")
    try:
        yield session
    finally:
        session.rollback()
        session.close()


# --- program dashboard -------------------------------------------------------------------------


@get("/", opt=READ, **PAGE)
def dashboard(ctx: Ctx, db: Session) -> Response:
    from core.tenancy import tree

    today = clock.today()
    scope = _scope(ctx, db)
    rows = svc.alliances(db, only=scope)
    by_type = {t.key: 0 for t in program.ALLIANCE_TYPES}
    for _a, c in rows:
        by_type[c.cluster_type] = by_type.get(c.cluster_type, 0) + 1
    below: list = []
    plan = None
    session = db
    if scope is None:
        t = tree()
        children = [x for x in t.by_id.values() if x.parent_id == ctx.tenant.id and not x.archived]
        if len(ctx.subtree()) > 1:
            session = ctx.read_rollup_session("jinhua:read")
        try:
            if children:
                per = svc.counts_by_tenant(session, ctx.subtree())
                for child in sorted(children, key=lambda x: x.id):
                    merged: dict[str, int] = {}
                    for tid in t.descendant_ids(child.id):
                        for k, n in per.get(tid, {}).items():
                            merged[k] = merged.get(k, 0) + n
                    below.append((child, merged))
            plan = _plan(ctx, session, today)
            contact = svc.contact_visits(db, ctx.tenant, today) if ctx.can("units:read") else None
            return render("jinhua:Dashboard", ctx=ctx, settings=_settings(ctx), types=program.ALLIANCE_TYPES,
                          by_type=by_type, total=len(rows), below=below, plan=plan, today=today,
                          restricted=False, pattern=program.PATTERN, contact=contact)
        finally:
            if session is not db:
                session.rollback()
                session.close()
    return render("jinhua:Dashboard", ctx=ctx, settings=_settings(ctx), types=program.ALLIANCE_TYPES,
                  by_type=by_type, total=len(rows), below=below, plan=plan, today=today,
                  restricted=True, pattern=program.PATTERN, contact=None)


def _plan(ctx: Ctx, session: Session, today: dt.date) -> dict[str, Any] | None:
    """The 提质增效年 tasks (campaign template ``jinhua.quality_year``) over the tenant's subtree:
    per tenant done / open / overdue, and the tenant's own tasks with their deadlines."""
    if not ctx.can("campaigns:read"):
        return None
    from core.tenancy import tree
    from plugins.campaigns import api as campaigns

    T = campaigns.CampaignTask
    phases = [title for title, _ in program.PLAN_PHASES]
    tasks = list(session.scalars(select(T).where(T.phase_title.in_(phases), T.tenant_id.in_(ctx.subtree()))
                                 .order_by(T.deadline, T.phase_position, T.id)))
    if not tasks:
        return None
    t = tree()
    per: dict[int, dict[str, int]] = {}
    for task in tasks:
        row = per.setdefault(task.tenant_id, {"total": 0, "done": 0, "open": 0, "overdue": 0})
        row["total"] += 1
        if task.status == "done":
            row["done"] += 1
        elif task.status in campaigns.OPEN_STATUSES:
            row["open"] += 1
            row["overdue"] += task.deadline < today
    return {"own": [x for x in tasks if x.tenant_id == ctx.tenant.id],
            "by_tenant": [(t.by_id[tid], n) for tid, n in sorted(per.items()) if tid in t.by_id],
            "statuses": campaigns.TASK_STATUSES, "open": campaigns.OPEN_STATUSES}


# --- alliances ---------------------------------------------------------------------------------

ALLIANCE_KEYS = ("name", "cluster_type", "area", "description", "founded_on", "principles", "founders", "lead",
                 "rota_period")


def _unit_options(db: Session) -> list[tuple[int, str, str]]:
    from plugins.units import api as units

    kinds = dict(program.FOUNDER_KINDS)
    return [(u.id, u.name, kinds[u.kind]) for u in units.units(db) if u.kind in kinds]


def _list_page(ctx: Ctx, db: Session, alliance_type: str = "", form=None, errors=None) -> Response:
    today = clock.today()
    scope = _scope(ctx, db)
    rows = svc.alliances(db, only=scope, alliance_type=alliance_type)
    items = svc.summaries(db, rows, today, _settings(ctx).contract_warning_days)
    founders = svc.founders_of(db, [s.alliance.id for s in items])
    return render("jinhua:Alliances", ctx=ctx, items=items, founders=founders, types=program.ALLIANCE_TYPES,
                  alliance_type=alliance_type, principles=program.PRINCIPLES, rota_periods=svc.ROTA_PERIODS,
                  units=_unit_options(db) if ctx.can("jinhua:write") else [],
                  founder_labels=program.FOUNDER_LABELS, settings=_settings(ctx),
                  form=form or {"rota_period": _settings(ctx).rota_period, "founded_on": today.isoformat()},
                  errors=errors or {})


@get("/alliances", opt=READ, **PAGE)
def alliance_list(ctx: Ctx, db: Session, type: str = "") -> Response:
    return _list_page(ctx, db, type if type in program.TYPES else "")


@post("/alliances", opt=WRITE, **PAGE)
def alliance_create(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    form = _form(data)
    with _lookup(ctx, db) as lookup:
        a = save(db, lambda: svc.create_alliance(db, lookup, ctx.tenant, form),
                 rerender=lambda errors: _list_page(ctx, db, form=form, errors=errors))
    flash(request, "已组建党建联盟")
    return redirect(ctx.url(f"jinhua/alliances/{a.cluster_id}"))


def _detail(ctx: Ctx, db: Session, alliance: Alliance, cluster: Cluster, section: str = "", form=None,
            errors=None) -> Response:
    from plugins.checklists import api as checklists

    today = clock.today()
    settings = _settings(ctx)
    members = svc.active_members(db, cluster, today)
    with _lookup(ctx, db) as lookup:
        names = svc.member_labels(lookup, ctx.tenant, svc.core_clusters.members_of(db, cluster))
    contracts = list(db.scalars(select(Contract).where(Contract.alliance_id == alliance.id)
                                .order_by(Contract.member_id, Contract.starts_on.desc())))
    running = {c.member_id: c for c in contracts if c.status == "in_force"}
    from core.tenancy import tree

    t = tree()
    member_tenants = {m.id: (t.by_id[m.member_tenant_id].name if m.member_tenant_id in t.by_id else "")
                      for m in members}
    rota = svc.rota(db, alliance)
    chair = svc.chair_on(db, alliance, today)
    meetings = svc.meetings(db, cluster)
    agenda = list(db.scalars(select(AgendaItem).where(AgendaItem.alliance_id == alliance.id)
                             .order_by(AgendaItem.raised_on.desc(), AgendaItem.id.desc())))
    teams = list(db.scalars(select(svc.Team).where(svc.Team.alliance_id == alliance.id).order_by(svc.Team.id)))
    liuzhuan = svc.liuzhuan_of(db, cluster)
    bulletins = svc.alliance_bulletins(db, alliance)
    counts = {}
    if bulletins:
        from core.notify import bulletins as core_bulletins

        session = ctx.read_rollup_session("jinhua:read")  # receipts are the readers' tenants' rows
        try:
            counts = core_bulletins.read_counts(session, bulletins)
        finally:
            session.rollback()
            session.close()
    lists = svc.four_lists(db, cluster, today) if ctx.can("lists:read") else None
    editable = _editable(ctx, db, cluster.id)
    atype = program.TYPES.get(cluster.cluster_type)
    return render(
        "jinhua:Alliance", ctx=ctx, alliance=alliance, cluster=cluster, atype=atype, settings=settings,
        founders=svc.founders_of(db, [alliance.id]).get(alliance.id, []), founder_labels=program.FOUNDER_LABELS,
        principles=dict(program.PRINCIPLES), members=members, names=names, member_tenants=member_tenants,
        contracts=contracts, running=running, contract_statuses=svc.CONTRACT_STATUSES, rota=rota, chair=chair,
        period_label=lambda key: periods.label(alliance.rota_period, key), rota_periods=svc.ROTA_PERIODS,
        meetings=meetings, agenda=agenda, agenda_statuses=svc.AGENDA_STATUSES, teams=teams, liuzhuan=liuzhuan,
        liuzhuan_progress=checklists.progress(liuzhuan) if liuzhuan else None,
        checklist_statuses=checklists.STATUSES, bulletins=bulletins, read_counts=counts, lists=lists,
        liaisons=svc.liaisons(db, cluster), editable=editable, can_staff=ctx.can("jinhua:write"),
        member_kinds=(("organization", "两新组织"), ("party_org", "党组织"), (program.UNIT_MEMBER, "单位")),
        section=section, form=form or {}, errors=errors or {}, today=today,
        expiring_before=today + dt.timedelta(days=settings.contract_warning_days),
        history=history.of(db, {"clusters": [cluster.id], "jinhua_alliances": [alliance.id]}),
        pattern=program.PATTERN, users=_user_options(db, ctx) if ctx.can("jinhua:write") else [],
        local_minute=clock.local_minute)


def _user_options(db: Session, ctx: Ctx) -> list[tuple[int, str]]:
    from core.models import User

    ids = svc.core_clusters.leader_user_ids(db, ctx.tenant.id)
    if not ids:
        return []
    return [(u.id, u.display_name or u.username) for u in db.scalars(
        select(User).where(User.id.in_(ids), User.is_active.is_(True)).order_by(User.username))]


@get("/alliances/{cluster_id:int}", opt=READ, **PAGE)
def alliance_detail(ctx: Ctx, db: Session, cluster_id: int) -> Response:
    a, c = _get(ctx, db, cluster_id)
    return _detail(ctx, db, a, c)


def _write(ctx: Ctx, db: Session, request: Request, cluster_id: int, data: dict, section: str, action, message: str,
           anchor: str) -> Response:
    a, c = _edit(ctx, db, cluster_id)
    form = _form(data)
    save(db, lambda: action(a, c, form), rerender=lambda errors: _detail(ctx, db, a, c, section, form, errors))
    flash(request, message)
    return redirect(ctx.url(f"jinhua/alliances/{cluster_id}#{anchor}"))


@post("/alliances/{cluster_id:int}/members", opt=READ, **PAGE)
def member_add(ctx: Ctx, db: Session, request: Request, cluster_id: int, data: Form) -> Response:
    today = clock.today()
    with _lookup(ctx, db) as lookup:
        return _write(ctx, db, request, cluster_id, data, "members",
                      lambda a, c, f: svc.add_member(db, lookup, ctx.tenant, a, c, f, _settings(ctx), today),
                      "已吸收成员单位", "members")


@post("/alliances/{cluster_id:int}/contracts", opt=READ, **PAGE)
def contract_sign(ctx: Ctx, db: Session, request: Request, cluster_id: int, data: Form) -> Response:
    return _write(ctx, db, request, cluster_id, data, "contracts",
                  lambda a, c, f: svc.sign_contract(db, a, f, _settings(ctx), clock.today()), "已签订契约", "contracts")


def _contract(db: Session, alliance: Alliance, contract_id: int) -> Contract:
    row = db.get(Contract, contract_id)
    if row is None or row.alliance_id != alliance.id:
        raise NotFoundException("契约不存在")
    return row


@post("/alliances/{cluster_id:int}/contracts/{contract_id:int}", opt=READ, **PAGE)
def contract_action(ctx: Ctx, db: Session, request: Request, cluster_id: int, contract_id: int, data: Form) -> Response:
    def act(a, c, f):
        row = _contract(db, a, contract_id)
        if f.get("action") == "terminate":
            return svc.terminate_contract(db, row)
        return svc.renew_contract(db, a, row, f, _settings(ctx), clock.today())

    return _write(ctx, db, request, cluster_id, data, "contracts", act, "契约已更新", "contracts")


@post("/alliances/{cluster_id:int}/liuzhuan", opt=READ, **PAGE)
def liuzhuan_start(ctx: Ctx, db: Session, request: Request, cluster_id: int) -> Response:
    a, c = _edit(ctx, db, cluster_id)
    if not ctx.can("checklists:write"):
        raise PermissionDeniedException("没有权限建立检查清单")
    cl = save(db, lambda: svc.start_liuzhuan(db, ctx.tenant, c, clock.today()),
              rerender=lambda errors: _detail(ctx, db, a, c, "liuzhuan", {}, errors))
    flash(request, "已建立“六专”建设清单，请逐项上传佐证")
    return redirect(ctx.url(f"checklists/{cl.id}"))


@post("/alliances/{cluster_id:int}/teams", opt=READ, **PAGE)
def team_create(ctx: Ctx, db: Session, request: Request, cluster_id: int, data: Form) -> Response:
    return _write(ctx, db, request, cluster_id, data, "teams",
                  lambda a, c, f: svc.create_team(db, a, f, clock.today()), "已组建服务团队", "teams")


@post("/alliances/{cluster_id:int}/rota", opt=READ, **PAGE)
def rota_generate(ctx: Ctx, db: Session, request: Request, cluster_id: int, data: Form) -> Response:
    return _write(ctx, db, request, cluster_id, data, "rota",
                  lambda a, c, f: svc.generate_rota(db, a, c, f, clock.today()), "已生成轮值表", "rota")


@post("/alliances/{cluster_id:int}/meetings", opt=READ, **PAGE)
def meeting_record(ctx: Ctx, db: Session, request: Request, cluster_id: int, data: Form) -> Response:
    from plugins.activities import api as activities

    return _write(ctx, db, request, cluster_id, data, "meetings",
                  lambda a, c, f: svc.record_meeting(db, activities.access_of(ctx), ctx.tenant, c, f),
                  "已记录联盟例会", "meetings")


@post("/alliances/{cluster_id:int}/agenda", opt=READ, **PAGE)
def agenda_raise(ctx: Ctx, db: Session, request: Request, cluster_id: int, data: Form) -> Response:
    return _write(ctx, db, request, cluster_id, data, "agenda",
                  lambda a, c, f: svc.raise_item(db, a, f, clock.today()), "已提出议题", "agenda")


@post("/alliances/{cluster_id:int}/agenda/{item_id:int}", opt=READ, **PAGE)
def agenda_step(ctx: Ctx, db: Session, request: Request, cluster_id: int, item_id: int, data: Form) -> Response:
    def act(a, c, f):
        item = db.get(AgendaItem, item_id)
        if item is None or item.alliance_id != a.id:
            raise NotFoundException("议题不存在")
        return svc.agenda_action(db, a, item, f.get("action", ""), f, clock.today(),
                                 {m.id: m for m in svc.meetings(db, c)})

    return _write(ctx, db, request, cluster_id, data, f"agenda-{item_id}", act, "议题已更新", "agenda")


@post("/alliances/{cluster_id:int}/bulletins", opt=READ, **PAGE)
def bulletin_publish(ctx: Ctx, db: Session, request: Request, cluster_id: int, data: Form) -> Response:
    a, c = _edit(ctx, db, cluster_id)
    form = _form(data)
    session = ctx.rollup_session("jinhua:read")
    try:
        b = save(session, lambda: svc.publish_bulletin(session, ctx.tenant, a, c, ctx.user.id, form, clock.today()),
                 rerender=lambda errors: _detail(ctx, db, a, c, "bulletins", form, errors))
    finally:
        session.close()
    flash(request, f"已发布通报「{b.title}」，成员单位确认已阅后在此可见")
    return redirect(ctx.url(f"jinhua/alliances/{cluster_id}#bulletins"))


@post("/alliances/{cluster_id:int}/liaisons", opt=WRITE, **PAGE)
def liaison_add(ctx: Ctx, db: Session, request: Request, cluster_id: int, data: Form) -> Response:
    def act(a, c, f):
        if not f.get("user_id"):
            raise FormErrors({"user_id": "请选择联络员的平台账号"})
        return svc.core_clusters.add_leader(db, c, {**f, "title": f.get("title") or "liaison"},
                                            svc.core_clusters.cluster_types(ctx.tenant))

    return _write(ctx, db, request, cluster_id, data, "liaisons", act, "已设置联络员", "liaisons")


# --- API -----------------------------------------------------------------------------------------


@dataclass
class MemberOut:
    id: int
    kind: str
    name: str
    tenant: str
    joined_on: dt.date | None
    contract_ends_on: dt.date | None


@dataclass
class RotaOut:
    period: str
    label: str
    member_id: int
    member: str


@dataclass
class AllianceOut:
    id: int
    name: str
    type: str
    type_label: str
    founded_on: dt.date
    founders: list[str]
    lead: str
    members: int
    contracts_in_force: int
    liuzhuan: str
    meetings_held: int
    open_agenda: int
    chair: str


@dataclass
class AllianceDetailOut:
    alliance: AllianceOut
    members: list[MemberOut]
    rota: list[RotaOut]
    pattern: dict[str, Any]


def _out(db: Session, s: svc.Summary, founders) -> AllianceOut:
    atype = program.TYPES.get(s.cluster.cluster_type)
    return AllianceOut(s.cluster.id, s.cluster.name, s.cluster.cluster_type, atype.label if atype else "",
                       s.alliance.founded_on, [u.name for _f, u in founders if u],
                       next((u.name for f, u in founders if f.is_lead and u), ""), s.members, s.contracts,
                       s.liuzhuan, s.meetings, s.agenda_open, s.chair)


@get("/alliances", opt=READ, **API)
def api_alliances(ctx: Ctx, db: Session, type: str = "") -> list[AllianceOut]:
    """The tenant's alliances (a liaison: the ones they lead) with founding units, lead unit,
    members, contracts in force, the 六专 checklist's state, meetings held, open agenda items and
    this period's rotating chair. ``type``: one of the four alliance types."""
    today = clock.today()
    rows = svc.alliances(db, only=_scope(ctx, db), alliance_type=type)
    founders = svc.founders_of(db, [a.id for a, _ in rows])
    names: dict[int, str] = {}
    with _lookup(ctx, db) as lookup:
        for _a, c in rows:
            names.update(svc.member_labels(lookup, ctx.tenant, svc.core_clusters.members_of(db, c)))
    items = svc.summaries(db, rows, today, _settings(ctx).contract_warning_days, names)
    return [_out(db, s, founders.get(s.alliance.id, [])) for s in items]


@post("/alliances", opt=WRITE, status_code=201, **API)
def api_alliance_create(ctx: Ctx, db: Session, data: dict[str, Any]) -> AllianceOut:
    """Found an alliance: ``name``, ``cluster_type`` (jinhua.regional / business / building /
    industry), ``founded_on``, ``founders`` (unit ids of the kinds the type is founded on —
    refused without one), ``lead`` (one of them), ``principles`` (adjacent, similar, scale,
    manageable), ``rota_period``, ``area``, ``description``."""
    form = _form(data)
    with _lookup(ctx, db) as lookup:
        a = save(db, lambda: svc.create_alliance(db, lookup, ctx.tenant, form))
    c = db.get(Cluster, a.cluster_id)
    [s] = svc.summaries(db, [(a, c)], clock.today(), _settings(ctx).contract_warning_days)
    return _out(db, s, svc.founders_of(db, [a.id]).get(a.id, []))


@get("/alliances/{cluster_id:int}", opt=READ, **API)
def api_alliance(ctx: Ctx, db: Session, cluster_id: int) -> AllianceDetailOut:
    """One alliance: its members (with the tenant each belongs to and its contract's end), the
    rota and the 工作格局 figures (党建共抓: 六专; 资源共享: the four lists; 活动共办: meetings;
    事务共商: agenda items)."""
    from core.tenancy import tree

    a, c = _get(ctx, db, cluster_id)
    today = clock.today()
    with _lookup(ctx, db) as lookup:
        names = svc.member_labels(lookup, ctx.tenant, svc.core_clusters.members_of(db, c))
    [s] = svc.summaries(db, [(a, c)], today, _settings(ctx).contract_warning_days, names)
    t = tree()
    running = {r.member_id: r for r in db.scalars(select(Contract).where(Contract.alliance_id == a.id,
                                                                       Contract.status == "in_force"))}
    members = [MemberOut(m.id, svc.core_clusters.kind_of(m), names.get(m.id, ""),
                         t.by_id[m.member_tenant_id].slug if m.member_tenant_id in t.by_id else "", m.joined_on,
                         running[m.id].ends_on if m.id in running else None)
               for m in svc.active_members(db, c, today)]
    rota = [RotaOut(r.period, periods.label(a.rota_period, r.period), r.member_id, names.get(r.member_id, ""))
            for r in svc.rota(db, a)]
    lists = svc.four_lists(db, c, today) if ctx.can("lists:read") else None
    pattern = {"党建共抓": {"六专": s.liuzhuan, "done": s.liuzhuan_done[0], "items": s.liuzhuan_done[1]},
               "资源共享": ({"需求清单": lists.demands, "资源清单": lists.resources, "服务清单": lists.services,
                         "项目清单": lists.projects} if lists else {}),
               "活动共办": {"例会": s.meetings},
               "事务共商": {"待议及落实中议题": s.agenda_open}}
    return AllianceDetailOut(_out(db, s, svc.founders_of(db, [a.id]).get(a.id, [])), members, rota, pattern)


@post("/alliances/{cluster_id:int}/rota", opt=READ, status_code=200, **API)
def api_rota(ctx: Ctx, db: Session, cluster_id: int, data: dict[str, Any] | None = None) -> list[RotaOut]:
    """Generate the year's rota (``year``, default this year): periods already over keep their chair."""
    a, c = _edit(ctx, db, cluster_id)
    slots = save(db, lambda: svc.generate_rota(db, a, c, _form(data or {}), clock.today()))
    with _lookup(ctx, db) as lookup:
        names = svc.member_labels(lookup, ctx.tenant, svc.core_clusters.members_of(db, c))
    return [RotaOut(r.period, periods.label(a.rota_period, r.period), r.member_id, names.get(r.member_id, ""))
            for r in slots]


@dataclass
class ContractOut:
    id: int
    member_id: int
    signed_on: dt.date
    starts_on: dt.date
    ends_on: dt.date
    obligations: str
    status: str
    renewed_from_id: int | None


@post("/alliances/{cluster_id:int}/contracts", opt=READ, status_code=201, **API)
def api_contract(ctx: Ctx, db: Session, cluster_id: int, data: dict[str, Any]) -> ContractOut:
    """Sign a member's contract: ``member_id`` (a current member row), ``obligations`` (required),
    ``signed_on``, ``starts_on``, ``ends_on`` (default: the tenant's term)."""
    a, _c = _edit(ctx, db, cluster_id)
    r = save(db, lambda: svc.sign_contract(db, a, _form(data), _settings(ctx), clock.today()))
    return ContractOut(r.id, r.member_id, r.signed_on, r.starts_on, r.ends_on, r.obligations, r.status,
                       r.renewed_from_id)


@dataclass
class AgendaOut:
    id: int
    title: str
    status: str
    raised_on: dt.date
    decision: str
    follow_up_due: dt.date | None


@post("/alliances/{cluster_id:int}/agenda", opt=READ, status_code=201, **API)
def api_agenda(ctx: Ctx, db: Session, cluster_id: int, data: dict[str, Any]) -> AgendaOut:
    """Raise an agenda item (议事制): ``title``, ``raised_by_member_id``, ``raised_on``."""
    a, _c = _edit(ctx, db, cluster_id)
    i = save(db, lambda: svc.raise_item(db, a, _form(data), clock.today()))
    return AgendaOut(i.id, i.title, i.status, i.raised_on, i.decision, i.follow_up_due)


PAGE_ROUTES = [dashboard, alliance_list, alliance_create, alliance_detail, member_add, contract_sign, contract_action,
               liuzhuan_start, team_create, rota_generate, meeting_record, agenda_raise, agenda_step, bulletin_publish,
               liaison_add]
API_ROUTES = [api_alliances, api_alliance_create, api_alliance, api_rota, api_contract, api_agenda]
