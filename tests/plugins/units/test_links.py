"""Units where the registry and the assessment engine refer to them: members of a cluster (DM-2:
a business-circle alliance of the community party committee, the circle's joint branch and the
chamber of commerce) and targets of an assessment round (NH-3: member units and departments)."""

from __future__ import annotations

from types import ModuleType

import pytest
from sqlalchemy import select

from core.db import scoped_session
from core.hookspecs import hookimpl
from core.plugin_types import ClusterType
from core.plugins import registry
from core.registry.models import ClusterMember
from plugins.assessment import api as assessment
from plugins.units import api as units
from tests.helpers import login, post_form, text_of, unique
from tests.worlds import make_tenants, make_users

CIRCLE = ClusterType("testunits.circle", "商圈党建联盟", member_kinds=("organization", "party_org", "units.unit"))
UNITS_ROUND = assessment.AssessmentTemplate(
    key="testunits.units", label="成员单位考核", target_kind="unit", period_kind="year",
    sections=(assessment.Section("duty", "履职", (assessment.Criterion("visits", "走访联系", 100),)),))


@pytest.fixture(scope="module")
def world(database):
    tag = unique("")
    t = make_tenants("ul", [("a", "单位关联甲街道", "street", "yuelu"), ("b", "单位关联乙街道", "street", "yuelu")],
                     plugins=("units", "assessment"), tag=tag)
    users, _ids = make_users("ul", [("admin", "tenant_admin", t["a"])], tag=tag)
    with scoped_session(t["a"].id) as s:
        chamber = units.create_unit(s, t["a"], {"name": f"商圈商会{tag}", "kind": "chamber"})
        committee = units.create_unit(s, t["a"], {"name": f"社区党委{tag}", "kind": "community"})
        a_ids = (chamber.id, chamber.name, committee.id, committee.name)
    with scoped_session(t["b"].id) as s:
        other = units.create_unit(s, t["b"], {"name": f"乙街道商会{tag}", "kind": "chamber"})
        b_unit = (other.id, other.name)
    return t, users, a_ids, b_unit


@pytest.fixture
def program():
    module = ModuleType("testprog_unitlinks")
    module.register_cluster_types = hookimpl(lambda tenant: [CIRCLE])
    module.register_assessment_templates = hookimpl(lambda tenant: [UNITS_ROUND])
    with registry().installed(module, "testprog_unitlinks"):
        yield module


def test_units_as_cluster_members(world, client, program):
    t, users, (chamber_id, chamber, committee_id, committee), (b_id, b_name) = world
    a = t["a"].slug
    login(client, users["admin"])
    name = unique("万达商圈党建联盟")
    r = post_form(client, f"/t/{a}/clusters/new", {"name": name, "cluster_type": CIRCLE.key},
                  follow_redirects=False)
    assert r.status_code == 303, r.text
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    for ref in (chamber, str(committee_id)):  # by name or by id
        r = post_form(client, f"/t/{a}/clusters/{cid}/members", {"kind": "units.unit", "ref": ref},
                      follow_redirects=False)
        assert r.status_code == 303, r.text
    r = post_form(client, f"/t/{a}/clusters/{cid}/members", {"kind": "units.unit", "ref": b_name})
    assert r.status_code == 422 and f"找不到单位「{b_name}」" in r.text  # another street's unit
    page = text_of(client.get(f"/t/{a}/clusters/{cid}").text)
    assert chamber in page and committee in page
    with scoped_session(t["a"].id) as s:
        rows = s.scalars(select(ClusterMember).where(ClusterMember.cluster_id == cid)).all()
        assert sorted((m.member_kind, m.ref_id) for m in rows) == sorted(
            [("units.unit", chamber_id), ("units.unit", committee_id)])


def test_units_as_assessment_targets(world, program):
    t, _users, (chamber_id, chamber, committee_id, _committee), _b = world
    with scoped_session(t["a"].id) as s:
        rnd = assessment.create_round(s, t["a"], {"template": UNITS_ROUND.key, "period": "2026",
                                                  "target_mode": "chosen", "targets": [str(chamber_id)]})
        assert [(x.target_kind, x.target_id, x.target_name) for x in assessment.sheets_of(s, rnd)] == [
            ("unit", chamber_id, chamber)]
        rnd = assessment.create_round(s, t["a"], {"template": UNITS_ROUND.key, "period": "2025", "target_mode": "all"})
        assert {x.target_id for x in assessment.sheets_of(s, rnd)} == {chamber_id, committee_id}
