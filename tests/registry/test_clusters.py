"""Clusters (组团): leader rules, pages, API, permissions, tenant isolation.

A fresh street is created under yuelu; yuelu_admin (tenant_admin of yuelu) reaches it.
The program-specific rules are tested with a type made here (a 联组 with exactly 1 组长
and 2 副组长), registered by patching ``cluster_types``.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.plugin_types import ClusterType, LeaderRule
from tests.helpers import post_form, text_of, unique

JOINT = ClusterType(
    key="test.joint_group",
    label="联组",
    leaders=(LeaderRule("leader", "组长", 1, 1), LeaderRule("deputy", "副组长", 2, 2)),
    member_kinds=("party_org",),
    attributes=(("community", "结对社区"),),
)


@pytest.fixture(scope="module")
def street(database):
    from core import revisions
    from core.db import scoped_session
    from core.registry.models import Organization, PartyOrg
    from core.services.tenants import TenantForm, create_tenant
    from core.tenancy import operator_session, tree

    tag = unique("cl")
    with operator_session("test") as s:
        t = create_tenant(s, TenantForm(slug=f"{tag}-s", name=f"组团街道{tag}", level="street",
                                        parent_id=tree().by_slug["yuelu"].id))
        tid = t.id
    revisions.poll(force=True)
    with scoped_session(tid) as s:
        s.info["username"] = "test"
        orgs = [Organization(name=f"企业{i}{tag}", kind="enterprise") for i in range(3)]
        parties = [PartyOrg(name=f"支部{i}{tag}", org_type="branch") for i in range(3)]
        s.add_all(orgs + parties)
        s.flush()
        ids = {"orgs": [o.id for o in orgs], "parties": [p.id for p in parties]}
    return {"id": tid, "slug": f"{tag}-s", "tag": tag, **ids}


@pytest.fixture
def with_joint(monkeypatch):
    from core.registry.services import clusters as svc

    real = svc.cluster_types
    monkeypatch.setattr(svc, "cluster_types", lambda tenant: {JOINT.key: JOINT, **real(tenant)})


def test_validate_leaders_messages():
    from core.registry.services.clusters import validate_leaders

    assert validate_leaders(JOINT, []) == ["联组须有且只有 1 名组长（现有 0 名）", "副组长须为 2 名（现有 0 名）"]
    assert validate_leaders(JOINT, [], check_min=False) == []
    assert validate_leaders(JOINT, ["leader", "deputy", "deputy"]) == []
    too_many = validate_leaders(JOINT, ["leader", "leader", "deputy", "deputy", "deputy"], check_min=False)
    assert too_many == ["联组须有且只有 1 名组长（现有 2 名）", "副组长须为 2 名（现有 3 名）"]
    assert validate_leaders(JOINT, ["chair"])[0] == "「chair」不是联组的负责人职务"
    ranged = ClusterType("x", "联盟", leaders=(LeaderRule("chair", "轮值主席", 1, 3), LeaderRule("m", "委员", 2)))
    assert validate_leaders(ranged, []) == ["轮值主席须为 1至3 名（现有 0 名）", "委员至少须有 2 名（现有 0 名）"]


def test_builtin_type_available_everywhere(database):
    from core.registry.services.clusters import (
        BUILTIN_CLUSTER_TYPE,
        builtin_cluster_types,
        cluster_types,
    )
    from core.tenancy import tree

    t = tree().by_slug["jinhua"]
    assert builtin_cluster_types(t) == [BUILTIN_CLUSTER_TYPE]
    types = cluster_types(t)
    assert types["core.group"].label == "党建组团"
    assert [(r.title, r.label, r.min, r.max) for r in types["core.group"].leaders] == [("leader", "负责人", 0, 1)]


def test_service_enforces_max_always_and_min_on_complete(street):
    from core.db import scoped_session
    from core.forms import FormErrors
    from core.registry.models import Cluster
    from core.registry.services import clusters as svc

    types = {JOINT.key: JOINT}
    with scoped_session(street["id"]) as s:
        c = svc.create_cluster(s, {"name": "第一联组", "cluster_type": JOINT.key, "attr_community": "桃花岭社区"},
                               types)
        cid = c.id
        assert c.attributes == {"community": "桃花岭社区"}
        svc.add_leader(s, c, {"title": "leader", "person_name": "张三", "letter_no": "DFH-001"}, types)
        with pytest.raises(FormErrors) as exc:
            svc.add_leader(s, c, {"title": "leader", "person_name": "李四"}, types)
        assert exc.value.errors["title"].startswith("职务：联组须有且只有 1 名组长")
        with pytest.raises(FormErrors) as exc:
            svc.mark_complete(s, c, types)  # deputies missing
        assert "副组长须为 2 名（现有 0 名）" in exc.value.errors["leaders"]
        assert svc.check_cluster(s, c, types) == ["副组长须为 2 名（现有 0 名）"]
        svc.add_leader(s, c, {"title": "deputy", "person_name": "王五"}, types)
        svc.add_leader(s, c, {"title": "deputy", "person_name": "赵六"}, types)
        with pytest.raises(FormErrors):
            svc.add_leader(s, c, {"title": "deputy", "person_name": "钱七"}, types)
        svc.mark_complete(s, c, types)
        assert svc.is_complete(c) and svc.check_cluster(s, c, types) == []
        # replacing the 组长 in one step keeps the maximum
        old = next(x for x in svc.leaders_of(s, c, active_only=True) if x.title == "leader")
        svc.add_leader(s, c, {"title": "leader", "person_name": "孙八", "replaces": str(old.id)}, types)
        active = svc.leaders_of(s, c, active_only=True)
        assert sorted(x.person_name for x in active if x.title == "leader") == ["孙八"]
        assert old.ended_on is not None
        # ending a deputy leaves the cluster short: a warning, not a refusal
        deputy = next(x for x in active if x.title == "deputy")
        svc.end_leader(s, c, deputy.id, {})
        assert svc.leader_problems(s, c, types) == ["副组长须为 2 名（现有 1 名）"]
        # members: only party orgs for this type, no duplicates
        with pytest.raises(FormErrors) as exc:
            svc.add_member(s, c, {"kind": "organization", "ref": str(street["orgs"][0])}, types)
        assert exc.value.errors["kind"] == "成员类型：联组只能包含党组织"
        m = svc.add_member(s, c, {"kind": "party_org", "ref": f"支部0{street['tag']}"}, types)
        with pytest.raises(FormErrors) as exc:
            svc.add_member(s, c, {"kind": "party_org", "ref": str(street["parties"][0])}, types)
        assert exc.value.errors["ref"] == "成员：已是本组团的成员"
        svc.end_member(s, c, m.id, {"left_on": m.joined_on.isoformat()})
        svc.add_member(s, c, {"kind": "party_org", "ref": str(street["parties"][0])}, types)  # may rejoin
    with scoped_session(street["id"]) as s:
        assert s.get(Cluster, cid).name == "第一联组"


def test_pages_create_edit_members_leaders(street, as_user, with_joint):
    from core.db import open_session
    from core.registry.models import Cluster, ClusterLeader

    client = as_user("yuelu_admin")
    base = f"/t/{street['slug']}/clusters"
    form = client.get(f"{base}/new")
    assert form.status_code == 200 and "党建组团" in form.text and "联组" in form.text
    # bad input: 422, field message in Chinese, input kept, nothing saved
    r = post_form(client, f"{base}/new", {"cluster_type": JOINT.key, "name": "", "area": "岳麓山片区",
                                          "lead_organization": "不存在的企业"})
    assert r.status_code == 422
    assert "组团名称：必填" in r.text and "牵头组织：找不到组织「不存在的企业」" in r.text and "岳麓山片区" in r.text
    with open_session(street["id"]) as s:
        assert s.scalar(select(Cluster).where(Cluster.area == "岳麓山片区")) is None
    name = unique("联组")
    r = post_form(client, f"{base}/new", {"cluster_type": JOINT.key, "name": name, "area": "岳麓山片区",
                                          "lead_organization": str(street["orgs"][1]), "attr_community": "天马社区"},
                  follow_redirects=False)
    assert r.status_code == 303
    cid = int(r.headers["location"].rstrip("/").split("/")[-1])
    page = client.get(f"{base}/{cid}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert name in text and "天马社区" in text and f"企业1{street['tag']}" in text
    assert "负责人未配齐" in text and "联组须有且只有 1 名组长（现有 0 名）" in text
    # leaders: the first 组长 is accepted, the second refused with the rule
    r = post_form(client, f"{base}/{cid}/leaders", {"title": "leader", "person_name": "张组长",
                                                    "organization": str(street["orgs"][0]),
                                                    "appointed_on": "2024-03-01", "letter_no": "聘-001"},
                  follow_redirects=False)
    assert r.status_code == 303
    r = post_form(client, f"{base}/{cid}/leaders", {"title": "leader", "person_name": "多余组长"})
    assert r.status_code == 422 and "联组须有且只有 1 名组长" in r.text and "多余组长" in r.text
    # marking complete is refused while the deputies are missing
    r = post_form(client, f"{base}/{cid}/complete", {"complete": "1"})
    assert r.status_code == 422 and "副组长须为 2 名（现有 0 名）" in text_of(r.text)
    for who in ("王副组长", "李副组长"):
        assert post_form(client, f"{base}/{cid}/leaders", {"title": "deputy", "person_name": who},
                         follow_redirects=False).status_code == 303
    r = post_form(client, f"{base}/{cid}/complete", {"complete": "1"}, follow_redirects=False)
    assert r.status_code == 303
    page = text_of(client.get(f"{base}/{cid}").text)
    assert "组建完成" in page and "负责人未配齐" not in page
    assert "聘-001" in page and "2024-03-01" in page and f"企业0{street['tag']}" in page
    # members: a party org (this type's only member kind)
    r = post_form(client, f"{base}/{cid}/members", {"kind": "party_org", "ref": "", "joined_on": "2024-03-01"})
    assert r.status_code == 422 and "成员：必填" in r.text
    r = post_form(client, f"{base}/{cid}/members", {"kind": "party_org", "ref": str(street["parties"][1]),
                                                    "joined_on": "2024-03-01"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"{base}/{cid}").text
    assert f"支部1{street['tag']}" in page
    # history from the audit log: the cluster, its leaders and members, in words
    story = text_of(page)[text_of(page).index("变更记录"):]
    assert "新增联组" in story and "新增联组负责人" in story and "新增联组成员" in story
    assert "职务 副组长" in story and "所属组团 " + name in story and f"党组织 支部1{street['tag']}" in story
    for raw in ("cluster_leaders.create", "cluster_id", "user_id", "tenant_id", "deputy", "None", "True"):
        assert raw not in story, raw
    # end a deputy: the warning comes back
    with open_session(street["id"]) as s:
        deputy = s.scalar(select(ClusterLeader).where(ClusterLeader.cluster_id == cid,
                                                      ClusterLeader.person_name == "王副组长"))
    r = post_form(client, f"{base}/{cid}/leaders/{deputy.id}/end", {"ended_on": "2023-01-01"})
    assert r.status_code == 422 and "离任日期：不能早于任职日期" in text_of(r.text)
    post_form(client, f"{base}/{cid}/leaders/{deputy.id}/end", {"ended_on": ""})
    assert "副组长须为 2 名（现有 1 名）" in text_of(client.get(f"{base}/{cid}").text)
    # edit keeps the type
    r = post_form(client, f"{base}/{cid}/edit", {"name": name + "（改）", "area": "新片区",
                                                 "lead_organization": str(street["orgs"][1]),
                                                 "attr_community": "天马社区"}, follow_redirects=False)
    assert r.status_code == 303
    with open_session(street["id"]) as s:
        c = s.get(Cluster, cid)
        assert c.name == name + "（改）" and c.cluster_type == JOINT.key and c.attributes["_complete"] is True


def test_list_filter_search_export_archive(street, as_user, with_joint):
    client = as_user("yuelu_admin")
    base = f"/t/{street['slug']}/clusters"
    tag = unique("组团")
    for i in range(3):
        post_form(client, f"{base}/new", {"cluster_type": "core.group", "name": f"{tag}-{i}"})
    post_form(client, f"{base}/new", {"cluster_type": JOINT.key, "name": f"{tag}-联"})
    page = client.get(base, params={"q": tag, "type": "core.group"})
    assert page.status_code == 200
    assert page.text.count(f"{tag}-") == 3 and f"{tag}-联" not in page.text
    assert "导出 Excel" in page.text
    x = client.get(base, params={"q": tag, "format": "xlsx"})
    assert x.status_code == 200
    rows = list(load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("组团名称", "类型") and len(rows) == 5
    joint_row = next(r for r in rows if r[0] == f"{tag}-联")
    assert joint_row[1] == "联组" and "联组须有且只有 1 名组长" in joint_row[7]
    # pagination
    assert "共 4 条" in client.get(base, params={"q": tag}).text
    # archive hides it from the default list
    cid = int(post_form(client, f"{base}/new", {"cluster_type": "core.group", "name": f"{tag}-归档"},
                        follow_redirects=False).headers["location"].split("/")[-1])
    assert post_form(client, f"{base}/{cid}/archive", {"archived": "1"}, follow_redirects=False).status_code == 303
    assert f"{tag}-归档" not in client.get(base, params={"q": tag}).text
    assert f"{tag}-归档" in client.get(base, params={"q": tag, "status": "archived"}).text


def test_api(street, client, api_token, with_joint):
    headers = api_token("yuelu_admin")
    base = f"/api/t/{street['slug']}/clusters"
    types = client.get(f"/api/t/{street['slug']}/cluster-types", headers=headers).json()
    assert {t["key"] for t in types} >= {"core.group", JOINT.key}
    r = client.post(base, json={"cluster_type": JOINT.key, "name": ""}, headers=headers)
    assert r.status_code == 422 and r.json()["extra"]["errors"]["name"] == "组团名称：必填"
    r = client.post(base, json={"cluster_type": "nope", "name": "x"}, headers=headers)
    assert r.status_code == 422 and "cluster_type" in r.json()["extra"]["errors"]
    r = client.post(base, json={"cluster_type": JOINT.key, "name": unique("API联组"),
                                "attributes": {"community": "桃子湖社区"}}, headers=headers)
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["attributes"] == {"community": "桃子湖社区"} and c["complete"] is False
    assert c["problems"] == ["联组须有且只有 1 名组长（现有 0 名）", "副组长须为 2 名（现有 0 名）"]
    cid = c["id"]
    check = client.get(f"{base}/{cid}/check", headers=headers).json()
    assert check["ok"] is False and len(check["problems"]) == 2
    r = client.post(f"{base}/{cid}/complete", json={}, headers=headers)
    assert r.status_code == 422 and "副组长须为 2 名" in r.json()["extra"]["errors"]["leaders"]
    assert client.post(f"{base}/{cid}/leaders", json={"title": "leader", "person_name": "甲"},
                       headers=headers).status_code == 201
    r = client.post(f"{base}/{cid}/leaders", json={"title": "leader", "person_name": "乙"}, headers=headers)
    assert r.status_code == 422 and "联组须有且只有 1 名组长" in r.json()["extra"]["errors"]["title"]
    for who in ("丙", "丁"):
        client.post(f"{base}/{cid}/leaders", json={"title": "deputy", "person_name": who}, headers=headers)
    assert client.get(f"{base}/{cid}/check", headers=headers).json() == {"ok": True, "complete": False,
                                                                         "problems": []}
    r = client.post(f"{base}/{cid}/complete", json={}, headers=headers)
    assert r.status_code == 201 and r.json()["complete"] is True
    r = client.post(f"{base}/{cid}/members", json={"kind": "party_org", "ref": str(street["parties"][2]),
                                                   "joined_on": "2024-05-01"}, headers=headers)
    assert r.status_code == 201
    members = r.json()["members"]
    assert members[0]["name"] == f"支部2{street['tag']}" and members[0]["joined_on"] == "2024-05-01"
    r = client.post(f"{base}/{cid}/members/{members[0]['id']}/end", json={"left_on": "2024-06-01"}, headers=headers)
    assert r.status_code == 201 and r.json()["members"][0]["left_on"] == "2024-06-01"
    r = client.patch(f"{base}/{cid}", json={"area": "新区"}, headers=headers)
    assert r.status_code == 200 and r.json()["area"] == "新区" and r.json()["attributes"]["community"] == "桃子湖社区"
    listing = client.get(base, params={"type": JOINT.key}, headers=headers).json()
    assert cid in [i["id"] for i in listing["items"]]
    assert client.delete(f"{base}/{cid}", headers=headers).json()["archived_on"] is not None


def test_permissions_and_other_tenants(street, as_user, api_token):
    from core.db import scoped_session
    from core.registry.services import clusters as svc
    from core.tenancy import tree

    with scoped_session(street["id"]) as s:
        cid = svc.create_cluster(s, {"name": unique("隔离"), "cluster_type": "core.group"},
                                 svc.cluster_types(tree().by_id[street["id"]])).id
    base = f"/t/{street['slug']}/clusters"
    viewer = as_user("yuelu_viewer")  # registry:read, no clusters:write
    assert viewer.get(f"{base}/{cid}").status_code == 200
    assert post_form(viewer, f"{base}/{cid}/leaders", {"title": "leader", "person_name": "x"}).status_code == 403
    assert viewer.get(f"{base}/new").status_code == 403
    r = viewer.post(f"/api/t/{street['slug']}/clusters", json={"name": "x", "cluster_type": "core.group"},
                    headers=api_token("yuelu_viewer"))
    assert r.status_code == 403
    # the same id under another tenant the user can reach: 404
    admin = as_user("yuelu_admin")
    assert admin.get(f"/t/wangyuehu/clusters/{cid}").status_code == 404
    assert post_form(admin, f"/t/wangyuehu/clusters/{cid}/members", {"ref": "1"}).status_code == 404
    assert admin.get(f"/api/t/wangyuehu/clusters/{cid}", headers=api_token("yuelu_admin")).status_code == 404
    # users of other tenants do not see the street at all
    assert as_user("dfh_admin").get(f"{base}/{cid}").status_code == 404


def test_org_secretary_sees_only_clusters_of_own_organization(database, as_user, api_token):
    from core.db import scoped_session
    from core.models import User
    from core.registry.models import Organization, UserOrganization
    from core.registry.services import clusters as svc
    from core.tenancy import tree

    tenant = tree().by_slug["dongfanghong"]
    tag = unique("书记")
    with scoped_session(tenant.id) as s:
        s.info["username"] = "test"
        mine, other = Organization(name=f"本单位{tag}", kind="enterprise"), Organization(name=f"别家{tag}", kind="social")
        s.add_all([mine, other])
        s.flush()
        uid = s.scalar(select(User.id).where(User.username == "dfh_secretary"))
        s.add(UserOrganization(user_id=uid, organization_id=mine.id))
        types = svc.cluster_types(tenant)
        with_me = svc.create_cluster(s, {"name": f"含本单位{tag}", "cluster_type": "core.group"}, types)
        without = svc.create_cluster(s, {"name": f"不含本单位{tag}", "cluster_type": "core.group"}, types)
        for c, orgs in ((with_me, (mine, other)), (without, (other,))):
            for o in orgs:
                svc.add_member(s, c, {"kind": "organization", "ref": str(o.id)}, types)
        ids = (with_me.id, without.id)
    client = as_user("dfh_secretary")
    listing = client.get("/t/dongfanghong/clusters", params={"q": tag}).text
    assert f"含本单位{tag}" in listing and f"不含本单位{tag}" not in listing
    page = client.get(f"/t/dongfanghong/clusters/{ids[0]}")
    assert page.status_code == 200
    assert f"本单位{tag}" in page.text and f"别家{tag}" not in page.text and "另有 1 个成员" in page.text
    assert client.get(f"/t/dongfanghong/clusters/{ids[1]}").status_code == 404
    headers = api_token("dfh_secretary")
    assert client.get(f"/api/t/dongfanghong/clusters/{ids[1]}", headers=headers).status_code == 404
    body = client.get(f"/api/t/dongfanghong/clusters/{ids[0]}", headers=headers).json()
    assert [m["name"] for m in body["members"]] == [f"本单位{tag}"]
    # staff see everything
    staff = as_user("dfh_staff").get(f"/t/dongfanghong/clusters/{ids[0]}").text
    assert f"别家{tag}" in staff
