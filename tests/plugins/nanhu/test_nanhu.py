"""The nanhu program through the web: NH-1 targets from fixed registry rows, the talent ledger,
the monthly 一课一片一实践 check, 清廉民企, disclosures, results use, the 企业点单 → 联盟汇总 →
部门服务 flow on the lists engine, enablement per tenant, and the 南湖新区 demo figures."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core import clock
from core.db import open_session, scoped_session
from core.plugins import registry
from core.tenancy import operator_session, tree
from plugins.nanhu.models import Talent, ThemeDay
from tests.helpers import post_form, tenant_id, unique
from tests.worlds import make_tenants


def _figures(rows):
    return {f["key"]: f for f in rows}


# --- NH-1 targets from fixed registry data --------------------------------------------------------


SOCIAL, ENTERPRISE, WORK = "indicators.coverage_social", "indicators.coverage_enterprise", "indicators.work_coverage"
MEMBER_ORG, NEW, TALENTS, SOLVED = "nanhu.member_org_rate", "nanhu.new_branches", "nanhu.talents", "nanhu.solved"


def test_targets_api(world, client, api_token):
    headers = api_token(world.users["staff"])
    r = client.get(f"/api/t/{world.district.slug}/nanhu/targets", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    a = _figures(body["streets"][world.a.slug])
    assert a[SOCIAL]["actual"] == 75.0 and a[ENTERPRISE]["actual"] == 80.0
    assert a[MEMBER_ORG]["actual"] == 100.0 and a[NEW]["actual"] == 2.0
    assert a[WORK]["actual"] == 77.8
    # the seed's figures are the district's default targets, not a street's
    assert a[SOCIAL]["target"] is None and a[SOCIAL]["met"] is None
    b = _figures(body["streets"][world.b.slug])
    assert b[SOCIAL]["actual"] == 100.0 and b[ENTERPRISE]["actual"] == 50.0
    assert b[MEMBER_ORG]["actual"] == 66.7 and b[NEW]["actual"] == 1.0
    # rolled up over the district's subtree: both streets plus the district's own three enterprises
    total = _figures(body["figures"])
    assert total[SOCIAL]["actual"] == 80.0 and total[SOCIAL]["target"] == 96.5
    assert total[SOCIAL]["met"] is False and total[SOCIAL]["gap"] == 16.5
    assert total[ENTERPRISE]["actual"] == 50.0 and total[ENTERPRISE]["target"] == 94.6
    assert total[MEMBER_ORG]["actual"] == 90.0 and total[MEMBER_ORG]["target"] == 100.0
    assert total[NEW]["actual"] == 3.0 and total[NEW]["target"] == 38.0 and total[NEW]["gap"] == 35.0
    assert total[TALENTS]["target"] == 1300.0 and total[SOLVED]["target"] == 800.0
    # a street sees its own figures only
    street = client.get(f"/api/t/{world.a.slug}/nanhu/targets", headers=api_token(world.users["street_staff"])).json()
    assert street["streets"] == {} and _figures(street["figures"])[SOCIAL]["actual"] == 75.0
    # and may not read the district's
    assert client.get(f"/api/t/{world.district.slug}/nanhu/targets",
                      headers=api_token(world.users["street_staff"])).status_code in (403, 404)


def test_a_tenant_target_replaces_the_seed_default(world, client, api_token):
    headers = api_token(world.users["street_staff"])
    year = str(clock.today().year)
    r = client.post(f"/api/t/{world.a.slug}/indicators/targets", headers=headers,
                    json={"indicator": ENTERPRISE, "period_kind": "year", "period": year, "value": "80"})
    assert r.status_code in (200, 201), r.text
    ent = _figures(client.get(f"/api/t/{world.a.slug}/nanhu/targets", headers=headers).json()["figures"])[ENTERPRISE]
    assert ent["target"] == 80.0 and ent["met"] is True and ent["gap"] == 0.0


def test_dashboard_shows_four_projects_and_streets(world, login_as):
    c = login_as(world.users["staff"])
    r = c.get(f"/t/{world.district.slug}/nanhu/")
    assert r.status_code == 200
    for word in ("强基工程", "赋能工程", "共建工程", "清朗工程", "社会组织党组织覆盖率", world.a.name, world.b.name,
                 "测试产业链党建联盟"):
        assert word in r.text, word


# --- NH-2 人才招引 ---------------------------------------------------------------------------------


def _talents(tenant_id_: int, **where):
    with open_session(tenant_id_) as s:
        stmt = select(Talent)
        for k, v in where.items():
            stmt = stmt.where(getattr(Talent, k) == v)
        return list(s.scalars(stmt))


def test_talent_ledger_records_people_and_batches(world, login_as):
    c = login_as(world.users["staff"])
    url = f"/t/{world.district.slug}/nanhu/talents"
    position = unique("数控技师")
    ok = post_form(c, url, {"organization_id": str(world.orgs["d.e1"]), "person_name": "", "headcount": "12",
                            "category": "tight", "method": "campus", "position": position,
                            "recruited_on": "2026-03-05"}, follow_redirects=False)
    assert ok.status_code == 303
    [row] = _talents(world.district.id, position=position)
    assert row.headcount == 12 and row.category == "tight" and row.method == "campus"
    page = c.get(url, params={"q": position})
    assert position in page.text and "紧俏性人才" in page.text and "高校招揽" in page.text
    # a named person counts one; a name with a headcount ≠ 1, a bad category, a future date: 422, nothing saved
    bad_pos = unique("岗位")
    bad = post_form(c, url, {"organization_id": str(world.orgs["d.e1"]), "person_name": "张三", "headcount": "3",
                             "category": "rare", "method": "market", "position": bad_pos,
                             "recruited_on": (clock.today() + dt.timedelta(days=3)).isoformat()})
    assert bad.status_code == 422
    assert "填写了姓名时人数应为 1" in bad.text and "请选择人才类别" in bad.text and "招引日期不能晚于今天" in bad.text
    assert _talents(world.district.id, position=bad_pos) == []
    # another tenant's organization is not found
    other = post_form(c, url, {"organization_id": str(world.orgs["a.social0"]), "category": "scarce",
                               "method": "market", "recruited_on": "2026-01-05"})
    assert other.status_code == 422 and "请选择两新组织" in other.text
    export = c.get(url, params={"format": "xlsx", "q": position})
    assert export.status_code == 200 and export.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_talent_api_and_permissions(world, client, api_token):
    base = f"/api/t/{world.district.slug}/nanhu/talents"
    position = unique("API岗位")
    r = client.post(base, json={"organization_id": world.orgs["d.e2"], "person_name": "李四", "category": "scarce",
                                "method": "enclave", "position": position, "recruited_on": "2026-02-01"},
                    headers=api_token(world.users["staff"]))
    assert r.status_code == 201, r.text
    assert r.json()["headcount"] == 1
    listed = client.get(base, params={"q": position}, headers=api_token(world.users["viewer"])).json()
    assert listed["total"] == 1 and listed["total_people"] == 1
    # a viewer reads but may not write
    denied = client.post(base, json={"organization_id": world.orgs["d.e2"], "category": "scarce", "method": "market",
                                     "recruited_on": "2026-02-01"}, headers=api_token(world.users["viewer"]))
    assert denied.status_code == 403
    bad = client.post(base, json={"organization_id": world.orgs["d.e2"], "category": "x", "method": "market",
                                  "recruited_on": "2026-02-30"}, headers=api_token(world.users["staff"]))
    assert bad.status_code == 422 and set(bad.json()["extra"]["errors"]) == {"category", "recruited_on"}


# --- NH-4 一月一课一片一实践 -------------------------------------------------------------------------


def test_monthly_theme_day_three_part_check(world, login_as, client, api_token):
    c = login_as(world.users["street_staff"])
    month = clock.today().replace(day=1)
    m = f"{month:%Y-%m}"
    po = world.party_orgs["a.social0"]
    url = f"/t/{world.a.slug}/nanhu/theme-days"
    page = c.get(url, params={"month": m})
    assert page.status_code == 200 and "甲social党支部0" in page.text
    # two parts done
    r = post_form(c, url, {"party_org_id": str(po), "month": m, "lesson_done": "1", "lesson_topic": "廉洁从业党课",
                           "film_done": "1", "film_title": "《零容忍》"}, follow_redirects=False)
    assert r.status_code == 303
    with open_session(world.a.id) as s:
        row = s.scalar(select(ThemeDay).where(ThemeDay.party_org_id == po, ThemeDay.month == month))
        assert (row.lesson_done, row.film_done, row.practice_done) == (True, True, False)
    api = client.get(f"/api/t/{world.a.slug}/nanhu/theme-days", params={"month": m},
                     headers=api_token(world.users["street_staff"])).json()
    mine = next(x for x in api if x["party_org_id"] == po)
    assert mine["complete"] is False
    # a part marked done without its content, a future month: field errors, nothing changed
    bad = post_form(c, url, {"party_org_id": str(po), "month": m, "practice_done": "1"})
    assert bad.status_code == 422 and "请填写实践内容" in bad.text
    nxt = (month + dt.timedelta(days=40)).replace(day=1)
    future = post_form(c, url, {"party_org_id": str(po), "month": f"{nxt:%Y-%m}"})
    assert future.status_code == 422 and "不能检查尚未到来的月份" in future.text
    # the third part completes it (same row, corrected)
    r = client.post(f"/api/t/{world.a.slug}/nanhu/theme-days", headers=api_token(world.users["street_staff"]),
                    json={"party_org_id": po, "month": m, "lesson_done": True, "lesson_topic": "廉洁从业党课",
                          "film_done": True, "film_title": "《零容忍》", "practice_done": True,
                          "practice_note": "参观廉政教育基地"})
    assert r.status_code == 200 and r.json()["complete"] is True
    with open_session(world.a.id) as s:
        assert s.scalar(select(func.count()).select_from(ThemeDay).where(ThemeDay.party_org_id == po)) == 1
    # another street's party org is not found
    other = post_form(c, url, {"party_org_id": str(world.party_orgs["b.social0"]), "month": m})
    assert other.status_code == 422 and "请选择党组织" in other.text


# --- NH-4 清廉民企 and disclosures ----------------------------------------------------------------------


def test_clean_enterprise_is_a_designation_named_only_with_the_charter_evidence_file(world, client, api_token, login_as):
    from tests.worlds import make_users

    headers = api_token(world.users["staff"])
    base = f"/api/t/{world.district.slug}/designations"
    org = world.orgs["d.e1"]
    started = clock.today() - dt.timedelta(days=60)
    r = client.post(f"{base}/", headers=headers, json={
        "kind": "nanhu.clean_enterprise", "subject_kind": "organization", "subject_id": org, "level": "district",
        "awarded_on": started.isoformat(), "basis": "清廉条款：严禁商业贿赂"})
    assert r.status_code == 201 and r.json()["status"] == "applied", r.text  # 创建中
    did = r.json()["id"]
    users, _ = make_users("nhc", [("reviewer", "staff", world.district)])
    review = api_token(users["reviewer"])
    accepted = (started + dt.timedelta(days=45)).isoformat()
    refused = client.post(f"{base}/{did}/review", headers=review, json={"action": "approve", "awarded_on": accepted})
    assert refused.status_code == 422 and "请先上传佐证文件：清廉条款写入企业章程的佐证" in refused.text
    assert client.get(f"{base}/{did}", headers=headers).json()["status"] == "applied"  # nothing half-saved
    page = login_as(world.users["staff"]).get(f"/t/{world.district.slug}/designations/{did}")
    assert "必备佐证" in page.text and "尚未上传" in page.text
    bad = client.post(f"{base}/{did}/files", headers=headers, files={"file": ("决议.pdf", b"not a pdf", "application/pdf")})
    assert bad.status_code == 422 and "不符" in bad.text
    up = client.post(f"{base}/{did}/files", headers=headers,
                     files={"file": ("2026年第1次股东会决议.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
    assert up.status_code == 201, up.text
    future = client.post(f"{base}/{did}/review", headers=review, json={
        "action": "approve", "awarded_on": (clock.today() + dt.timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and "不能晚于今天" in future.text
    ok = client.post(f"{base}/{did}/review", headers=review, json={"action": "approve", "awarded_on": accepted})
    assert ok.status_code in (200, 201), ok.text
    d = ok.json()
    assert d["status"] == "active" and d["awarded_on"] == accepted  # 验收命名 on the day given
    exp, acc = dt.date.fromisoformat(d["expires_on"]), dt.date.fromisoformat(accepted)
    assert (exp.year - acc.year, exp.month) == (2, acc.month)  # 24 months from the acceptance
    dash = login_as(world.users["staff"]).get(f"/t/{world.district.slug}/nanhu/")
    assert "验收命名 1 家" in dash.text and "已上传清廉条款写入章程佐证 1 家" in dash.text
    # the program's own table and pages are gone: the block's pages serve 清廉民企
    assert login_as(world.users["staff"]).get(f"/t/{world.district.slug}/nanhu/clean").status_code == 404


def test_disclosures_and_results_use(world, login_as, client, api_token):
    c = login_as(world.users["staff"])
    title = unique("党费收缴公示")
    r = post_form(c, f"/t/{world.district.slug}/nanhu/disclosures", {
        "organization_id": str(world.orgs["d.e1"]), "kind": "party", "channel": "screen", "disclosed_on": "2026-02-01",
        "title": title}, follow_redirects=False)
    assert r.status_code == 303
    assert title in c.get(f"/t/{world.district.slug}/nanhu/disclosures", params={"kind": "party"}).text
    r = post_form(c, f"/t/{world.district.slug}/nanhu/results", {
        "organization_id": str(world.orgs["d.e1"]), "year": "2025", "use_kind": "license", "grade": "优秀",
        "outcome": "priority", "department": "区商务和市场监管局"}, follow_redirects=False)
    assert r.status_code == 303
    # a department unit reads the results use; an org secretary may not
    rows = client.get(f"/api/t/{world.district.slug}/nanhu/results", params={"year": "2025"},
                      headers=api_token(world.users["department"])).json()
    assert any(x["organization_id"] == world.orgs["d.e1"] and x["use_kind"] == "license" for x in rows)
    assert client.get(f"/api/t/{world.district.slug}/nanhu/results",
                      headers=api_token(world.users["secretary"])).status_code == 403


# --- NH-2 企业点单 → 联盟汇总 → 部门服务 --------------------------------------------------------------


def test_order_flow_enterprise_orders_alliance_collects_department_serves(world, client, api_token):
    base = f"/api/t/{world.district.slug}/lists"
    sec, ali, dep = (api_token(world.users[k]) for k in ("secretary", "alliance", "department"))
    title = unique("设备购置融资")
    # 企业点单: the secretary orders for their own enterprise only
    r = client.post(f"{base}/demands", headers=sec, json={"organization_id": world.orgs["d.e1"], "title": title,
                                                         "category": "finance", "urgency": "normal"})
    assert r.status_code == 201, r.text
    demand = r.json()["id"]
    other = client.post(f"{base}/demands", headers=sec, json={"organization_id": world.orgs["d.e2"], "title": title,
                                                             "category": "finance", "urgency": "normal"})
    assert other.status_code in (403, 422)
    # 联盟汇总: the alliance sees it among its organizations' open orders and accepts it
    summary = client.get(f"/api/t/{world.district.slug}/nanhu/alliances", headers=ali).json()
    before = next(a for a in summary if a["id"] == world.orgs["alliance"])
    assert before["open"] >= 1
    assert client.post(f"{base}/demands/{demand}/accept", headers=dep, json={}).status_code == 403
    assert client.post(f"{base}/demands/{demand}/accept", headers=sec, json={}).status_code == 403
    r = client.post(f"{base}/demands/{demand}/accept", headers=ali, json={"triage_level": "department"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    # 部门服务: the department offers its service and claims the order; the alliance confirms
    res = client.post(f"{base}/resources", headers=dep, json={"title": unique("融资对接服务"), "category": "finance",
                                                             "provider_kind": "department", "provider_name": "区财政金融局"})
    assert res.status_code == 201, res.text
    work = client.post(f"{base}/demands/{demand}/claims", headers=dep, json={"resource_ids": [res.json()["id"]]})
    assert work.status_code == 201, work.text
    wid = work.json()["id"]
    assert client.post(f"{base}/works/{wid}/confirm", headers=ali, json={}).status_code == 200
    assert client.post(f"{base}/works/{wid}/complete", headers=sec, json={"result": "x"}).status_code in (403, 404)
    done = client.post(f"{base}/works/{wid}/complete", headers=dep, json={"result": "已对接银行完成放款"})
    assert done.status_code == 200, done.text
    assert client.post(f"{base}/demands/{demand}/resolve", headers=dep,
                       json={"resolution": "已解决"}).status_code == 403
    r = client.post(f"{base}/demands/{demand}/resolve", headers=ali,
                    json={"resolution": "融资问题已解决", "triage_level": "department"})
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    after = next(a for a in client.get(f"/api/t/{world.district.slug}/nanhu/alliances", headers=ali).json()
                 if a["id"] == world.orgs["alliance"])
    assert after["solved"] == before["solved"] + 1 and after["open"] == before["open"] - 1
    # the seed's categories are the program's
    scheme = client.get(f"{base}/scheme", headers=ali).json()
    assert "企业点单" in str(scheme) and "融资" in str(scheme) and "审批" in str(scheme)


def test_an_alliance_liaison_sees_and_handles_only_their_alliances_orders(world, client, api_token):
    base = f"/api/t/{world.district.slug}/lists"
    staff, ali = api_token(world.users["staff"]), api_token(world.users["alliance"])
    # an order of an enterprise in another alliance (staff register it on its behalf)
    r = client.post(f"{base}/demands", headers=staff, json={"organization_id": world.orgs["d.e3"],
                                                           "title": unique("外联盟企业用地"), "category": "land",
                                                           "urgency": "normal"})
    assert r.status_code == 201, r.text
    theirs = r.json()["id"]
    assert client.get(f"{base}/demands/{theirs}", headers=ali).status_code == 404
    assert client.post(f"{base}/demands/{theirs}/accept", headers=ali, json={}).status_code in (403, 404)
    listed = client.get(f"{base}/demands", headers=ali, params={"q": "外联盟企业用地"}).json()
    assert not [d for d in listed.get("items", listed) if d["id"] == theirs]
    # staff see it; the liaison's alliance summary shows only the alliance they lead
    assert client.get(f"{base}/demands/{theirs}", headers=staff).status_code == 200
    mine = {a["id"] for a in client.get(f"/api/t/{world.district.slug}/nanhu/alliances", headers=ali).json()}
    every = {a["id"] for a in client.get(f"/api/t/{world.district.slug}/nanhu/alliances", headers=staff).json()}
    assert mine == {world.orgs["alliance"]} and world.orgs["alliance2"] in every


def test_integrity_course_completion_per_person(world, client, api_token, login_as):
    from core.registry.models import Member

    with scoped_session(world.district.id) as s:
        sec = Member(name=unique("书记"), status="full", position="secretary", party_org_id=world.party_orgs["d.helped"])
        act = Member(name=unique("积极分子"), status="activist", party_org_id=world.party_orgs["d.helped"])
        s.add_all([sec, act])
        s.flush()
        ids = {"sec": sec.id, "act": act.id}
        names = {"sec": sec.name, "act": act.name}
    headers = api_token(world.users["staff"])
    base = f"/api/t/{world.district.slug}/activities/activities"
    day = clock.today() - dt.timedelta(days=1)
    r = client.post(base, headers=headers, json={
        "activity_type": "nanhu.integrity_course", "organizer": "tenant", "title": unique("党风廉政必修课"),
        "starts_at": f"{day.isoformat()}T09:00", "ends_at": f"{day.isoformat()}T11:00"})
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    r = client.post(f"{base}/{aid}/participants", headers=headers, json={"member_ids": [ids["sec"], ids["act"]]})
    assert r.status_code in (200, 201), r.text
    parts = {p["member_id"]: p["id"] for p in r.json()["participants"]}
    r = client.put(f"{base}/{aid}/attendance", headers=headers, json=[
        {"participant_id": parts[ids["sec"]], "attendance": "present"},
        {"participant_id": parts[ids["act"]], "attendance": "absent"}])
    assert r.status_code in (200, 201), r.text
    staff = login_as(world.users["staff"])
    page = staff.get(f"/t/{world.district.slug}/nanhu/integrity", params={"year": str(day.year)})
    assert page.status_code == 200
    row = lambda key: page.text.split(f'data-member="{ids[key]}"')[1].split("</tr>")[0]  # noqa: E731
    assert names["sec"] in row("sec") and "已完成" in row("sec") and "未完成" in row("act")
    missing = staff.get(f"/t/{world.district.slug}/nanhu/integrity", params={"missing": "1", "year": str(day.year)})
    assert names["act"] in missing.text and names["sec"] not in missing.text
    assert staff.get(f"/t/{world.district.slug}/nanhu/integrity", params={"year": "<x>", "page": "-3"}).status_code == 200
    x = staff.get(f"/t/{world.district.slug}/nanhu/integrity", params={"format": "xlsx", "year": str(day.year)})
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    # an org secretary reads the figures, not the names
    sec_page = login_as(world.users["secretary"]).get(f"/t/{world.district.slug}/nanhu/integrity")
    assert sec_page.status_code == 200 and names["sec"] not in sec_page.text and "已完成" in sec_page.text


# --- enablement per tenant ------------------------------------------------------------------------------


def test_enable_and_disable_per_tenant(world, login_as):
    t = make_tenants("nhx", [("s", "南湖启停测试街道", "street", "yueyang")])
    street = t["s"]
    c = login_as(world.users["staff"])
    from tests.worlds import make_users

    users, _ids = make_users("nhx", [("staff", "staff", street)])
    c = login_as(users["staff"])
    assert c.get(f"/t/{street.slug}/nanhu/").status_code == 404
    with operator_session("test") as s:
        changed = registry().set_enabled(s, tree().by_id[street.id], "nanhu", True)
    assert "nanhu" in changed and {"lists", "activities", "assessment"} <= set(changed)
    from core import revisions

    revisions.poll(force=True)
    page = c.get(f"/t/{street.slug}/nanhu/")
    assert page.status_code == 200 and "两新党建四大工程" in page.text
    assert "两新党建四大工程" in c.get(f"/t/{street.slug}/").text  # nav item and card
    with operator_session("test") as s:
        registry().set_enabled(s, tree().by_id[street.id], "nanhu", False)
    revisions.poll(force=True)
    assert c.get(f"/t/{street.slug}/nanhu/").status_code == 404
    assert c.get(f"/t/{street.slug}/nanhu/talents").status_code == 404
    # enabling set up the three 共建 recurrences in the same transaction; enabling again adds none
    from plugins.cadences import api as cadences

    with operator_session("test") as s:
        registry().set_enabled(s, tree().by_id[street.id], "nanhu", True)
    with open_session(street.id) as s:
        keys = sorted(r.template_key for r in cadences.recurrences(s, street))
    assert keys == ["nanhu.cobuild_half", "nanhu.cobuild_month", "nanhu.cobuild_quarter"]


# --- the 南湖新区 demo reproduces the seed's figures from rows ----------------------------------------


def test_demo_reproduces_the_seed_figures(database):
    from core import revisions
    from plugins.indicators import api as indicators

    revisions.poll(force=True)  # this process knows which plugins the demo tenants enabled
    from plugins.lists.api import ListDemand
    from plugins.nanhu import service as svc

    nanhu = tenant_id("nanhu")
    with open_session(nanhu) as s:
        figures = {f.indicator.key: f for f in indicators.figures(s, tree().by_id[nanhu], [nanhu], "year")}
        assert round(float(figures[SOCIAL].actual), 1) == 96.5 and float(figures[SOCIAL].target) == 96.5
        assert round(float(figures[ENTERPRISE].actual), 1) == 94.6 and float(figures[ENTERPRISE].target) == 94.6
        assert float(figures[MEMBER_ORG].actual) == 100.0
        assert int(figures[NEW].actual) == 38 and figures[NEW].met
        assert int(figures[TALENTS].actual) >= 1300 and figures[TALENTS].met
        assert int(figures[SOLVED].actual) >= 800 and figures[SOLVED].met
        assert svc.talent_totals(s).people >= 1300
        solved = s.scalar(select(func.count()).select_from(ListDemand).where(ListDemand.status.in_(("resolved", "rated"))))
        assert solved >= 800
        from plugins.nanhu.demo import MEMBER_UNITS
        from plugins.units import api as units

        names = {u.name: u for u in units.units(s, kind="member_unit")}
        assert len(MEMBER_UNITS) == 19 and all(names[n].duties == d for n, d in MEMBER_UNITS)


# --- shared blocks: pairing gaps, the handbook, designations and the blacklist --------------------------


def test_pairing_rules_show_gaps_until_a_pairing_is_added(world, client, api_token, login_as):
    headers = api_token(world.users["staff"])
    base = f"/api/t/{world.district.slug}/units"
    unit = client.post(f"{base}/units", headers=headers, json={"name": unique("区直测试局"), "kind": "organ",
                                                              "duties": "帮扶两新党组织"})
    assert unit.status_code == 201, unit.text
    uid = unit.json()["id"]
    gaps = client.get(f"{base}/gaps", headers=headers, params={"kind": "nanhu.bangfu"}).json()
    assert any(g["holder_id"] == uid and g["need"] == 1 and g["have"] == 0 for g in gaps["holders"]), gaps
    # every 党工委班子成员 (role nanhu_leader) must 联点 at least one party org
    from tests.worlds import make_users

    users, ids = make_users("nhl", [("leader", "nanhu_leader", world.district)])
    gaps = client.get(f"{base}/gaps", headers=headers, params={"kind": "nanhu.liandian"}).json()
    assert any(g["holder_id"] == ids["leader"] for g in gaps["holders"])
    with scoped_session(world.district.id) as s:
        from core.registry.models import PartyOrg

        po = PartyOrg(name=unique("区直测试党支部"), org_type="branch")
        s.add(po)
        s.flush()
        po_id = po.id
    r = client.post(f"{base}/pairings", headers=headers, json={
        "kind": "nanhu.bangfu", "holder_type": "unit", "unit_id": uid, "target_type": "party_org", "party_org_id": po_id})
    assert r.status_code == 201, r.text
    gaps = client.get(f"{base}/gaps", headers=headers, params={"kind": "nanhu.bangfu"}).json()
    assert not any(g["holder_id"] == uid for g in gaps["holders"])
    page = login_as(world.users["staff"]).get(f"/t/{world.district.slug}/nanhu/")
    assert page.status_code == 200 and "部门街道帮扶" in page.text and "班子成员联点" in page.text


def test_blacklist_revokes_a_title_and_the_dashboard_shows_it(world, client, api_token, login_as):
    headers = api_token(world.users["staff"])
    base = f"/api/t/{world.district.slug}/designations"
    org = world.orgs["d.e2"]
    r = client.post(f"{base}/", headers=headers, json={"kind": "nanhu.red_workshop", "subject_kind": "organization",
                                                       "subject_id": org, "level": "district"})
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    from tests.worlds import make_users

    users, _ = make_users("nhr", [("reviewer", "staff", world.district)])  # another person approves
    approve = client.post(f"{base}/{did}/review", headers=api_token(users["reviewer"]), json={"action": "approve"})
    assert approve.status_code in (200, 201) and approve.json()["status"] == "active", approve.text
    listed = client.post(f"{base}/blacklist", headers=headers, json={"organization_id": org, "reason": "偷逃税款",
                                                                    "detail": "税务部门移送"})
    assert listed.status_code == 201, listed.text
    assert client.get(f"{base}/{did}", headers=headers).json()["status"] == "revoked"
    page = login_as(world.users["staff"]).get(f"/t/{world.district.slug}/nanhu/")
    assert "因列入黑名单撤销称号" in page.text and "区直测试企业乙" in page.text
    # a listed organization cannot be given a title again
    again = client.post(f"{base}/", headers=headers, json={"kind": "nanhu.red_workshop", "subject_kind": "organization",
                                                           "subject_id": org, "level": "district"})
    assert again.status_code == 422 and "监管黑名单" in again.text


def test_handbook_checklist_share_of_compliant_branches_per_street(world, client, api_token, login_as):
    headers = api_token(world.users["street_staff"])
    base = f"/api/t/{world.a.slug}/checklists"
    r = client.post(f"{base}/checklists", headers=headers, json={"template_key": "nanhu.handbook", "subject_kind": "party_org",
                                                                "subject_id": world.party_orgs["a.enterprise0"]})
    assert r.status_code == 201, r.text
    c = r.json()
    assert {i["chapter"] for i in c["items"]} == {"支部设置", "组织生活", "管理服务", "工作制度", "阵地建设", "党建考核"}
    for item in c["items"]:
        done = client.post(f"{base}/checklists/{c['id']}/items/{item['id']}", headers=headers, json={"status": "done"})
        assert done.status_code in (200, 201), done.text
    page = login_as(world.users["staff"]).get(f"/t/{world.district.slug}/nanhu/")
    assert "标准化手册对标达标党支部" in page.text
    # street a has 7 live branches; one is compliant
    assert "1 / 7" in page.text


def test_the_cobuild_cadence_recurrences(world, client, api_token):
    from plugins.cadences import api as cadences
    from plugins.nanhu.program import ensure_cadences

    with scoped_session(world.district.id) as s:
        ensure_cadences(s, world.district)
        ensure_cadences(s, world.district)  # idempotent
    with open_session(world.district.id) as s:
        recs = {r.template_key: r for r in cadences.recurrences(s, world.district)}
    assert len(recs) == 3
    assert {k: recs[k].period_kind for k in ("nanhu.cobuild_month", "nanhu.cobuild_quarter", "nanhu.cobuild_half")} == {
        "nanhu.cobuild_month": "month", "nanhu.cobuild_quarter": "quarter", "nanhu.cobuild_half": "half_year"}
    # the job creates this month's 一月一检查 round once
    headers = api_token(world.users["staff"])
    rec = recs["nanhu.cobuild_month"]
    first = client.post(f"/api/t/{world.district.slug}/cadences/recurrences/{rec.id}/run", headers=headers, json={})
    assert first.status_code in (200, 201), first.text
    again = client.post(f"/api/t/{world.district.slug}/cadences/recurrences/{rec.id}/run", headers=headers, json={})
    assert again.status_code in (200, 201)
    occurrences = client.get(f"/api/t/{world.district.slug}/cadences/recurrences/{rec.id}/occurrences", headers=headers).json()
    assert len(occurrences) == 1


# --- NH-3 共建帮扶单位考核结果记入年度党建考核 (the assessment engine, nothing typed in) ----------------------


def _published_quarter(world, period: str, scores: dict[str, tuple[int, int, int, int]]) -> None:
    from plugins.assessment import api as assessment
    from plugins.nanhu.program import COBUILD_QUARTER

    with scoped_session(world.district.id) as s:
        rnd = assessment.create_round(s, world.district, {"template": COBUILD_QUARTER, "period": period,
                                                          "target_mode": "chosen",
                                                          "targets": [world.orgs[k] for k in scores]})
        for action in ("open", "start_scoring"):
            assessment.transition(s, world.district, rnd, action)
        by_unit = {world.orgs[k]: v for k, v in scores.items()}
        for sheet in assessment.sheets_of(s, rnd):
            values = by_unit[sheet.target_id]
            assessment.save_scores(s, assessment.system_access("test"), sheet,
                                   {k: str(v) for k, v in zip(("study", "life", "venue", "plan"), values, strict=True)})
        for action in ("submit_review", "publish"):
            assessment.transition(s, world.district, rnd, action)


def test_cobuild_results_feed_the_annual_assessment(world, login_as, client):
    from plugins.assessment import api as assessment
    from plugins.nanhu.program import COBUILD_ANNUAL

    year = 2024  # a year of its own: nothing else in the world has rounds there
    staff = login_as(world.users["staff"])
    # nothing published yet: refused, said on the dashboard, nothing created
    r = post_form(staff, f"/t/{world.district.slug}/nanhu/cobuild-annual", {"year": str(year)}, follow_redirects=True)
    assert r.status_code == 200 and f"{year}年还没有已公布的共建考核" in r.text
    for bad in ("20x4", "1999", str(clock.today().year + 1), "<script>"):
        r = post_form(staff, f"/t/{world.district.slug}/nanhu/cobuild-annual", {"year": bad}, follow_redirects=True)
        assert r.status_code == 200 and "考核年度应为" in r.text and "<script>" not in r.text
    _published_quarter(world, f"{year}-Q1", {"u1": (25, 25, 20, 20), "u2": (20, 20, 20, 20)})  # 90 / 80
    _published_quarter(world, f"{year}-Q2", {"u1": (20, 20, 20, 20)})  # u1: 80 → average 85
    # a reader may not feed it
    viewer = login_as(world.users["viewer"])
    assert post_form(viewer, f"/t/{world.district.slug}/nanhu/cobuild-annual", {"year": str(year)}).status_code == 403
    staff = login_as(world.users["staff"])
    r = post_form(staff, f"/t/{world.district.slug}/nanhu/cobuild-annual", {"year": str(year)}, follow_redirects=False)
    assert r.status_code in (302, 303) and "/assessment/rounds/" in r.headers["location"], r.text
    with open_session(world.district.id) as s:
        R = assessment.AssessmentRound
        rnd = s.scalar(select(R).where(R.template_key == COBUILD_ANNUAL, R.period == str(year)))
        assert rnd.state == "scoring"
        totals = {sheet.target_id: sheet for sheet in assessment.sheets_of(s, rnd)}
        assert set(totals) == {world.orgs["u1"], world.orgs["u2"]}
    # feeding again (a quarter published later) updates the same round; publishing gives the annual totals
    r = post_form(staff, f"/t/{world.district.slug}/nanhu/cobuild-annual", {"year": str(year)}, follow_redirects=False)
    assert r.status_code in (302, 303)
    with scoped_session(world.district.id) as s:
        rnd = s.scalar(select(assessment.AssessmentRound).where(
            assessment.AssessmentRound.template_key == COBUILD_ANNUAL, assessment.AssessmentRound.period == str(year)))
        for action in ("submit_review", "publish"):
            assessment.transition(s, world.district, rnd, action)
    with open_session(world.district.id) as s:
        results = {r.target_id: r for r in assessment.published_results(s, COBUILD_ANNUAL, "unit", year=year)}
        assert len(s.scalars(select(assessment.AssessmentRound).where(
            assessment.AssessmentRound.template_key == COBUILD_ANNUAL)).all()) == 1
    # u1: quarters 85 × 70 % = 59.5, no 半年一讲评 → 0; u2: 80 × 70 % = 56
    assert float(results[world.orgs["u1"]].total) == 59.5 and float(results[world.orgs["u2"]].total) == 56.0
    page = staff.get(f"/t/{world.district.slug}/nanhu/")
    assert "共建考核结果记入年度党建考核" in page.text
    r = post_form(staff, f"/t/{world.district.slug}/nanhu/cobuild-annual", {"year": str(year)}, follow_redirects=True)
    assert "已公布，不能再计入" in r.text
