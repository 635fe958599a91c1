"""Issue 18, DFH-1/2/3 and the API, on one fixed street (one world for all, to keep the suite fast).

- DFH-2: the 专干's 必到 / 必帮 / 必报 follow from what happened — attending the group's 联组会商,
  closing a demand of one of the group's enterprises, the minutes of a group activity and a filed
  report — with no manual entry; the gap rule is the tenant's setting.
- DFH-3: a published 示范性党群活动阵地评选 leaves a designation in force on the party org's page and
  marks it a model; 标准化规范化党组织 / 先进基层党组织 / 两新党建示范点 are designation kinds; 量化
  results fund party orgs (amount and ranks are settings); 双向进入 as references.
- DFH-1: linked community party orgs are references to party orgs of the street or its community
  tenants; the 两新综合党委's make-up and the 驻街部门/单位 with their duties (units block). The data
  migration is tested in test_profile_migration.py (one upgrade / downgrade for the program).
- API: every page has its endpoint in the OpenAPI schema, with the page's permissions and scoping,
  instants with their UTC offset.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from core import clock, revisions
from core.db import scoped_session
from core.plugins import registry
from core.registry.models import Cluster, Member, PartyOrg, PartyOrgCoverage
from core.registry.services import clusters as cl
from core.tenancy import operator_session
from plugins.activities import service as actsvc
from plugins.activities.service import Access as ActAccess
from plugins.activities.service import AttendanceEntry
from plugins.assessment import service as asvc
from plugins.designations import api as designations
from plugins.dongfanghong import duty, platform
from plugins.dongfanghong import quantified as q
from plugins.dongfanghong import service as svc
from plugins.dongfanghong.models import GroupLink
from plugins.funds.models import Disbursement
from plugins.lists import service as lsvc
from plugins.lists.access import Access as ListAccess
from tests.helpers import login, post_form, text_of
from tests.worlds import make_tenants

# --- duty_derived -------------------------------------------------------------------------

TODAY = clock.today()
PREV = duty.months_back(TODAY, 2)[0]  # last month: finished, so a shortfall is a gap
DAY = PREV.replace(day=15)


def _cells(s, gid: int, minimum: int = 1):
    return svc.group_checklist(s, s.get(Cluster, gid), TODAY, months=2, minimum=minimum)[PREV]


def test_checklist_follows_meetings_demands_and_reports(world, groups):
    gid = groups[2]
    tenant = world.street
    staff_id = world.ids["staff2"]
    with scoped_session(tenant.id) as s:
        s.info["username"] = "test"
        c = s.get(Cluster, gid)
        svc.assign_staff(s, tenant.id, c, world.users["staff2"], on=PREV)
        assert [cell.gap for cell in _cells(s, gid).values()] == [True, True, True]

        # 必到: the 专干 attends the group's 联组会商 (a participant named as the 专干 is shown, marked present)
        acc = ActAccess(staff_id, frozenset({"activities:read", "activities:write", "registry:write"}))
        now = clock.utcnow()
        meeting = actsvc.create_activity(s, acc, tenant, actsvc.types_for(tenant), {
            "activity_type": "dongfanghong.group_meeting", "organizer": f"cluster:{gid}", "title": "丙联组会商",
            "date": DAY.isoformat(), "start_time": "09:00", "end_time": "10:00"}, now)
        (p,) = actsvc.add_participants(s, acc, meeting, others="staff2用户，街道党建办")
        assert not _cells(s, gid)["attend"].count  # invited, not yet present
        actsvc.record_attendance(s, acc, meeting, [AttendanceEntry(p.id, "present")], now)
        cells = _cells(s, gid)
        assert cells["attend"].count == 1 and cells["attend"].derived == 1 and not cells["attend"].gap
        assert cells["report"].gap  # no minutes yet

        # 必报: the minutes the 专干 recorded for the group's activity
        meeting.minutes = "研究下阶段共建事项"
        s.flush()
        assert not _cells(s, gid)["report"].gap

        # 必帮: a demand of one of the group's enterprises the 专干 took in, counted once it is closed
        pid = svc.group_party_org_ids(s, [gid])[gid][0]
        org = s.scalar(select(PartyOrgCoverage.organization_id).where(PartyOrgCoverage.party_org_id == pid))
        la = ListAccess(staff_id, world.users["staff2"], frozenset({"lists:read", "lists:write", "lists:triage"}))
        scheme = lsvc.scheme_for(tenant)
        d = lsvc.submit_demand(s, la, scheme, {"organization_id": str(org), "title": "用工对接",
                                               "category": "talent"}, DAY)
        lsvc.accept(s, la, scheme, d, {"triage_level": "onsite"}, DAY)
        lsvc.start(s, la, scheme, d, {}, DAY)
        assert _cells(s, gid)["help"].gap  # still being handled
        lsvc.resolve(s, la, scheme, d, {"resolution": "已对接三名技工", "triage_level": "onsite"}, DAY)
        cells = _cells(s, gid)
        assert [(cell.count, cell.gap) for cell in cells.values()] == [(1, False), (1, False), (1, False)]

        # what the system saw is listed with its source and a link; a manual entry adds to it
        events = svc.group_events(s, c, PREV, TODAY)
        assert {(e.kind, e.source, e.ref.split("/")[0]) for e in events} == {
            ("attend", "activity", "activities"), ("report", "minutes", "activities"), ("help", "demand", "lists")}
        svc.add_duty_entry(s, c, {"kind": "attend", "occurred_on": DAY.isoformat(), "title": "线下走访"}, staff_id)
        assert _cells(s, gid)["attend"].count == 2 and _cells(s, gid)["attend"].derived == 1

        # the gap rule is the tenant's setting: 2 a month makes last month short of 必报, 0 shows none
        assert [cell.gap for cell in _cells(s, gid, minimum=2).values()] == [False, True, True]
        assert not any(cell.gap for cell in _cells(s, gid, minimum=0).values())
        assert svc.settings_of(tenant.id).duty_min_per_month == 1

        # another 专干's attendance does not count for this group
        svc.assign_staff(s, tenant.id, c, world.users["staff"], on=TODAY)
        assert _cells(s, gid)["attend"].count == 1  # the manual entry only
        s.rollback()


def test_filed_reports_count_as_bibao(world, groups):
    """A report filed through the campaigns' report obligations counts for the 专干's 必报."""
    from plugins.campaigns.models import CampaignReport

    gid = groups[1]
    with scoped_session(world.street.id) as s:
        s.info["username"] = "test"
        c = s.get(Cluster, gid)
        svc.assign_staff(s, world.street.id, c, world.users["staff2"], on=PREV)
        from plugins.campaigns.models import ReportObligation

        ob = ReportObligation(title="两新党建月报", cadence="month", due_day=5)
        s.add(ob)
        s.flush()
        s.add(CampaignReport(obligation_id=ob.id, obligation_title=ob.title, period=PREV.isoformat()[:7],
                             submitted_on=DAY, submitted_by_id=world.ids["staff2"]))
        s.flush()
        events = [e for e in svc.group_events(s, c, PREV, TODAY) if e.kind == "report"]
        assert [(e.source, e.on, e.title) for e in events] == [("report", DAY, f"两新党建月报（{PREV.isoformat()[:7]}）")]
        assert not _cells(s, gid)["report"].gap
        s.rollback()


def test_pure_checklist_minimum():
    months = duty.months_back(dt.date(2026, 5, 10), 2)
    cl = duty.duty_checklist([("attend", dt.date(2026, 4, 3), "activity"), ("attend", dt.date(2026, 4, 9), "manual")],
                             months, dt.date(2026, 5, 10), minimum=2)
    apr = cl[months[0]]
    assert (apr["attend"].count, apr["attend"].derived, apr["attend"].gap) == (2, 1, False)
    assert apr["help"].gap and cl[months[1]]["help"].pending


# --- quantified ---------------------------------------------------------------------------

def _publish(s, tenant, template: str, scores: dict[int, int], title: str):
    """A round of ``template`` over the party orgs in ``scores`` (percent of full marks), published."""
    rnd = asvc.create_round(s, tenant, {"template": template, "period": str(TODAY.year), "target_mode": "chosen",
                                        "targets": list(scores), "title": title})
    asvc.transition(s, tenant, rnd, "open")
    asvc.transition(s, tenant, rnd, "start_scoring")
    for sheet in asvc.sheets_of(s, rnd):
        asvc.save_scores(s, asvc.Access.system(), sheet, {
            cr.id: (str((cr.max_points or rnd.template.rating_max) * scores[sheet.target_id] // 100), "实地查看")
            for cr in rnd.template.criteria})
    asvc.transition(s, tenant, rnd, "submit_review")
    asvc.transition(s, tenant, rnd, "publish")
    return rnd


def test_published_demo_site_round_records_the_designation(world, client):
    tenant = world.street
    best, good, weak = world.party_orgs[:3]
    with scoped_session(tenant.id) as s:
        s.info["username"] = "test"
        assert {q.DEMO_SITE, "dongfanghong.standard_org", "dongfanghong.advanced_org",
                "dongfanghong.model_point"} <= set(designations.kinds(tenant))
        _publish(s, tenant, q.DEMO_SITE, {best: 96, good: 80, weak: 60}, "示范阵地评选")
        rows = designations.designations(s, kind=q.DEMO_SITE, today=TODAY)
        assert [(d.subject_id, d.status, d.level, d.awarded_on) for d in rows] == [(best, "active", "street", TODAY)]
        assert designations.is_in_force(rows[0], TODAY)
        assert s.get(PartyOrg, best).is_model and not s.get(PartyOrg, good).is_model
    login(client, world.users["staff"])
    page = text_of(client.get(f"/t/{tenant.slug}/party-orgs/{best}").text)
    assert "示范性党群活动阵地" in page
    assert "示范性党群活动阵地" not in text_of(client.get(f"/t/{tenant.slug}/party-orgs/{good}").text)
    with scoped_session(tenant.id) as s:  # revocation and 挂牌 through the designations block
        d = designations.designations(s, kind=q.DEMO_SITE, today=TODAY)[0]
        designations.update(s, tenant, d, {"plaque_on": TODAY.isoformat()}, TODAY)
        designations.transition(s, tenant, d, "revoke", {"reason": "阵地不再使用"}, TODAY, "test")
        assert not designations.in_force(s, TODAY, kind=q.DEMO_SITE)


def test_quantified_results_fund_party_orgs_by_setting(world):
    tenant = world.street
    orgs = world.party_orgs[3:6]
    with operator_session("test") as s:
        registry().save_settings(s, tenant.id, "dongfanghong", {"party_org_reward_fen": 200000,
                                                                "party_org_reward_top_n": 2})
    revisions.poll(force=True)
    try:
        with scoped_session(tenant.id) as s:
            s.info["username"] = "test"
            _publish(s, tenant, "dongfanghong.secretary_review", dict(zip(orgs, (95, 85, 70), strict=True)),
                     "书记述职评议")
            paid = s.execute(select(Disbursement.amount_fen, Disbursement.payee, Disbursement.status)
                             .where(Disbursement.source_key.like("dongfanghong.party_org_reward:%"))
                             .order_by(Disbursement.amount_fen, Disbursement.payee)).all()
            names = {p.id: p.name for p in s.scalars(select(PartyOrg).where(PartyOrg.id.in_(orgs)))}
            assert sorted(paid) == sorted([(200000, names[orgs[0]], "requested"), (200000, names[orgs[1]], "requested")])
    finally:
        with operator_session("test") as s:
            registry().save_settings(s, tenant.id, "dongfanghong", {})
        revisions.poll(force=True)
    from plugins.dongfanghong.program import reward_rules

    rule = reward_rules(registry().settings(tenant.id, "dongfanghong"))[1]
    assert rule.template_key == "dongfanghong.secretary_review" and rule.amount_for(1, "") == 0  # default: off


def test_cross_appointments_are_references(world, client):
    tenant = world.street
    po, other = world.party_orgs[4], world.party_orgs[5]
    with scoped_session(tenant.id) as s:
        mine = s.scalar(select(Member.id).where(Member.party_org_id == po).order_by(Member.id))
        theirs = s.scalar(select(Member.id).where(Member.party_org_id == other).order_by(Member.id))
    login(client, world.users["staff"])
    url = f"/t/{tenant.slug}/dongfanghong/qiangji/orgs/{po}"
    r = post_form(client, url + "/cross", {"member_id": str(theirs), "direction": "x", "party_post": "",
                                           "management_post": "", "started_on": "2030-01-01"})
    assert r.status_code == 422
    for msg in ("党员：请选择本党组织的预备党员或正式党员", "进入方向：请选择", "党组织职务：请选择书记、副书记或委员",
                "任职日期：不能晚于今天"):
        assert msg in r.text
    r = post_form(client, url + "/cross", {"member_id": str(mine), "direction": "management_to_party",
                                           "party_post": "deputy", "management_post": "副总经理",
                                           "started_on": "2026-01-10"}, follow_redirects=False)
    assert r.status_code in (302, 303)
    page = text_of(client.get(url).text)
    assert "管理层人员进入党组织班子" in page and "副总经理" in page and "副书记" in page
    with scoped_session(tenant.id) as s:
        rows = q.cross_appointments(s, [po])
        assert [(c.member_id, c.direction, c.party_post) for c, _ in rows] == [(mine, "management_to_party", "deputy")]
        cid = rows[0][0].id
    r = post_form(client, url + "/cross", {"member_id": str(mine), "direction": "party_to_management",
                                           "party_post": "secretary", "management_post": "总经理",
                                           "started_on": "2026-01-10"})
    assert r.status_code == 422 and "已有在任的双向进入记录" in r.text
    r = post_form(client, url + f"/cross/{cid}/end", {"ended_on": "2025-01-01"})
    assert r.status_code == 422 and "离任日期：应在任职日期与今天之间" in r.text
    assert post_form(client, url + f"/cross/{cid}/end", {"ended_on": TODAY.isoformat()},
                     follow_redirects=False).status_code in (302, 303)
    # another street's page for the same id: 404; a 组长 of no group containing it: 404
    assert client.get(f"/t/{world.other.slug}/dongfanghong/qiangji/orgs/{po}").status_code == 404
    login(client, world.users["viewer"])
    assert post_form(client, url + "/cross", {"member_id": str(mine)}).status_code == 403
    with scoped_session(tenant.id) as s:
        assert q.cross_appointments(s, [po]) == [] and len(q.cross_appointments(s, [po], current=False)) == 1
        assert q.cross_appointments(s, [po], current=False)[0][0].ended_on == TODAY


# --- platform -----------------------------------------------------------------------------

def test_links_are_references_to_street_and_community_party_orgs(world, groups, client):
    street = world.street
    community = make_tenants("dfhc", [("c", "甲社区", "community", street.slug)])["c"]
    with scoped_session(community.id) as s:
        s.info["username"] = "test"
        there = PartyOrg(name="乙社区党委", org_type="committee")
        s.add(there)
        s.flush()
        there_id = there.id
    with scoped_session(street.id) as s:
        s.info["username"] = "test"
        here = PartyOrg(name="甲社区党委", org_type="committee")
        s.add(here)
        s.flush()
        here_id = here.id
        s.add(GroupLink(cluster_id=groups[0], party_org_id=None, name="旧写法社区党委"))  # as the migration leaves one
    with scoped_session(world.other.id) as s:
        foreign = s.scalar(select(PartyOrg.id).order_by(PartyOrg.id))
    with scoped_session(street.id, [street.id, community.id]) as lookup:
        options = {o.id: o for o in platform.link_options(lookup, street.id)}
        assert here_id in options and there_id in options and options[there_id].tenant_name == community.name
        assert not set(world.party_orgs) & set(options)  # two-new party orgs are the groups' members, not links
    a = groups[0]
    base = f"/t/{street.slug}/dongfanghong/groups/{a}"
    login(client, world.users["staff"])
    page = client.get(base).text
    assert "联动社区（村）党组织" in page and "旧写法社区党委" in page and "未匹配" in page
    for bad in (world.party_orgs[0], foreign, 99999999):
        r = post_form(client, base + "/links", {"party_org_id": str(bad)})
        assert r.status_code == 422 and "联动党组织：请选择本街道或所辖社区（村）的党组织" in r.text
    assert post_form(client, base + "/links", {"party_org_id": str(there_id)},
                     follow_redirects=False).status_code in (302, 303)
    r = post_form(client, base + "/links", {"party_org_id": str(there_id)})
    assert r.status_code == 422 and "已与本联组联动" in r.text
    with scoped_session(street.id) as s:
        unmatched = s.scalar(select(GroupLink.id).where(GroupLink.cluster_id == a, GroupLink.party_org_id.is_(None)))
    assert post_form(client, base + f"/links/{unmatched}/resolve", {"party_org_id": str(here_id)},
                     follow_redirects=False).status_code in (302, 303)
    with scoped_session(street.id) as s:
        rows = {(r.party_org_id, r.party_org_tenant_id, r.name) for r in s.scalars(
            select(GroupLink).where(GroupLink.cluster_id == a))}
        assert rows == {(there_id, community.id, "乙社区党委"), (here_id, street.id, "甲社区党委")}
    text = text_of(client.get(base).text)
    assert "乙社区党委 " + community.name in text and "未匹配" not in text
    # co-building suggestions come from the links
    assert "乙社区党委" in client.get(f"/t/{street.slug}/dongfanghong/huoshui").text
    # a 组长 of another group: 404; a viewer sees but may not change
    login(client, world.users["leader_b"])
    assert post_form(client, base + "/links", {"party_org_id": str(here_id)}).status_code == 404
    login(client, world.users["viewer"])
    assert post_form(client, base + f"/links/{unmatched}/delete", {}).status_code == 403
    login(client, world.users["staff"])
    assert post_form(client, base + f"/links/{unmatched}/delete", {}, follow_redirects=False).status_code in (302, 303)


def test_committee_make_up_and_units_with_duties(world, client):
    from plugins.units import api as units

    street = world.street
    assert "units" in registry().enabled(street.id)  # the program depends on the units block
    types = cl.cluster_types(street)
    assert platform.COMMITTEE in types and types[platform.COMMITTEE].label == "两新综合党委组成"
    with scoped_session(street.id) as s:
        s.info["username"] = "test"
        unit = units.create_unit(s, street, {"kind": "resident", "name": "辖区派出所", "duties": "协助开展平安企业创建"})
        root = s.scalar(select(PartyOrg).where(PartyOrg.parent_id.is_(None), PartyOrg.name.like("两新综合党委%")))
        c = cl.create_cluster(s, {"name": "街道两新综合党委", "cluster_type": platform.COMMITTEE}, types)
        c.lead_party_org_id = root.id
        cl.add_leader(s, c, {"title": "secretary", "person_name": "周书记"}, types)
        cl.add_leader(s, c, {"title": "member", "person_name": "吴委员"}, types)
        cl.add_member(s, c, {"kind": "units.unit", "ref": str(unit.id)}, types, kinds=cl.member_kinds(street))
        view = platform.committee(s, street)
        assert [l.person_name for l in view.leaders] == ["周书记", "吴委员"]
        assert [u.name for u in view.units] == ["辖区派出所"]
        assert "辖区派出所" in [u.name for u in view.resident_units]
    login(client, world.users["staff"])
    text = text_of(client.get(f"/t/{street.slug}/dongfanghong/").text)
    assert "书记 周书记；委员 吴委员" in text and "辖区派出所 协助开展平安企业创建" in text


# --- api ----------------------------------------------------------------------------------

PATHS = ("/groups/{group_id}", "/groups/{group_id}/links", "/qiangji", "/qiangji/orgs/{party_org_id}",
         "/qiangji/orgs/{party_org_id}/cross", "/qiangji/cultivations", "/huoshui", "/cooperation", "/venues",
         "/guarantees", "/butlers", "/nominations", "/phases", "/platform")


def test_every_page_has_its_api_with_the_same_rules(world, groups, client, api_token):
    base = f"/api/t/{world.street.slug}/dongfanghong"
    a, b = groups[0], groups[1]
    with scoped_session(world.street.id) as s:
        po_a = sorted(svc.group_party_org_ids(s, [a])[a])[0]
    schema = client.get("/schema/openapi.json").json()["paths"]
    for p in PATHS:
        assert f"/api/t/{{slug}}/dongfanghong{p}" in schema, p
        for op in schema[f"/api/t/{{slug}}/dongfanghong{p}"].values():
            assert {"401", "403", "404", "422"} <= set(op["responses"]), p
    h = api_token(world.users["staff"])
    for path in ("/qiangji", "/qiangji/cultivations", "/huoshui", "/cooperation", "/venues", "/guarantees",
                 "/butlers", "/nominations", "/phases", "/platform", f"/groups/{a}", f"/qiangji/orgs/{po_a}"):
        r = client.get(base + path, headers=h)
        assert r.status_code == 200, (path, r.text[:300])
    group = client.get(base + f"/groups/{a}", headers=h).json()
    assert po_a in group["party_org_ids"] and group["duty_min_per_month"] == 1
    assert re.search(r"T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", group["created_at"])
    rows = client.get(base + "/qiangji", headers=h).json()
    assert {r["party_org_id"] for r in rows} == set(world.party_orgs)
    assert client.get(base + "/guarantees?year=1800", headers=h).status_code == 422
    # the same scoping as the pages: a 组长 sees their own group's party orgs only
    h = api_token(world.users["leader_b"])
    assert client.get(base + f"/groups/{a}", headers=h).status_code == 404
    assert client.get(base + f"/qiangji/orgs/{po_a}", headers=h).status_code == 404
    mine = {r["party_org_id"] for r in client.get(base + "/qiangji", headers=h).json()}
    with scoped_session(world.street.id) as s:
        assert mine == set(svc.group_party_org_ids(s, [b])[b])
    assert client.post(base + f"/groups/{a}/links", json={"party_org_id": 1}, headers=h).status_code == 404
    # writes: a viewer may read but not record a 双向进入
    h = api_token(world.users["viewer"])
    r = client.post(base + f"/qiangji/orgs/{po_a}/cross", headers=h, json={
        "member_id": 1, "direction": "party_to_management", "party_post": "member", "management_post": "经理",
        "started_on": "2026-01-01"})
    assert r.status_code == 403
