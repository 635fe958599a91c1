"""Points: 金华 12-point ledger with deductions → the expected 五星 grade in a published assessment
round; 长沙 classified rules by member class (a third street switches its rule set); appeals;
an org secretary limited to their own members; another tenant's ids 404."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import clock, revisions
from core.db import scoped_session
from core.plugins import SettingsError, registry
from core.registry.models import Member
from core.tenancy import operator_session
from plugins.assessment import api as assessment
from plugins.membership import points as svc
from plugins.membership.models import PointsEntry
from tests.helpers import login, post_form, text_of, unique
from tests.plugins.membership.conftest import new_member, party_org_of, secretary_org


def base(t) -> str:
    return f"/t/{t.slug}/membership"


def _add(c, tenant, member_id, rule, evidence="无故缺席支部党员大会", expect=303):
    r = post_form(c, f"{base(tenant)}/points/members/{member_id}/entries",
                  {"rule": rule, "on": clock.today().isoformat(), "evidence": evidence}, follow_redirects=False)
    assert r.status_code == expect, text_of(r.text)[:800]
    return r


def test_twelve_point_ledger_grade_in_an_assessment_round(client, world, api_token):
    w = world
    name = f"积分党员{unique('')}"
    member_id, _po = new_member(w.dfh.id, name)
    c = login(client, "dfh_staff")
    r = _add(c, w.dfh, member_id, "absent_meeting", evidence="", expect=422)
    assert "扣分须写明事实依据" in r.text
    for rule in ("absent_meeting", "absent_meeting", "dues_late"):
        _add(c, w.dfh, member_id, rule)
    page = text_of(c.get(f"{base(w.dfh)}/points/members/{member_id}").text)
    assert "基础分 12，扣 3，加 0" in page and "三星" in page
    ranking = c.get(f"{base(w.dfh)}/points?party_org={_po}")
    assert ranking.status_code == 200 and name in ranking.text and "五星 ≥ 12" in text_of(ranking.text)
    # the whole tenant's ranking comes a page at a time
    first, total = c.get(f"{base(w.dfh)}/points"), len(c.get(
        f"/api{base(w.dfh)}/points", headers=api_token("dfh_staff")).json())
    assert f"共 {total} 条" in text_of(first.text) and first.text.count("/points/members/") <= 25
    if total > 25:
        assert "下一页" in first.text and c.get(f"{base(w.dfh)}/points?page=2").status_code == 200
    # into the year's 党员积分评定 round (member targets), then reviewed and published there
    r = post_form(c, f"{base(w.dfh)}/points/grade", {"year": str(clock.today().year)}, follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:800]
    round_id = int(r.headers["location"].rstrip("/").rsplit("/", 1)[-1])
    with scoped_session(w.dfh.id) as s:
        s.info["username"] = "test"
        rnd = s.get(assessment.AssessmentRound, round_id)
        assert (rnd.template_key, rnd.state) == (svc.TEMPLATE_KEY, "scoring")
        for action in ("submit_review", "publish"):
            assessment.transition(s, w.dfh, rnd, action)
    with scoped_session(w.dfh.id) as s:
        [result] = assessment.published_results(s, svc.TEMPLATE_KEY, "member", round_id=round_id, target_id=member_id)
    assert (int(result.total), result.grade) == (9, "三星")


def test_classified_rules_appeals_and_settings(client, world):
    w = world
    reg = registry()
    with pytest.raises(SettingsError):
        reg.validate_settings("membership", {"star_grades": "五星=12"})
    with operator_session("test") as s:
        reg.save_settings(s, w.third.id, "membership", {"points_rule_set": "membership.changsha_classified"})
    revisions.poll(force=True)
    employed, _ = new_member(w.third.id)
    mobile, _ = new_member(w.third.id, mobile="out", mobile_counterpart="广东省深圳市")
    c = login(client, w.users["third_staff"])
    r = _add(c, w.third, employed, "report_back", evidence="", expect=422)
    assert "不适用于在职党员" in r.text
    _add(c, w.third, mobile, "report_back", evidence="每月报告")
    _add(c, w.third, employed, "post_merit", evidence="获公司年度先进")
    _add(c, w.third, employed, "complaint", evidence="服务对象投诉属实")
    totals = _totals(w.third, "membership.changsha_classified")
    assert (totals[mobile], totals[employed]) == (63, 60)
    with scoped_session(w.third.id) as s:
        complaint = s.scalar(select(PointsEntry.id).where(PointsEntry.member_id == employed,
                                                          PointsEntry.rule_key == "complaint"))
    assert post_form(c, f"{base(w.third)}/points/entries/{complaint}/appeal", {"appeal_text": "投诉已撤回"},
                     follow_redirects=False).status_code == 303
    assert _totals(w.third, "membership.changsha_classified")[employed] == 65  # pending: not counted
    r = post_form(c, f"{base(w.third)}/points/entries/{complaint}/resolve", {"outcome": "upheld",
                                                                             "appeal_reply": "经核实投诉属实"},
                  follow_redirects=False)
    assert r.status_code == 303
    assert _totals(w.third, "membership.changsha_classified")[employed] == 60  # upheld: counts again


def _totals(tenant, key) -> dict[int, int]:
    from plugins.membership.scope import Scope

    with scoped_session(tenant.id) as s:
        rs = svc.rule_sets(tenant)[key]
        rows = svc.totals(s, Scope(None), rs, clock.today().year, registry().settings(tenant.id, "membership"))
        return {t.member.id: t.total for t in rows}


def test_secretary_limited_and_other_tenants_404(client, world, api_token):
    w = world
    org = secretary_org(w.dfh.id, "dfh_secretary")
    po = party_org_of(w.dfh.id, org)
    with scoped_session(w.dfh.id) as s:
        own = Member(name=f"书记积分党员{unique('')}", status="full", party_org_id=po, organization_id=org)
        s.add(own)
        s.flush()
        own_id = own.id
    other_id, _ = new_member(w.dfh.id)
    c = login(client, "dfh_secretary")
    page = c.get(f"{base(w.dfh)}/points")
    assert page.status_code == 200 and own.name in page.text
    with scoped_session(w.dfh.id) as s:
        other_name = s.get(Member, other_id).name
    assert other_name not in page.text
    _add(c, w.dfh, own_id, "no_service", evidence="未参加社区志愿服务")
    assert c.get(f"{base(w.dfh)}/points/members/{other_id}").status_code == 404
    assert post_form(c, f"{base(w.dfh)}/points/members/{other_id}/entries", {"rule": "no_service"}
                     ).status_code == 404
    assert post_form(c, f"{base(w.dfh)}/points/grade", {"year": "2026"}).status_code == 403
    assert c.get(f"{base(w.dfh)}/dues").status_code == 200
    client.cookies.clear()
    c = login(client, "wyh_staff")
    assert c.get(f"{base(w.wyh)}/points/members/{own_id}").status_code == 404
    h = api_token("wyh_staff")
    assert client.get(f"/api{base(w.wyh)}/points/members/{own_id}/entries", headers=h).status_code == 404
    assert all(t["member_id"] != own_id for t in client.get(f"/api{base(w.wyh)}/points", headers=h).json())
