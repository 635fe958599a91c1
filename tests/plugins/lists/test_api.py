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
