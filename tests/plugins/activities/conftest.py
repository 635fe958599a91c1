"""A fresh little world for the activities engine: two new streets (the plugin enabled in both),
party orgs, a cluster, members, and users in every role. Nothing here touches the demo tenants,
so the tests never depend on — or change — what other tests see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import ModuleType

import pytest

from core.db import scoped_session
from core.hookspecs import hookimpl
from core.plugins import registry
from core.registry.models import (
    Cluster,
    ClusterLeader,
    ClusterMember,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
    UserOrganization,
)
from core.tenancy import TenantInfo
from plugins.activities.service import Access
from plugins.activities.types import BRANCH_TYPES, ActivityType, Cadence
from tests.helpers import unique
from tests.worlds import make_tenants, make_users

STAFF_PERMS = frozenset({"activities:read", "activities:write", "registry:read", "registry:write"})
SECRETARY_PERMS = frozenset({"activities:read", "activities:write", "registry:read", "registry:write_own"})
VIEWER_PERMS = frozenset({"activities:read", "registry:read"})
CLUSTER_TYPE = "testprog.group"


@dataclass
class World:
    street: TenantInfo
    other: TenantInfo
    third: TenantInfo  # only for demo data
    tag: str
    users: dict[str, str] = field(default_factory=dict)  # key → username
    ids: dict[str, int] = field(default_factory=dict)  # key → user id
    po: dict[str, int] = field(default_factory=dict)  # party orgs
    cl: dict[str, int] = field(default_factory=dict)  # clusters
    members: dict[str, int] = field(default_factory=dict)

    def access(self, who: str) -> Access:
        perms = {"staff": STAFF_PERMS, "sec": SECRETARY_PERMS, "sec2": SECRETARY_PERMS, "leader": SECRETARY_PERMS,
                 "viewer": VIEWER_PERMS, "ostaff": STAFF_PERMS}[who]
        return Access(self.ids[who], perms)


@pytest.fixture(scope="session")
def world(database) -> World:
    tag = unique("")
    t = make_tenants("act", [("s", "活动测试街道", "street", "yuelu"), ("o", "活动另一街道", "street", "yuelu"),
                             ("d", "活动演示街道", "street", "yuelu")], plugins=("activities",), tag=tag)
    st = t["s"]
    users, ids = make_users("a", [("staff", "staff", st), ("sec", "org_secretary", st), ("sec2", "org_secretary", st),
                                  ("leader", "org_secretary", st), ("viewer", "viewer", st),
                                  ("instructor", "instructor", st), ("ostaff", "staff", t["o"])], tag=tag)
    w = World(st, t["o"], t["d"], tag, users, ids)
    with scoped_session(w.street.id) as s:
        org_a = Organization(name=f"活动测试企业A{tag}", kind="enterprise")
        org_b = Organization(name=f"活动测试企业B{tag}", kind="enterprise")
        s.add_all([org_a, org_b])
        s.flush()
        committee = PartyOrg(name=f"测试两新党委{tag}", org_type="committee")
        s.add(committee)
        s.flush()
        pos = {
            "a": PartyOrg(name=f"甲公司党支部{tag}", org_type="branch", parent_id=committee.id),
            "b": PartyOrg(name=f"乙公司党支部{tag}", org_type="joint_branch", parent_id=committee.id),
            "gone": PartyOrg(name=f"已撤销党支部{tag}", org_type="branch", parent_id=committee.id,
                             dissolved_on=dt.date(2024, 1, 31), dissolved_reason="企业注销"),
            "new": PartyOrg(name=f"新建党支部{tag}", org_type="branch", parent_id=committee.id,
                            founded_on=dt.date(2024, 4, 2)),
        }
        s.add_all(pos.values())
        s.flush()
        w.po = {k: v.id for k, v in pos.items()} | {"committee": committee.id}
        s.add_all([PartyOrgCoverage(party_org_id=pos["a"].id, organization_id=org_a.id),
                   PartyOrgCoverage(party_org_id=pos["b"].id, organization_id=org_b.id),
                   UserOrganization(user_id=ids["sec"], organization_id=org_a.id),
                   UserOrganization(user_id=ids["sec2"], organization_id=org_b.id)])
        group = Cluster(name=f"第一联组{tag}", cluster_type=CLUSTER_TYPE)
        group2 = Cluster(name=f"第二联组{tag}", cluster_type=CLUSTER_TYPE)
        other_kind = Cluster(name=f"楼宇党建点{tag}", cluster_type="testprog.other")
        s.add_all([group, group2, other_kind])
        s.flush()
        w.cl = {"g1": group.id, "g2": group2.id, "other": other_kind.id}
        s.add_all([ClusterMember(cluster_id=group.id, party_org_id=pos["a"].id),
                   ClusterMember(cluster_id=group2.id, party_org_id=pos["b"].id),
                   ClusterLeader(cluster_id=group2.id, title="leader", person_name="组长", user_id=ids["leader"])])
        people = {"m1": ("张一", "full", "a"), "m2": ("张二", "full", "a"), "m3": ("张三", "probationary", "a"),
                  "m4": ("张四", "activist", "a"), "m5": ("李五", "full", "b")}
        for key, (name, status, po) in people.items():
            m = Member(name=f"{name}{tag}", status=status, party_org_id=pos[po].id)
            s.add(m)
            s.flush()
            w.members[key] = m.id
    with scoped_session(w.other.id) as s:
        po = PartyOrg(name=f"外街道党支部{tag}", org_type="branch")
        s.add(po)
        s.flush()
        m = Member(name=f"外街道党员{tag}", status="full", party_org_id=po.id)
        s.add(m)
        s.flush()
        w.po["other"], w.members["other"] = po.id, m.id
    with scoped_session(w.third.id) as s:
        po = PartyOrg(name=f"演示党支部{tag}", org_type="branch")
        s.add(po)
        s.flush()
        s.add(Member(name=f"演示党员{tag}", status="full", party_org_id=po.id))
    return w


# --- a test program that configures the engine ------------------------------------------------

LESSON = ActivityType("testprog.lesson", "一月一课一片一实践", ("party_org",),
                      Cadence("month", party_org_types=BRANCH_TYPES), order=5)
GROUP_MEETING = ActivityType("testprog.group_meeting", "联组联席会", ("cluster",),
                             Cadence("quarter", applies_to="cluster", cluster_types=(CLUSTER_TYPE,)), order=6)
GOLD_SALON = ActivityType("testprog.salon", "金品质沙龙", ("cluster", "tenant"), has_speakers=True, order=7)
STREET_REPORT = ActivityType("testprog.report", "街道年度述职会", ("tenant",), Cadence("year", applies_to="tenant"),
                             order=8)
#: replaces the built-in 党课: twice a quarter
LECTURE = ActivityType("party_lecture", "党课（加强）", ("party_org",),
                       Cadence("quarter", times=2, party_org_types=BRANCH_TYPES), has_speakers=True, order=23)
PROGRAM_TYPES = [LESSON, GROUP_MEETING, GOLD_SALON, STREET_REPORT, LECTURE]


def make_program(types: list[ActivityType], events: list | None = None) -> ModuleType:
    module = ModuleType("testprog_activities")

    @hookimpl
    def register_activity_types(tenant):
        return list(types)

    module.register_activity_types = register_activity_types
    if events is not None:

        @hookimpl
        def on_activity_changed(session, tenant, activity, action):
            events.append((tenant.id, activity.id, action))

        module.on_activity_changed = on_activity_changed
    return module


@pytest.fixture
def program():
    """Register a test program (its types reach every tenant while registered); yields its events."""
    reg = registry()
    events: list = []
    with reg.installed(make_program(PROGRAM_TYPES, events), "testprog_activities"):
        yield events
