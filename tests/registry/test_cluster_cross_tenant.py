"""Cross-tenant clusters (issue 10, item 6): a district's cluster groups organizations and party
orgs of its streets; each street concerned sees it read-only, a street without members and a
sibling district do not see it at all. Cluster members of a kind a plugin registers (units)."""

from __future__ import annotations

import types

import pytest
from sqlalchemy import select

from core.db import scoped_session
from core.hookspecs import hookimpl
from core.plugin_types import ClusterMemberKind, ClusterType
from core.plugins import registry
from core.registry.models import ClusterMember, Organization, PartyOrg
from tests.helpers import login, post_form, unique
from tests.worlds import make_tenants, make_users


@pytest.fixture(scope="module")
def world(database):
    tenants = make_tenants("xc", [("city", "跨辖区测试市", "city", "changsha"),
                                  ("d1", "跨辖区测试甲区", "district", "city"),
                                  ("s1", "跨辖区测试一街道", "street", "d1"),
                                  ("s2", "跨辖区测试二街道", "street", "d1"),
                                  ("d2", "跨辖区测试乙区", "district", "city"),
                                  ("s3", "跨辖区测试三街道", "street", "d2")])
    users, _ = make_users("xc", [("d1", "tenant_admin", tenants["d1"]), ("s1", "staff", tenants["s1"]),
                                 ("s2", "staff", tenants["s2"]), ("d2", "tenant_admin", tenants["d2"]),
                                 ("s3", "staff", tenants["s3"]), ("city", "viewer", tenants["city"])])
    ids = {}
    for key in ("s1", "s2", "s3"):
        with scoped_session(tenants[key].id) as s:
            org = Organization(name=unique(f"跨辖区企业{key}"), kind="enterprise")
            po = PartyOrg(name=unique(f"跨辖区支部{key}"), org_type="branch", formation_mode="single")
            s.add_all([org, po])
            s.flush()
            ids[key] = (org.id, org.name, po.id, po.name)
    return tenants, users, ids


def _post(client, path, data):
    return post_form(client, path, data, follow_redirects=False)


def test_district_cluster_visible_read_only_to_its_street_and_invisible_to_a_sibling_district(world, client):
    tenants, users, ids = world
    d1, s1 = tenants["d1"].slug, tenants["s1"].slug
    login(client, users["d1"])
    name = unique("区级产业链联盟")
    r = _post(client, f"/t/{d1}/clusters/new", {"name": name, "cluster_type": "core.group", "area": "全区"})
    assert r.status_code == 303, r.text
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    # the district adds its street's organization and party org (by id / name)
    assert _post(client, f"/t/{d1}/clusters/{cid}/members", {"kind": "organization", "ref": str(ids["s1"][0])}
                 ).status_code == 303
    assert _post(client, f"/t/{d1}/clusters/{cid}/members", {"kind": "party_org", "ref": ids["s2"][3]}
                 ).status_code == 303
    # not a sibling district's organization: 422 with the reason
    r = _post(client, f"/t/{d1}/clusters/{cid}/members", {"kind": "organization", "ref": str(ids["s3"][0])})
    assert r.status_code == 422 and "找不到组织" in r.text
    page = client.get(f"/t/{d1}/clusters/{cid}").text
    assert ids["s1"][1] in page and ids["s2"][3] in page and tenants["s1"].name in page
    with scoped_session(tenants["d1"].id) as s:
        rows = s.scalars(select(ClusterMember).where(ClusterMember.cluster_id == cid)).all()
        assert {r.member_tenant_id for r in rows} == {tenants["s1"].id, tenants["s2"].id}

    # the street concerned: listed and readable, only its own members named, nothing writable
    login(client, users["s1"])
    listing = client.get(f"/t/{s1}/clusters/shared")
    assert listing.status_code == 200 and name in listing.text and tenants["d1"].name in listing.text
    detail = client.get(f"/t/{s1}/clusters/shared/{cid}")
    assert detail.status_code == 200 and ids["s1"][1] in detail.text
    assert ids["s2"][3] not in detail.text and "另有 1 个成员属于其他辖区" in detail.text
    assert f"clusters/{cid}/members" not in detail.text and f"clusters/{cid}/edit" not in detail.text  # read-only
    assert client.get(f"/t/{s1}/clusters/{cid}").status_code == 404  # not its own cluster
    assert _post(client, f"/t/{s1}/clusters/{cid}/members", {"kind": "organization", "ref": "1"}).status_code == 404
    assert _post(client, f"/t/{s1}/clusters/{cid}/edit", {"name": "改名"}).status_code == 404
    assert name not in client.get(f"/t/{s1}/clusters").text  # its own list stays its own

    # a sibling district and its street: invisible, 404 by id
    for key in ("d2", "s3"):
        login(client, users[key])
        slug = tenants[key].slug
        assert name not in client.get(f"/t/{slug}/clusters/shared").text
        assert client.get(f"/t/{slug}/clusters/shared/{cid}").status_code == 404
        assert client.get(f"/t/{slug}/clusters/{cid}").status_code == 404

    # the street cannot delete an organization a district's cluster names (it would vanish from it)
    login(client, users["s1"])
    r = _post(client, f"/t/{s1}/organizations/{ids['s1'][0]}/delete", {})
    assert r.status_code == 409 and "上级辖区组团的成员记录" in r.text
    # a member that left: the street no longer sees the cluster
    login(client, users["d1"])
    member_id = next(r.id for r in rows if r.member_tenant_id == tenants["s1"].id)
    assert _post(client, f"/t/{d1}/clusters/{cid}/members/{member_id}/end", {}).status_code == 303
    login(client, users["s1"])
    assert client.get(f"/t/{s1}/clusters/shared/{cid}").status_code == 404


def test_shared_clusters_api(world, client, api_token):
    tenants, users, ids = world
    d1, s2 = tenants["d1"].slug, tenants["s2"].slug
    login(client, users["d1"])
    name = unique("区级联盟API")
    r = _post(client, f"/t/{d1}/clusters/new", {"name": name, "cluster_type": "core.group"})
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    headers = api_token(users["d1"])
    body = client.post(f"/api/t/{d1}/clusters/{cid}/members", headers=headers,
                       json={"kind": "organization", "ref": str(ids["s2"][0])}).json()
    assert body["members"][0]["name"] == ids["s2"][1] and body["members"][0]["tenant_id"] == tenants["s2"].id
    mine = api_token(users["s2"])
    listed = client.get(f"/api/t/{s2}/clusters/shared", headers=mine).json()
    found = next(c for c in listed if c["id"] == cid)
    assert found["owner"] == tenants["d1"].name and [m["name"] for m in found["members"]] == [ids["s2"][1]]
    assert client.get(f"/api/t/{s2}/clusters/shared/{cid}", headers=mine).status_code == 200
    other = api_token(users["s3"])
    assert client.get(f"/api/t/{tenants['s3'].slug}/clusters/shared/{cid}", headers=other).status_code == 404


def test_register_cluster_member_kinds_lets_a_cluster_take_units(world, client):
    """A plugin's member kind (the units block registers "units.unit"): resolved, named and placed
    in its tenant by the kind's functions."""
    tenants, users, ids = world
    units = {7001: ("区商会", tenants["s1"].id), 7002: ("区市场监管局", tenants["d1"].id)}

    def resolve(session, text):
        for uid, (n, _t) in units.items():
            if text in (n, str(uid)):
                return uid, None
        return None, f"找不到单位「{text}」"

    kind = ClusterMemberKind("hkunits.unit", "单位", resolve,
                             lambda session, ids_: {i: units[i][0] for i in ids_ if i in units},
                             lambda session, ids_: {i: units[i][1] for i in ids_ if i in units})
    module = types.ModuleType("hkunits")
    module.register_cluster_member_kinds = hookimpl(lambda tenant: [kind])
    module.register_cluster_types = hookimpl(lambda tenant: [ClusterType(
        "hkunits.circle", "商圈联盟", member_kinds=("organization", "party_org", "hkunits.unit"))])
    d1, s1 = tenants["d1"].slug, tenants["s1"].slug
    with registry().installed(module, "hkunits"):
        login(client, users["d1"])
        name = unique("商圈联盟")
        r = _post(client, f"/t/{d1}/clusters/new", {"name": name, "cluster_type": "hkunits.circle"})
        cid = int(r.headers["location"].rsplit("/", 1)[1])
        assert _post(client, f"/t/{d1}/clusters/{cid}/members", {"kind": "hkunits.unit", "ref": "区商会"}
                     ).status_code == 303
        r = _post(client, f"/t/{d1}/clusters/{cid}/members", {"kind": "hkunits.unit", "ref": "不存在"})
        assert r.status_code == 422 and "成员：找不到单位「不存在」" in r.text
        r = _post(client, f"/t/{d1}/clusters/{cid}/members", {"kind": "hkunits.unit", "ref": "区商会"})
        assert r.status_code == 422 and "已是本组团的成员" in r.text
        page = client.get(f"/t/{d1}/clusters/{cid}").text
        assert "区商会" in page and "单位" in page
        # the unit belongs to street 1: the street sees the alliance
        login(client, users["s1"])
        detail = client.get(f"/t/{s1}/clusters/shared/{cid}")
        assert detail.status_code == 200 and "区商会" in detail.text
    # a type without the kind refuses it
    login(client, users["d1"])
    r = _post(client, f"/t/{d1}/clusters/new", {"name": unique("普通组团"), "cluster_type": "core.group"})
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    r = _post(client, f"/t/{d1}/clusters/{cid}/members", {"kind": "hkunits.unit", "ref": "区商会"})
    assert r.status_code == 422 and "成员类型" in r.text
