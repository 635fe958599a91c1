"""The lists engine's public API (``plugins.lists.api``): a demand from intake to rating through
the program-facing writes, errors keyed by the public field names, visibility through the reads."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import scoped_session
from core.forms import FormErrors
from plugins.lists import api as lists
from tests.plugins.lists.conftest import TODAY


def _count(s, stmt) -> int:
    return s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def test_a_demand_through_the_api_module(world):
    staff = lists.system_access("test")
    with scoped_session(world.street.id) as s:
        before = s.scalar(select(func.count()).select_from(lists.ListDemand))
        with pytest.raises(FormErrors) as exc:
            lists.submit_demand(s, staff, world.street, {"organization_id": "", "title": "", "category": "nope"},
                                TODAY)
        assert set(exc.value.errors) == {"organization_id", "title", "category"}
        assert exc.value.errors["organization_id"] == "请选择提出需求的组织"
        assert s.scalar(select(func.count()).select_from(lists.ListDemand)) == before
        category = next(iter(lists.scheme(world.street).options("categories")))
        demand = lists.submit_demand(s, staff, world.street, {"organization_id": str(world.orgs["a"]),
                                                              "title": "接口需求", "category": category}, TODAY)
        kind = next(iter(lists.scheme(world.street).options("provider_kinds")))
        res = lists.create_resource(s, staff, world.street, {"title": "接口资源", "capacity": "2",
                                                             "provider_kind": kind, "provider_name": "街道"}, TODAY)
        lists.accept(s, staff, world.street, demand, {}, TODAY)
        with pytest.raises(FormErrors) as exc:
            lists.match(s, staff, world.street, demand, {"resource_ids": [res.id]}, TODAY)
        assert "owner_name" in exc.value.errors
        level = lists.scheme(world.street).triage_levels[0].key
        work = lists.match(s, staff, world.street, demand, {"resource_ids": [res.id], "owner_name": "周专干",
                                                            "triage_level": level}, TODAY)
        lists.complete_work(s, staff, work, {"result": "已对接"}, TODAY)
        lists.resolve(s, staff, world.street, demand, {"resolution": "已办结", "triage_level": level}, TODAY)
        lists.rate(s, staff, demand, {"rating": "5"}, TODAY)
        assert demand.status == "rated"
        mine = lists.demands(staff, TODAY, q="接口需求", status="solved")
        assert demand.id in set(s.scalars(mine.with_only_columns(lists.ListDemand.id)))
        assert _count(s, lists.demands(staff, TODAY, q="接口_需求")) == 0  # "_" is literal
        s.rollback()


def test_record_solved_leaves_what_the_five_steps_leave(world):
    """``record_solved`` (a program's demo history at once) writes the rows submit → accept →
    match → complete → resolve leave; a bad row refuses them all, nothing written."""
    import datetime as dt

    staff = lists.system_access("test")
    scheme = lists.scheme(world.street)
    category, level = next(iter(scheme.options("categories"))), scheme.triage_levels[0].key
    kind, role = scheme.work_lists[0].key, next(iter(scheme.options("claimer_roles")), "")
    day, done = TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=20)
    cols = ("organization_id", "org_name", "description", "category", "urgency", "channel", "status",
            "triage_level", "submitted_on", "due_on", "accepted_on", "resolved_on", "resolution")
    work_cols = ("kind", "owner_name", "owner_role", "deadline", "triage_level", "status", "claim_side", "result",
                 "done_on")
    with scoped_session(world.street.id) as s:
        res = lists.create_resource(s, staff, world.street, {"title": "批量资源", "capacity": "2",
                                                             "provider_kind": next(iter(scheme.options("provider_kinds"))),
                                                             "provider_name": "街道"}, TODAY)
        stepped = lists.submit_demand(s, staff, world.street, {"organization_id": str(world.orgs["a"]), "title": "逐步",
                                                               "category": category, "description": "说明"}, day)
        lists.accept(s, staff, world.street, stepped, {"triage_level": level}, day + dt.timedelta(days=1))
        work = lists.match(s, staff, world.street, stepped, {
            "resource_ids": [res.id], "owner_name": "周专干", "owner_role": role, "kind": kind,
            "triage_level": level}, day + dt.timedelta(days=2))
        lists.complete_work(s, staff, work, {"result": "已对接"}, done)
        lists.resolve(s, staff, world.street, stepped, {"resolution": "已办结", "triage_level": level}, done)
        row = {"organization_id": world.orgs["a"], "title": "一次写入", "category": category, "description": "说明",
               "submitted_on": day, "resource_id": res.id, "owner_name": "周专干", "owner_role": role, "kind": kind,
               "triage_level": level, "result": "已对接", "resolution": "已办结", "done_on": done}
        before = s.scalar(select(func.count()).select_from(lists.ListDemand))
        with pytest.raises(FormErrors) as exc:  # the resource's capacity (2) is one short of these two
            lists.record_solved(s, staff, world.street, [row, {**row, "title": "第三项"}])
        assert "服务容量已用完" in exc.value.errors["row_2"]
        with pytest.raises(FormErrors) as exc:
            lists.record_solved(s, staff, world.street, [{**row, "category": "nope"}])
        assert exc.value.errors == {"row_1": "第 1 行：需求类别无效"}
        assert s.scalar(select(func.count()).select_from(lists.ListDemand)) == before
        [bulk] = lists.record_solved(s, staff, world.street, [row])
        assert {c: getattr(bulk, c) for c in cols} == {c: getattr(stepped, c) for c in cols}
        [bulk_work] = bulk.works
        assert {c: getattr(bulk_work, c) for c in work_cols} == {c: getattr(work, c) for c in work_cols}
        assert bulk_work.resources == [res] and bulk_work.title == "一次写入"
        s.rollback()
