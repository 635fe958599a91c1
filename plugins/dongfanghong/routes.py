"""Pages under /t/<slug>/dongfanghong and the API under /api/t/<slug>/dongfanghong."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, history
from core.forms import FormErrors
from core.plugins import registry
from core.registry.models import Cluster, Member
from core.registry.services import clusters as cl
from core.registry.services import coverage as cov
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import paginate
from core.web.render import form_list, form_value, redirect, render
from plugins.dongfanghong import service as svc
from plugins.dongfanghong.models import Butler, Nomination

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "dongfanghong:read"}
WRITE = {"permission": "dongfanghong:write"}
CLUSTERS = {"permission": "clusters:write"}


def _settings(ctx: Ctx):
    return registry().settings(ctx.tenant.id, "dongfanghong")


def _types(ctx: Ctx):
    return {svc.JOINT_GROUP: svc.joint_group_type(_settings(ctx).group_label)}


def _group(ctx: Ctx, db: Session, group_id: int, manage: bool = False) -> Cluster:
    """The joint group, or 404 if it is another tenant's, not a 联组, or not visible to the user;
    403 when ``manage`` and the user may see but not manage it."""
    c = db.get(Cluster, group_id)
    if c is None or c.cluster_type != svc.JOINT_GROUP or not svc.can_see_group(db, ctx.user.id, ctx.perms, c):
        raise NotFoundException("联组不存在")
    if manage and not svc.can_manage_group(db, ctx.user.id, ctx.perms, c):
        raise PermissionDeniedException("只有本联组的组长、专干或街道工作人员可以操作")
    return c


# --- dashboard --------------------------------------------------------------------------------


@get("/", opt=READ, include_in_schema=False, sync_to_thread=True)
def dashboard(ctx: Ctx, db: Session) -> Response:
    today = clock.today()
    groups = svc.visible_groups(db, ctx.user.id, ctx.perms)
    enabled = registry().enabled(ctx.tenant.id)
    cards = svc.dashboard(db, ctx.tenant, groups, enabled, today, ctx.user.id, ctx.perms)
    # a 组长 / 副组长 (no view of every group) sees their group's coverage, not the street's
    scoped = not (ctx.can(svc.SEE_ALL) or ctx.can(svc.MANAGE_ALL))
    scope = ctx.scope()
    only = scope.organization_ids if scoped and not scope.whole else None
    figures = cov.counts_by_tenant(db, [ctx.tenant.id], organization_ids=only).get(
        ctx.tenant.id, cov.empty_figures())["all"].as_dict()
    from plugins.dongfanghong.pages import gold_overview, program_overview, rollout_overview

    program = program_overview(ctx, db, today)
    from plugins.dongfanghong import platform
    return render("dongfanghong:Dashboard", ctx=ctx, cards=cards, settings=_settings(ctx), figures=figures,
                  metrics=cov.METRICS, coverage_scope=scope.label if only is not None else "", overdue=svc.overdue(cards, db, enabled, today, ctx.tenant,
                                      scoped=not (ctx.can(svc.SEE_ALL) or ctx.can(svc.MANAGE_ALL)))
                  + program["overdue"],
                  fen=svc.fen, program=program, gold=gold_overview(ctx, db, today),
                  rollout=rollout_overview(ctx, db, today), year=today.year,
                  committee=platform.committee(db, ctx.tenant), committee_titles={
                      r.title: r.label for r in platform.committee_type().leaders},
                  unassigned=len(svc.unassigned_party_orgs(db)) if ctx.can("clusters:write") else None)


# --- one group --------------------------------------------------------------------------------


def _group_page(ctx: Ctx, db: Session, c: Cluster, form=None, errors=None, status: int = 200,
                kind: str = "", q: str = "", page: int = 1) -> Response:
    today = clock.today()
    entries = paginate(db, svc.duty_query(c, kind, q), page)
    from plugins.dongfanghong import duty

    enabled = registry().enabled(ctx.tenant.id)
    checklist = svc.group_checklist(db, c, today, months=6, enabled=enabled)
    months = list(checklist)
    events = [e for e in svc.group_events(db, c, months[0], today, enabled) if e.source != "manual"][::-1]
    leaders = cl.leaders_of(db, c, active_only=True)
    members = [m for m in cl.members_of(db, c) if cl.is_active_member(m)]
    _, party_names = cl.names_of(db, [], [m.party_org_id for m in members])
    staff = svc.staff_of(db, [c.id]).get(c.id)
    from plugins.dongfanghong import platform

    with ctx.read_rollup_session("dongfanghong:read") as lookup:
        links = platform.links_of(db, lookup, [c.id])[c.id]
        link_options = platform.link_options(lookup, ctx.tenant.id) if svc.can_manage_group(
            db, ctx.user.id, ctx.perms, c) else []
    activities, demands = _group_work(ctx, db, c, [m.party_org_id for m in members if m.party_org_id], today)
    changes = history.of(db, {"clusters": [c.id], "cluster_members": [m.id for m in cl.members_of(db, c)],
                              "cluster_leaders": [x.id for x in cl.leaders_of(db, c)]}, ctx.tenant.id, limit=20)
    return render("dongfanghong:GroupPage", status_code=status, ctx=ctx, group=c, checklist=checklist,
                  kinds=svc.DUTY_KINDS, entries=entries, kind=kind, q=q, leaders=leaders,
                  titles=cl.title_labels(_types(ctx)[svc.JOINT_GROUP]), members=members,
                  party_names=party_names, staff=staff,
                  staff_choices=svc.staff_users(db, ctx.tenant.id) if ctx.can("dongfanghong:write") else [],
                  can_manage=svc.can_manage_group(db, ctx.user.id, ctx.perms, c),
                  problems=cl.leader_problems(db, c, _types(ctx)), history=changes, activities=activities,
                  demands=demands, events=events, links=links, link_options=link_options, sources=duty.SOURCES,
                  duty_minimum=_settings(ctx).duty_min_per_month,
                  form=form or {}, errors=errors or {}, today=today)


@dataclass
class GroupWork:
    """A list on the group page: the rows the user may see (first ``limit``) and the total."""

    rows: list
    total: int
    labels: dict[str, str]


def _group_work(ctx: Ctx, db: Session, c: Cluster, pids: list[int], today: dt.date,
                limit: int = 30) -> tuple[GroupWork | None, GroupWork | None]:
    """This quarter's activities and the demands of the group (the numbers of its dashboard
    card), filtered by the activities' / lists' own visibility rules; None if the plugin is off."""
    enabled = registry().enabled(ctx.tenant.id)
    activities = demands = None
    if "activities" in enabled and ctx.can("activities:read"):
        from plugins.activities import api as activities_api

        stmt = svc.group_activities_select(c.id, pids, today).where(
            activities_api.visible_clause(db, activities_api.access_of(ctx)))
        activities = GroupWork(list(db.scalars(stmt.limit(limit))), svc.count_rows(db, stmt),
                               {t.key: t.label for t in activities_api.activity_types(ctx.tenant)})
    if "lists" in enabled and ctx.can("lists:read"):
        from plugins.lists import api as lists

        stmt = svc.group_demands_select(c.id, today).where(lists.access_of(ctx).demand_clause())
        demands = GroupWork(list(db.scalars(stmt.limit(limit))), svc.count_rows(db, stmt), lists.STATUSES)
    return activities, demands


@get("/groups/{group_id:int}", opt=READ, include_in_schema=False, sync_to_thread=True)
def group_detail(ctx: Ctx, db: Session, group_id: int, kind: str = "", q: str = "", page: int = 1) -> Response:
    return _group_page(ctx, db, _group(ctx, db, group_id), kind=kind, q=q, page=max(page, 1))


@post("/groups/{group_id:int}/duty", opt=READ, include_in_schema=False, sync_to_thread=True)
def duty_add(ctx: Ctx, db: Session, group_id: int, data: Form) -> Response:
    c = _group(ctx, db, group_id, manage=True)
    form = {k: form_value(data, k) for k in ("kind", "occurred_on", "title", "notes", "organization")}
    save(db, lambda: svc.add_duty_entry(db, c, form, ctx.user.id),
         rerender=lambda errors: _group_page(ctx, db, c, form=form, errors=errors))
    return redirect(ctx.url(f"dongfanghong/groups/{c.id}"))


@get("/groups/{group_id:int}/duty/export", opt=READ, include_in_schema=False, sync_to_thread=True)
def duty_export(ctx: Ctx, db: Session, group_id: int, kind: str = "", q: str = "") -> Response:
    c = _group(ctx, db, group_id)
    rows = [(e.occurred_on, svc.DUTY_KINDS.get(e.kind, e.kind), e.title, e.notes)
            for e in svc.duty_entries(db, c, kind, limit=100000, q=q)]
    return xlsx_export(db, f"{c.name}-专干履职记录", ["日期", "类别", "事项", "情况说明"], rows, action="dongfanghong.export",
                       entity="dongfanghong_duty_entries", query={"group": group_id, "kind": kind, "q": q},
                       sheet="专干履职记录")


@post("/groups/{group_id:int}/members", opt=READ, include_in_schema=False, sync_to_thread=True)
def member_add(ctx: Ctx, db: Session, group_id: int, data: Form) -> Response:
    c = _group(ctx, db, group_id, manage=True)
    form = {"kind": "party_org", "ref": form_value(data, "ref"), "joined_on": form_value(data, "joined_on")}
    save(db, lambda: svc.add_group_member(db, c, form, _types(ctx)),
         rerender=lambda errors: _group_page(ctx, db, c, form=form, errors=errors))
    return redirect(ctx.url(f"dongfanghong/groups/{c.id}"))


@post("/groups/{group_id:int}/members/{member_id:int}/end", opt=READ, include_in_schema=False,
      sync_to_thread=True)
def member_end(ctx: Ctx, db: Session, group_id: int, member_id: int, data: Form) -> Response:
    c = _group(ctx, db, group_id, manage=True)
    try:
        save(db, lambda: cl.end_member(db, c, member_id, {"left_on": form_value(data, "left_on")}),
             rerender=lambda errors: _group_page(ctx, db, c, errors=errors))
    except LookupError as exc:
        raise NotFoundException("成员不存在") from exc
    return redirect(ctx.url(f"dongfanghong/groups/{c.id}"))


@post("/groups/{group_id:int}/staff", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def staff_assign(ctx: Ctx, db: Session, group_id: int, data: Form) -> Response:
    c = _group(ctx, db, group_id)
    save(db, lambda: svc.assign_staff(db, ctx.tenant.id, c, form_value(data, "staff")),
         rerender=lambda errors: _group_page(ctx, db, c, form={"staff": form_value(data, "staff")}, errors=errors))
    return redirect(ctx.url(f"dongfanghong/groups/{c.id}"))


# --- linked community party orgs (DFH-1) -------------------------------------------------------


def _link_or_404(db: Session, c: Cluster, link_id: int):
    from plugins.dongfanghong.models import GroupLink

    row = db.get(GroupLink, link_id)
    if row is None or row.cluster_id != c.id:
        raise NotFoundException("联动党组织不存在")
    return row


@post("/groups/{group_id:int}/links", opt=READ, include_in_schema=False, sync_to_thread=True)
def link_add(ctx: Ctx, db: Session, group_id: int, data: Form) -> Response:
    from plugins.dongfanghong import platform

    c = _group(ctx, db, group_id, manage=True)
    form = {"party_org_id": form_value(data, "party_org_id")}
    with ctx.read_rollup_session("dongfanghong:read") as lookup:
        save(db, lambda: platform.add_link(db, lookup, c, form),
             rerender=lambda errors: _group_page(ctx, db, c, form=form, errors=errors))
    return redirect(ctx.url(f"dongfanghong/groups/{c.id}#links"))


@post("/groups/{group_id:int}/links/{link_id:int}/resolve", opt=READ, include_in_schema=False, sync_to_thread=True)
def link_resolve(ctx: Ctx, db: Session, group_id: int, link_id: int, data: Form) -> Response:
    from plugins.dongfanghong import platform

    c = _group(ctx, db, group_id, manage=True)
    row = _link_or_404(db, c, link_id)
    form = {"party_org_id": form_value(data, "party_org_id")}
    with ctx.read_rollup_session("dongfanghong:read") as lookup:
        save(db, lambda: platform.resolve_link(db, lookup, c, row, form),
             rerender=lambda errors: _group_page(ctx, db, c, errors=errors))
    return redirect(ctx.url(f"dongfanghong/groups/{c.id}#links"))


@post("/groups/{group_id:int}/links/{link_id:int}/delete", opt=READ, include_in_schema=False, sync_to_thread=True)
def link_delete(ctx: Ctx, db: Session, group_id: int, link_id: int) -> Response:
    c = _group(ctx, db, group_id, manage=True)
    row = _link_or_404(db, c, link_id)
    save(db, lambda: db.delete(row))
    return redirect(ctx.url(f"dongfanghong/groups/{c.id}#links"))


# --- regroup ----------------------------------------------------------------------------------


def _n(value: str, default: int) -> int | None:
    value = (value or "").strip()
    if not value:
        return default
    return int(value) if value.isdigit() and 1 <= int(value) <= 20 else None


@get("/regroup", opt=CLUSTERS, include_in_schema=False, sync_to_thread=True)
def regroup(ctx: Ctx, db: Session, n: str = "") -> Response:
    count = _n(n, _settings(ctx).group_count)
    errors = {} if count else {"n": "联组数量：请输入 1 至 20 之间的整数"}
    proposal = svc.regroup_proposal(db, count) if count else []
    existing = svc.joint_groups(db)
    names = [existing[i].name if i < len(existing) else svc.group_name(i, _settings(ctx).group_label)
             for i in range(count or 0)]
    return render("dongfanghong:Regroup", status_code=200 if count else 422, ctx=ctx, proposal=proposal,
                  names=names, n=n or str(_settings(ctx).group_count), errors=errors)


@post("/regroup", opt=CLUSTERS, include_in_schema=False, sync_to_thread=True)
def regroup_apply(ctx: Ctx, db: Session, data: Form) -> Response:
    count = _n(form_value(data, "n"), _settings(ctx).group_count)

    def apply() -> None:
        if count is None:
            raise FormErrors({"n": "联组数量：请输入 1 至 20 之间的整数"})
        svc.apply_regroup(db, count, _settings(ctx).group_label)

    save(db, apply, rerender=lambda errors: render("dongfanghong:Regroup", ctx=ctx, proposal=[], names=[],
                                                   n=form_value(data, "n"), errors=errors))
    return redirect(ctx.url("dongfanghong"))


# --- butlers (金品牌) --------------------------------------------------------------------------


BUTLER_KEYS = ("member_id", "person", "role", "unit", "organizations")


def _butlers_page(ctx, db, q="", role="", active="", form=None, errors=None, status=200, edit_id=None):
    from plugins.dongfanghong import butlers as bsvc

    rows = bsvc.team(db, svc.butlers(db, q, role, active))
    members = [(m.id, m.name) for m in db.scalars(select(Member).where(Member.status.in_(bsvc.PARTY_STATUSES))
                                                   .order_by(Member.name, Member.id).limit(2000))]
    return render("dongfanghong:Butlers", status_code=status, ctx=ctx, rows=rows, q=q, role=role, active=active,
                  roles=svc.BUTLER_ROLES, services=bsvc.BUTLER_SERVICES, person_kinds=bsvc.PERSON_KINDS,
                  backbone=bsvc.backbone(bsvc.team(db, svc.butlers(db), with_demands=False)),
                  people=bsvc.person_options(db, ctx.tenant.id), members=members, form=form or {},
                  errors=errors or {}, edit_id=edit_id)


@get("/butlers", opt=READ, include_in_schema=False, sync_to_thread=True)
def butlers(ctx: Ctx, db: Session, q: str = "", role: str = "", active: str = "", format: str = "") -> Response:
    if format == "xlsx":
        from plugins.dongfanghong import butlers as bsvc

        rows = [(r.butler.name, bsvc.PERSON_KINDS.get(r.butler.person_kind, "未关联"), "是" if r.party_member else "否",
                 svc.BUTLER_ROLES.get(r.butler.role, r.butler.role), "、".join(r.services), r.butler.unit,
                 "在岗" if r.butler.active else "停用", "、".join(r.organizations), r.open_demands)
                for r in bsvc.team(db, svc.butlers(db, q.strip(), role, active))]
        return xlsx_export(db, "服务管家队伍", ["姓名", "人员类型", "党员", "类别", "服务内容", "所在单位", "状态", "服务企业",
                                          "服务企业未结需求"], rows,
                           action="dongfanghong.export", entity="dongfanghong_butlers",
                           query={"q": q, "role": role, "active": active}, sheet="服务管家")
    return _butlers_page(ctx, db, q.strip(), role, active)


def _butler_form(data: dict) -> dict:
    return {**{k: form_value(data, k) for k in (*BUTLER_KEYS, "active")}, "services": form_list(data, "services")}


@post("/butlers", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def butler_add(ctx: Ctx, db: Session, data: Form) -> Response:
    from plugins.dongfanghong import butlers as bsvc

    form = _butler_form(data)
    save(db, lambda: bsvc.save_butler(db, ctx.tenant.id, form),
         rerender=lambda errors: _butlers_page(ctx, db, form=form, errors=errors))
    return redirect(ctx.url("dongfanghong/butlers"))


@post("/butlers/{butler_id:int}", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def butler_edit(ctx: Ctx, db: Session, butler_id: int, data: Form) -> Response:
    from plugins.dongfanghong import butlers as bsvc

    row = db.get(Butler, butler_id)
    if row is None:
        raise NotFoundException("服务管家不存在")
    form = _butler_form(data)
    save(db, lambda: bsvc.save_butler(db, ctx.tenant.id, form, row),
         rerender=lambda errors: _butlers_page(ctx, db, form=form, errors=errors, edit_id=butler_id))
    return redirect(ctx.url("dongfanghong/butlers"))


# --- nominations ------------------------------------------------------------------------------


def _nominations_page(ctx, db, q="", category="", status="", page=1, form=None, errors=None, code=200):
    result = paginate(db, svc.nominations_query(q, category, status), page)
    orgs, _ = cl.names_of(db, [n.organization_id for n in result.items], [])
    from plugins.dongfanghong import people

    members = [(m.id, m.name) for m in db.scalars(select(Member).where(Member.status.in_(people.PARTY_STATUSES))
                                                   .order_by(Member.name, Member.id).limit(2000))]
    return render("dongfanghong:Nominations", status_code=code, ctx=ctx, result=result, q=q, category=category,
                  status=status, categories=svc.NOMINATION_CATEGORIES, statuses=svc.NOMINATION_STATUSES,
                  orgs=orgs, groups=svc.joint_groups(db), members=members,
                  people=people.person_options(db, ctx.tenant.id), person_kinds=people.PERSON_KINDS,
                  form=form or {}, errors=errors or {})


@get("/nominations", opt=READ, include_in_schema=False, sync_to_thread=True)
def nominations(ctx: Ctx, db: Session, q: str = "", category: str = "", status: str = "", page: int = 1,
                format: str = "") -> Response:
    if format == "xlsx":
        rows = list(db.scalars(svc.nominations_query(q, category, status)))
        kinds = {"member": "党员", "instructor": "党建指导员", "user": "系统用户", "organization": "企业（法定代表人）"}
        return xlsx_export(db, "选树典型推荐", ["被推荐人", "记录类型", "类别", "推荐理由", "状态", "评审意见"],
                           [(n.nominee, kinds.get(n.nominee_kind, "未关联"),
                             svc.NOMINATION_CATEGORIES.get(n.category, n.category), n.reason,
                             svc.NOMINATION_STATUSES.get(n.status, n.status), n.review_note) for n in rows],
                           action="dongfanghong.export", entity="dongfanghong_nominations",
                           query={"q": q, "category": category, "status": status}, sheet="推荐")
    return _nominations_page(ctx, db, q, category, status, page)


@post("/nominations", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def nomination_add(ctx: Ctx, db: Session, data: Form) -> Response:
    form = {k: form_value(data, k) for k in ("member_id", "person", "category", "reason", "organization", "cluster_id")}
    save(db, lambda: svc.add_nomination(db, ctx.tenant.id, form),
         rerender=lambda errors: _nominations_page(ctx, db, form=form, errors=errors))
    return redirect(ctx.url("dongfanghong/nominations"))


@post("/nominations/{nomination_id:int}/{action:str}", opt=WRITE, include_in_schema=False,
      sync_to_thread=True)
def nomination_review(ctx: Ctx, db: Session, nomination_id: int, action: str, data: Form) -> Response:
    row = db.get(Nomination, nomination_id)
    if row is None:
        raise NotFoundException("推荐不存在")
    save(db, lambda: svc.transition_nomination(db, row, action, ctx.user.id, form_value(data, "review_note")),
         rerender=lambda errors: _nominations_page(ctx, db, errors=errors))
    return redirect(ctx.url("dongfanghong/nominations"))


# --- API --------------------------------------------------------------------------------------


@dataclass
class GroupOut:
    id: int
    name: str
    party_orgs: int
    members: int
    staff: str
    leaders: str
    problems: list[str]


@dataclass
class ChecklistOut:
    month: str
    kind: str
    label: str
    count: int
    gap: bool


@dataclass
class DutyIn:
    kind: str
    occurred_on: str
    title: str
    notes: str = ""
    organization: str = ""


@dataclass
class DutyOut:
    id: int
    kind: str
    occurred_on: dt.date
    title: str


@get("/groups", opt=READ, sync_to_thread=True, tags=["dongfanghong"])
def api_groups(ctx: Ctx, db: Session) -> list[GroupOut]:
    groups = svc.visible_groups(db, ctx.user.id, ctx.perms)
    cards = svc.dashboard(db, ctx.tenant, groups, (), clock.today(), ctx.user.id, ctx.perms)
    return [GroupOut(c.cluster.id, c.cluster.name, c.party_orgs, c.members, c.staff, c.leaders, c.problems)
            for c in cards]


@get("/groups/{group_id:int}/checklist", opt=READ, sync_to_thread=True, tags=["dongfanghong"])
def api_checklist(ctx: Ctx, db: Session, group_id: int, months: int = 6) -> list[ChecklistOut]:
    c = _group(ctx, db, group_id)
    data = svc.group_checklist(db, c, clock.today(), max(1, min(months, 24)))
    return [ChecklistOut(m.isoformat()[:7], cell.kind, svc.DUTY_KINDS[cell.kind], cell.count, cell.gap)
            for m, row in data.items() for cell in row.values()]


@post("/groups/{group_id:int}/duty", opt=READ, sync_to_thread=True, tags=["dongfanghong"])
def api_duty_add(ctx: Ctx, db: Session, group_id: int, data: DutyIn) -> DutyOut:
    c = _group(ctx, db, group_id, manage=True)
    row = save(db, lambda: svc.add_duty_entry(db, c, data.__dict__, ctx.user.id))
    return DutyOut(row.id, row.kind, row.occurred_on, row.title)


from plugins.dongfanghong.api_routes import API_ROUTES as PROGRAM_API  # noqa: E402
from plugins.dongfanghong.pages import PAGE_ROUTES as PROGRAM_PAGES  # noqa: E402

PAGE_ROUTES = [dashboard, group_detail, duty_add, duty_export, member_add, member_end, staff_assign, link_add,
               link_resolve, link_delete, regroup,
               regroup_apply, butlers, butler_add, butler_edit, nominations, nomination_add, nomination_review, *PROGRAM_PAGES]
from plugins.dongfanghong.api_butlers import API_ROUTES as BUTLER_API  # noqa: E402
from plugins.dongfanghong.api_guarantees import API_ROUTES as GUARANTEE_API  # noqa: E402
from plugins.dongfanghong.api_nominations import API_ROUTES as NOMINATION_API  # noqa: E402

API_ROUTES = [api_groups, api_checklist, api_duty_add, *PROGRAM_API, *GUARANTEE_API, *BUTLER_API, *NOMINATION_API]
