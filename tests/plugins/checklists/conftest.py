"""A fresh world for the checklists block: a district with two streets (checklists enabled),
party orgs and a cluster in street A, users in every role, and a test program registering a
chaptered template with evidence-required items."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import pytest

from core.db import scoped_session
from core.hookspecs import hookimpl
from core.plugins import registry
from core.registry.models import Cluster, Organization, PartyOrg
from core.tenancy import TenantInfo
from plugins.checklists.api import ChecklistTemplate, ItemSpec
from tests.helpers import unique
from tests.worlds import make_tenants, make_users

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class World:
    d: TenantInfo
    a: TenantInfo
    b: TenantInfo
    party_orgs: list[int] = field(default_factory=list)
    cluster: int = 0
    org: int = 0
    b_party_org: int = 0
    users: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(database) -> World:
    tag = unique("")
    t = make_tenants("cl", [("d", "清单测试区", "district", "yuelu"), ("a", "清单测试甲街道", "street", "d"),
                            ("b", "清单测试乙街道", "street", "d")], plugins=("checklists",), tag=tag)
    users, _ = make_users("cl", [("staff", "staff", t["a"]), ("admin", "tenant_admin", t["a"]),
                                 ("viewer", "viewer", t["a"]), ("instructor", "instructor", t["a"]),
                                 ("secretary", "org_secretary", t["a"]), ("staff_b", "staff", t["b"]),
                                 ("dviewer", "viewer", t["d"])], tag=tag)
    w = World(t["d"], t["a"], t["b"], users=users)
    with scoped_session(w.a.id) as s:
        pos = [PartyOrg(name=f"清单测试党支部{i}{tag}", org_type="branch") for i in (1, 2)]
        cl = Cluster(cluster_type="core.group", name=f"清单测试联盟{tag}")
        org = Organization(name=f"清单测试科技有限公司{tag}", kind="enterprise")
        s.add_all([*pos, cl, org])
        s.flush()
        w.party_orgs, w.cluster, w.org = [p.id for p in pos], cl.id, org.id
    with scoped_session(w.b.id) as s:
        po = PartyOrg(name=f"乙街道清单支部{tag}", org_type="branch")
        s.add(po)
        s.flush()
        w.b_party_org = po.id
    return w


HANDBOOK = ChecklistTemplate(
    key="testcl.handbook", label="测试支部标准化手册", subject_kinds=("party_org",),
    items=(ItemSpec("setup", "按规定设置支部委员会", True, chapter="支部设置"),
           ItemSpec("meetings", "按期开展“三会一课”", True, chapter="组织生活"),
           ItemSpec("day", "每月开展主题党日", False, chapter="组织生活"),
           ItemSpec("venue", "有固定活动阵地", False, chapter="阵地建设")))


@pytest.fixture
def program():
    module = ModuleType("testprog_checklists")
    module.register_checklist_templates = hookimpl(lambda tenant: [HANDBOOK])
    with registry().installed(module, "testprog_checklists"):
        yield module
