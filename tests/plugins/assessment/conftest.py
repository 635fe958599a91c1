"""Fixtures of the assessment tests: two fresh streets under 岳麓区 with the engine enabled,
their registry rows, users in each role, and the test program plugin (``testprog``).

Street A has four party orgs (po1 covers the secretary's organization org1), three
organizations, two clusters of the test program's type and one of the core type, and a
member; street B has one party org. ``yuelu_admin`` (tenant admin of 岳麓区) reaches both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from core.plugins import registry
from core.registry.models import (
    Cluster,
    ClusterLeader,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
    UserOrganization,
)
from core.tenancy import TenantInfo
from plugins.assessment import service as svc
from tests.helpers import unique
from tests.plugins.assessment import testprog
from tests.worlds import make_tenants, make_users, tenant_session


@dataclass
class Street:
    info: TenantInfo
    party_orgs: list[int] = field(default_factory=list)
    orgs: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)  # clusters of testprog.group
    other_cluster: int | None = None
    members: list[int] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # party org id → name


@dataclass
class World:
    a: Street
    b: Street
    users: dict[str, str]  # role → username (in street A; "staff_b" in B)


def street(prefix: str) -> TenantInfo:
    """A fresh street under 岳麓区 with the assessment engine enabled."""
    return make_tenants(prefix, [("", "考核测试街道", "street", "yuelu")], plugins=("assessment",))[""]


@pytest.fixture(scope="session")
def world(database) -> World:
    a, b = Street(street("asm-a")), Street(street("asm-b"))
    tag = unique("")
    with tenant_session(a.info) as s:
        orgs = [Organization(name=f"考核测试企业{i}{tag}", kind="enterprise") for i in (1, 2, 3)]
        pos = [PartyOrg(name=f"考核测试党支部{i}{tag}", org_type="branch") for i in (1, 2, 3, 4)]
        s.add_all(orgs + pos)
        s.flush()
        s.add(PartyOrgCoverage(party_org_id=pos[0].id, organization_id=orgs[0].id))
        groups = [Cluster(cluster_type=testprog.GROUP_TYPE, name=f"测试联组{i}{tag}") for i in (1, 2)]
        other = Cluster(cluster_type="core.group", name=f"测试组团{tag}")
        member = Member(name=f"测试党员{tag}", status="full", organization_id=orgs[0].id, party_org_id=pos[0].id)
        s.add_all(groups + [other, member])
        s.flush()
        a.orgs, a.party_orgs = [o.id for o in orgs], [p.id for p in pos]
        a.groups, a.other_cluster, a.members = [g.id for g in groups], other.id, [member.id]
        a.names = {p.id: p.name for p in pos}
    with tenant_session(b.info) as s:
        po = PartyOrg(name=f"乙街道党支部{tag}", org_type="branch")
        s.add(po)
        s.flush()
        b.party_orgs, b.names = [po.id], {po.id: po.name}
    users, ids = make_users("asm_", [("staff", "staff", a.info), ("secretary", "org_secretary", a.info),
                                     ("instructor", "instructor", a.info), ("viewer", "viewer", a.info),
                                     ("staff_b", "staff", b.info)], tag=tag)
    sec_id = ids["secretary"]
    with tenant_session(a.info) as s:
        s.add(UserOrganization(user_id=sec_id, organization_id=a.orgs[0]))
        # the secretary also leads the first group (cluster targets: led by the user)
        s.add(ClusterLeader(cluster_id=a.groups[0], title="leader", person_name="测试组长", user_id=sec_id))
    return World(a, b, users)


@pytest.fixture(autouse=True)
def program() -> Iterator[Any]:
    """The test program plugin, registered into the live registry for one test."""
    reg = registry()
    testprog.reset()
    with reg.installed(testprog, "testprog_assessment"):
        yield testprog
    testprog.reset()


@pytest.fixture
def login_as(app, client) -> Iterator[Any]:
    """``login_as(username)`` → a NEW logged-in client (``as_user`` reuses one client, so two
    users in one test would share a session). The ``client`` fixture runs the app's lifespan;
    the extra clients are not entered (entering several at once hangs on shutdown)."""
    from litestar.testing import TestClient

    from tests.helpers import login

    def make(username: str) -> TestClient:
        return login(TestClient(app, raise_server_exceptions=False), username)

    yield make


def make_round(street: Street, template: str, period: str, targets: list[int] | None = None,
               title: str | None = None) -> int:
    """A draft round through the service; ``targets=None`` means all."""
    with tenant_session(street.info) as s:
        raw: dict[str, Any] = {"template": template, "period": period,
                               "target_mode": "all" if targets is None else "chosen", "targets": targets or [],
                               "title": title or unique("测试考核")}
        return svc.create_round(s, street.info, raw).id


def advance(street: Street, round_id: int, *actions: str) -> None:
    with tenant_session(street.info) as s:
        rnd = s.get(svc.AssessmentRound, round_id)
        for action in actions:
            svc.transition(s, street.info, rnd, action)


def score(street: Street, round_id: int, values: dict[int, list[str]], kind: str = "assessor",
          evidence: str = "已核实") -> None:
    """Enter values per target id (criteria in template order)."""
    with tenant_session(street.info) as s:
        rnd = s.get(svc.AssessmentRound, round_id)
        criteria = rnd.template.criteria
        sheets = {sh.target_id: sh for sh in svc.sheets_of(s, rnd)}
        for target_id, points in values.items():
            entries = {c.id: (p, evidence) for c, p in zip(criteria, points, strict=False)}
            svc.save_scores(s, svc.Access.system(), sheets[target_id], entries, kind)


def sheet_ids(street: Street, round_id: int) -> dict[int, int]:
    """target id → sheet id."""
    with tenant_session(street.info) as s:
        return {sh.target_id: sh.id for sh in svc.sheets_of(s, s.get(svc.AssessmentRound, round_id))}
