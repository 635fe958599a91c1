"""Exclusive cluster membership (``ClusterType.exclusive_members``): an organization / party org
is a current member of at most one unarchived cluster of such a type — on the pages and the API.

A fresh street under yuelu (yuelu_admin reaches it); the exclusive type is registered by
patching ``cluster_types``, as in test_clusters.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.plugin_types import ClusterType
from tests.helpers import post_form, text_of, unique

EXCL = ClusterType(key="test.exclusive", label="片组", member_kinds=("organization", "party_org"),
                   exclusive_members=True)


@pytest.fixture(scope="module")
def street(database):
    from core import revisions
    from core.db import scoped_session
    from core.registry.models import Organization, PartyOrg
    from core.services.tenants import TenantForm, create_tenant
    from core.tenancy import operator_session, tree

    tag = unique("ex")
    with operator_session("test") as s:
        tid = create_tenant(s, TenantForm(slug=f"{tag}-s", name=f"专属街道{tag}", level="street",
                                          parent_id=tree().by_slug["yuelu"].id)).id
    revisions.poll(force=True)
    with scoped_session(tid) as s:
        s.info["username"] = "test"
        orgs = [Organization(name=f"企业{i}{tag}", kind="enterprise") for i in range(3)]
        party = PartyOrg(name=f"支部{tag}", org_type="branch")
        s.add_all([*orgs, party])
        s.flush()
        ids = {"orgs": [o.id for o in orgs], "party": party.id}
    return {"id": tid, "slug": f"{tag}-s", "tag": tag, **ids}


@pytest.fixture
def types(monkeypatch):
    from core.registry.services import clusters as svc

    real = svc.cluster_types
    monkeypatch.setattr(svc, "cluster_types", lambda tenant: {EXCL.key: EXCL, **real(tenant)})
    return svc.cluster_types


def _clusters(street, types, *names, cluster_type=EXCL.key):
    from core.db import scoped_session
    from core.registry.services import clusters as svc
    from core.tenancy import tree

    with scoped_session(street["id"]) as s:
        s.info["username"] = "test"
        ts = types(tree().by_id[street["id"]])
        return [svc.create_cluster(s, {"name": n, "cluster_type": cluster_type}, ts).id for n in names]


def _current(street, cluster_id):
    from core.db import open_session
    from core.registry.models import ClusterMember

    with open_session(street["id"]) as s:
        return list(s.scalars(select(ClusterMember.organization_id).where(
            ClusterMember.cluster_id == cluster_id, ClusterMember.left_on.is_(None))))


def test_page_refuses_a_second_cluster_until_the_member_leaves(street, types, as_user):
    first, second = unique("东片"), unique("西片")
    c1, c2 = _clusters(street, types, first, second)
    org = street["orgs"][0]
    client = as_user("yuelu_admin")
    base = f"/t/{street['slug']}/clusters"
    assert post_form(client, f"{base}/{c1}/members", {"kind": "organization", "ref": str(org)},
                     follow_redirects=False).status_code == 303
    r = post_form(client, f"{base}/{c2}/members", {"kind": "organization", "ref": str(org)})
    assert r.status_code == 422
    assert f"成员：该两新组织已在片组「{first}」中，同一时间只能属于一个片组" in text_of(r.text)
    assert _current(street, c2) == []
    # another organization is welcome; the help text says the rule
    assert post_form(client, f"{base}/{c2}/members", {"kind": "organization", "ref": str(street["orgs"][1])},
                     follow_redirects=False).status_code == 303
    assert "同一时间只能属于一个片组" in client.get(f"{base}/{c2}").text
    # leaving the first cluster (today) frees the organization
    from core.db import open_session
    from core.registry.models import ClusterMember

    with open_session(street["id"]) as s:
        mid = s.scalar(select(ClusterMember.id).where(ClusterMember.cluster_id == c1,
                                                      ClusterMember.organization_id == org))
    assert post_form(client, f"{base}/{c1}/members/{mid}/end", {}, follow_redirects=False).status_code == 303
    assert post_form(client, f"{base}/{c2}/members", {"kind": "organization", "ref": str(org)},
                     follow_redirects=False).status_code == 303
    assert sorted(_current(street, c2)) == sorted([org, street["orgs"][1]])


def test_api_refuses_with_422_naming_the_cluster(street, types, client, api_token):
    first, second = unique("南片"), unique("北片")
    c1, c2 = _clusters(street, types, first, second)
    headers = api_token("yuelu_admin")
    base = f"/api/t/{street['slug']}/clusters"
    excl = {t["key"]: t["exclusive_members"] for t in
            client.get(f"/api/t/{street['slug']}/cluster-types", headers=headers).json()}
    assert excl[EXCL.key] is True and excl["core.group"] is False
    body = {"kind": "party_org", "ref": str(street["party"])}
    assert client.post(f"{base}/{c1}/members", json=body, headers=headers).status_code == 201
    r = client.post(f"{base}/{c2}/members", json=body, headers=headers)
    assert r.status_code == 422
    assert r.json()["extra"]["errors"]["ref"].startswith(f"成员：该党组织已在片组「{first}」中")
    # an archived cluster holds no one
    assert client.delete(f"{base}/{c1}", headers=headers).status_code == 200
    assert client.post(f"{base}/{c2}/members", json=body, headers=headers).status_code == 201
    # ... and a member who left may rejoin elsewhere: leave c2, join a third
    (c3,) = _clusters(street, types, unique("中片"))
    current = [m for m in client.get(f"{base}/{c2}", headers=headers).json()["members"] if m["left_on"] is None]
    assert client.post(f"{base}/{c2}/members/{current[0]['id']}/end", json={}, headers=headers).status_code == 201
    assert client.post(f"{base}/{c3}/members", json=body, headers=headers).status_code == 201


def test_non_exclusive_types_allow_several_clusters(street, types, client, api_token):
    c1, c2 = _clusters(street, types, unique("组团甲"), unique("组团乙"), cluster_type="core.group")
    headers = api_token("yuelu_admin")
    body = {"kind": "organization", "ref": str(street["orgs"][2])}
    for cid in (c1, c2):
        r = client.post(f"/api/t/{street['slug']}/clusters/{cid}/members", json=body, headers=headers)
        assert r.status_code == 201, r.text


def test_dongfanghong_joint_group_is_exclusive_on_the_generic_api(database, client, api_token):
    from core.db import open_session
    from core.registry.models import Cluster, ClusterMember
    from core.registry.services import clusters as svc
    from core.tenancy import tree

    tenant = tree().by_slug["dongfanghong"]
    assert svc.cluster_types(tenant)["dongfanghong.joint_group"].exclusive_members is True
    with open_session(tenant.id) as s:
        groups = list(s.scalars(select(Cluster).where(Cluster.cluster_type == "dongfanghong.joint_group",
                                                      Cluster.archived_on.is_(None)).order_by(Cluster.id)))
        assert len(groups) >= 2  # the demo street's 联组
        pid = s.scalar(select(ClusterMember.party_org_id).where(
            ClusterMember.cluster_id == groups[0].id, ClusterMember.left_on.is_(None),
            ClusterMember.party_org_id.is_not(None)).order_by(ClusterMember.id).limit(1))
        names = (groups[0].name, groups[1].id)
    r = client.post(f"/api/t/dongfanghong/clusters/{names[1]}/members", json={"kind": "party_org", "ref": str(pid)},
                    headers=api_token("dfh_staff"))
    assert r.status_code == 422 and f"已在联组「{names[0]}」中" in r.json()["extra"]["errors"]["ref"]
