"""DFH-3 on fixed data: a published 示范性党群活动阵地评选 leaves a designation in force on the
party org's page and marks it a model; 标准化规范化党组织 / 先进基层党组织 / 两新党建示范点 are
designation kinds; 量化 results fund party orgs (amount and ranks are settings); 双向进入 as
references with field-level errors."""

from __future__ import annotations

from sqlalchemy import select

from core import clock, revisions
from core.db import scoped_session
from core.plugins import registry
from core.registry.models import Member, PartyOrg
from core.tenancy import operator_session
from plugins.assessment import service as asvc
from plugins.designations import api as designations
from plugins.dongfanghong import quantified as q
from plugins.funds.models import Disbursement
from tests.helpers import login, post_form, text_of

TODAY = clock.today()


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

