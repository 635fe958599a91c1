"""DFH-5 on fixed data: venue acceptance on the checklists block (the tenant's items, evidence,
every item 达标, the registry's class written on passing, the class order a setting) and the
entitlements the seed states (启动经费 / 阵地建设补助 / 书记岗位补贴 for *new enterprise* party orgs
only, the venue subsidy tied to a passed acceptance), through pages and the JSON API."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core import clock
from core.db import scoped_session
from core.plugins import registry
from core.registry.models import Organization, PartyOrg, PartyOrgCoverage
from plugins.checklists import api as checklists
from plugins.dongfanghong import guarantees as gsvc
from plugins.dongfanghong import venues as vsvc
from tests.helpers import csrf, login, post_form, text_of

TODAY = clock.today()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
def fx(world):
    """The street's venue items (class 3: two, one with evidence; class 2: one; class 1: none),
    a party org founded this year covering an enterprise and one covering a social organization."""
    with scoped_session(world.street.id) as s:
        registry().save_settings(s, world.street.id, "dongfanghong", {
            "venue_items_3": "有固定活动场所；*组织制度上墙", "venue_items_2": "有独立党员活动室"})
        founded = TODAY.replace(month=1, day=2)
        out = {}
        for key, kind in (("ent", "enterprise"), ("soc", "social")):
            o = Organization(name=f"新建{key}组织{world.street.id}", kind=kind, community="甲社区")
            p = PartyOrg(name=f"新建{key}党支部{world.street.id}", org_type="branch", founded_on=founded,
                         secretary_name=f"{key}书记",
                         parent_id=s.scalar(select(PartyOrg.id).where(PartyOrg.parent_id.is_(None))))
            s.add_all([o, p])
            s.flush()
            s.add(PartyOrgCoverage(party_org_id=p.id, organization_id=o.id))
            out[key] = p.id
    with scoped_session(world.other.id) as s:
        registry().save_settings(s, world.other.id, "dongfanghong", {"venue_items_3": "有固定活动场所"})
    with scoped_session(world.other.id) as s:
        other_po = s.scalar(select(PartyOrg.id).where(PartyOrg.parent_id.is_not(None)).order_by(PartyOrg.id))
        other = vsvc.apply(s, world.other, registry().settings(world.other.id, "dongfanghong"),
                           {"party_org_id": str(other_po), "target_class": "3", "applied_on": TODAY.isoformat()})
    return SimpleNamespace(**out, other_check=other.id)


def _post(client, path, data=None):
    return post_form(client, path, data, follow_redirects=False)


def test_venue_acceptance_goes_through_a_checklist_with_evidence(world, fx, client):
    base = f"/t/{world.street.slug}"
    login(client, world.users["staff"])
    page = client.get(f"{base}/dongfanghong/venues")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "验收事项（本辖区设置）" in text and "有固定活动场所" in text and "尚未设置，不能申报" in text
    url = f"{base}/dongfanghong/venues/checks"
    r = _post(client, url, {"party_org_id": "", "target_class": "4", "applied_on": ""})
    assert r.status_code == 422
    text = text_of(r.text)
    assert "党组织：必填" in text and "申报类别：请选择一类、二类或三类阵地" in text and "申报日期：必填" in text
    r = _post(client, url, {"party_org_id": str(fx.ent), "target_class": "1", "applied_on": TODAY.isoformat()})
    assert r.status_code == 422 and "本辖区尚未设置「一类阵地」的验收事项" in r.text
    applied = (TODAY - dt.timedelta(days=3)).isoformat()
    r = _post(client, url, {"party_org_id": str(fx.ent), "target_class": "3", "applied_on": applied})
    assert r.status_code == 303
    cid = int(r.headers["location"].rstrip("/").rsplit("/", 1)[-1])
    assert r.headers["location"].endswith(f"/checklists/{cid}")
    r = _post(client, url, {"party_org_id": str(fx.ent), "target_class": "2", "applied_on": applied})
    assert r.status_code == 422 and "已有待验收的申报" in r.text
    with scoped_session(world.street.id) as s:
        c = s.get(checklists.Checklist, cid)
        assert (c.template_key, c.subject_id, c.opened_on.isoformat(), c.na_allowed) == \
            ("dongfanghong.venue_3", fx.ent, applied, False)
        items = {i.label: i.id for i in c.items}
        assert list(items) == ["有固定活动场所", "组织制度上墙"]
        assert vsvc.latest_checks(s, [fx.ent])[fx.ent].status == "applied"
    # item by item on the checklists block: 不适用 refused (every item must be 达标), evidence first
    cl = f"{base}/checklists/{cid}"
    r = _post(client, f"{cl}/items/{items['有固定活动场所']}", {"status": "na"})
    assert r.status_code == 422 and "不能标记为不适用" in r.text
    assert _post(client, f"{cl}/items/{items['有固定活动场所']}", {"status": "done"}).status_code == 303
    r = _post(client, f"{cl}/items/{items['组织制度上墙']}", {"status": "done"})
    assert r.status_code == 422 and "须上传佐证材料后才能标记为达标" in r.text
    r = _post(client, f"{cl}/decide/pass", {})
    assert r.status_code == 422 and "还有 1 个事项未达标" in r.text
    with scoped_session(world.street.id) as s:
        assert s.get(PartyOrg, fx.ent).venue_class is None
    r = client.post(f"{cl}/items/{items['组织制度上墙']}/evidence", data={"_csrf_token": csrf(client)},
                    files={"file": ("zhidu.png", PNG, "image/png")}, follow_redirects=False)
    assert r.status_code == 303, r.text[-400:]
    assert _post(client, f"{cl}/items/{items['组织制度上墙']}", {"status": "done"}).status_code == 303
    assert _post(client, f"{cl}/decide/pass", {"decided_on": TODAY.isoformat()}).status_code == 303
    with scoped_session(world.street.id) as s:
        po = s.get(PartyOrg, fx.ent)
        assert (po.venue_class, po.venue_accepted_on) == (3, TODAY)  # written by the on_checklist_decided hook
        row = {r.party_org_id: r for r in vsvc.venue_rows(s, None, TODAY)}[fx.ent]
        assert (row.state, row.gaps, row.latest.status, row.latest.done, row.latest.total) == \
            ("accepted", [], "passed", 2, 2)
    # only a higher class next (一类 highest by default); 三类最高 as the tenant's setting turns it round
    r = _post(client, url, {"party_org_id": str(fx.ent), "target_class": "3", "applied_on": TODAY.isoformat()})
    assert r.status_code == 422 and "只能申报更高类别（一类最高）" in r.text
    with scoped_session(world.street.id) as s:
        settings = registry().settings(world.street.id, "dongfanghong")
        top3 = settings.model_copy(update={"venue_top_class": 3})
        with pytest.raises(Exception, match="三类最高"):
            vsvc.apply(s, world.street, top3, {"party_org_id": str(fx.ent), "target_class": "2",
                                               "applied_on": TODAY.isoformat()})
    # another tenant's checklist: 404 here; a viewer cannot apply
    assert client.get(f"{base}/checklists/{fx.other_check}").status_code == 404
    login(client, world.users["viewer"])
    assert client.get(f"{base}/dongfanghong/venues").status_code == 200
    assert _post(client, url, {"party_org_id": str(fx.soc), "target_class": "3",
                               "applied_on": TODAY.isoformat()}).status_code == 403


def test_new_enterprise_party_orgs_get_the_support_social_ones_do_not(world, fx, client, api_token):
    settings = registry().settings(world.street.id, "dongfanghong")
    with scoped_session(world.street.id) as s:
        # the social organization's party org passes its venue acceptance too
        c = vsvc.apply(s, world.street, settings, {"party_org_id": str(fx.soc), "target_class": "2",
                                                   "applied_on": TODAY.isoformat()})
        row = s.get(checklists.Checklist, c.id)
        for item in row.items:
            checklists.check_item(s, row, item, {"status": "done"}, TODAY, "测试")
        checklists.decide(s, row, "pass", {}, TODAY, "测试")
        assert s.get(PartyOrg, fx.soc).venue_class == 2
        got = {(r.entitlement.kind, r.entitlement.target_id) for r in gsvc.fund_rows(s, TODAY.year, settings)}
    # 启动经费、阵地建设补助、书记岗位补贴: the new enterprise party org, not the social organization's
    assert {("startup", fx.ent), ("venue", fx.ent), ("secretary", fx.ent)} <= got
    assert not {k for k, t in got if t == fx.soc}
    h = api_token(world.users["staff"])
    api = f"/api/t/{world.street.slug}/dongfanghong"
    r = client.get(f"{api}/guarantees?kind=startup", headers=h)
    assert r.status_code == 200 and fx.ent in {e["target_id"] for e in r.json()}
    assert fx.soc not in {e["target_id"] for e in r.json()}
    r = client.post(f"{api}/guarantees/propose", headers=h, json={"year": TODAY.year, "kind": "venue"})
    assert r.status_code == 201 and r.json()["proposed"] >= 1
    r = client.post(f"{api}/guarantees/propose", headers=h, json={"year": TODAY.year, "kind": "venue"})
    assert r.status_code == 201 and r.json()["proposed"] == 0
    r = client.post(f"{api}/guarantees/propose", headers=h, json={"year": 1990, "kind": "venue"})
    assert r.status_code == 422 and "年度" in r.json()["extra"]["errors"]["year"]
    # the venue API: register, applications, applying (422 per field), another tenant's ids unseen
    r = client.get(f"{api}/venues", headers=h)
    assert r.status_code == 200
    venues = {v["party_org_id"]: v for v in r.json()}
    assert venues[fx.ent]["venue_class"] == 3 and venues[fx.ent]["latest"]["status"] == "passed"
    r = client.post(f"{api}/venues/checks", headers=h, json={"party_org_id": str(fx.ent), "target_class": "1",
                                                             "applied_on": TODAY.isoformat()})
    assert r.status_code == 422 and "一类阵地" in r.json()["extra"]["errors"]["target_class"]
    r = client.post(f"{api}/venues/checks", headers=h, json={"party_org_id": str(fx.ent), "target_class": "2",
                                                             "applied_on": TODAY.isoformat()})
    assert r.status_code == 201 and r.json()["status"] == "applied" and r.json()["items_total"] == 1
    checks = client.get(f"{api}/venues/checks?status=applied", headers=h).json()
    assert r.json()["id"] in {c["id"] for c in checks} and fx.other_check not in {c["id"] for c in checks}
    hv = api_token(world.users["viewer"])
    assert client.post(f"{api}/venues/checks", headers=hv, json={"party_org_id": str(fx.soc), "target_class": "3",
                                                                 "applied_on": TODAY.isoformat()}).status_code == 403
    spec = client.get("/schema/openapi.json").json()["paths"]
    assert {"/api/t/{slug}/dongfanghong/venues", "/api/t/{slug}/dongfanghong/venues/checks",
            "/api/t/{slug}/dongfanghong/guarantees", "/api/t/{slug}/dongfanghong/guarantees/propose"} <= set(spec)
    assert {"201", "403", "422"} <= set(spec["/api/t/{slug}/dongfanghong/venues/checks"]["post"]["responses"])
