"""The program dashboard on fixed data: each group's activities this quarter, demands open/closed,
published score and funds (with links to where each number comes from), the group page's lists
behind them, 联组会商 due this quarter in 逾期与待办; and another street running the program with
its own settings (group count, names, amounts)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core import clock, revisions
from core.db import scoped_session
from core.plugins import registry
from core.registry.models import Cluster, PartyOrgCoverage
from core.registry.services import clusters as cl
from core.tenancy import operator_session
from plugins.activities import demo as ademo
from plugins.activities import service as actsvc
from plugins.assessment import service as asvc
from plugins.dongfanghong import service as svc
from plugins.funds import service as fsvc
from plugins.lists import demo as ldemo
from plugins.lists import service as lsvc
from tests.helpers import login, post_form

TODAY = clock.today()
QS = svc.quarter_bounds(TODAY)[0]


def _org_of(s, party_org_id: int) -> int:
    return s.scalar(select(PartyOrgCoverage.organization_id).where(PartyOrgCoverage.party_org_id == party_org_id))


@pytest.fixture(scope="module")
def facts(world, groups):
    """Group a: a 联组会商 and a party-org 主题党日 this quarter (+ one cancelled, one last quarter),
    demands 2 open (submitted, accepted at a station) and 2 closed (resolved, rejected); group b: an
    overdue demand, a work budget of 20 000 yuan with 3 000 paid; a published group ranking a > b > c."""
    a, b, c = groups
    tenant = world.street
    with scoped_session(tenant.id) as s:
        s.info["username"] = "test"
        pmap = svc.group_party_org_ids(s, groups)
        po_a, po_b = sorted(pmap[a])[0], sorted(pmap[b])[0]
        types, now = actsvc.types_for(tenant), clock.utcnow()

        def activity(kind, organizer, title, day):
            return actsvc.create_activity(s, ademo.DEMO_ACCESS, tenant, types, {
                "activity_type": kind, "organizer": organizer, "title": title, "date": day.isoformat(),
                "start_time": "00:00", "end_time": "01:00"}, now)

        activity("dongfanghong.group_meeting", f"cluster:{a}", "甲联组本季度会商", QS)
        activity("theme_day", f"party_org:{po_a}", "甲组支部主题党日", QS)
        activity("dongfanghong.group_meeting", f"cluster:{a}", "甲联组已取消会商", QS).status = "cancelled"
        activity("dongfanghong.group_meeting", f"cluster:{a}", "甲联组上季度会商", QS - dt.timedelta(days=5))

        scheme, access = lsvc.scheme_for(tenant), ldemo.DEMO

        station = lsvc.create_station(s, access, {"name": "甲社区工作服务站", "level": "community",
                                                  "community": "甲社区"})

        def demand(party_org_id, title, day=TODAY, **extra):
            return lsvc.submit_demand(s, access, scheme, {"organization_id": str(_org_of(s, party_org_id)),
                                                          "title": title, "category": "policy", **extra}, day)

        demand(po_a, "甲组待受理需求")
        taken = demand(po_a, "甲组已受理需求", station_id=str(station.id), action_tag="solve")
        lsvc.accept(s, access, scheme, taken, {"triage_level": "onsite"}, TODAY)
        done = demand(po_a, "甲组已办结需求")
        lsvc.accept(s, access, scheme, done, {"triage_level": "onsite"}, TODAY)
        lsvc.start(s, access, scheme, done, {}, TODAY)
        lsvc.resolve(s, access, scheme, done, {"resolution": "已办结", "triage_level": "onsite"}, TODAY)
        lsvc.reject(s, access, demand(po_a, "甲组退回需求"), {"reason": "不属于服务范围"}, TODAY)
        demand(po_b, "乙组超期需求", TODAY - dt.timedelta(days=40))

        line = fsvc.create_line(s, tenant, {"year": str(TODAY.year), "target_kind": "cluster", "target_id": str(b),
                                            "category": "work", "title": "乙联组年度工作经费", "amount": "20000.00"})
        paid = fsvc.request_disbursement(s, line, {"amount": "3000.00", "purpose": "联组会商", "payee": "乙联组"},
                                         TODAY, "test")
        fsvc.decide(s, paid, "approve", {}, TODAY, "test")
        fsvc.decide(s, paid, "pay", {}, TODAY, "test")

        rnd = asvc.create_round(s, tenant, {"template": "dongfanghong.group_ranking", "period": str(TODAY.year),
                                            "target_mode": "chosen", "targets": [a, b, c], "title": "联组考核"})
        asvc.transition(s, tenant, rnd, "open")
        asvc.transition(s, tenant, rnd, "start_scoring")
        minus = {a: Decimal(0), b: Decimal(3), c: Decimal(5)}
        for sheet in asvc.sheets_of(s, rnd):
            asvc.save_scores(s, asvc.Access.system(), sheet, {
                cr.id: (str(cr.max_points - minus[sheet.target_id]), "台账") for cr in rnd.template.criteria})
        asvc.transition(s, tenant, rnd, "submit_review")
        asvc.transition(s, tenant, rnd, "publish")

        from plugins.campaigns import service as csvc
        from plugins.campaigns.models import CampaignTask

        campaign = csvc.create_campaign(s, tenant, {"title": "四步推进", "year": str(TODAY.year),
                                                    "template_key": "dongfanghong.four_phases"})
        first = s.scalar(select(CampaignTask).where(CampaignTask.campaign_id == campaign.id)
                         .order_by(CampaignTask.phase_position, CampaignTask.id))
        csvc.transition(s, first, "complete", {"evidence": "已摸底", "completed_on": TODAY.isoformat()}, TODAY)
        return SimpleNamespace(a=a, b=b, c=c, round_id=rnd.id, campaign_id=campaign.id)


def _cards(world, facts):
    with scoped_session(world.street.id) as s:
        groups = svc.joint_groups(s)
        cards = svc.dashboard(s, world.street, groups, registry().enabled(world.street.id), TODAY, 0,
                              {svc.SEE_ALL})
        return {c.cluster.id: c for c in cards}


def test_group_cards_count_the_fixed_facts(world, facts):
    cards = _cards(world, facts)
    a, b, c = cards[facts.a], cards[facts.b], cards[facts.c]
    assert (a.activities_quarter, b.activities_quarter, c.activities_quarter) == (2, 0, 0)
    assert [(x.demands_open, x.demands_closed) for x in (a, b, c)] == [(2, 2), (1, 0), (0, 0)]
    assert [x.score for x in (a, b, c)] == ["100.00（第1名）", "82.00（第2名）", "70.00（第3名）"]
    assert {x.score_round_id for x in (a, b, c)} == {facts.round_id}
    reward = registry().settings(world.street.id, "dongfanghong").excellent_reward_fen
    # the excellent-group reward (requested, not paid) raises group a's budget; b: its work budget
    assert [(x.funds_paid_fen, x.funds_budget_fen) for x in (a, b, c)] == [(0, reward), (300000, 2000000), (0, 0)]


def test_dashboard_numbers_link_to_their_sources(world, facts, client):
    login(client, world.users["staff"])
    base = f"/t/{world.street.slug}"
    html = client.get(base + "/dongfanghong/").text
    row = re.search(rf'<tr data-group="{facts.a}">(.*?)</tr>', html, re.S).group(1)
    g = f"{base}/dongfanghong/groups/{facts.a}"
    assert f'<a href="{g}#activities">2</a>' in row
    # 需求 未结/已结: each number links to the demand list filtered to exactly those demands
    dl = f"{base}/lists/demands?cluster={facts.a}&amp;status="
    assert f'<a href="{dl}open">2</a> / <a href="{dl}closed">2</a>' in row
    for status, titles in (("open", {"甲组待受理需求", "甲组已受理需求"}), ("closed", {"甲组已办结需求", "甲组退回需求"})):
        listed = client.get(f"{base}/lists/demands?cluster={facts.a}&status={status}").text
        table = listed.split('id="demands"', 1)[1].split("</table>", 1)[0]
        assert table.count("data-id=") == 2 and set(re.findall(r">(甲组[^<]+需求)<", table)) == titles
    assert f'href="{base}/assessment/rounds/{facts.round_id}/ranking">100.00（第1名）</a>' in row
    row_b = re.search(rf'<tr data-group="{facts.b}">(.*?)</tr>', html, re.S).group(1)
    assert f"{base}/funds/ledger/target?kind=cluster&id={facts.b}&year={TODAY.year}" in row_b
    assert "3,000.00 / 20,000.00" in row_b
    # 四金服务: the lists' figures and the station's ticket, linked to the filtered lists
    assert "需求清单：未办结 3 项" in html and "街道工作服务站 0 个、社区（村）工作服务站 1 个" in html
    y = TODAY.year
    assert f'href="{base}/lists/demands?channel=station&year={y}">本年接单 1 件</a>' in html
    assert f'href="{base}/lists/demands?channel=station&year={y}&triage=onsite">现场办公快速解决 1</a>' in html
    assert f'href="{base}/lists/demands?channel=station&year={y}&action=solve">我为企业解个难 1</a>' in html
    tickets = client.get(f"{base}/lists/demands?channel=station&year={y}&triage=onsite").text
    assert "甲组已受理需求" in tickets and "甲组待受理需求" not in tickets
    # 四步推进: the campaign's phases, one task done
    assert f'href="{base}/campaigns/{facts.campaign_id}">四步推进</a>' in html
    assert "调查摸底，初步沟通：已完成 1 / 2" in html and "会议动员，成立联组：已完成 0 / 3" in html
    # what the numbers count is listed on the group page
    page = client.get(g).text
    activities = page.split('id="activities"', 1)[1].split("</section>", 1)[0]
    assert "甲联组本季度会商" in activities and "甲组支部主题党日" in activities
    assert "已取消" not in activities and "上季度" not in activities
    demands = page.split('id="demands"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r">(甲组[^<]+需求)<", demands) == ["甲组已受理需求", "甲组待受理需求", "甲组退回需求",
                                                         "甲组已办结需求"]  # open ones first
    assert re.search(rf'href="{base}/lists/demands/\d+">甲组待受理需求</a>', demands)
    assert "乙组" not in demands


def test_overdue_names_groups_without_this_quarters_meeting(world, facts, client):
    login(client, world.users["staff"])
    html = client.get(f"/t/{world.street.slug}/dongfanghong/").text
    overdue = html.split('class="overdue"', 1)[1].split("</ul>", 1)[0]
    with scoped_session(world.street.id) as s:
        names = {i: s.get(Cluster, i).name for i in (facts.a, facts.b, facts.c)}
    assert f"{names[facts.b]}：" in overdue and "尚未举行联组会商" in overdue
    due = [line for line in re.findall(r"<li[^>]*>([^<]*尚未举行联组会商[^<]*)</li>", overdue)]
    assert sorted(line.split("：", 1)[0] for line in due) == sorted([names[facts.b], names[facts.c]])


def test_a_leaders_overdue_list_keeps_to_their_group(world, facts, client):
    login(client, world.users["staff"])
    assert "需求清单：1 项需求已超过办理时限" in client.get(f"/t/{world.street.slug}/dongfanghong/").text
    login(client, world.users["leader_a"])  # 组长 of group a: group b's overdue demand is not theirs
    html = client.get(f"/t/{world.street.slug}/dongfanghong/").text
    assert f'<tr data-group="{facts.a}">' in html and f'<tr data-group="{facts.b}">' not in html
    assert "项需求已超过办理时限" not in html


def test_another_street_runs_the_program_with_its_own_settings(world, client):
    """world.other: 2 groups called 片区联盟 under its own brand, its own amounts."""
    with operator_session("test") as s:
        registry().save_settings(s, world.other.id, "dongfanghong", {
            "group_count": 2, "group_label": "片区联盟", "brand_name": "先锋联动", "group_budget_fen": 500000,
            "excellent_reward_fen": 250000, "excellent_top_n": 2})
    revisions.poll(force=True)
    try:
        login(client, world.users["ostaff"])
        base = f"/t/{world.other.slug}/dongfanghong"
        dash = client.get(base + "/").text
        assert "先锋联动" in dash and "片区联盟一览" in dash
        proposal = client.get(base + "/regroup").text
        assert "第一片区联盟" in proposal and "第二片区联盟" in proposal and "第三片区联盟" not in proposal
        r = post_form(client, base + "/regroup", {"n": ""}, follow_redirects=False)
        assert r.status_code in (302, 303)
        with scoped_session(world.other.id) as s:
            made = svc.joint_groups(s)
            assert [g.name for g in made] == ["第一片区联盟", "第二片区联盟"]
            assert cl.cluster_types(world.other)[svc.JOINT_GROUP].label == "片区联盟"
        # the new groups have no leaders yet: the rule is named with the street's own label
        assert "第一片区联盟：片区联盟须有且只有 1 名组长" in client.get(base + "/").text
        from plugins.dongfanghong.program import reward_rules

        rule = reward_rules(registry().settings(world.other.id, "dongfanghong"))[0]
        assert (rule.amount_for(1, ""), rule.amount_for(2, ""), rule.amount_for(3, "")) == (250000, 250000, 0)
        guarantees = client.get(base + f"/guarantees?year={TODAY.year}&kind=group_budget").text
        assert guarantees.count("5,000.00") >= 2  # each group's yearly work budget from the settings
    finally:
        with operator_session("test") as s:
            registry().save_settings(s, world.other.id, "dongfanghong", {})
        revisions.poll(force=True)
