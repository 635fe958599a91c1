"""Pages of 三项工程 (强基, 活水) and 五大保障 (阵地, 经费, 合作) under /t/<slug>/dongfanghong.

Every handler is permission-checked (``opt``) and scopes what it shows: street staff and viewers
(``dongfanghong:groups_all``) see the whole street, a 组长 / 副组长 / 专干 the party orgs of their
groups; ids outside that scope (or of another tenant) answer 404. Writes need
``dongfanghong:write`` or, for their own group's records, the 组长 / 专干 (object level).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Body
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.forms import FormErrors
from core.plugins import registry
from core.registry.models import Cluster, PartyOrg
from core.web.context import Ctx
from core.web.export import xlsx_export
from core.web.forms import save
from core.web.listing import PAGE_SIZE, PageOf, paginate, paginate_list
from core.web.render import flash, form_value, redirect, render
from plugins.dongfanghong import guarantees as gsvc
from plugins.dongfanghong import projects as psvc
from plugins.dongfanghong import quantified as qsvc
from plugins.dongfanghong import service as svc
from plugins.dongfanghong import venues as vsvc
from plugins.dongfanghong.models import CrossAppointment, Cultivation

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": "dongfanghong:read"}
WRITE = {"permission": "dongfanghong:write"}
SECRETARY_REVIEW = "dongfanghong.secretary_review"


def _settings(ctx: Ctx):
    return registry().settings(ctx.tenant.id, "dongfanghong")


def _visible(ctx: Ctx, db: Session) -> set[int] | None:
    return psvc.visible_party_org_ids(db, ctx.user.id, ctx.perms)


def _manageable_groups(ctx: Ctx, db: Session) -> set[int] | None:
    """None: every group (street staff); else the groups the user leads as 组长 or serves as 专干."""
    if ctx.can(svc.MANAGE_ALL):
        return None
    return {g.id for g in svc.visible_groups(db, ctx.user.id, ctx.perms)
            if svc.can_manage_group(db, ctx.user.id, ctx.perms, g)}


def _manageable_orgs(ctx: Ctx, db: Session) -> set[int] | None:
    groups = _manageable_groups(ctx, db)
    if groups is None:
        return None
    return {p for ps in svc.group_party_org_ids(db, groups).values() for p in ps}


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _page(items: list, page: int) -> PageOf:
    return paginate_list(items, page, PAGE_SIZE)


def _org_options(db: Session, ids: set[int] | None) -> list[tuple[int, str]]:
    orgs = svc.two_new_party_orgs(db)
    return sorted(((p.id, p.name) for p in orgs if ids is None or p.id in ids), key=lambda x: x[1])


def _groups(db: Session, ids: set[int] | None = None) -> list[Cluster]:
    return [g for g in svc.joint_groups(db) if ids is None or g.id in ids]


# --- 强基 -----------------------------------------------------------------------------------------


def _secretary_rounds(ctx: Ctx, db: Session) -> list[Any] | None:
    if not ctx.can("assessment:read"):
        return None
    from plugins.assessment.api import AssessmentRound

    return list(db.scalars(select(AssessmentRound).where(AssessmentRound.template_key == SECRETARY_REVIEW)
                           .order_by(AssessmentRound.id.desc()).limit(5)))


def _round_states() -> dict[str, str]:
    from plugins.assessment.api import STATES

    return STATES


@get("/qiangji", opt=READ, include_in_schema=False, sync_to_thread=True)
def qiangji(ctx: Ctx, db: Session, q: str = "", group: str = "", hint: str = "", page: int = 1,
            format: str = "") -> Response:
    today = clock.today()
    visible = _visible(ctx, db)
    rows, total = psvc.structure_rows(db, visible, today, _settings(ctx).young_age, q.strip(), _int(group), hint)
    if format == "xlsx":
        return xlsx_export(db, "强基工程-党员队伍结构", psvc.STRUCTURE_HEADERS, psvc.structure_export_rows(rows),
                           action="dongfanghong.export", entity="members", query={"q": q, "group": group, "hint": hint},
                           sheet="党员队伍结构")
    groups = _groups(db, None if visible is None else {g.id for g in svc.visible_groups(db, ctx.user.id, ctx.perms)})
    return render("dongfanghong:Qiangji", ctx=ctx, result=_page(rows, page), total=total,
                  by_group=psvc.group_structures(rows), groups=groups, q=q, group=group, hint=hint,
                  hints=("管理层无党员", "业务骨干无党员", "无青年党员", "无入党积极分子等发展梯队"),
                  young_age=_settings(ctx).young_age, counts=psvc.cultivation_counts(db, visible),
                  directions=psvc.DIRECTIONS, rounds=_secretary_rounds(ctx, db), template=SECRETARY_REVIEW,
                  round_states=_round_states())


def _party_org_or_404(ctx: Ctx, db: Session, party_org_id: int) -> PartyOrg:
    po = db.get(PartyOrg, party_org_id)
    visible = _visible(ctx, db)
    if po is None or (visible is not None and po.id not in visible):
        raise NotFoundException("党组织不存在")
    return po


#: the same lookup for the program's API (api_routes.py)
party_org_or_404 = _party_org_or_404


def _org_page(ctx: Ctx, db: Session, po: PartyOrg, errors=None, form=None, status: int = 200) -> Response:
    today = clock.today()
    people = psvc.people_of(db, po.id, today)
    facts = [psvc.MemberFacts(po.id, r.member.status, r.member.birth_date, r.member.education,
                              bool(r.profile and r.profile.is_manager), bool(r.profile and r.profile.is_backbone))
             for r in people]
    structure = psvc.structures(facts, today, _settings(ctx).young_age).get(po.id, psvc.Structure())
    cultivations = list(db.scalars(psvc.cultivation_select(None, party_org_id=po.id).limit(50)))
    return render("dongfanghong:QiangjiOrg", status_code=status, ctx=ctx, po=po, people=people,
                  structure=structure, young_age=_settings(ctx).young_age, cultivations=cultivations,
                  directions=psvc.DIRECTIONS, statuses=psvc.CULTIVATION_STATUSES,
                  can_manage=psvc.can_manage_party_org(db, ctx.user.id, ctx.perms, po.id),
                  checks=list(reversed(vsvc.checks(db, po.id))), venue_classes=vsvc.VENUE_CLASSES,
                  check_statuses=vsvc.CHECK_STATUSES, errors=errors or {}, form=form or {},
                  crosses=qsvc.cross_appointments(db, [po.id], current=False),
                  cross_directions=qsvc.CROSS_DIRECTIONS, party_posts=qsvc.PARTY_POSTS,
                  party_members=[r.member for r in people if r.member.status in ("probationary", "full")])


@get("/qiangji/orgs/{party_org_id:int}", opt=READ, include_in_schema=False, sync_to_thread=True)
def qiangji_org(ctx: Ctx, db: Session, party_org_id: int) -> Response:
    return _org_page(ctx, db, _party_org_or_404(ctx, db, party_org_id))


@post("/qiangji/orgs/{party_org_id:int}/profiles", opt=READ, include_in_schema=False, sync_to_thread=True)
def qiangji_profiles(ctx: Ctx, db: Session, party_org_id: int, data: Form) -> Response:
    po = _party_org_or_404(ctx, db, party_org_id)
    if not psvc.can_manage_party_org(db, ctx.user.id, ctx.perms, po.id):
        raise PermissionDeniedException("只有本联组的组长、专干或街道工作人员可以维护")
    save(db, lambda: psvc.save_profiles(db, po.id, data),
         rerender=lambda errors: _org_page(ctx, db, po, errors=errors, form={k: form_value(data, k) for k in data}))
    return redirect(ctx.url(f"dongfanghong/qiangji/orgs/{po.id}"))


CROSS_KEYS = ("member_id", "direction", "party_post", "management_post", "started_on", "note")


@post("/qiangji/orgs/{party_org_id:int}/cross", opt=READ, include_in_schema=False, sync_to_thread=True)
def cross_add(ctx: Ctx, db: Session, party_org_id: int, data: Form) -> Response:
    """双向进入: record a cross-appointment (the org's 组长 / 专干 or street staff)."""
    po = _party_org_or_404(ctx, db, party_org_id)
    if not psvc.can_manage_party_org(db, ctx.user.id, ctx.perms, po.id):
        raise PermissionDeniedException("只有本联组的组长、专干或街道工作人员可以维护")
    form = {k: form_value(data, k) for k in CROSS_KEYS}
    save(db, lambda: qsvc.save_cross_appointment(db, po, form),
         rerender=lambda errors: _org_page(ctx, db, po, errors=errors, form=form))
    return redirect(ctx.url(f"dongfanghong/qiangji/orgs/{po.id}"))


@post("/qiangji/orgs/{party_org_id:int}/cross/{cross_id:int}/end", opt=READ, include_in_schema=False,
      sync_to_thread=True)
def cross_end(ctx: Ctx, db: Session, party_org_id: int, cross_id: int, data: Form) -> Response:
    po = _party_org_or_404(ctx, db, party_org_id)
    if not psvc.can_manage_party_org(db, ctx.user.id, ctx.perms, po.id):
        raise PermissionDeniedException("只有本联组的组长、专干或街道工作人员可以维护")
    row = db.get(CrossAppointment, cross_id)
    if row is None or row.party_org_id != po.id:
        raise NotFoundException("记录不存在")
    form = {"ended_on": form_value(data, "ended_on")}
    save(db, lambda: qsvc.end_cross_appointment(db, row, form),
         rerender=lambda errors: _org_page(ctx, db, po, errors=errors, form=form))
    return redirect(ctx.url(f"dongfanghong/qiangji/orgs/{po.id}"))


CULTIVATION_KEYS = ("direction", "party_org_id", "person_name", "mentor", "started_on", "target_on", "notes")


def _cultivations_page(ctx: Ctx, db: Session, direction: str = "", status: str = "", q: str = "", page: int = 1,
                       form=None, errors=None, code: int = 200) -> Response:
    today = clock.today()
    visible = _visible(ctx, db)
    result = paginate(db, psvc.cultivation_select(visible, direction, status, q), page)
    manageable = _manageable_orgs(ctx, db)
    can_add = manageable is None or bool(manageable)
    return render("dongfanghong:Cultivations", status_code=code, ctx=ctx, result=result, direction=direction,
                  status=status, q=q, directions=psvc.DIRECTIONS, statuses=psvc.CULTIVATION_STATUSES,
                  names=psvc.party_org_names(db, [c.party_org_id for c in result.items]),
                  manageable=manageable, org_options=_org_options(db, manageable) if can_add else [],
                  can_add=can_add, today=today, overdue=psvc.overdue_cultivation, form=form or {},
                  errors=errors or {})


@get("/qiangji/cultivations", opt=READ, include_in_schema=False, sync_to_thread=True)
def cultivations(ctx: Ctx, db: Session, direction: str = "", status: str = "", q: str = "", page: int = 1,
                 format: str = "") -> Response:
    if format == "xlsx":
        rows = list(db.scalars(psvc.cultivation_select(_visible(ctx, db), direction, status, q.strip())))
        names = psvc.party_org_names(db, [c.party_org_id for c in rows])
        return xlsx_export(db, "双向培养", psvc.CULTIVATION_HEADERS, [
            [c.person_name, psvc.DIRECTIONS.get(c.direction, c.direction), names.get(c.party_org_id, ""), c.mentor,
             c.started_on, c.target_on, c.finished_on, psvc.CULTIVATION_STATUSES.get(c.status, c.status), c.notes]
            for c in rows], action="dongfanghong.export", entity="dongfanghong_cultivations",
            query={"direction": direction, "status": status, "q": q})
    return _cultivations_page(ctx, db, direction, status, q.strip(), page)


@post("/qiangji/cultivations", opt=READ, include_in_schema=False, sync_to_thread=True)
def cultivation_add(ctx: Ctx, db: Session, data: Form) -> Response:
    manageable = _manageable_orgs(ctx, db)
    if manageable is not None and not manageable:
        raise PermissionDeniedException("只有组长、专干或街道工作人员可以登记双向培养")
    form = {k: form_value(data, k) for k in CULTIVATION_KEYS}
    save(db, lambda: psvc.add_cultivation(db, form, manageable),
         rerender=lambda errors: _cultivations_page(ctx, db, form=form, errors=errors))
    return redirect(ctx.url("dongfanghong/qiangji/cultivations"))


@post("/qiangji/cultivations/{cultivation_id:int}/{action:str}", opt=READ, include_in_schema=False,
      sync_to_thread=True)
def cultivation_transition(ctx: Ctx, db: Session, cultivation_id: int, action: str, data: Form) -> Response:
    row = db.get(Cultivation, cultivation_id)
    visible = _visible(ctx, db)
    if row is None or (visible is not None and row.party_org_id not in visible):
        raise NotFoundException("培养记录不存在")
    if not psvc.can_manage_party_org(db, ctx.user.id, ctx.perms, row.party_org_id):
        raise PermissionDeniedException("只有本联组的组长、专干或街道工作人员可以操作")
    form = {k: form_value(data, k) for k in ("finished_on", "note")}
    save(db, lambda: psvc.transition_cultivation(db, row, action, form),
         rerender=lambda errors: _cultivations_page(ctx, db, errors=errors))
    return redirect(ctx.url("dongfanghong/qiangji/cultivations"))


# --- 活水 -----------------------------------------------------------------------------------------

COOP_KEYS = ("kind", "area", "cluster_id", "partner_cluster_id", "partner", "held_on", "content", "result")
RESOURCE_KEYS = ("title", "provider_kind", "provider_name", "category", "description", "capacity", "contact_name",
                 "contact_phone", "valid_until")


def _group_scope(ctx: Ctx, db: Session) -> set[int] | None:
    if ctx.can(svc.SEE_ALL) or ctx.can(svc.MANAGE_ALL):
        return None
    return {g.id for g in svc.visible_groups(db, ctx.user.id, ctx.perms)}


def _huoshui_page(ctx: Ctx, db: Session, group: str = "", q: str = "", year: str = "", page: int = 1,
                  form=None, errors=None, rform=None, rerrors=None, code: int = 200) -> Response:
    from plugins.lists import api as lists

    today = clock.today()
    scope = _group_scope(ctx, db)
    stmt = psvc.cooperation_select(("community",), _int(group), "", q, _int(year), scope)
    result = paginate(db, stmt, page)
    sectors = psvc.resource_partners(db, lists.access_of(ctx), today) if ctx.can("lists:read") else None
    manageable = _manageable_groups(ctx, db)
    scheme = lists.scheme(ctx.tenant)
    return render("dongfanghong:Huoshui", status_code=code, ctx=ctx, result=result, sectors=sectors,
                  groups=_groups(db, scope), group=group, q=q, year=year, areas=psvc.COOPERATION_AREAS,
                  group_names=gsvc.group_names(db), partners=psvc.community_partners(db, _groups(db, scope)),
                  form_groups=_groups(db, manageable), can_record=manageable is None or bool(manageable),
                  can_add_resource=ctx.can("dongfanghong:write") and ctx.can("lists:write"),
                  categories=scheme.options("categories"), sector_labels=psvc.SECTORS,
                  form=form or {}, errors=errors or {}, rform=rform or {}, rerrors=rerrors or {})


@get("/huoshui", opt=READ, include_in_schema=False, sync_to_thread=True)
def huoshui(ctx: Ctx, db: Session, group: str = "", q: str = "", year: str = "", page: int = 1,
            format: str = "") -> Response:
    if format == "xlsx":
        rows = list(db.scalars(psvc.cooperation_select(("community",), _int(group), "", q.strip(), _int(year),
                                                       _group_scope(ctx, db))))
        return xlsx_export(db, "活水工程-联组与社区共建", psvc.COOPERATION_HEADERS,
                           psvc.cooperation_export_rows(rows, gsvc.group_names(db)), action="dongfanghong.export",
                           entity="dongfanghong_cooperations", query={"group": group, "q": q, "year": year},
                           sheet="互联共建")
    return _huoshui_page(ctx, db, group, q.strip(), year, page)


def _add_cooperation(ctx: Ctx, db: Session, form: dict[str, str]) -> None:
    manageable = _manageable_groups(ctx, db)
    if manageable is not None and not manageable:
        raise PermissionDeniedException("只有组长、专干或街道工作人员可以登记")
    psvc.add_cooperation(db, form, allowed_groups=manageable)


@post("/huoshui/cobuild", opt=READ, include_in_schema=False, sync_to_thread=True)
def cobuild_add(ctx: Ctx, db: Session, data: Form) -> Response:
    form = {k: form_value(data, k) for k in COOP_KEYS}
    form["kind"] = "community"
    save(db, lambda: _add_cooperation(ctx, db, form),
         rerender=lambda errors: _huoshui_page(ctx, db, form=form, errors=errors))
    return redirect(ctx.url("dongfanghong/huoshui"))


@post("/huoshui/resources", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def resource_add(ctx: Ctx, db: Session, data: Form) -> Response:
    from plugins.lists import api as lists

    form = {k: form_value(data, k) for k in RESOURCE_KEYS}
    save(db, lambda: psvc.add_resource_partner(db, lists.access_of(ctx), ctx.tenant, form, clock.today()),
         rerender=lambda errors: _huoshui_page(ctx, db, rform=form, rerrors=errors))
    return redirect(ctx.url("dongfanghong/huoshui"))


# --- 合作保障 ---------------------------------------------------------------------------------------


def _cooperation_page(ctx: Ctx, db: Session, kind: str = "", area: str = "", group: str = "", q: str = "",
                      year: str = "", page: int = 1, form=None, errors=None, code: int = 200) -> Response:
    scope = _group_scope(ctx, db)
    stmt = psvc.cooperation_select((kind,) if kind else (), _int(group), area, q, _int(year), scope)
    manageable = _manageable_groups(ctx, db)
    return render("dongfanghong:Cooperation", status_code=code, ctx=ctx, result=paginate(db, stmt, page),
                  kinds=psvc.COOPERATION_KINDS, areas=psvc.COOPERATION_AREAS, kind=kind, area=area, group=group,
                  q=q, year=year, groups=_groups(db, scope), all_groups=svc.joint_groups(db),
                  form_groups=_groups(db, manageable), group_names=gsvc.group_names(db),
                  can_record=manageable is None or bool(manageable), form=form or {}, errors=errors or {})


@get("/cooperation", opt=READ, include_in_schema=False, sync_to_thread=True)
def cooperation(ctx: Ctx, db: Session, kind: str = "", area: str = "", group: str = "", q: str = "",
                year: str = "", page: int = 1, format: str = "") -> Response:
    if format == "xlsx":
        rows = list(db.scalars(psvc.cooperation_select((kind,) if kind else (), _int(group), area, q.strip(),
                                                       _int(year), _group_scope(ctx, db))))
        return xlsx_export(db, "合作共建记录", psvc.COOPERATION_HEADERS,
                           psvc.cooperation_export_rows(rows, gsvc.group_names(db)), action="dongfanghong.export",
                           entity="dongfanghong_cooperations",
                           query={"kind": kind, "area": area, "group": group, "q": q, "year": year}, sheet="合作共建")
    return _cooperation_page(ctx, db, kind, area, group, q.strip(), year, page)


@post("/cooperation", opt=READ, include_in_schema=False, sync_to_thread=True)
def cooperation_add(ctx: Ctx, db: Session, data: Form) -> Response:
    form = {k: form_value(data, k) for k in COOP_KEYS}
    save(db, lambda: _add_cooperation(ctx, db, form),
         rerender=lambda errors: _cooperation_page(ctx, db, form=form, errors=errors))
    return redirect(ctx.url("dongfanghong/cooperation"))


# --- 阵地保障 ---------------------------------------------------------------------------------------


def _venues_page(ctx: Ctx, db: Session, q: str = "", venue_class: str = "", status: str = "", group: str = "",
                 gaps: str = "", page: int = 1, form=None, errors=None, code: int = 200) -> Response:
    today = clock.today()
    visible = _visible(ctx, db)
    rows = vsvc.venue_rows(db, visible, today, q, venue_class, status, _int(group), gaps == "1")
    everything = vsvc.venue_rows(db, visible, today) if (q or venue_class or status or group or gaps) else rows
    pending = vsvc.pending_checks(db, visible)
    settings = _settings(ctx)
    return render("dongfanghong:Venues", status_code=code, ctx=ctx, result=_page(rows, page),
                  summary=vsvc.venue_summary(everything), q=q, venue_class=venue_class, status=status, group=group,
                  gaps=gaps, groups=_groups(db, _group_scope(ctx, db)), classes=vsvc.VENUE_CLASSES,
                  states=vsvc.VENUE_STATES, pending=pending, pending_days=vsvc.PENDING_DAYS,
                  names=psvc.party_org_names(db, [c.party_org_id for c in pending]),
                  templates={vsvc.class_of(t.key): t for t in vsvc.venue_templates(settings)},
                  order=vsvc.order_text(settings.venue_top_class),
                  org_options=_org_options(db, visible) if ctx.can("dongfanghong:write") else [],
                  today=today, form=form or {}, errors=errors or {})


@get("/venues", opt=READ, include_in_schema=False, sync_to_thread=True)
def venues(ctx: Ctx, db: Session, q: str = "", venue_class: str = "", status: str = "", group: str = "",
           gaps: str = "", page: int = 1, format: str = "") -> Response:
    if format == "xlsx":
        rows = vsvc.venue_rows(db, _visible(ctx, db), clock.today(), q.strip(), venue_class, status, _int(group),
                               gaps == "1")
        return xlsx_export(db, "阵地验收台账", vsvc.VENUE_HEADERS, vsvc.venue_export_rows(rows),
                           action="dongfanghong.export", entity="party_orgs", sheet="阵地验收",
                           query={"q": q, "venue_class": venue_class, "status": status, "group": group, "gaps": gaps})
    return _venues_page(ctx, db, q.strip(), venue_class, status, group, gaps, page)


@post("/venues/checks", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def venue_apply(ctx: Ctx, db: Session, data: Form) -> Response:
    ctx.require("checklists:write")
    form = {k: form_value(data, k) for k in ("party_org_id", "target_class", "applied_on", "note")}
    check = save(db, lambda: vsvc.apply(db, ctx.tenant, _settings(ctx), form, _visible(ctx, db)),
                 rerender=lambda errors: _venues_page(ctx, db, form=form, errors=errors))
    return redirect(ctx.url(f"checklists/{check.id}"))


# --- 经费保障 ---------------------------------------------------------------------------------------


def _year(value: str, today: dt.date) -> int | None:
    value = (value or "").strip()
    if not value:
        return today.year
    return int(value) if value.isdigit() and 2000 <= int(value) <= today.year + 1 else None


def _guarantees_page(ctx: Ctx, db: Session, year: str = "", kind: str = "", page: int = 1, errors=None,
                     dform=None, code: int = 200) -> Response:
    ctx.require("funds:read")
    today = clock.today()
    y = _year(year, today)
    errors = dict(errors or {})
    if y is None:
        errors.setdefault("year", f"年度：请填写 2000–{today.year + 1} 之间的年份")
        code = 422 if code == 200 else code
    rows = gsvc.fund_rows(db, y, _settings(ctx)) if y else []
    shown = [r for r in rows if not kind or r.entitlement.kind == kind]
    dues = paginate(db, gsvc.dues_select(y), 1, 200) if y else PageOf([], 0, 1, 200)
    return render("dongfanghong:Guarantees", status_code=code, ctx=ctx, year=str(y or year), kind=kind,
                  summary=gsvc.summarize(rows), result=_page(shown, page), kinds=gsvc.FUND_KINDS,
                  settings=_settings(ctx), dues=dues,
                  names=psvc.party_org_names(db, [d.party_org_id for d in dues.items]),
                  org_options=_org_options(db, None) if ctx.can("dongfanghong:write") else [],
                  can_propose=ctx.can("dongfanghong:write") and ctx.can("funds:write"),
                  errors=errors, dform=dform or {}, today=today, fen=svc.fen)


@get("/guarantees", opt=READ, include_in_schema=False, sync_to_thread=True)
def guarantees(ctx: Ctx, db: Session, year: str = "", kind: str = "", page: int = 1, format: str = "") -> Response:
    if format == "xlsx":
        ctx.require("funds:read")
        y = _year(year, clock.today()) or clock.today().year
        rows = [r for r in gsvc.fund_rows(db, y, _settings(ctx)) if not kind or r.entitlement.kind == kind]
        return xlsx_export(db, f"{y}年经费保障", gsvc.FUND_HEADERS, gsvc.fund_export_rows(rows),
                           action="dongfanghong.export", entity="funds_lines", query={"year": y, "kind": kind},
                           sheet="经费保障")
    return _guarantees_page(ctx, db, year, kind if kind in gsvc.FUND_KINDS else "", page)


@post("/guarantees/propose", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def guarantees_propose(ctx: Ctx, db: Session, request: Request, data: Form) -> Response:
    ctx.require("funds:write")
    year, kind = form_value(data, "year"), form_value(data, "kind")
    y = _year(year, clock.today())

    def propose() -> int:
        if y is None:
            raise FormErrors({"year": f"年度：请填写 2000–{clock.today().year + 1} 之间的年份"})
        return gsvc.propose(db, ctx.tenant, y, kind, _settings(ctx), clock.today(), ctx.user.username)

    n = save(db, propose, rerender=lambda errors: _guarantees_page(ctx, db, year, errors=errors))
    label = gsvc.FUND_KINDS[kind].label
    flash(request, f"已生成「{label}」{n} 项，请到经费拨付中审批" if n else f"「{label}」没有待申请的项目")
    return redirect(ctx.url(f"dongfanghong/guarantees?year={y}&kind={kind}"))


@post("/guarantees/dues", opt=WRITE, include_in_schema=False, sync_to_thread=True)
def dues_add(ctx: Ctx, db: Session, data: Form) -> Response:
    ctx.require("funds:read")
    form = {k: form_value(data, k) for k in ("party_org_id", "year", "amount", "note")}
    row = save(db, lambda: gsvc.record_dues(db, form),
               rerender=lambda errors: _guarantees_page(ctx, db, form.get("year", ""), errors=errors, dform=form))
    return redirect(ctx.url(f"dongfanghong/guarantees?year={row.year}&kind=dues_refund"))


PAGE_ROUTES = [qiangji, qiangji_org, qiangji_profiles, cross_add, cross_end, cultivations, cultivation_add, cultivation_transition,
               huoshui, cobuild_add, resource_add, cooperation, cooperation_add, venues, venue_apply,
               guarantees, guarantees_propose, dues_add]


# --- the program dashboard's 三项工程 / 五大保障 card -----------------------------------------------


def program_overview(ctx: Ctx, db: Session, today: dt.date) -> dict[str, Any]:
    """Headline figures of the pages above for the dashboard, in the user's scope, plus what is
    overdue there (venue gaps, overdue 双向培养, fund entitlements not yet proposed)."""
    visible = _visible(ctx, db)
    _, structure = psvc.structure_rows(db, visible, today, _settings(ctx).young_age)
    counts = psvc.cultivation_counts(db, visible)
    venues = vsvc.venue_summary(vsvc.venue_rows(db, visible, today))
    scope = _group_scope(ctx, db)
    year_coop = {k: int(db.scalar(select(func.count()).select_from(
        psvc.cooperation_select(kinds, year=today.year, groups=scope).order_by(None).subquery())) or 0)
        for k, kinds in (("community", ("community",)), ("all", ()))}
    out: dict[str, Any] = {"structure": structure, "ongoing": sum(n for (d, s), n in counts.items() if s == "ongoing"),
                           "venues": venues, "cooperation": year_coop, "resources": None, "funds": None,
                           "demo_sites": None, "overdue": []}
    if ctx.can("designations:read") and "designations" in registry().enabled(ctx.tenant.id):
        from plugins.designations import api as designations
        from plugins.dongfanghong.program import DEMO_SITE

        out["demo_sites"] = {"active": len(designations.in_force(db, today, kind=DEMO_SITE)),
                             "proposed": len(designations.designations(db, kind=DEMO_SITE, status="proposed",
                                                                       today=today)),
                             "kind": DEMO_SITE}
    if ctx.can("lists:read"):
        from plugins.lists import api as lists

        out["resources"] = sum(s.active for s in psvc.resource_partners(db, lists.access_of(ctx), today, 0))
    if ctx.can("funds:read"):
        out["funds"] = [s for s in gsvc.summarize(gsvc.fund_rows(db, today.year, _settings(ctx))) if s.outstanding]
        for s in out["funds"]:
            out["overdue"].append(f"经费保障：{today.year}年「{s.label}」{s.outstanding} 项尚未生成拨付申请")
    if venues["gaps"]:
        out["overdue"].append(f"阵地保障：{venues['gaps']} 个党组织的阵地存在缺口（未验收、未通过或超期未验收）")
    late = int(db.scalar(select(func.count()).select_from(
        psvc.cultivation_select(visible, status="ongoing").where(Cultivation.target_on < today)
        .order_by(None).subquery())) or 0)
    if late:
        out["overdue"].append(f"双向培养：{late} 项已超过计划完成日期")
    return out


def gold_overview(ctx: Ctx, db: Session, today: dt.date) -> dict[str, Any]:
    """The dashboard's 四金服务 card: the butler team and the organizations it serves (金品牌); this
    year's tickets taken at the street / community service stations by triage level and special
    action (金口碑, within the lists' visibility rules); this year's 金品质 salons and trainings
    held and the participants present; 金渠道: open demands, active resources, open tasks. A part
    is None when its plugin is off or not readable."""
    from plugins.dongfanghong.models import Butler, ButlerOrganization

    enabled = registry().enabled(ctx.tenant.id)
    out: dict[str, Any] = {
        "butlers": int(db.scalar(select(func.count()).select_from(Butler).where(Butler.active.is_(True))) or 0),
        "served": int(db.scalar(select(func.count(func.distinct(ButlerOrganization.organization_id)))
                                .join(Butler, Butler.id == ButlerOrganization.butler_id)
                                .where(Butler.active.is_(True))) or 0),
        "lists": None, "stations": None, "quality": None, "year": today.year}
    if "lists" in enabled and ctx.can("lists:read"):
        from plugins.lists import api as lists
        from plugins.lists.api import STATION_KIND, ListDemand, ListResource, ListWork, Site

        scheme, access = lists.scheme(ctx.tenant), lists.access_of(ctx)
        out["lists"] = {
            "demands": svc.count_rows(db, select(ListDemand.id).where(ListDemand.status.in_(lists.OPEN_STATUSES),
                                                                      access.demand_clause())),
            "resources": svc.count_rows(db, select(ListResource.id).where(ListResource.status == "active",
                                                                          access.resource_clause())),
            "works": svc.count_rows(db, select(ListWork.id).where(ListWork.status.in_(lists.WORK_ACTIVE),
                                                                  access.work_clause()))}
        levels = dict(db.execute(select(Site.grade, func.count()).where(Site.kind == STATION_KIND, Site.active.is_(True))
                                 .group_by(Site.grade)).all())
        year = (ListDemand.channel == "station", ListDemand.submitted_on >= dt.date(today.year, 1, 1),
                ListDemand.submitted_on <= dt.date(today.year, 12, 31), access.demand_clause())
        triage = dict(db.execute(select(ListDemand.triage_level, func.count()).where(*year)
                                 .group_by(ListDemand.triage_level)).all())
        actions = dict(db.execute(select(ListDemand.action_tag, func.count()).where(*year)
                                  .group_by(ListDemand.action_tag)).all())
        out["stations"] = {"street": int(levels.get("street", 0)), "community": int(levels.get("community", 0)),
                           "tickets": sum(triage.values()),
                           "triage": [(c.key, c.label, int(triage.get(c.key, 0))) for c in scheme.triage_levels],
                           "actions": [(c.key, c.label, int(actions.get(c.key, 0))) for c in scheme.special_actions]}
    if "activities" in enabled and ctx.can("activities:read"):
        from plugins.activities import api as activities
        from plugins.activities.api import Activity, ActivityParticipant

        start, end = activities.utc_range(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
        held = (select(Activity.id).where(Activity.status == "held", Activity.starts_at >= start,
                                          Activity.starts_at < end,
                                          activities.visible_clause(db, activities.access_of(ctx))))
        rows = []
        for key in ("dongfanghong.salon", "dongfanghong.training"):
            ids = held.where(Activity.activity_type == key)
            present = db.scalar(select(func.count()).select_from(ActivityParticipant).where(
                ActivityParticipant.activity_id.in_(ids), ActivityParticipant.attendance == "present"))
            rows.append((key, svc.count_rows(db, ids), int(present or 0)))
        out["quality"] = rows
    return out


def rollout_overview(ctx: Ctx, db: Session, today: dt.date) -> dict[str, Any]:
    """The dashboard's 四步推进 card (DFH-6): the latest campaign of the four-phase template with its
    tasks per phase (done / all, overdue), and the nominations (选树典型) by status."""
    from plugins.dongfanghong.models import Nomination

    out: dict[str, Any] = {"campaign": None, "phases": [], "nominations": dict(db.execute(
        select(Nomination.status, func.count()).group_by(Nomination.status)).all())}
    if "campaigns" not in registry().enabled(ctx.tenant.id) or not ctx.can("campaigns:read"):
        return out
    from plugins.campaigns.api import OPEN_STATUSES, Campaign, CampaignTask

    campaign = db.scalar(select(Campaign).where(Campaign.template_key == "dongfanghong.four_phases")
                         .order_by(Campaign.year.desc(), Campaign.id.desc()).limit(1))
    if campaign is None:
        return out
    out["campaign"] = campaign
    phases: dict[tuple[int, str], list[int]] = {}
    for pos, title, status, deadline in db.execute(
            select(CampaignTask.phase_position, CampaignTask.phase_title, CampaignTask.status, CampaignTask.deadline)
            .where(CampaignTask.campaign_id == campaign.id, CampaignTask.status != "cancelled")):
        row = phases.setdefault((pos, title), [0, 0, 0])
        row[0] += status == "done"
        row[1] += 1
        row[2] += status in OPEN_STATUSES and deadline < today
    out["phases"] = [(title, *counts) for (_, title), counts in sorted(phases.items())]
    return out
