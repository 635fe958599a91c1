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
from plugins.nanhu.models import CleanEnterprise, Talent, ThemeDay
from tests.helpers import post_form, tenant_id, unique
from tests.worlds import make_tenants


def _figures(rows):
    return {f["key"]: f for f in rows}


# --- NH-1 targets from fixed registry data --------------------------------------------------------


def test_targets_api(world, client, api_token):
    headers = api_token(world.users["staff"])
    r = client.get(f"/api/t/{world.district.slug}/nanhu/targets", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    a = _figures(body["streets"][world.a.slug])
    assert a["social_rate"]["actual"] == 75.0 and (a["social_rate"]["numerator"], a["social_rate"]["denominator"]) == (3, 4)
    assert a["enterprise_rate"]["actual"] == 80.0
    assert a["member_org_rate"]["actual"] == 100.0 and a["member_org_rate"]["met"] is True
    assert a["new_branches"]["actual"] == 2.0
    assert a["social_rate"]["target"] == 96.5 and a["social_rate"]["gap"] == 21.5 and a["social_rate"]["met"] is False
    b = _figures(body["streets"][world.b.slug])
    assert b["social_rate"]["actual"] == 100.0 and b["social_rate"]["met"] is True
    assert b["enterprise_rate"]["actual"] == 50.0
    assert b["member_org_rate"]["actual"] == 66.7 and (b["member_org_rate"]["numerator"], b["member_org_rate"]["denominator"]) == (2, 3)
    assert b["new_branches"]["actual"] == 1.0
    # rolled up over the district's subtree: both streets plus the district's own two enterprises
    total = _figures(body["figures"])
    assert (total["social_rate"]["numerator"], total["social_rate"]["denominator"]) == (4, 5)
    assert (total["enterprise_rate"]["numerator"], total["enterprise_rate"]["denominator"]) == (5, 9)
    assert total["enterprise_rate"]["actual"] == 55.6
    assert (total["member_org_rate"]["numerator"], total["member_org_rate"]["denominator"]) == (9, 10)
    assert total["new_branches"]["actual"] == 3.0
    # a street sees its own figures only
    street = client.get(f"/api/t/{world.a.slug}/nanhu/targets", headers=api_token(world.users["street_staff"])).json()
    assert street["streets"] == {} and _figures(street["figures"])["social_rate"]["actual"] == 75.0
    # and may not read the district's
    assert client.get(f"/api/t/{world.district.slug}/nanhu/targets",
                      headers=api_token(world.users["street_staff"])).status_code in (403, 404)


def test_targets_follow_the_tenant_settings(world, client, api_token):
    with operator_session("test") as s:
        registry().save_settings(s, world.b.id, "nanhu", {"target_enterprise_rate": "50"})
    try:
        headers = api_token(world.users["staff"])
        body = client.get(f"/api/t/{world.b.slug}/nanhu/targets", headers=headers).json()
        ent = _figures(body["figures"])["enterprise_rate"]
        assert ent["target"] == 50.0 and ent["met"] is True and ent["gap"] == 0.0
    finally:
        with operator_session("test") as s:
            registry().save_settings(s, world.b.id, "nanhu", {})


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


def test_clean_enterprise_needs_the_charter_clause_to_be_accepted(world, login_as):
    c = login_as(world.users["staff"])
    url = f"/t/{world.district.slug}/nanhu/clean"
    org = world.orgs["d.e2"]
    with scoped_session(world.district.id) as s:
        s.execute(CleanEnterprise.__table__.delete().where(CleanEnterprise.organization_id == org))
    bad = post_form(c, url, {"organization_id": str(org), "status": "accepted", "started_on": "2026-01-10",
                             "accepted_on": "2026-03-01"})
    assert bad.status_code == 422 and "清廉条款写入企业章程后才能验收命名" in bad.text
    r = post_form(c, url, {"organization_id": str(org), "status": "creating", "started_on": "2026-01-10"},
                  follow_redirects=False)
    assert r.status_code == 303
    detail = r.headers["location"]
    clause = post_form(c, detail, {"status": "accepted", "started_on": "2026-01-10", "charter_clause": "1",
                                   "charter_text": "严禁商业贿赂", "charter_evidence": "2026年第1次股东会决议",
                                   "accepted_on": "2026-03-01"}, follow_redirects=False)
    assert clause.status_code == 303
    page = c.get(detail)
    assert "验收命名" in page.text and "2026年第1次股东会决议" in page.text and "变更记录" in page.text
    # a social organization cannot be a 清廉民企; the same enterprise twice is refused
    social = post_form(c, url, {"organization_id": str(world.orgs["a.social0"]), "started_on": "2026-01-10"})
    assert social.status_code == 422
    twice = post_form(c, url, {"organization_id": str(org), "started_on": "2026-01-10"})
    assert twice.status_code == 422 and "已在清廉民企创建名单中" in twice.text


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


# --- the 南湖新区 demo reproduces the seed's figures from rows ----------------------------------------


def test_demo_reproduces_the_seed_figures(database):
    from core.registry.services import coverage as cov
    from plugins.lists.api import ListDemand
    from plugins.nanhu import service as svc

    nanhu = tenant_id("nanhu")
    with open_session(nanhu) as s:
        figures = {f.key: f for f in svc.strengthen_figures(
            cov.counts_by_tenant(s, [nanhu])[nanhu], svc.new_branch_counts(s, [nanhu], clock.today()).get(nanhu, 0),
            registry().settings(nanhu, "nanhu"))}
        assert figures["social_rate"].actual == 96.5 and figures["enterprise_rate"].actual == 94.6
        assert figures["member_org_rate"].actual == 100.0
        assert figures["new_branches"].actual == 38
        assert svc.talent_totals(s).people >= 1300
        solved = s.scalar(select(func.count()).select_from(ListDemand).where(ListDemand.status.in_(("resolved", "rated"))))
        assert solved >= 800
