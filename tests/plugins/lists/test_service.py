"""The lists engine's rules, called directly with a fixed ``today``: schemes, the state machine,
SLA and overdue logic, matching and two-way claiming, visibility, escalation, counters, history."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import entry_points
from types import ModuleType

import pytest
from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import func, select

from core import revisions
from core.db import open_session, scoped_session
from core.forms import FormErrors
from core.hookspecs import hookimpl
from core.models import Tenant
from core.plugin_types import PluginMeta
from core.plugins import PluginRegistry, registry, set_registry
from core.registry.models import Organization
from core.tenancy import operator_session, tree
from plugins.lists import service as svc
from plugins.lists.demo import make_demo
from plugins.lists.models import ListComment, ListDemand, ListResource, ListWork
from plugins.lists.types import DEFAULT_SCHEME, Choice, EffectiveScheme, ListScheme, Urgency
from plugins.sites.api import Site
from tests.helpers import unique
from tests.plugins.lists.conftest import PROGRAM_SCHEME, STAFF_PERMS, TODAY, World

DEFAULT = EffectiveScheme.of([])
D = dt.timedelta


def run(tenant, fn, user_id=None, scope=None):
    with scoped_session(tenant.id, scope, user_id=user_id) as s:
        s.info["username"] = "test"
        return fn(s)


def staff(w: World):
    return w.access("staff", *STAFF_PERMS)


def submit(w: World, org: str = "a", *, today=TODAY, scheme=DEFAULT, access=None, tenant=None, **over):
    raw = {"organization_id": str(w.orgs[org]), "title": unique("需求"), "category": "policy", "urgency": "normal",
           **over}
    return run(tenant or w.street, lambda s: svc.submit_demand(s, access or staff(w), scheme, raw, today))


def resource(w: World, *, today=TODAY, tenant=None, access=None, **over):
    raw = {"title": unique("资源"), "provider_kind": "department", "provider_name": "街道政务服务中心",
           "contact_phone": "13812345678", **over}
    return run(tenant or w.street, lambda s: svc.create_resource(s, access or staff(w), DEFAULT, raw, today))


def act(w: World, demand_id: int, fn, *args, tenant=None, access=None, today=TODAY):
    """Run ``fn(session, access, demand, *args, today)``-style service calls on a fresh copy."""

    def go(s):
        demand = s.get(ListDemand, demand_id)
        return fn(s, access or staff(w), demand, *args)

    return run(tenant or w.street, go)


def reload(w: World, demand_id: int, tenant=None) -> ListDemand:
    with open_session((tenant or w.street).id) as s:
        return s.get(ListDemand, demand_id)


# --- schemes ------------------------------------------------------------------------------------


def test_default_scheme_when_no_program_registers_one(world):
    scheme = svc.scheme_for(world.street)
    assert [s.key for s in scheme.schemes] == [DEFAULT_SCHEME.key]
    assert (scheme.demand_list, scheme.resource_list, scheme.work_list_label) == ("需求清单", "资源清单", "项目清单")
    assert list(scheme.options("categories").values())[:8] == ["政策", "融资", "人才", "用工", "审批", "场地", "法律", "出行"]
    assert list(scheme.options("triage_levels").values()) == ["现场办公快速解决", "整合资源协同解决", "对上协调争取解决"]
    assert scheme.claimer_roles == () and scheme.special_actions == ()


def test_program_scheme_configures_the_engine(world, program):
    scheme = svc.scheme_for(world.street)
    assert scheme.schemes[0].key == PROGRAM_SCHEME.key and scheme.demand_list == "需求清单"
    assert scheme.work_list_label == "任务清单" and scheme.station_label == "工作服务站"
    assert scheme.options("claimer_roles") == {"政策宣讲员": "政策宣讲员", "政企联络员": "政企联络员",
                                               "困难协调员": "困难协调员", "企业服务员": "企业服务员"}
    assert scheme.label("special_actions", "solve") == "我为企业解个难"
    assert scheme.sla_days("normal") == 10 and scheme.sla_days("urgent") == 3


def test_union_of_schemes():
    changsha = ListScheme("cs.points", "三张清单", work_lists=(("project", "项目清单"),), order=20,
                          categories=(("policy", "政策"), ("venue", "场地")),
                          urgencies=(("normal", "一般", 20), ("urgent", "紧急", 5)))
    jinhua = ListScheme("jh.alliance", "清单工作法", demand_list="需求清单（金华）",
                        work_lists=(("service", "服务清单"), ("project", "项目（金华）")), order=30,
                        categories=(("policy", "政策（金华）"), ("talent", "人才")),
                        urgencies=(Urgency("normal", "普通", 12),), claimer_roles=("联络员",))
    merged = EffectiveScheme.of([jinhua, changsha])
    assert [s.key for s in merged.schemes] == ["cs.points", "jh.alliance"]  # by order
    assert merged.demand_list == "需求清单"  # the first scheme names the lists
    assert merged.options("work_lists") == {"project": "项目清单", "service": "服务清单"}
    assert merged.work_list_label == "项目清单、服务清单"
    assert merged.options("categories") == {"policy": "政策", "venue": "场地", "talent": "人才"}
    assert merged.sla_days("normal") == 12 and merged.sla_days("urgent") == 5  # strictest SLA wins
    assert merged.options("claimer_roles") == {"联络员": "联络员"}
    with pytest.raises(ValueError):
        ListScheme("bad", "空", categories=())


def test_a_tenant_sees_only_its_enabled_programs_schemes(world):
    """A real (meta-carrying) program plugin: its scheme reaches only tenants that enabled it."""
    fake = ModuleType("fakeprog")
    fake.meta = PluginMeta(name="fakeprog_lists", label="清单测试项目", depends=("lists",))
    fake.register_list_schemes = hookimpl(lambda tenant: [ListScheme("fake.scheme", "测试项目清单",
                                                                      demand_list="企业点单")])
    modules = {ep.name: ep.load() for ep in entry_points(group="liandong.plugins")}
    old = registry()
    reg = PluginRegistry({**modules, "fakeprog_lists": fake})
    set_registry(reg)
    try:
        with operator_session("test") as s:
            reg.set_enabled(s, s.get(Tenant, world.street2.id), "fakeprog_lists", True)
        revisions.poll(force=True)
        assert svc.scheme_for(world.street2).demand_list == "企业点单"
        assert svc.scheme_for(world.street).demand_list == "需求清单"  # not enabled there: default
        with operator_session("test") as s:
            reg.set_enabled(s, s.get(Tenant, world.street2.id), "fakeprog_lists", False)
        revisions.poll(force=True)
        assert svc.scheme_for(world.street2).demand_list == "需求清单"
    finally:
        set_registry(old)
        revisions.poll(force=True)


# --- state machine --------------------------------------------------------------------------------


def test_full_path_from_submission_to_rating(world, program):
    scheme = svc.scheme_for(world.street)
    d = submit(world, scheme=scheme, urgency="urgent", action_tag="solve")
    assert (d.status, d.channel, d.submitted_on, d.due_on) == ("submitted", "staff", TODAY, TODAY + D(3))
    act(world, d.id, lambda s, a, x: svc.accept(s, a, scheme, x, {"triage_level": "onsite"}, TODAY + D(1)))
    x = reload(world, d.id)
    assert (x.status, x.accepted_on, x.triage_level) == ("accepted", TODAY + D(1), "onsite")
    act(world, d.id, lambda s, a, x: svc.start(s, a, scheme, x, {}, TODAY + D(1)))
    act(world, d.id, lambda s, a, x: svc.resolve(s, a, scheme, x, {"resolution": "现场办结"}, TODAY + D(2)))
    x = reload(world, d.id)
    assert (x.status, x.resolved_on, x.resolution, x.triage_level) == ("resolved", TODAY + D(2), "现场办结", "onsite")
    sec = world.access("sec_a", "lists:read", "lists:submit")
    act(world, d.id, lambda s, a, x: svc.rate(s, a, x, {"rating": "4", "rating_comment": "满意"}, TODAY + D(3)),
        access=sec)
    x = reload(world, d.id)
    assert (x.status, x.rating, x.rating_comment, x.rated_on, x.rated_by_id) == (
        "rated", 4, "满意", TODAY + D(3), world.ids["sec_a"])
    assert [e[2:] for e in program if e[1] == d.id] == [
        ("submit", "", "submitted"), ("accept", "submitted", "accepted"), ("start", "accepted", "in_progress"),
        ("resolve", "in_progress", "resolved"), ("rate", "resolved", "rated")]
    assert all(e[0] == world.street.id for e in program if e[1] == d.id)


ILLEGAL = [
    ("submitted", "start", "当前状态为「已提交」，不能开始办理"),
    ("submitted", "resolve", "当前状态为「已提交」，不能办结"),
    ("submitted", "rate", "当前状态为「已提交」，不能评价"),
    ("accepted", "accept", "当前状态为「已受理」，不能受理"),
    ("in_progress", "reject", "当前状态为「办理中」，不能退回"),
    ("in_progress", "rate", "当前状态为「办理中」，不能评价"),
    ("resolved", "reject", "当前状态为「已解决」，不能退回"),
    ("resolved", "resolve", "当前状态为「已解决」，不能办结"),
    ("rated", "rate", "当前状态为「已评价」，不能评价"),
    ("rejected", "accept", "当前状态为「已退回」，不能受理"),
]


def _to(world, status: str) -> int:
    d = submit(world)
    steps = {"accepted": ["accept"], "in_progress": ["accept", "start"], "resolved": ["accept", "start", "resolve"],
             "rated": ["accept", "start", "resolve", "rate"], "rejected": ["reject"], "submitted": []}[status]
    for step in steps:
        _do(world, d.id, step)
    assert reload(world, d.id).status == status
    return d.id


def _do(world, demand_id: int, action: str, today=TODAY):
    raw = {"triage_level": "coordinate", "resolution": "已办结", "reason": "不属于受理范围", "rating": "5"}
    fns = {
        "accept": lambda s, a, x: svc.accept(s, a, DEFAULT, x, raw, today),
        "start": lambda s, a, x: svc.start(s, a, DEFAULT, x, raw, today),
        "resolve": lambda s, a, x: svc.resolve(s, a, DEFAULT, x, raw, today),
        "reject": lambda s, a, x: svc.reject(s, a, x, raw, today),
        "rate": lambda s, a, x: svc.rate(s, a, x, raw, today),
    }
    return act(world, demand_id, fns[action])


@pytest.mark.parametrize(("status", "action", "message"), ILLEGAL)
def test_illegal_transitions_are_refused_and_change_nothing(world, status, action, message):
    demand_id = _to(world, status)
    before = reload(world, demand_id)
    with pytest.raises(FormErrors) as exc:
        _do(world, demand_id, action)
    assert exc.value.errors == {"status": message}
    after = reload(world, demand_id)
    assert (after.status, after.updated_at, after.resolution, after.rating) == (
        before.status, before.updated_at, before.resolution, before.rating)


def test_transition_inputs_are_checked_in_chinese(world):
    d = submit(world)
    with pytest.raises(FormErrors) as exc:
        act(world, d.id, lambda s, a, x: svc.reject(s, a, x, {"reason": "  "}, TODAY))
    assert exc.value.errors == {"reason": "请填写退回原因"}
    with pytest.raises(FormErrors) as exc:
        act(world, d.id, lambda s, a, x: svc.accept(s, a, DEFAULT, x, {"triage_level": "飞速"}, TODAY))
    assert exc.value.errors == {"triage_level": "解决方式：无效的选项「飞速」"}
    _do(world, d.id, "accept")
    _do(world, d.id, "start")
    with pytest.raises(FormErrors) as exc:
        act(world, d.id, lambda s, a, x: svc.resolve(s, a, DEFAULT, x, {"triage_level": ""}, TODAY))
    assert exc.value.errors["resolution"] == "请填写办理结果"
    _do(world, d.id, "resolve")
    for bad, message in (("0", "评分须在 1–5 之间"), ("6", "评分须在 1–5 之间"), ("好", "评分须为整数"),
                         ("", "请选择 1–5 分的评价")):
        with pytest.raises(FormErrors) as exc:
            act(world, d.id, lambda s, a, x, bad=bad: svc.rate(s, a, x, {"rating": bad}, TODAY))
        assert exc.value.errors == {"rating": message}
    assert reload(world, d.id).status == "resolved"


def test_only_the_requester_or_staff_rate_and_only_triage_moves_state(world):
    d = submit(world, org="a")
    viewer = world.access("viewer", "lists:read")
    sec_b = world.access("sec_b", "lists:read", "lists:submit")
    with pytest.raises(PermissionDeniedException):
        act(world, d.id, lambda s, a, x: svc.accept(s, a, DEFAULT, x, {}, TODAY), access=viewer)
    with pytest.raises(PermissionDeniedException):
        act(world, d.id, lambda s, a, x: svc.accept(s, a, DEFAULT, x, {}, TODAY),
            access=world.access("sec_a", "lists:read", "lists:submit"))
    for step in ("accept", "start", "resolve"):
        _do(world, d.id, step)
    with pytest.raises(PermissionDeniedException):  # another organization's secretary
        act(world, d.id, lambda s, a, x: svc.rate(s, a, x, {"rating": "1"}, TODAY), access=sec_b)
    assert reload(world, d.id).status == "resolved"


def test_reject_cancels_pending_claims(world):
    d = submit(world, org="a")
    r = resource(world)
    sec = world.access("sec_a", "lists:read", "lists:submit")
    work = act(world, d.id, lambda s, a, x: svc.claim(s, a, DEFAULT, x, {"resource_ids": [r.id]}, TODAY), access=sec)
    act(world, d.id, lambda s, a, x: svc.reject(s, a, x, {"reason": "重复提交"}, TODAY))
    with open_session(world.street.id) as s:
        w = s.get(ListWork, work.id)
        assert (w.status, w.result) == ("cancelled", "需求已退回：重复提交")
    assert reload(world, d.id).reject_reason == "重复提交"


# --- SLA and overdue on fixed dates -----------------------------------------------------------------


def test_sla_deadline_follows_urgency_and_overdue_is_computed_for_a_given_day(world):
    d = submit(world, urgency="normal", today=dt.date(2024, 3, 1))  # default scheme: 一般 = 15 days
    assert d.due_on == dt.date(2024, 3, 16)
    x = reload(world, d.id)
    assert svc.sla_state(x, dt.date(2024, 3, 10)) == "ok"
    assert svc.sla_state(x, dt.date(2024, 3, 14)) == "due_soon"
    assert svc.sla_state(x, dt.date(2024, 3, 16)) == "due_soon"  # the last day is still in time
    assert svc.sla_state(x, dt.date(2024, 3, 17)) == "overdue" and svc.overdue_days(x, dt.date(2024, 3, 20)) == 4
    critical = submit(world, urgency="critical", today=dt.date(2024, 3, 1))
    assert critical.due_on == dt.date(2024, 3, 4)
    with open_session(world.street.id) as s:
        f = svc.DemandFilter(sla="overdue", q=x.title)
        assert [y.id for y in svc.list_demands(s, staff(world), f, dt.date(2024, 3, 17)).items] == [d.id]
        assert svc.list_demands(s, staff(world), f, dt.date(2024, 3, 16)).total == 0
    # once resolved, a demand is never overdue
    for step in ("accept", "start", "resolve"):
        _do(world, d.id, step, today=dt.date(2024, 3, 30))
    x = reload(world, d.id)
    assert svc.sla_state(x, dt.date(2024, 4, 30)) == "" and svc.overdue_days(x, dt.date(2024, 4, 30)) == 0
    # editing the urgency while still 已提交 moves the deadline from the submission day
    scheme = DEFAULT
    act(world, critical.id, lambda s, a, y: svc.update_demand(s, a, scheme, y, {
        "organization_id": str(world.orgs["a"]), "title": y.title, "category": "legal", "urgency": "urgent"}))
    assert reload(world, critical.id).due_on == dt.date(2024, 3, 8)


def test_work_item_overdue(world):
    d = submit(world)
    r = resource(world)
    work = act(world, d.id, lambda s, a, x: svc.match(s, a, DEFAULT, x, {
        "resource_ids": [r.id], "owner_name": "张专干", "triage_level": "coordinate", "deadline": "2024-06-20"},
        TODAY))
    assert work.deadline == dt.date(2024, 6, 20)
    assert not svc.work_overdue(work, dt.date(2024, 6, 20)) and svc.work_overdue(work, dt.date(2024, 6, 21))
    with open_session(world.street.id) as s:
        ids = [w.id for w in svc.list_works(s, staff(world), svc.WorkFilter(overdue="1"), dt.date(2024, 6, 21),
                                            page_size=200).items]
        assert work.id in ids
        assert work.id not in [w.id for w in svc.list_works(s, staff(world), svc.WorkFilter(overdue="1"),
                                                            dt.date(2024, 6, 20), page_size=200).items]


# --- matching and two-way claiming ------------------------------------------------------------------


def test_match_links_resources_and_moves_the_demand_on(world):
    d = submit(world)
    r1, r2 = resource(world), resource(world, provider_kind="social", provider_name="律师事务所")
    work = act(world, d.id, lambda s, a, x: svc.match(s, a, DEFAULT, x, {
        "resource_ids": [str(r1.id), str(r2.id)], "owner_name": "李专干", "triage_level": "coordinate",
        "note": "两家共同服务"}, TODAY))
    x = reload(world, d.id)
    assert (x.status, x.accepted_on, x.triage_level) == ("in_progress", TODAY, "coordinate")
    assert (work.status, work.kind, work.claim_side, work.deadline, work.title) == (
        "open", "project", "staff", x.due_on, x.title)
    with open_session(world.street.id) as s:
        assert [r.id for r in svc.resources_of_works(s, [work.id])[work.id]] == [r1.id, r2.id]
    # the demand cannot be closed while the item is open
    with pytest.raises(FormErrors) as exc:
        act(world, d.id, lambda s, a, y: svc.resolve(s, a, DEFAULT, y, {"resolution": "好"}, TODAY))
    assert exc.value.errors["status"].startswith("还有 1 项清单事项未完成")
    run(world.street, lambda s: svc.complete_work(s, staff(world), s.get(ListWork, work.id), {"result": "已办"}, TODAY))
    act(world, d.id, lambda s, a, y: svc.resolve(s, a, DEFAULT, y, {"resolution": "好"}, TODAY))
    assert reload(world, d.id).status == "resolved"
    with pytest.raises(FormErrors) as exc:  # matching a closed demand
        act(world, d.id, lambda s, a, y: svc.match(s, a, DEFAULT, y, {"resource_ids": [r1.id], "owner_name": "x",
                                                                    "triage_level": "onsite"}, TODAY))
    assert exc.value.errors == {"status": "当前状态为「已解决」，不能匹配资源"}


def test_match_refuses_full_expired_withdrawn_and_duplicate_resources(world):
    full = resource(world, capacity="1")
    expired = resource(world, valid_until="2024-06-30")
    withdrawn = resource(world)
    run(world.street, lambda s: svc.set_resource_status(s, staff(world), s.get(ListResource, withdrawn.id),
                                                       "withdrawn"))
    base = {"owner_name": "王专干", "triage_level": "onsite"}
    first, second = submit(world), submit(world)
    w1 = act(world, first.id, lambda s, a, x: svc.match(s, a, DEFAULT, x, {**base, "resource_ids": [full.id]}, TODAY))
    cases = [
        (full, TODAY, f"资源「{full.title}」的服务容量已用完（1/1）"),
        (expired, dt.date(2024, 7, 1), f"资源「{expired.title}」已于 2024-06-30 过期"),
        (withdrawn, TODAY, f"资源「{withdrawn.title}」已撤回"),
    ]
    before = run(world.street, lambda s: s.scalar(select(func.count(ListWork.id))))
    for res, day, message in cases:
        with pytest.raises(FormErrors) as exc:
            act(world, second.id, lambda s, a, x, res=res, day=day: svc.match(s, a, DEFAULT, x, {**base, "resource_ids": [res.id]}, day))
        assert exc.value.errors == {"resource_ids": message}
    assert run(world.street, lambda s: s.scalar(select(func.count(ListWork.id)))) == before
    assert reload(world, second.id).status == "submitted"  # nothing half-done
    with pytest.raises(FormErrors) as exc:
        act(world, second.id, lambda s, a, x: svc.match(s, a, DEFAULT, x, {**base, "resource_ids": []}, TODAY))
    assert exc.value.errors == {"resource_ids": "请至少选择一项资源"}
    # cancelling the first item frees the capacity
    run(world.street, lambda s: svc.cancel_work(s, staff(world), s.get(ListWork, w1.id), {"reason": "企业已自行解决"}))
    act(world, second.id, lambda s, a, x: svc.match(s, a, DEFAULT, x, {**base, "resource_ids": [full.id]}, TODAY))
    # the same resource twice on one demand
    other = resource(world)
    act(world, second.id, lambda s, a, x: svc.match(s, a, DEFAULT, x, {**base, "resource_ids": [other.id]}, TODAY))
    with pytest.raises(FormErrors) as exc:
        act(world, second.id, lambda s, a, x: svc.match(s, a, DEFAULT, x, {**base, "resource_ids": [other.id]}, TODAY))
    assert exc.value.errors == {"resource_ids": f"资源「{other.title}」已与该需求对接"}


def test_two_way_claiming(world, program):
    scheme = svc.scheme_for(world.street)
    sec = world.access("sec_a", "lists:read", "lists:submit")
    provider = world.access("provider", "lists:read", "lists:offer")
    provider2 = world.access("provider2", "lists:read", "lists:offer")
    public = resource(world)
    own = resource(world, access=provider, provider_kind="organization", provider_name="红星科技公司")
    assert own.provider_user_id == world.ids["provider"]
    d = submit(world, org="a", scheme=scheme)

    # the requester's secretary claims a resource for their demand
    w1 = act(world, d.id, lambda s, a, x: svc.claim(s, a, scheme, x, {"resource_ids": [public.id], "note": "急需"},
                                                    TODAY), access=sec)
    assert (w1.status, w1.claim_side, w1.claimed_by_id, w1.kind) == ("claimed", "requester", world.ids["sec_a"], "task")
    # a provider claims the demand with their own resource …
    w2 = act(world, d.id, lambda s, a, x: svc.claim(s, a, scheme, x, {"resource_ids": [own.id]}, TODAY),
             access=provider)
    assert (w2.claim_side, w2.owner_user_id, w2.owner_name) == ("provider", world.ids["provider"], "红星科技公司")
    # … but not with someone else's
    with pytest.raises(PermissionDeniedException):
        act(world, d.id, lambda s, a, x: svc.claim(s, a, scheme, x, {"resource_ids": [public.id]}, TODAY),
            access=provider2)
    # another organization's secretary cannot even see the demand
    sec_b = world.access("sec_b", "lists:read", "lists:submit")
    with pytest.raises(NotFoundException):
        run(world.street, lambda s: svc.get_demand(s, sec_b, d.id))
    assert reload(world, d.id).status == "submitted"  # claims wait for staff

    # staff confirm one claim (owner, role, deadline, triage) and decline the other
    run(world.street, lambda s: svc.confirm_claim(s, staff(world), scheme, s.get(ListWork, w1.id), {
        "owner_name": "赵联络员", "owner_role": "政企联络员", "deadline": "2024-06-15", "triage_level": "coordinate"},
        TODAY))
    with pytest.raises(FormErrors) as exc:
        run(world.street, lambda s: svc.confirm_claim(s, staff(world), scheme, s.get(ListWork, w1.id),
                                                      {"owner_name": "x", "triage_level": "onsite"}, TODAY))
    assert exc.value.errors == {"status": "当前状态为「进行中」，不能确认认领"}
    run(world.street, lambda s: svc.cancel_work(s, staff(world), s.get(ListWork, w2.id), {"reason": "资源不对口"}))
    with open_session(world.street.id) as s:
        w = s.get(ListWork, w1.id)
        assert (w.status, w.owner_role, w.deadline, w.triage_level) == (
            "open", "政企联络员", dt.date(2024, 6, 15), "coordinate")
        assert s.get(ListWork, w2.id).status == "cancelled"
    x = reload(world, d.id)
    assert (x.status, x.triage_level) == ("in_progress", "coordinate")
    assert [e[2] for e in program if e[1] == d.id] == ["submit", "claim", "claim", "confirm"]
    # the owner (a provider) completes their own item; others may not
    w3 = act(world, d.id, lambda s, a, x: svc.claim(s, a, scheme, x, {"resource_ids": [own.id]}, TODAY),
             access=provider)
    run(world.street, lambda s: svc.confirm_claim(s, staff(world), scheme, s.get(ListWork, w3.id), {
        "owner_name": "红星科技", "triage_level": "coordinate"}, TODAY))
    with pytest.raises(PermissionDeniedException):
        run(world.street, lambda s: svc.complete_work(s, provider2, s.get(ListWork, w3.id), {"result": "x"}, TODAY))
    done = run(world.street, lambda s: svc.complete_work(s, provider, s.get(ListWork, w3.id), {"result": "已培训"},
                                                         TODAY))
    assert (done.status, done.done_on) == ("done", TODAY)


# --- visibility -------------------------------------------------------------------------------------


def test_org_secretary_sees_and_submits_only_for_their_own_organizations(world):
    sec = world.access("sec_a", "lists:read", "lists:submit")
    mine = submit(world, org="a", access=sec)
    assert (mine.channel, mine.submitted_by_id) == ("secretary", world.ids["sec_a"])
    theirs = submit(world, org="b")
    with open_session(world.street.id) as s:
        ids = [d.id for d in svc.list_demands(s, sec, svc.DemandFilter(), TODAY, page_size=200).items]
        assert mine.id in ids and theirs.id not in ids
        assert set(svc.organization_options(s, sec)) == {world.orgs["a"]}
    with pytest.raises(FormErrors) as exc:
        submit(world, org="b", access=sec)
    assert exc.value.errors == {"organization_id": "只能为您负责的组织提交需求"}
    with pytest.raises(FormErrors) as exc:  # a station ticket is staff's
        submit(world, org="a", access=sec, station_id="1")
    assert "station_id" in exc.value.errors
    with pytest.raises(PermissionDeniedException):
        submit(world, org="a", access=world.access("viewer", "lists:read"))


def test_provider_sees_open_demands_and_those_they_serve(world):
    provider = world.access("provider", "lists:read", "lists:offer")
    open_d, closed = submit(world), submit(world)
    _do(world, closed.id, "reject")
    with open_session(world.street.id) as s:
        ids = {d.id for d in svc.list_demands(s, provider, svc.DemandFilter(), TODAY, page_size=200).items}
    assert open_d.id in ids and closed.id not in ids
    # a withdrawn resource of someone else is hidden from providers, their own stays visible
    hidden = resource(world)
    run(world.street, lambda s: svc.set_resource_status(s, staff(world), s.get(ListResource, hidden.id), "withdrawn"))
    with pytest.raises(NotFoundException):
        run(world.street, lambda s: svc.get_resource(s, provider, hidden.id))


def test_another_tenants_rows_are_invisible(world):
    d = submit(world)
    with pytest.raises(NotFoundException):
        run(world.street2, lambda s: svc.get_demand(s, world.access("s2staff", *STAFF_PERMS), d.id))
    with pytest.raises(FormErrors) as exc:  # an organization of another street
        submit(world, org="c")
    assert exc.value.errors == {"organization_id": "组织不存在"}


# --- escalation up the tenant tree ----------------------------------------------------------------


def test_escalation_reaches_only_the_parent_district(world, program):
    d = submit(world)
    _do(world, d.id, "accept")
    act(world, d.id, lambda s, a, x: svc.escalate(s, a, DEFAULT, x, {"escalation_reason": "需区级协调用地"}, TODAY))
    x = reload(world, d.id)
    assert (x.escalated_to_id, x.escalation_status, x.triage_level, x.status) == (
        world.district.id, "pending", "escalate", "accepted")
    with pytest.raises(FormErrors) as exc:
        act(world, d.id, lambda s, a, y: svc.escalate(s, a, DEFAULT, y, {"escalation_reason": "再报"}, TODAY))
    assert exc.value.errors == {"status": f"已上报「{world.district.name}」，请等待答复"}
    # an escalation in the other district
    o = submit(world, org="x", tenant=world.other_street, access=world.access("ostaff", *STAFF_PERMS))
    act(world, o.id, lambda s, a, y: svc.accept(s, a, DEFAULT, y, {}, TODAY), tenant=world.other_street)
    act(world, o.id, lambda s, a, y: svc.escalate(s, a, DEFAULT, y, {"escalation_reason": "另一区"}, TODAY),
        tenant=world.other_street)

    def queue(tenant):
        with open_session(tenant.id, tree().descendant_ids(tenant.id)) as s:
            return [y.id for y in s.scalars(svc.escalation_select(tenant.id))]

    assert d.id in queue(world.district) and o.id not in queue(world.district)
    assert o.id in queue(world.other_district) and d.id not in queue(world.other_district)
    # even asking for the other district's id from this district's subtree finds nothing
    with open_session(world.district.id, tree().descendant_ids(world.district.id)) as s:
        with pytest.raises(NotFoundException):
            svc.get_escalation(s, world.other_district.id, o.id)

    # the district answers; the street sees the reply as a comment
    dstaff = world.access("dstaff", *STAFF_PERMS)
    scope = tree().descendant_ids(world.district.id)
    with pytest.raises(FormErrors) as exc:
        run(world.district, lambda s: svc.answer_escalation(s, dstaff, world.district,
                                                            svc.get_escalation(s, world.district.id, d.id),
                                                            {"reply": " "}), scope=scope)
    assert exc.value.errors == {"reply": "请填写答复意见"}
    run(world.district, lambda s: svc.answer_escalation(s, dstaff, world.district,
                                                        svc.get_escalation(s, world.district.id, d.id),
                                                        {"reply": "区自然资源局已安排对接"}, "区专干"), scope=scope)
    x = reload(world, d.id)
    assert (x.escalation_status, x.escalation_reply) == ("answered", "区自然资源局已安排对接")
    with open_session(world.street.id) as s:
        c = s.scalar(select(ListComment).where(ListComment.demand_id == d.id))
        assert (c.tenant_id, c.kind, c.author_tenant_id, c.body) == (
            world.street.id, "reply", world.district.id, f"{world.district.name}答复：区自然资源局已安排对接")
    with pytest.raises(FormErrors) as exc:
        run(world.district, lambda s: svc.answer_escalation(s, dstaff, world.district,
                                                            svc.get_escalation(s, world.district.id, d.id),
                                                            {"reply": "再答"}), scope=scope)
    assert exc.value.errors == {"status": "该上报事项已答复"}
    assert ("answer", "accepted", "accepted") in [e[2:] for e in program if e[1] == d.id]


def test_escalation_needs_an_enabled_parent_and_an_accepted_demand(world):
    d = submit(world)
    with pytest.raises(FormErrors) as exc:
        act(world, d.id, lambda s, a, x: svc.escalate(s, a, DEFAULT, x, {"escalation_reason": "x"}, TODAY))
    assert exc.value.errors == {"status": "当前状态为「已提交」，不能上报"}
    _do(world, d.id, "accept")
    act(world, d.id, lambda s, a, x: svc.escalate(s, a, DEFAULT, x, {"escalation_reason": "x"}, TODAY))
    # the district cannot forward to 长沙市 unless the city runs the lists too
    changsha = tree().by_slug["changsha"]
    scope = tree().descendant_ids(world.district.id)
    dstaff = world.access("dstaff", *STAFF_PERMS)
    if registry().is_enabled(changsha.id, "lists"):
        pytest.skip("another test enabled the lists for 长沙市")
    with pytest.raises(FormErrors) as exc:
        run(world.district, lambda s: svc.forward_escalation(s, dstaff, world.district,
                                                             svc.get_escalation(s, world.district.id, d.id),
                                                             {"reply": "请市里协调"}, TODAY), scope=scope)
    assert exc.value.errors == {"status": f"上级辖区「{changsha.name}」未启用清单工作法，无法上报"}
    assert reload(world, d.id).escalated_to_id == world.district.id


# --- counters on fixed dates --------------------------------------------------------------------------


def test_counters_on_fixed_dates(world):
    with scoped_session(world.street2.id) as s:
        org = Organization(name=unique("统计企业"), kind="enterprise")
        s.add(org)
        s.flush()
        org_id = org.id
    s2 = world.access("s2staff", *STAFF_PERMS)
    base = {"organization_id": str(org_id), "urgency": "normal"}

    def new(category: str, day: dt.date) -> int:
        raw = {**base, "title": unique("统计"), "category": category}
        return run(world.street2, lambda s: svc.submit_demand(s, s2, DEFAULT, raw, day)).id

    def close(demand_id: int, level: str, day: dt.date, rating: str | None = None) -> None:
        def go(s):
            x = s.get(ListDemand, demand_id)
            svc.accept(s, s2, DEFAULT, x, {"triage_level": level}, day)
            svc.start(s, s2, DEFAULT, x, {}, day)
            svc.resolve(s, s2, DEFAULT, x, {"resolution": "办结"}, day)
            if rating:
                svc.rate(s, s2, x, {"rating": rating}, day)
        run(world.street2, go)

    a = new("policy", dt.date(2024, 1, 10))
    close(a, "onsite", dt.date(2024, 1, 12), "5")  # 2 days, in time
    b = new("policy", dt.date(2024, 2, 1))
    close(b, "coordinate", dt.date(2024, 3, 1), "3")  # 29 days, late (due 02-16)
    c = new("finance", dt.date(2023, 12, 20))
    close(c, "coordinate", dt.date(2024, 1, 3))  # 14 days: submitted last year, solved this year
    old = new("finance", dt.date(2023, 5, 1))
    close(old, "onsite", dt.date(2023, 5, 2))  # solved last year: not counted in 2024
    late = new("legal", dt.date(2024, 5, 1))  # open, due 05-16: overdue on TODAY (06-10)
    fresh = new("legal", dt.date(2024, 6, 9))  # open, in time
    _rej = new("venue", dt.date(2024, 4, 1))
    run(world.street2, lambda s: svc.reject(s, s2, s.get(ListDemand, _rej), {"reason": "重复"}, dt.date(2024, 4, 2)))

    with open_session(world.street2.id) as s:
        c24 = svc.counters(s, DEFAULT, TODAY, organization_ids=[org_id])
    assert (c24.year, c24.submitted, c24.solved, c24.open, c24.overdue) == (2024, 5, 3, 2, 1)
    assert c24.avg_days == round((2 + 29 + 14) / 3, 1) == 15.0
    assert (c24.on_time, c24.on_time_rate) == (2, 66.7)
    assert (c24.avg_rating, c24.rated) == (4.0, 2)
    cats = {r.key: (r.submitted, r.solved, r.open) for r in c24.by_category}
    assert cats["policy"] == (2, 2, 0) and cats["finance"] == (0, 1, 0) and cats["legal"] == (2, 0, 2)
    assert cats["venue"] == (1, 0, 0) and cats["talent"] == (0, 0, 0)  # every category of the scheme is listed
    assert [r.label for r in c24.by_category][:3] == ["政策", "融资", "人才"]  # in the scheme's order
    levels = {r.key: (r.solved, r.open) for r in c24.by_triage}
    assert levels["onsite"] == (1, 0) and levels["coordinate"] == (2, 0) and levels[""] == (0, 2)
    assert [r.label for r in c24.by_triage][-1] == "未分级"
    with open_session(world.street2.id) as s:
        c23 = svc.counters(s, DEFAULT, TODAY, 2023, organization_ids=[org_id])
    assert (c23.submitted, c23.solved, c23.avg_days) == (2, 1, 1.0)
    assert fresh and late


def test_rollup_per_street(world):
    d = submit(world, today=dt.date(2024, 5, 1))  # overdue on TODAY
    scope = tree().descendant_ids(world.district.id)
    with open_session(world.district.id, scope) as s:
        rows = svc.rollup(s, [world.street.id, world.street2.id], TODAY)
    by = {r.tenant.id: r for r in rows}
    assert set(by) == {world.street.id, world.street2.id}
    assert by[world.street.id].overdue >= 1 and by[world.street.id].open >= by[world.street.id].overdue
    assert rows[0].overdue >= rows[-1].overdue  # most overdue first
    assert d


# --- history, stations, demo ------------------------------------------------------------------------


def test_history_tells_the_story_in_words(world):
    d = submit(world)
    _do(world, d.id, "accept")
    with open_session(world.street.id) as s:
        rows = svc.demand_history(s, s.get(ListDemand, d.id))
    assert [r.operation for r in rows] == ["修改需求", "新增需求"]
    assert rows[0].after == {"状态": "已受理", "解决方式": "整合资源协同解决", "受理日期": TODAY.isoformat()}
    assert rows[0].before["状态"] == "已提交" and rows[1].after["类别"] == "政策"


def test_stations(world):
    name = unique("社区工作服务站")
    st = run(world.street, lambda s: svc.create_station(s, staff(world), {"name": name, "level": "community",
                                                                           "community": "桃花岭社区"}))
    with pytest.raises(FormErrors) as exc:
        run(world.street, lambda s: svc.create_station(s, staff(world), {"name": name, "level": "street"}))
    assert exc.value.errors == {"name": "该服务站已存在"}
    with pytest.raises(FormErrors) as exc:
        run(world.street, lambda s: svc.create_station(s, staff(world), {"name": "", "level": "省级"}))
    assert exc.value.errors == {"name": "请填写服务站名称", "level": "层级：无效的选项「省级」"}
    d = submit(world, station_id=str(st.id))
    assert (d.channel, d.station_id) == ("station", st.id)
    run(world.street, lambda s: svc.set_station_active(s, staff(world), s.get(Site, st.id), False))
    with pytest.raises(FormErrors) as exc:
        submit(world, station_id=str(st.id))
    assert exc.value.errors == {"station_id": "服务站不存在或已停用"}


def test_resource_validation_and_encrypted_phone(world):
    with pytest.raises(FormErrors) as exc:
        resource(world, title="", provider_kind="外星", contact_phone="12345", capacity="0",
                 valid_until="2024-01-01")
    assert exc.value.errors == {
        "title": "请填写资源名称", "provider_kind": "提供方类型：无效的选项「外星」", "capacity": "可服务次数须在 1–100000 之间",
        "contact_phone": "联系电话：手机号应为11位（座机请写成 0731-88888888）", "valid_until": "有效期不能早于今天"}
    r = resource(world, contact_phone="0731-88886666")
    assert "88886666" not in (r.contact_phone_enc or "")
    assert svc.phone_of(r) == "0731-88886666" and svc.masked_phone(r) == "073******6666"
    with pytest.raises(FormErrors) as exc:
        resource(world, provider_username="nobody-" + unique())
    assert list(exc.value.errors) == ["provider_username"]
    with pytest.raises(FormErrors) as exc:  # a staff user is not a provider
        resource(world, provider_username=world.users["viewer"])
    assert "没有「资源提供方」角色" in exc.value.errors["provider_username"]
    linked = resource(world, provider_username=world.users["provider"])
    assert linked.provider_user_id == world.ids["provider"]


def test_demo_data_is_idempotent(world):
    with operator_session("test") as s:
        from core.services.tenants import TenantForm, create_tenant

        slug = unique("ldemo-")
        t = create_tenant(s, TenantForm(slug=slug, name="清单演示街道", level="street", parent_id=world.district.id))
        tid = t.id
    revisions.poll(force=True)
    tenant = tree().by_id[tid]
    with scoped_session(tid) as s:
        for i in range(3):
            s.add(Organization(name=f"演示企业{i}", kind="enterprise"))
    for _ in range(2):
        with scoped_session(tid) as s:
            s.info["username"] = "demo"
            make_demo(s, tenant, TODAY)
    with open_session(tid) as s:
        statuses = sorted(d.status for d in s.scalars(select(ListDemand)))
        assert statuses == ["accepted", "rated", "submitted"]
        assert s.scalar(select(func.count(ListResource.id))) == 3
        assert s.scalar(select(func.count(Site.id)).where(Site.kind == "lists.station")) == 1
        assert s.scalar(select(func.count(ListWork.id))) == 1
        c = svc.counters(s, DEFAULT, TODAY)
        assert (c.solved, c.overdue) == (1, 1)
        # the overdue one waits in the district's queue (the district runs the lists)
        escalated = s.scalars(select(ListDemand).where(ListDemand.escalated_to_id.is_not(None))).all()
        assert [(d.status, d.escalated_to_id, d.escalation_status) for d in escalated] == [
            ("accepted", world.district.id, "pending")]
    assert isinstance(Choice("a", "b"), Choice)


def test_rollup_ties_are_broken_by_name(world):
    """Streets with the same overdue and open counts are listed by name; more overdue first."""
    from core.services.tenants import TenantForm, create_tenant

    tag = unique("")
    with operator_session("test") as s:
        ids = [create_tenant(s, TenantForm(slug=f"ltie{i}-{tag}", name=f"{name}街道{tag}", level="street",
                                           parent_id=world.district.id)).id
               for i, name in enumerate(("乙", "甲", "丙"))]
    revisions.poll(force=True)
    t = tree()
    for tid, overdue in zip(ids, (1, 1, 2), strict=False):
        with scoped_session(tid) as s:
            org = Organization(name=unique("并列企业"), kind="enterprise")
            s.add(org)
            s.flush()
            for _ in range(overdue):
                s.add(ListDemand(organization_id=org.id, org_name=org.name, title="逾期", category="policy",
                                 urgency="normal", channel="staff", status="submitted",
                                 submitted_on=dt.date(2024, 1, 1), due_on=dt.date(2024, 1, 16)))
    with open_session(world.district.id, t.descendant_ids(world.district.id)) as s:
        rows = svc.rollup(s, ids, TODAY)
    assert [(r.tenant.name[:1], r.overdue) for r in rows] == [("丙", 2), ("乙", 1), ("甲", 1)]
