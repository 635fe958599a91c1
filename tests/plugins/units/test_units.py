"""The units plugin through the web and the API: units with Chinese field errors and nothing
half-saved, masked and revealed phones, tenant isolation, permissions, a pairing rule showing a
gap then closed by a visit, visit files, Excel export, import and readable history."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import open_session, scoped_session
from core.models import AuditEntry
from plugins.units import api as units_api
from plugins.units.models import Pairing, Unit, Visit, VisitAttachment
from tests.helpers import login, post_form, text_of, unique

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def user(client, world):
    def log_in(key: str):
        client.cookies.clear()
        return login(client, world.users[key])

    return log_in


def base(t) -> str:
    return f"/t/{t.slug}/units"


def api(t) -> str:
    return f"/api/t/{t.slug}/units"


def _unit(c, w, name=None, kind="resident", **over) -> int:
    r = post_form(c, f"{base(w.a)}/new", {"name": name or unique("驻街单位"), "kind": kind, **over},
                  follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[-1])


def _count(w, model) -> int:
    with open_session(w.a.id) as s:
        return s.scalar(select(func.count(model.id))) or 0


def test_unit_form_errors_masked_phone_reveal_and_history(world, user):
    w = world
    c = user("staff")
    before = _count(w, Unit)
    r = post_form(c, f"{base(w.a)}/new", {"name": "", "kind": "", "contact_phone": "1234"})
    assert r.status_code == 422
    assert "单位名称：必填" in r.text and "单位类别：必填" in r.text and "联系电话" in r.text
    r = post_form(c, f"{base(w.a)}/new", {"name": unique("x"), "kind": "resident", "party_org_id": str(w.b_party_org)})
    assert r.status_code == 422 and "所属党组织：找不到所选的所属党组织" in r.text
    assert _count(w, Unit) == before
    name = unique("区委宣传部")
    uid = _unit(c, w, name, "member_unit", duties="负责两新组织宣传思想工作", contact_phone="13812345678",
                party_org_id=str(w.party_orgs[0]), contact_member_id=str(w.member))
    page = text_of(c.get(f"{base(w.a)}/{uid}").text)
    assert "138****5678" in page and "13812345678" not in page and f"党员甲{w.tag}" in page
    assert "负责两新组织宣传思想工作" in page and "变更记录" in page and "新增单位" in page
    r = post_form(c, f"{base(w.a)}/new", {"name": name, "kind": "member_unit"})
    assert r.status_code == 422 and f"已有同类单位「{name}」" in r.text
    r = post_form(c, f"{base(w.a)}/{uid}/reveal")
    assert r.status_code == 200 and "13812345678" in r.text and r.headers["cache-control"] == "no-store"
    with open_session(w.a.id) as s:
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "units.reveal",
                                                                AuditEntry.entity_id == str(uid))) == 1
    r = post_form(c, f"{base(w.a)}/{uid}/edit", {"name": name, "kind": "member_unit", "duties": "新的职责",
                                                 "contact_phone": "13812345678"}, follow_redirects=False)
    assert r.status_code == 303
    page = text_of(c.get(f"{base(w.a)}/{uid}").text)
    assert "修改单位" in page and "工作分工和职责" in page and "新的职责" in page
    r = c.get(base(w.a), params={"q": name})
    assert r.status_code == 200 and name in r.text and "138****5678" in r.text
    assert post_form(user("viewer"), f"{base(w.a)}/{uid}/reveal").status_code == 403


def test_permissions(world, user):
    w = world
    uid = _unit(user("staff"), w)
    c = user("viewer")
    assert c.get(base(w.a)).status_code == 200 and c.get(f"{base(w.a)}/{uid}").status_code == 200
    assert c.get(f"{base(w.a)}/gaps").status_code == 200
    assert post_form(c, f"{base(w.a)}/new", {"name": "x", "kind": "resident"}).status_code == 403
    c = user("secretary")  # org secretaries have no units rights
    assert c.get(base(w.a)).status_code == 403
    c = user("instructor")  # reads and records visits, registers nothing
    assert c.get(f"{base(w.a)}/pairings").status_code == 200
    assert post_form(c, f"{base(w.a)}/pairings/new", {}).status_code == 403
    assert post_form(c, f"{base(w.a)}/{uid}/edit", {"name": "x", "kind": "resident"}).status_code == 403
    with open_session(w.a.id) as s:
        assert s.get(Unit, uid).name != "x"


def test_isolation(world, user, client, api_token):
    w = world
    uid = _unit(user("staff"), w)
    c = user("staff_b")
    assert c.get(base(w.a)).status_code == 404
    assert c.get(f"{base(w.b)}/{uid}").status_code == 404
    assert post_form(c, f"{base(w.b)}/{uid}/edit", {"name": "抢", "kind": "resident"}).status_code == 404
    assert post_form(c, f"{base(w.b)}/{uid}/reveal").status_code == 404
    h = api_token(w.users["staff_b"])
    assert client.get(f"{api(w.b)}/units/{uid}", headers=h).status_code == 404
    assert client.put(f"{api(w.b)}/units/{uid}", headers=h, json={"name": "抢"}).status_code == 404
    # another tenant's ids as references are simply not found
    r = client.post(f"{api(w.b)}/pairings", headers=h, json={"holder_type": "unit", "unit_id": uid,
                                                            "target_type": "party_org", "party_org_id": w.party_orgs[0]})
    assert r.status_code == 422
    errors = r.json()["extra"]["errors"]
    assert errors["unit_id"] == "单位：找不到所选的单位" and "party_org_id" in errors
    with open_session(w.a.id) as s:
        assert s.get(Unit, uid).name != "抢"


def test_pairing_rule_gap_closed_by_visit(world, user, client, api_token, program):
    """成员单位每季至少走访 1 次 (004) and each member unit ≥ 1 pairing: a new member unit is a
    holder gap; its pairing closes that gap and opens a visit gap; a visit this quarter closes it."""
    w = world
    c = user("staff")
    name = unique("测试成员单位")
    uid = _unit(c, w, name, "test_member")
    h = api_token(w.users["staff"])
    gaps = client.get(f"{api(w.a)}/gaps", headers=h, params={"kind": "testunits.contact"}).json()
    rule = gaps["rules"][0]
    assert (rule["min_pairings"], rule["visits"], rule["period"], rule["from_settings"]) == (1, 1, "quarter", [])
    assert [(g["holder_id"], g["have"], g["need"]) for g in gaps["holders"] if g["holder_id"] == uid] == [(uid, 0, 1)]
    page = text_of(c.get(f"{base(w.a)}/gaps", params={"kind": "testunits.contact"}).text)
    assert "结对数不足" in page and name in page and "每个结对每季度至少走访 1 次" in page
    # the kind's rule refuses a party org as target (organizations only)
    r = post_form(c, f"{base(w.a)}/pairings/new", {"kind": "testunits.contact", "holder_type": "unit",
                                                    "unit_id": str(uid), "target_type": "party_org",
                                                    "party_org_id": str(w.party_orgs[0])})
    assert r.status_code == 422 and "「联系走访」的对象只能是两新组织" in r.text
    r = post_form(c, f"{base(w.a)}/pairings/new", {"kind": "testunits.contact", "holder_type": "unit",
                                                    "unit_id": str(uid), "target_type": "organization",
                                                    "organization_id": str(w.orgs[0]), "started_on": "2020-01-01"},
                  follow_redirects=False)
    assert r.status_code == 303, r.text
    pid = int(r.headers["location"].rsplit("/", 1)[-1])
    gaps = client.get(f"{api(w.a)}/gaps", headers=h, params={"kind": "testunits.contact"}).json()
    assert uid not in [g["holder_id"] for g in gaps["holders"]]
    assert [(g["have"], g["need"]) for g in gaps["visits"] if g["pairing_id"] == pid] == [(0, 1)]
    page = text_of(c.get(f"{base(w.a)}/gaps").text)
    assert "走访次数不足" in page and name in page
    # a visit with a bad date is refused in Chinese, nothing saved; then a visit with a photo closes the gap
    r = c.post(f"{base(w.a)}/pairings/{pid}/visits", data={"_csrf_token": _csrf(c), "visited_on": "2999-01-01"})
    assert r.status_code == 422 and "走访日期：" in r.text
    r = c.post(f"{base(w.a)}/pairings/{pid}/visits", follow_redirects=False,
               data={"_csrf_token": _csrf(c), "visited_on": "", "note": "送政策上门"},
               files={"file": ("走访.png", PNG, "image/png")})
    assert r.status_code == 422 and "走访日期：必填" in r.text
    with open_session(w.a.id) as s:
        assert s.scalar(select(func.count(Visit.id)).where(Visit.pairing_id == pid)) == 0
    today = units_api.period_bounds("quarter", _today())[0].isoformat()
    r = c.post(f"{base(w.a)}/pairings/{pid}/visits", follow_redirects=False,
               data={"_csrf_token": _csrf(c), "visited_on": today, "note": "送政策上门"},
               files={"file": ("走访.png", PNG, "image/png")})
    assert r.status_code == 303, r.text
    gaps = client.get(f"{api(w.a)}/gaps", headers=h, params={"kind": "testunits.contact"}).json()
    assert pid not in [g["pairing_id"] for g in gaps["visits"]]
    page = c.get(f"{base(w.a)}/pairings/{pid}").text
    assert "送政策上门" in page and "已达标" in page and "走访.png" in page
    with open_session(w.a.id) as s:
        att = s.scalar(select(VisitAttachment).join(Visit, Visit.id == VisitAttachment.visit_id)
                       .where(Visit.pairing_id == pid))
    r = c.get(f"{base(w.a)}/visits/{att.visit_id}/files/{att.id}")
    assert r.status_code == 200 and r.content == PNG
    assert user("staff_b").get(f"{base(w.b)}/visits/{att.visit_id}/files/{att.id}").status_code == 404
    # the history of the pairing names its visit
    c = user("staff")
    page = text_of(c.get(f"{base(w.a)}/pairings/{pid}").text)
    assert "新增走访记录" in page and "新增结对" in page
    # ending the pairing: no longer a running pairing, the holder gap is back
    r = post_form(c, f"{base(w.a)}/pairings/{pid}/end", {"ended_on": "2019-12-31"})
    assert r.status_code == 422 and "结束日期：不能早于开始日期" in r.text
    assert post_form(c, f"{base(w.a)}/pairings/{pid}/end", {}, follow_redirects=False).status_code == 303


def _today():
    from core import clock

    return clock.today()


def _csrf(c) -> str:
    from tests.helpers import csrf

    return csrf(c)


def test_instructor_records_visit_by_api(world, client, api_token):
    w = world
    h = api_token(w.users["staff"])
    r = client.post(f"{api(w.a)}/units", headers=h, json={"name": "", "kind": "nope"})
    assert r.status_code == 422
    errors = r.json()["extra"]["errors"]
    assert errors["name"] == "单位名称：必填" and errors["kind"].startswith("单位类别：无效的选项「nope」")
    r = client.post(f"{api(w.a)}/units", headers=h, json={"name": unique("商会"), "kind": "chamber",
                                                          "contact_phone": "13900001111",
                                                          "contact_user_id": w.user_ids["staff"]})
    assert r.status_code == 201, r.text
    unit = r.json()
    assert unit["contact_phone"] == "139****1111" and unit["kind_label"] == "商会" and unit["contact_name"]
    r = client.put(f"{api(w.a)}/units/{unit['id']}", headers=h, json={"duties": "组织会员企业参与基层治理"})
    assert r.status_code == 200 and r.json()["duties"] == "组织会员企业参与基层治理" and r.json()["name"] == unit["name"]
    r = client.post(f"{api(w.a)}/pairings", headers=h, json={"holder_type": "member", "member_id": w.member,
                                                            "target_type": "organization",
                                                            "organization_id": w.orgs[1]})
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["kind"] == "pairing" and p["holder_name"] == f"党员甲{w.tag}"
    r = client.post(f"{api(w.a)}/pairings", headers=h, json={"holder_type": "member", "member_id": w.member,
                                                            "target_type": "organization",
                                                            "organization_id": w.orgs[1]})
    assert r.status_code == 422 and "已有进行中的同类结对" in r.json()["extra"]["errors"]["organization_id"]
    hi = api_token(w.users["instructor"])
    r = client.post(f"{api(w.a)}/pairings/{p['id']}/visits", headers=hi, json={"visited_on": _today().isoformat(),
                                                                              "note": "了解企业用工需求"})
    assert r.status_code == 201 and r.json()["visitor"]
    assert client.post(f"{api(w.a)}/units", headers=hi, json={"name": "x", "kind": "chamber"}).status_code == 403
    r = client.get(f"{api(w.a)}/pairings/{p['id']}/visits", headers=hi)
    assert [v["note"] for v in r.json()] == ["了解企业用工需求"]
    r = client.get(f"{api(w.a)}/pairings", headers=h, params={"holder_type": "member"})
    assert any(x["id"] == p["id"] and x["visits"] == 1 for x in r.json())
    r = client.get(f"{api(w.a)}/kinds", headers=h)
    assert r.json()["unit_kinds"]["member_unit"] == "成员单位" and r.json()["pairing_kinds"]["pairing"] == "结对共建"
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path in ("units", "units/{unit_id}", "pairings", "pairings/{pairing_id}/visits", "gaps", "kinds"):
        op = paths[f"/api/t/{{slug}}/units/{path}"]
        assert "404" in op["get"]["responses"] and "403" in op["get"]["responses"]


def test_exports(world, user):
    w = world
    c = user("staff")
    name = unique("驻街银行")
    uid = _unit(c, w, name, contact_phone="13712345678")
    post_form(c, f"{base(w.a)}/pairings/new", {"holder_type": "unit", "unit_id": str(uid),
                                               "target_type": "party_org", "party_org_id": str(w.party_orgs[1])})
    r = c.get(f"{base(w.a)}/export", params={"q": name})
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][:5] == ("单位名称", "单位类别", "工作分工和职责", "联系人", "联系电话")
    assert rows[1][0] == name and rows[1][1] == "驻街单位" and rows[1][4] == "137****5678" and rows[1][6] == 1
    r = c.get(f"{base(w.a)}/pairings/export", params={"q": name})
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][0] == "结对类型" and rows[1][2] == name and rows[1][4] == f"单位测试党支部2{w.tag}"
    r = c.get(f"{base(w.a)}/gaps/export")
    assert r.status_code == 200 and list(load_workbook(io.BytesIO(r.content)).active.values)[0][0] == "缺口"
    with open_session(w.a.id) as s:
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "units.export")) >= 3


def test_import(world, client, api_token):
    from openpyxl import Workbook

    w = world
    tag = unique("")
    wb = Workbook()
    ws = wb.active
    ws.append(["两新工委成员单位及工作职责"])
    ws.append(["成员单位", "类别", "工作职责", "联络员", "手机", "党组织"])
    ws.append([f"区委宣传部{tag}", "成员单位", "负责两新组织宣传思想工作", "张三", "13800001234", ""])
    ws.append([f"区市场监管局{tag}", "责任部门", "负责外卖配送员、网络店主党建", "李四", "", f"单位测试党支部1{w.tag}"])
    ws.append([f"坏行{tag}", "不存在的类别", "", "", "123", ""])
    buf = io.BytesIO()
    wb.save(buf)
    h = api_token(w.users["staff"])
    r = client.post(f"/api/t/{w.a.slug}/imports/units?dry_run=true", headers=h,
                    files={"file": ("成员单位.xlsx", buf.getvalue(),
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
    body = r.json()
    body = body.get("extra", {}).get("report", body) if r.status_code == 422 else body
    assert body["created"] == 2 and body["errors"] == 1, body
    assert {p["column"] for p in body["problems"]} >= {"类别"}
    done = client.post(f"/api/t/{w.a.slug}/imports/jobs/{body['id']}/confirm?valid_only=true", headers=h).json()
    assert done["created"] == 2
    with scoped_session(w.a.id) as s:
        found = {u.name: u for u in s.scalars(select(Unit).where(Unit.name.like(f"%{tag}")))}
        assert found[f"区市场监管局{tag}"].kind == "department"
        assert found[f"区市场监管局{tag}"].party_org_id == w.party_orgs[0]
        assert found[f"区委宣传部{tag}"].contact_phone_enc and found[f"区委宣传部{tag}"].duties
    again = client.post(f"/api/t/{w.a.slug}/imports/units?dry_run=true", headers=h,
                        files={"file": ("成员单位.xlsx", buf.getvalue(),
                                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}).json()
    again = again.get("extra", {}).get("report", again)
    assert again["created"] == 0 and again["unchanged"] == 2


def test_api_for_programs(world):
    """What a program (nanhu's 19 member units) calls: idempotent set-up through api.py."""
    w = world
    name = unique("区委组织部")
    with scoped_session(w.a.id) as s:
        unit = units_api.find_unit(s, "member_unit", name) or units_api.create_unit(
            s, w.a, {"name": name, "kind": "member_unit", "duties": "牵头抓总"})
        again = units_api.find_unit(s, "member_unit", name)
        assert again is not None and again.id == unit.id
        units_api.update_unit(s, w.a, unit, {"duties": "牵头抓总两新党建"})
        assert unit.duties == "牵头抓总两新党建" and unit.name == name
        p = units_api.create_pairing(s, w.a, {"holder_type": "unit", "unit_id": unit.id, "target_type": "party_org",
                                              "party_org_id": w.party_orgs[2]}, _today())
        assert units_api.pairings_of(s, unit=unit) == [p]
        gaps = units_api.gaps(s, w.a)
        assert unit.id not in [g.holder_id for g in gaps.holders]
        assert p.id in [g.pairing_id for g in gaps.visits]  # built-in rule: tenant setting, 1 a quarter
        units_api.record_visit(s, p, {"visited_on": _today().isoformat()}, _today(), visitor="组织部")
        assert units_api.visit_count(s, p) == 1
        assert p.id not in [g.pairing_id for g in units_api.gaps(s, w.a).visits]
        assert units_api.rules(w.a)[0].from_settings == ("min_pairings", "visits", "period")
        assert s.scalar(select(func.count(Pairing.id)).where(Pairing.unit_id == unit.id)) == 1


def test_demo_on_dongfanghong(database, as_user):
    """东方红's demo (seed 000): 群团、社区党委、驻街单位 paired with party orgs, most visited this
    quarter; the 成员单位 without a pairing is a holder gap on the gaps page."""
    from core.tenancy import tree

    dfh = tree().by_slug["dongfanghong"]
    with scoped_session(dfh.id) as s:
        names = set(s.scalars(select(Unit.name)))
        assert {"街道总工会", "辖区社区卫生服务中心", "街道市场监管所"} <= names
        assert s.scalar(select(func.count(Pairing.id))) >= 7 and s.scalar(select(func.count(Visit.id))) >= 4
        gaps = units_api.gaps(s, dfh)
        assert "街道市场监管所" in [g.holder_name for g in gaps.holders]
    page = text_of(as_user("dfh_staff").get("/t/dongfanghong/units/gaps").text)
    assert "街道市场监管所" in page and "本辖区设置" in page


def test_person_holders_by_role(world, client, api_token, program):
    """联点 by people: every user holding the rule's role must hold a pairing; a user without a
    role in the tenant cannot hold one."""
    w = world
    h = api_token(w.users["staff"])
    gaps = client.get(f"{api(w.a)}/gaps", headers=h, params={"kind": "testunits.liandian"}).json()
    assert [(g["holder_type"], g["have"]) for g in gaps["holders"] if g["holder_id"] == w.user_ids["instructor"]] \
        == [("user", 0)]
    assert gaps["visits"] == [] and gaps["rules"][0]["visits"] == 0
    r = client.post(f"{api(w.a)}/pairings", headers=h, json={"kind": "testunits.liandian", "holder_type": "unit",
                                                            "unit_id": 1, "target_type": "party_org",
                                                            "party_org_id": w.party_orgs[0]})
    assert r.status_code == 422 and r.json()["extra"]["errors"]["holder_type"] == "结对主体：「联点」的主体只能是平台用户"
    r = client.post(f"{api(w.a)}/pairings", headers=h, json={"kind": "testunits.liandian", "holder_type": "user",
                                                            "user_id": w.user_ids["staff_b"], "target_type": "party_org",
                                                            "party_org_id": w.party_orgs[0]})
    assert r.status_code == 422 and r.json()["extra"]["errors"]["user_id"] == "平台用户：该用户在本辖区没有角色"
    r = client.post(f"{api(w.a)}/pairings", headers=h, json={"kind": "testunits.liandian", "holder_type": "user",
                                                            "user_id": w.user_ids["instructor"],
                                                            "target_type": "party_org", "party_org_id": w.party_orgs[0]})
    assert r.status_code == 201, r.text
    gaps = client.get(f"{api(w.a)}/gaps", headers=h, params={"kind": "testunits.liandian"}).json()
    assert w.user_ids["instructor"] not in [g["holder_id"] for g in gaps["holders"]]


def test_reminders_of_gaps(world, program):
    """register_reminders: a pairing short of visits near the end of its period reminds the unit's
    contact user; a holder short of pairings reminds whoever registers pairings, once a month."""
    import datetime as dt

    import plugins.units as units_plugin

    w = world
    with scoped_session(w.a.id) as s:
        unit = units_api.create_unit(s, w.a, {"name": unique("提醒成员单位"), "kind": "test_member",
                                              "contact_user_id": w.user_ids["staff"]})
        bare = units_api.create_unit(s, w.a, {"name": unique("未结对成员单位"), "kind": "test_member"})
        p = units_api.create_pairing(s, w.a, {"kind": "testunits.contact", "holder_type": "unit", "unit_id": unit.id,
                                              "target_type": "organization", "organization_id": w.orgs[0],
                                              "started_on": "2026-01-01"}, dt.date(2026, 3, 1))
        early = units_plugin.register_reminders(s, w.a, None, dt.date(2026, 3, 1))
        late = units_plugin.register_reminders(s, w.a, None, dt.date(2026, 3, 20))
        assert not any(r.key.startswith(f"units.visits:{p.id}:") for r in early)
        visit = [r for r in late if r.key == f"units.visits:{p.id}:quarter:2026-01-01"]
        assert len(visit) == 1 and visit[0].recipients == (w.user_ids["staff"],) and "0/1" in visit[0].title
        assert visit[0].link == f"units/pairings/{p.id}" and visit[0].due == dt.date(2026, 3, 31)
        holder = [r for r in late if r.key == f"units.holders:testunits.contact:unit:{bare.id}:2026-03"]
        assert len(holder) == 1 and holder[0].permission == "units:write" and "结对不足" in holder[0].title
        units_api.record_visit(s, p, {"visited_on": "2026-03-10"}, dt.date(2026, 3, 20), visitor="联络员")
        assert not any(r.key.startswith(f"units.visits:{p.id}:")
                       for r in units_plugin.register_reminders(s, w.a, None, dt.date(2026, 3, 20)))
        s.rollback()
