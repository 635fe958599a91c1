"""The changsha program (seed 003): CS-1 楼宇商圈党建点 — three sides, 党群服务中心 三位一体,
三项保障 checklist and 提质升级 status, the district's and the city's views —, CS-2 the census of
the nine groups, associations and the platform enterprises' HQ rule; permissions and another
tenant's rows; the 长沙 demo."""

from __future__ import annotations

from sqlalchemy import select

from core import clock
from core.db import open_session, scoped_session
from core.permissions import build_catalog
from core.plugins import registry
from plugins.changsha.models import GroupCensus, Platform, Point
from tests.helpers import post_form, text_of

PDF = b"%PDF-1.4\n% test\n%%EOF\n"


def test_meta_permissions_and_roles():
    reg = registry()
    catalog = build_catalog(reg.pm)
    assert {"changsha:read", "changsha:write"} <= set(catalog.permissions)
    assert "changsha:write" in catalog.roles["staff"].permissions
    assert "changsha:write" not in catalog.roles["viewer"].permissions
    assert reg.validate_settings("changsha", {}).existing_points == 82  # the seed's 82 points


# --- CS-1 a point's status, checklist and gaps ------------------------------------------------------


def _point_row(tenant_id: int, cluster_id: int) -> Point | None:
    with open_session(tenant_id) as s:
        return s.scalar(select(Point).where(Point.cluster_id == cluster_id))


def test_upgrade_needs_sides_centre_and_passed_guarantees(world, login_as):
    from plugins.checklists import api as checklists
    from plugins.sites import api as sites

    c = login_as(world.users["staff_a"])
    cid = world.rows["a_point"]
    url = f"/t/{world.a.slug}/changsha/points/{cid}"
    page = c.get(url)
    assert page.status_code == 200 and "三方进入缺政府职能部门方" in text_of(page.text)
    assert "未开展三项保障检查" in page.text
    # 已提质升级 is refused while a side, the 三位一体 centre and the passed checklist are missing
    bad = post_form(c, url, {"existing": "1", "status": "upgraded"})
    assert bad.status_code == 422
    msg = text_of(bad.text)
    assert "已提质升级须先落实三方进入（政府职能部门方）" in msg and "三项保障检查验收通过" in msg
    assert _point_row(world.a.id, cid) is None  # nothing saved
    # a new point cannot be 待提质升级; a site of another tenant is not found
    with scoped_session(world.b.id) as s:
        other = sites.create_site(s, world.b, {"kind": "sites.service_centre", "name": "乙党群服务中心", "grade": "area",
                                                "manager_kind": "tenant", "services": "党建服务\n企业服务\n群众服务"})
        other_id = other.id
    bad = post_form(c, url, {"status": "pending", "centre_site_id": str(other_id)})
    assert bad.status_code == 422
    assert "新建的党建点应为新建中或已建成" in bad.text and "请选择本辖区登记的党群服务中心" in bad.text
    ok = post_form(c, url, {"existing": "1", "status": "upgrading", "target_year": str(clock.today().year)},
                   follow_redirects=False)
    assert ok.status_code == 303 and _point_row(world.a.id, cid).status == "upgrading"
    # start the 三项保障 checklist through the program's page, then check it with evidence
    started = post_form(c, f"{url}/guarantees", follow_redirects=False)
    assert started.status_code == 303 and "/checklists/" in started.headers["location"]
    checklist_id = int(started.headers["location"].rstrip("/").rsplit("/", 1)[1])
    today = clock.today()
    with scoped_session(world.a.id) as s:
        from core.registry.models import ClusterLeader

        cl = s.get(checklists.Checklist, checklist_id)
        assert [i.key for i in cl.items] == ["staff", "funds", "venue"]
        for item in cl.items[:2]:
            checklists.add_evidence(s, cl, item, "evidence.pdf", PDF)
            checklists.check_item(s, cl, item, {"status": "done"}, today, "test")
        centre = sites.create_site(s, world.a, {"kind": "sites.service_centre", "name": "甲大厦党群服务中心",
                                                "grade": "area", "manager_kind": "tenant",
                                                "services": "党建服务\n企业服务"})
        centre_id = centre.id
        s.add(ClusterLeader(cluster_id=cid, title="department", person_name="市场监管所代表"))
    ok = post_form(c, url, {"existing": "1", "status": "upgrading", "centre_site_id": str(centre_id)},
                   follow_redirects=False)
    assert ok.status_code == 303
    page = text_of(c.get(url).text)
    assert "三项保障未落实：配套场地" in page and "党群服务中心缺群众服务" in page
    bad = post_form(c, url, {"existing": "1", "status": "upgraded", "centre_site_id": str(centre_id)})
    assert bad.status_code == 422 and "三位一体”（群众服务）" in text_of(bad.text)
    with scoped_session(world.a.id) as s:
        cl = s.get(checklists.Checklist, checklist_id)
        venue = cl.items[2]
        checklists.add_evidence(s, cl, venue, "venue.pdf", PDF)
        checklists.check_item(s, cl, venue, {"status": "done"}, today, "test")
        checklists.decide(s, cl, "pass", {}, today, "test")
        sites.update_site(s, world.a, s.get(sites.Site, centre_id), {"name": "甲大厦党群服务中心", "grade": "area", "manager_kind": "tenant",
                                                                    "services": "党建服务\n企业服务\n群众服务"})
    ok = post_form(c, url, {"existing": "1", "status": "upgraded", "centre_site_id": str(centre_id)},
                   follow_redirects=False)
    assert ok.status_code == 303, text_of(ok.text)[:400]
    row = _point_row(world.a.id, cid)
    assert row.status == "upgraded" and row.centre_site_id == centre_id
    page = c.get(url).text
    assert "已提质升级" in page and "changsha-point-gaps" not in page  # no gap left


def test_district_sees_its_streets_points_and_a_sibling_does_not(world, client, api_token):
    district = api_token(world.users["staff_d"])
    r = client.get(f"/api/t/{world.district.slug}/changsha/points", headers=district)
    assert r.status_code == 200, r.text
    names = {p["name"]: p for p in r.json()}
    assert {"甲科技大厦党建点", "甲商圈党建点", "乙专业市场党建点"} <= set(names)
    assert "兄弟楼宇党建点" not in names
    market = names["乙专业市场党建点"]
    assert market["tenant"] == world.b.slug and market["sides"] == {"operator": ["operator代表人"]}
    assert "三方进入缺企业方、政府职能部门方" in market["gaps"] and "未开展三项保障检查" in market["gaps"]
    # filters: by kind, by gap, by street
    kinds = client.get(f"/api/t/{world.district.slug}/changsha/points", headers=district,
                       params={"kind": "changsha.market"}).json()
    assert [p["name"] for p in kinds] == ["乙专业市场党建点"]
    by_b = client.get(f"/api/t/{world.district.slug}/changsha/points", headers=district,
                      params={"area": str(world.b.id)}).json()
    assert [p["name"] for p in by_b] == ["乙专业市场党建点"]
    # a street sees its own points only; another street's and the sibling district's ids are not found
    street_b = api_token(world.users["staff_b"])
    own = client.get(f"/api/t/{world.b.slug}/changsha/points", headers=street_b).json()
    assert [p["name"] for p in own] == ["乙专业市场党建点"]
    assert client.post(f"/api/t/{world.b.slug}/changsha/points/{world.rows['a_point']}", headers=street_b,
                       json={"existing": True, "status": "pending"}).status_code == 404
    sibling = api_token(world.users["staff_x"])
    listed = client.get(f"/api/t/{world.sibling.slug}/changsha/points", headers=sibling).json()
    assert [p["name"] for p in listed] == ["兄弟楼宇党建点"]
    assert client.get(f"/api/t/{world.district.slug}/changsha/points", headers=sibling).status_code in (403, 404)


def test_district_pages_roll_up_and_open_a_street_point_read_only(world, login_as):
    c = login_as(world.users["staff_d"])
    home = c.get(f"/t/{world.district.slug}/changsha/")
    assert home.status_code == 200
    text = text_of(home.text)
    for word in ("按区域", "按类型", world.a.name, world.b.name, "专职人员未落实", "新业态新就业群体"):
        assert word in text, word
    listing = c.get(f"/t/{world.district.slug}/changsha/points", params={"gap": "sides"})
    assert "乙专业市场党建点" in listing.text
    page = c.get(f"/t/{world.district.slug}/changsha/points/{world.rows['b_point']}")
    assert page.status_code == 200 and "只读" in page.text and 'name="status"' not in page.text
    # the district cannot write a street's point, and a sibling's point is not found
    assert post_form(c, f"/t/{world.district.slug}/changsha/points/{world.rows['b_point']}",
                     {"status": "pending", "existing": "1"}).status_code == 404
    assert c.get(f"/t/{world.district.slug}/changsha/points/{world.rows['s_point']}").status_code == 404


def test_permissions(world, login_as, client, api_token):
    c = login_as(world.users["viewer_a"])
    assert c.get(f"/t/{world.a.slug}/changsha/points/{world.rows['a_circle']}").status_code == 200
    assert post_form(c, f"/t/{world.a.slug}/changsha/points/{world.rows['a_circle']}",
                     {"status": "pending", "existing": "1"}).status_code == 403
    assert post_form(c, f"/t/{world.a.slug}/changsha/groups", {"group_key": "courier"}).status_code == 403
    headers = api_token(world.users["viewer_a"])
    assert client.post(f"/api/t/{world.a.slug}/changsha/platforms", headers=headers,
                       json={"name": "x", "hq": "elsewhere"}).status_code == 403
    # a user of another street has no role here
    other = api_token(world.users["staff_b"])
    assert client.get(f"/api/t/{world.a.slug}/changsha/census", headers=other).status_code in (403, 404)


# --- CS-2 ----------------------------------------------------------------------------------------------


def test_census_with_seed_departments_and_field_errors(world, login_as, client, api_token):
    headers = api_token(world.users["staff_a"])
    base = f"/api/t/{world.a.slug}/changsha/census"
    year = clock.today().year
    census = {r["group"]: r for r in client.get(base, headers=headers).json()}
    assert len(census) == 9 and census["courier"]["headcount"] is None
    # the seed's responsible departments are the defaults
    assert census["courier"]["department"] == "交通运输部门、邮政管理部门" and census["courier"]["department_is_default"]
    assert census["streamer"]["department"] == "网信部门" and census["writer"]["department"] == "文联"
    assert census["housekeeping"]["department"] == "市场监管部门"
    r = client.post(base, headers=headers, json={"group_key": "courier", "year": year, "headcount": 120,
                                                 "party_members": 8})
    assert r.status_code == 200, r.text
    assert r.json()["headcount"] == 120
    # hostile input: field-level Chinese errors, nothing saved
    c = login_as(world.users["staff_a"])
    bad = post_form(c, f"/t/{world.a.slug}/changsha/groups", {
        "group_key": "delivery", "year": str(year), "headcount": "10", "party_members": "11",
        "platform_ids": "999999", "department_unit_id": "abc"})
    assert bad.status_code == 422
    msg = text_of(bad.text)
    assert "其中党员：不能多于从业人数" in msg and "主要平台：请选择本辖区登记的互联网平台企业" in msg
    assert "主管部门：请选择本辖区登记的单位" in msg
    bad = client.post(base, headers=headers, json={"group_key": "pilot", "year": year + 1, "headcount": -1,
                                                   "party_members": 0})
    assert bad.status_code in (400, 422)
    with open_session(world.a.id) as s:
        assert {r.group_key for r in s.scalars(select(GroupCensus))} == {"courier"}
    page = c.get(f"/t/{world.a.slug}/changsha/groups")
    assert page.status_code == 200 and "快递员" in page.text and "网络作家" in page.text
    # the district totals its streets
    d = login_as(world.users["staff_d"])
    assert "下辖区域底数" in d.get(f"/t/{world.district.slug}/changsha/groups").text


def test_platform_hq_rule_and_association_gaps(world, client, api_token):
    headers = api_token(world.users["staff_a"])
    base = f"/api/t/{world.a.slug}/changsha"
    r = client.post(f"{base}/platforms", headers=headers, json={
        "name": "甲测试平台", "hq": "local", "organization_id": world.rows["a_hq"], "groups": ["delivery"]})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert [g["problem"] for g in r.json()["gaps"]] == ["总部未建党委"]
    # a branch without a party org is a gap; an HQ-elsewhere kind is refused for a local platform
    bad = client.post(f"{base}/platforms/{pid}/units", headers=headers,
                      json={"organization_id": world.rows["a_branch"], "unit_kind": "dispatch"})
    assert bad.status_code in (400, 422) and "分支机构" in bad.text
    r = client.post(f"{base}/platforms/{pid}/units", headers=headers,
                    json={"organization_id": world.rows["a_branch"], "unit_kind": "outlet"})
    assert r.status_code == 201, r.text
    assert {g["problem"] for g in r.json()["gaps"]} == {"总部未建党委", "基层网点未建党支部"}
    # another tenant's organization is not found
    other = client.post(f"{base}/platforms/{pid}/units", headers=headers,
                        json={"organization_id": world.rows["b_org"], "unit_kind": "branch"})
    assert other.status_code in (400, 422) and "请选择本辖区台账中的两新组织" in other.text
    with scoped_session(world.a.id) as s:
        from core.registry.models import Organization, PartyOrg, PartyOrgCoverage

        for oid, name, kind in ((world.rows["a_hq"], "甲平台党委", "committee"), (world.rows["a_branch"], "甲网点党支部", "branch")):
            po = PartyOrg(name=name, org_type=kind)
            s.add(po)
            s.flush()
            s.add(PartyOrgCoverage(party_org_id=po.id, organization_id=oid))
        assert s.get(Organization, world.rows["a_hq"]) is not None
    gaps = {p["name"]: p["gaps"] for p in client.get(f"{base}/platforms", headers=headers).json()}
    assert gaps["甲测试平台"] == []
    # HQ elsewhere: its city is required; without units in 长沙 it is a gap
    bad = client.post(f"{base}/platforms", headers=headers, json={"name": "外地平台", "hq": "elsewhere", "groups": []})
    assert bad.status_code in (400, 422) and "总部所在城市：必填" in bad.text and "服务群体：至少选择一类" in bad.text
    r = client.post(f"{base}/platforms", headers=headers,
                    json={"name": "外地平台", "hq": "elsewhere", "hq_city": "杭州", "groups": ["courier"]})
    assert r.status_code == 201 and r.json()["gaps"][0]["problem"].startswith("尚未登记在长")
    with open_session(world.a.id) as s:
        assert {p.name for p in s.scalars(select(Platform))} == {"甲测试平台", "外地平台"}
    # associations: the party org comes from the registry's coverage
    r = client.post(f"{base}/associations", headers=headers,
                    json={"organization_id": world.rows["a_assoc"], "group_key": "courier", "kind": "association"})
    assert r.status_code == 201 and r.json()["party_orgs"] == []
    again = client.post(f"{base}/associations", headers=headers,
                        json={"organization_id": world.rows["a_assoc"], "group_key": "xx", "kind": ""})
    assert again.status_code in (400, 422) and "该组织已登记" in again.text and "请选择九类新就业群体之一" in again.text


# --- the 长沙 demo -----------------------------------------------------------------------------------


def test_city_demo_view_by_district_kind_and_gaps(as_user, client, api_token):
    c = as_user("changsha_admin")
    r = c.get("/t/changsha/changsha/")
    assert r.status_code == 200
    text = text_of(r.text)
    for word in ("岳麓区", "芙蓉区", "本级直属", "楼宇", "特色小镇", "配套场地未落实", "/ 82", "货车司机红色之家"):
        assert word in text, word
    points = client.get("/api/t/changsha/changsha/points", headers=api_token("changsha_admin")).json()
    by_tenant: dict[str, list] = {}
    for p in points:
        by_tenant.setdefault(p["tenant"], []).append(p)
    assert len(by_tenant["dingwangtai"]) == 4 and len(by_tenant["furong"]) == 2 and len(by_tenant["yuelu"]) == 5
    assert {p["status"] for p in points} >= {"pending", "upgrading", "upgraded", "building", "built"}
    done = [p for p in points if p["status"] == "upgraded"]
    assert done and all(p["gaps"] == [] and p["checklist_status"] == "passed" for p in done)
    assert any(p["demands"] and p["projects"] and p["resources"] for p in points)
    platforms = client.get("/api/t/changsha/changsha/platforms", headers=api_token("changsha_admin")).json()
    problems = {g["problem"] for p in platforms for g in p["gaps"]}
    assert problems == {"基层网点未建党支部", "劳务派遣公司未建党组织", "配送代理商未建党组织"}


# --- CS-5 助力千企 ---------------------------------------------------------------------------------------


def test_qianqi_steps_counted_over_the_district(world, login_as):
    import datetime as dt

    from plugins.lists import api as lists

    today = clock.today()
    access = lists.system_access("test")
    with scoped_session(world.b.id) as s:
        res = lists.create_resource(s, access, world.b, {"title": "乙区税务服务", "category": "tax",
                                                         "provider_kind": "department", "provider_name": "税务所"}, today)
        for n, step in enumerate(("submitted", "accepted", "late", "closed")):
            d = lists.submit_demand(s, access, world.b, {
                "organization_id": str(world.rows["b_org"]), "title": f"助力千企测试{n}", "category": "tax",
                "action_tag": "qianqi"}, today - dt.timedelta(days=40))
            if step == "submitted":
                continue
            lists.accept(s, access, world.b, d, {"triage_level": "individual"}, today - dt.timedelta(days=39))
            if step == "accepted":
                continue
            w = lists.match(s, access, world.b, d, {"resource_ids": [res.id], "owner_name": "税务所", "kind": "assign",
                                                   "triage_level": "individual",
                                                   "deadline": (today - dt.timedelta(days=5)).isoformat()},
                            today - dt.timedelta(days=38))
            if step == "closed":
                lists.complete_work(s, access, w, {"result": "已辅导"}, today - dt.timedelta(days=10))
                lists.resolve(s, access, world.b, d, {"resolution": "已解决", "triage_level": "individual"},
                              today - dt.timedelta(days=10))
    c = login_as(world.users["staff_d"])
    page = c.get(f"/t/{world.district.slug}/changsha/")
    text = text_of(page.text)
    assert "收集： 1" in text and "梳理： 1" in text and "交办： 1" in text and "办结： 1" in text, text[-600:]
    assert "交办事项超过办理期限：1" in text
    # the street's own list of 助力千企 difficulties is the lists engine's, filtered by the special action
    street = login_as(world.users["staff_b"])
    listed = street.get(f"/t/{world.b.slug}/lists/demands", params={"action": "qianqi"})
    assert listed.status_code == 200 and "助力千企测试3" in listed.text


# --- CS-3 产业链党建 ----------------------------------------------------------------------------------


def test_chain_across_two_streets_seen_by_them_not_by_a_sibling(world, client, api_token):
    def chains(user, tenant):
        r = client.get(f"/api/t/{tenant.slug}/changsha/chains", headers=api_token(world.users[user]))
        assert r.status_code == 200, r.text
        return {c["name"]: c for c in r.json()}

    district = chains("staff_d", world.district)["测试智能制造产业链党委"]
    assert {m["name"] for m in district["members"]} == {"甲企业党支部", "乙企业党支部"}
    assert district["party_committee"] == "测试产业链党委" and district["gaps"] == ["三方进入缺协会联盟方"]
    street_a = chains("staff_a", world.a)["测试智能制造产业链党委"]
    assert [m["name"] for m in street_a["members"]] == ["甲企业党支部"] and street_a["members_elsewhere"] == 1
    assert street_a["owner"] == world.district.name
    assert chains("staff_x", world.sibling) == {} and chains("staff_b", world.b)["测试智能制造产业链党委"]
    # the core's shared view agrees: the sibling district's street does not find it
    headers = api_token(world.users["staff_x"])
    assert client.get(f"/api/t/{world.s.slug}/clusters/shared/{world.rows['chain']}", headers=headers).status_code in (403, 404)


def test_whistle_to_closing_with_permissions(world, client, api_token):
    """吹哨报到: an enterprise's difficulty tagged 吹哨报到, the street accepts it, a department
    reports (a work item with a deadline), closes it; a viewer may not act; one is escalated."""
    from plugins.lists import api as lists

    staff, viewer = api_token(world.users["staff_a"]), api_token(world.users["viewer_a"])
    base = f"/api/t/{world.a.slug}/lists"
    r = client.post(f"{base}/demands", headers=staff, json={
        "organization_id": world.rows["a_e1"], "title": "关键零部件物流受阻", "category": "logistics",
        "urgency": "urgent", "action_tag": "whistle"})
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    assert client.post(f"{base}/demands/{did}/accept", headers=viewer, json={"triage_level": "department"}).status_code == 403
    assert client.post(f"{base}/demands/{did}/accept", headers=staff, json={"triage_level": "department"}).status_code == 200
    with scoped_session(world.a.id) as s:
        res = lists.create_resource(s, lists.system_access("test"), world.a, {
            "title": "区交通运输局物流保障", "category": "logistics", "provider_kind": "department",
            "provider_name": "区交通运输局"}, clock.today())
        res_id = res.id
    w = client.post(f"{base}/demands/{did}/works", headers=staff, json={
        "resource_ids": [res_id], "owner_name": "区交通运输局", "kind": "report", "triage_level": "department",
        "deadline": clock.today().isoformat()})
    assert w.status_code == 201, w.text
    early = client.post(f"{base}/demands/{did}/resolve", headers=staff, json={"resolution": "已解决", "triage_level": "department"})
    assert early.status_code == 422 and "清单事项未完成" in early.text  # the department has not reported back yet
    assert client.post(f"{base}/works/{w.json()['id']}/complete", headers=viewer, json={"result": "x"}).status_code in (403, 404)
    done = client.post(f"{base}/works/{w.json()['id']}/complete", headers=staff, json={"result": "部门已报到并疏通物流"})
    assert done.status_code == 200, done.text
    bad = client.post(f"{base}/demands/{did}/resolve", headers=staff, json={"resolution": ""})
    assert bad.status_code == 422
    ok = client.post(f"{base}/demands/{did}/resolve", headers=staff, json={"resolution": "已开辟绿色通道", "triage_level": "department"})
    assert ok.status_code == 200, ok.text
    # a second whistle goes up to the district (对上协调)
    r = client.post(f"{base}/demands", headers=staff, json={
        "organization_id": world.rows["a_e1"], "title": "扩产用电增容", "category": "energy", "urgency": "urgent",
        "action_tag": "whistle"})
    second = r.json()["id"]
    assert client.post(f"{base}/demands/{second}/accept", headers=staff, json={"triage_level": "department"}).status_code == 200
    up = client.post(f"{base}/demands/{second}/escalate", headers=staff, json={"escalation_reason": "需区里协调供电"})
    assert up.status_code == 200, up.text
    chain = {c["name"]: c for c in client.get(f"/api/t/{world.district.slug}/changsha/chains",
                                               headers=api_token(world.users["staff_d"])).json()}["测试智能制造产业链党委"]
    assert chain["whistles_closed"] == 1 and chain["whistles_open"] == 1 and chain["whistles_escalated"] == 1
