"""Relation transfers through the web and the API: 东方红 → 望月湖 (letter, inbox, acceptance, the
member moving), both sides' steps in Chinese, the kinds of 003 §9, expiring letters, returns,
permissions and a third tenant that sees nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core import clock
from core.db import scoped_session
from core.registry.models import Member, PartyOrg
from plugins.membership import transfers as svc
from plugins.membership.models import Transfer, TransferStep
from tests.helpers import login, post_form, text_of, unique
from tests.plugins.membership.conftest import new_member


def base(t) -> str:
    return f"/t/{t.slug}/membership"


def _apply(c, w, member_id, **over) -> int:
    data = {"member": str(member_id), "scope": "instance", "to_tenant": str(w.wyh.id), "reason": "工作调动",
            **over}
    r = post_form(c, f"{base(w.dfh)}/transfers/new", data, follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:2000]
    return int(r.headers["location"].rsplit("/", 1)[-1])


def _act(c, tenant, transfer_id, action, data=None, expect=303):
    r = post_form(c, f"{base(tenant)}/transfers/{transfer_id}/{action}", data or {}, follow_redirects=False)
    assert r.status_code == expect, text_of(r.text)[:2000]
    return r


def test_transfer_between_streets(client, world):
    w = world
    name = f"转接党员{unique('')}"
    member_id, from_po = new_member(w.dfh.id, name, gender="female", birth_date=dt.date(1990, 5, 1))
    c = login(client, "dfh_staff")
    tid = _apply(c, w, member_id)
    _act(c, w.dfh, tid, "submit")
    _act(c, w.dfh, tid, "issue")
    with scoped_session(w.dfh.id) as s:
        out = s.get(Transfer, tid)
        assert (out.state, out.kind, out.scope) == ("issued", "regular", "instance")
        assert out.letter_no.endswith("号") and out.letter_expires_on == svc.add_months(out.letter_issued_on, 3)
        in_id = out.counterpart_id
        assert s.get(Member, member_id).party_org_id == from_po  # not before acceptance
    letter = c.get(f"{base(w.dfh)}/transfers/{tid}/letter")
    assert letter.status_code == 200 and "中国共产党党员组织关系介绍信" in letter.text and name in letter.text
    assert "回执" in letter.text and "/static/membership/letter.css" in letter.text
    # the receiving street's inbox
    client.cookies.clear()
    c = login(client, "wyh_staff")
    page = c.get(f"{base(w.wyh)}/transfers", params={"side": "in"})
    assert page.status_code == 200 and name in page.text
    assert name in c.get(f"{base(w.wyh)}/due").text
    # acceptance needs one of 望月湖's party orgs; 东方红's is refused (nothing changes)
    r = _act(c, w.wyh, in_id, "accept", {"to_party_org": str(from_po)}, expect=422)
    assert "接收党组织：请选择本辖区现有的党组织" in r.text
    with scoped_session(w.wyh.id) as s:
        to_po = s.scalar(select(PartyOrg.id).where(PartyOrg.dissolved_on.is_(None)).order_by(PartyOrg.id).limit(1))
        assert s.get(Transfer, in_id).state == "issued"
    _act(c, w.wyh, in_id, "accept", {"to_party_org": str(to_po)})
    with scoped_session(w.wyh.id) as s:
        inbox = s.get(Transfer, in_id)
        moved = s.get(Member, inbox.member_id)
        assert (moved.name, moved.party_org_id, moved.tenant_id, moved.gender) == (name, to_po, w.wyh.id, "female")
        assert moved.birth_date == dt.date(1990, 5, 1)
    with scoped_session(w.dfh.id) as s:
        left = s.get(Member, member_id)
        assert left.party_org_id is None and left.transfer_state == "out"  # 已转出
        assert s.get(Transfer, tid).state == "accepted"
    _act(c, w.wyh, in_id, "report", {"on": clock.today().isoformat()})
    # both sides read the whole story in Chinese
    page = text_of(c.get(f"{base(w.wyh)}/transfers/{in_id}").text)
    for label in ("提出转接申请", "提交转出审核", "审核通过，开具介绍信", "转入党组织接收", "本人已报到", "东方红街道", "望月湖街道"):
        assert label in page, label
    client.cookies.clear()
    c = login(client, "dfh_staff")
    page = text_of(c.get(f"{base(w.dfh)}/transfers/{tid}").text)
    assert "本人已报到" in page and "已报到" in page and "望月湖街道" in page
    # the member's history (core page) reads the move in Chinese
    hist = text_of(c.get(f"/t/{w.dfh.slug}/members/{member_id}").text)
    assert "所在党组织" in hist


def test_third_tenant_sees_nothing(client, world, api_token):
    w = world
    name = f"保密转接{unique('')}"
    member_id, _ = new_member(w.dfh.id, name)
    c = login(client, "dfh_staff")
    tid = _apply(c, w, member_id)
    _act(c, w.dfh, tid, "submit")
    _act(c, w.dfh, tid, "issue")
    with scoped_session(w.dfh.id) as s:
        in_id = s.get(Transfer, tid).counterpart_id
    client.cookies.clear()
    c = login(client, w.users["third_staff"])
    h = api_token(w.users["third_staff"])
    assert name not in c.get(f"{base(w.third)}/transfers").text
    assert name not in c.get(f"{base(w.third)}/due").text
    for i in (tid, in_id):
        assert c.get(f"{base(w.third)}/transfers/{i}").status_code == 404
        assert c.get(f"{base(w.third)}/transfers/{i}/letter").status_code == 404
        assert c.get(f"/api{base(w.third)}/transfers/{i}", headers=h).status_code == 404
        assert post_form(c, f"{base(w.third)}/transfers/{i}/accept", {}).status_code == 404
    assert all(t["member_name"] != name for t in c.get(f"/api{base(w.third)}/transfers", headers=h).json()["items"])
    with scoped_session(w.third.id) as s:
        assert s.scalar(select(Transfer.id).where(Transfer.member_name == name)) is None
        assert s.scalar(select(TransferStep.id).where(TransferStep.transfer_id.in_((tid, in_id)))) is None
    # the sender cannot act on the receiver's row, nor the receiver on the sender's
    client.cookies.clear()
    c = login(client, "wyh_staff")
    assert c.get(f"{base(w.wyh)}/transfers/{tid}").status_code in (404, 200)
    with scoped_session(w.wyh.id) as s:
        assert s.get(Transfer, tid) is None or s.get(Transfer, tid).tenant_id == w.wyh.id


def test_return_with_reason_keeps_the_member(client, world):
    w = world
    member_id, po = new_member(w.dfh.id)
    c = login(client, "dfh_staff")
    tid = _apply(c, w, member_id)
    _act(c, w.dfh, tid, "submit")
    _act(c, w.dfh, tid, "issue")
    with scoped_session(w.dfh.id) as s:
        in_id = s.get(Transfer, tid).counterpart_id
    client.cookies.clear()
    c = login(client, "wyh_staff")
    r = _act(c, w.wyh, in_id, "return", {"reason": ""}, expect=422)
    assert "退回原因：必填" in r.text
    _act(c, w.wyh, in_id, "return", {"reason": "介绍信抬头有误"})
    with scoped_session(w.dfh.id) as s:
        out = s.get(Transfer, tid)
        assert (out.state, out.returned_reason) == ("returned", "介绍信抬头有误")
        assert s.get(Member, member_id).party_org_id == po


def test_kinds_drive_the_workflow(client, world):
    w = world
    c = login(client, "dfh_staff")
    # 必须转 (talent exchange centre): no withdrawal
    member_id, _ = new_member(w.dfh.id)
    tid = _apply(c, w, member_id, location="talent_center")
    r = _act(c, w.dfh, tid, "withdraw", {"reason": "本人不愿转"}, expect=422)
    assert "不能撤回" in text_of(r.text)
    # 征求意见转 (local rural community): the letter needs the member's consent
    member_id, _ = new_member(w.dfh.id)
    tid = _apply(c, w, member_id, location="local_rural")
    _act(c, w.dfh, tid, "submit")
    r = _act(c, w.dfh, tid, "issue", expect=422)
    assert "须先征得党员本人同意" in r.text
    with scoped_session(w.dfh.id) as s:
        assert s.get(Transfer, tid).state == "reviewing" and s.get(Transfer, tid).kind == "consult"
    # 动员转 (outside the city): withdrawn → the relation is kept
    member_id, _ = new_member(w.dfh.id)
    tid = _apply(c, w, member_id, location="outside_city")
    _act(c, w.dfh, tid, "withdraw", {"reason": "本人暂不同意转出"})
    with scoped_session(w.dfh.id) as s:
        assert s.get(Member, member_id).transfer_state == "kept"
        assert s.get(Member, member_id).transfer_rule == "mobilize"


def test_bad_input_and_internal_transfer(client, world):
    w = world
    member_id, po = new_member(w.dfh.id)
    c = login(client, "dfh_staff")
    with scoped_session(w.dfh.id) as s:
        before = s.scalar(select(Transfer.id).order_by(Transfer.id.desc()).limit(1))
        other_po = s.scalar(select(PartyOrg.id).where(PartyOrg.id != po, PartyOrg.dissolved_on.is_(None)).limit(1))
    r = post_form(c, f"{base(w.dfh)}/transfers/new", {"member": str(member_id), "scope": "instance",
                                                       "to_tenant": "999999"})
    assert r.status_code == 422 and "转入辖区：请选择平台内已启用党员管理的辖区" in r.text
    r = post_form(c, f"{base(w.dfh)}/transfers/new", {"member": str(member_id), "scope": "external"})
    assert r.status_code == 422 and "转往党组织：请填写接收党组织全称" in r.text
    with scoped_session(w.dfh.id) as s:
        assert s.scalar(select(Transfer.id).order_by(Transfer.id.desc()).limit(1)) == before
    tid = _apply(c, w, member_id, scope="internal", to_party_org=str(other_po))
    _act(c, w.dfh, tid, "submit")
    _act(c, w.dfh, tid, "issue")
    _act(c, w.dfh, tid, "accept")
    with scoped_session(w.dfh.id) as s:
        assert s.get(Member, member_id).party_org_id == other_po
    # external: letter number, destination text, the member leaves on the receipt
    member_id, _ = new_member(w.dfh.id)
    tid = _apply(c, w, member_id, scope="external", destination="中共上海市某街道工作委员会")
    _act(c, w.dfh, tid, "submit")
    _act(c, w.dfh, tid, "issue")
    _act(c, w.dfh, tid, "accept")
    with scoped_session(w.dfh.id) as s:
        assert s.get(Member, member_id).party_org_id is None
        assert s.get(Transfer, tid).destination == "中共上海市某街道工作委员会"


def test_expiring_letter_is_due(client, world, api_token):
    w = world
    member_id, _ = new_member(w.dfh.id)
    with scoped_session(w.dfh.id) as s:
        s.info["username"] = "test"
        m = s.get(Member, member_id)
        t = svc.apply(s, w.dfh, m, {"scope": "external", "destination": "外省某党委"}, "test")
        svc.submit(s, w.dfh, t, "test")
        svc.issue(s, w.dfh, t, "test", 3, on=svc.add_months(clock.today(), -3) + dt.timedelta(days=5))
        tid = t.id
    c = login(client, "dfh_staff")
    due = c.get(f"{base(w.dfh)}/due")
    assert due.status_code == 200 and "介绍信即将到期" in due.text and m.name in due.text
    h = api_token("dfh_staff")
    assert tid in [x["id"] for x in c.get(f"/api{base(w.dfh)}/transfers/expiring", headers=h).json()]
    home = c.get(f"/t/{w.dfh.slug}/")
    assert "党员管理待办" in home.text and "介绍信即将到期" in home.text
    # renewing the letter takes it off the list
    _act(c, w.dfh, tid, "renew")
    assert tid not in [x["id"] for x in c.get(f"/api{base(w.dfh)}/transfers/expiring", headers=h).json()]


def test_a_letter_running_out_raises_a_reminder_once(world):
    """Issue 11's done-when: the daily reminders job notifies the street's transfer handlers
    of a letter about to run out — once, however often it runs."""
    from core.notify.models import Notification
    from core.notify.reminders import run_reminders

    w = world
    member_id, _ = new_member(w.dfh.id)
    with scoped_session(w.dfh.id) as s:
        s.info["username"] = "test"
        m = s.get(Member, member_id)
        t = svc.apply(s, w.dfh, m, {"scope": "external", "destination": "外省某党委"}, "test")
        svc.submit(s, w.dfh, t, "test")
        svc.issue(s, w.dfh, t, "test", 3, on=svc.add_months(clock.today(), -3) + dt.timedelta(days=5))
        key, name = f"membership.letter:{t.id}:soon", m.name
    counts = []
    for _ in range(2):
        with scoped_session(w.dfh.id) as s:
            run_reminders(s, w.dfh)
        with scoped_session(w.dfh.id) as s:
            got = s.scalars(select(Notification).where(Notification.key == key)).all()
        counts.append(len(got))
    assert counts[0] > 0 and counts[1] == counts[0]  # the street's handlers, once each
    assert all(name in n.title and "介绍信即将到期" in n.title for n in got)


def test_permissions(client, world):
    w = world
    member_id, _ = new_member(w.dfh.id)
    c = login(client, "dfh_staff")
    tid = _apply(c, w, member_id)
    client.cookies.clear()
    c = login(client, w.users["dfh_viewer"])
    assert c.get(f"{base(w.dfh)}/transfers/{tid}").status_code == 200
    assert post_form(c, f"{base(w.dfh)}/transfers/{tid}/submit").status_code == 403
    assert c.get(f"{base(w.dfh)}/transfers/new").status_code == 403
    # an org secretary sees only the members of their own organizations
    client.cookies.clear()
    c = login(client, "dfh_secretary")
    assert c.get(f"{base(w.dfh)}/transfers/{tid}").status_code == 404
    assert post_form(c, f"{base(w.dfh)}/transfers/{tid}/submit").status_code in (403, 404)


def test_api(client, world, api_token):
    w = world
    member_id, _ = new_member(w.dfh.id)
    h = api_token("dfh_staff")
    r = client.post(f"/api{base(w.dfh)}/transfers", json={"member_id": member_id, "scope": "internal"}, headers=h)
    assert r.status_code == 422 and "to_party_org" in r.json()["extra"]["errors"]
    r = client.post(f"/api{base(w.dfh)}/transfers", json={"member_id": member_id, "scope": "instance",
                                                          "to_tenant": w.wyh.id}, headers=h)
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    for action in ("submit", "issue"):
        r = client.post(f"/api{base(w.dfh)}/transfers/{tid}/{action}", json={}, headers=h)
        assert r.status_code == 200, r.text
    body = r.json()
    assert body["state_label"] == "已开具介绍信" and body["counterpart_tenant"] == w.wyh.name
    assert [s["label"] for s in body["steps"]][:2] == ["提出转接申请", "提交转出审核"]
    assert body["steps"][0]["at"].endswith("Z") or "+" in body["steps"][0]["at"]
    r = client.post(f"/api{base(w.dfh)}/transfers/{tid}/issue", json={}, headers=h)
    assert r.status_code == 422 and "不能审核通过并开具介绍信" in r.text
    assert client.post(f"/api{base(w.dfh)}/transfers/{tid}/fly", json={}, headers=h).status_code == 404
    schema = client.get("/schema/openapi.json").json()
    op = schema["paths"]["/api/t/{slug}/membership/transfers/{transfer_id}/{action}"]["post"]
    assert {"200", "401", "403", "404", "422"} <= set(op["responses"])
