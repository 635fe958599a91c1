"""The activities engine through the web: list with filters and export, the month calendar, the
detail page and its forms, due reminders and the dashboard widget, permissions (object-level
included), tenancy, time zone display and the JSON API.

Pages use the real clock only to decide whether a new activity has already started; every date
here is long past (or, for planned ones, years ahead), and due pages get a fixed ``on=``."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.db import open_session
from core.models import AuditEntry
from plugins.activities.models import Activity, ActivityParticipant
from tests.helpers import login, post_form, text_of, unique
from tests.plugins.activities.conftest import World


@pytest.fixture
def user(client, world):
    """``user("staff")`` → the shared client logged in as that world user."""

    def log_in(key: str):
        client.cookies.clear()
        return login(client, world.users[key])

    return log_in


@pytest.fixture
def token(api_token, world):
    return lambda key: api_token(world.users[key])


def base(w: World, tenant=None) -> str:
    return f"/t/{(tenant or w.street).slug}/activities"


def api(w: World, tenant=None) -> str:
    return f"/api/t/{(tenant or w.street).slug}/activities"


def form(w: World, **over) -> dict:
    return {"activity_type": "theme_day", "organizer": f"party_org:{w.po['a']}", "title": unique("主题党日"),
            "date": "2020-05-05", "start_time": "09:30", "end_time": "11:00", "place": "党员活动室", **over}


def post(c, path: str, data: dict | None = None):
    return post_form(c, path, data, follow_redirects=False)


def new(c, w: World, **over) -> int:
    r = post(c, f"{base(w)}/new", form(w, **over))
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[-1])


def activity(w: World, activity_id: int, tenant=None) -> Activity | None:
    with open_session((tenant or w.street).id) as s:
        a = s.get(Activity, activity_id)
        if a is not None:
            _ = (a.participants, a.speakers, a.follow_ups, a.attachments)
        return a


def count(w: World) -> int:
    with open_session(w.street.id) as s:
        return s.scalar(select(func.count(Activity.id)))


def cell(html: str, day: str) -> str:
    m = re.search(rf'<td data-date="{day}"[^>]*>(.*?)</td>', html, re.S)
    assert m, f"no calendar cell for {day}"
    return text_of(m.group(1))


# --- time zone, detail, calendar ----------------------------------------------------------------------------


def test_an_activity_at_0130_utc_shows_at_0930_shanghai(user, world):
    c = user("staff")
    title = unique("时区")
    aid = new(c, world, title=title, date="2026-03-01", start_time="09:30", end_time="10:30")
    a = activity(world, aid)
    assert a.starts_at.replace(tzinfo=None).isoformat() == "2026-03-01T01:30:00"
    page = c.get(f"{base(world)}/{aid}")
    assert page.status_code == 200
    assert "2026-03-01 09:30" in text_of(page.text)
    cal = c.get(f"{base(world)}/calendar?month=2026-03")
    assert f"09:30 主题党日 · {title}" in cell(cal.text, "2026-03-01")
    assert title not in cell(cal.text, "2026-02-28")  # 01:30 UTC is not the day before
    assert title in text_of(c.get(f"{base(world)}?q={title}").text)


def test_month_calendar_page(user, world):
    c = user("staff")
    t1, t2 = unique("月初"), unique("跨天培训")
    new(c, world, title=t1, date="2019-09-01", start_time="07:15", end_time="08:00")  # 2019-08-31 23:15 UTC
    new(c, world, title=t2, activity_type="training", organizer="tenant", date="2019-09-29", start_time="09:00",
        end_date="2019-10-01", end_time="12:00")
    r = c.get(f"{base(world)}/calendar?month=2019-09")
    assert r.status_code == 200
    html = r.text
    assert re.search(r'<h2 id="cal-month">\s*2019年9月\s*</h2>', html)
    assert "<th scope=\"col\">周一</th>" in html and html.index("周一") < html.index("周日")
    assert "07:15" in cell(html, "2019-09-01") and t1 in cell(html, "2019-09-01")
    assert t1 not in cell(html, "2019-08-26")
    for day in ("2019-09-29", "2019-09-30", "2019-10-01"):
        assert t2 in cell(html, day)
    assert 'data-date="2019-10-06"' in html and 'data-date="2019-08-26"' in html  # whole weeks, Monday first
    assert re.search(r'<td data-date="2019-10-01" class="act-other', html)
    assert "month=2019-08" in html and "month=2019-10" in html
    assert "本月共 2 项活动" in text_of(html)
    only = c.get(f"{base(world)}/calendar?month=2019-09&type=training").text
    assert t2 in only and t1 not in only
    assert c.get(f"{base(world)}/calendar?month=garbage").status_code == 200  # falls back to this month


# --- list, filters, export -------------------------------------------------------------------------------


def test_list_filters_pagination_and_export(user, world):
    c = user("staff")
    tag = unique("筛")
    a1 = new(c, world, title=f"{tag}甲一", date="2018-04-02")
    new(c, world, title=f"{tag}乙一", organizer=f"party_org:{world.po['b']}", date="2018-04-03")
    new(c, world, title=f"{tag}支委", activity_type="branch_committee", date="2018-05-03")
    ids = lambda html: re.findall(r'<tr data-id="(\d+)"', html)  # noqa: E731
    assert len(ids(c.get(f"{base(world)}?q={tag}").text)) == 3
    assert ids(c.get(f"{base(world)}?q={tag}&organizer=party_org:{world.po['a']}&type=theme_day").text) == [str(a1)]
    assert len(ids(c.get(f"{base(world)}?q={tag}&date_from=2018-04-01&date_to=2018-04-30").text)) == 2
    assert len(ids(c.get(f"{base(world)}?q={tag}&status=cancelled").text)) == 0
    page = c.get(f"{base(world)}?date_from=2018-01-01&date_to=2018-12-31&page=1")
    assert "共 3 条" in text_of(page.text)
    assert "导出 Excel" in page.text
    x = c.get(f"{base(world)}/export?q={tag}&type=theme_day")
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("活动类型", "活动主题", "组织单位", "开始时间")
    assert sorted(r[1] for r in rows[1:]) == [f"{tag}乙一", f"{tag}甲一"]
    assert {r[3] for r in rows[1:]} == {"2018-04-02 09:30", "2018-04-03 09:30"}
    with open_session(world.street.id) as s:
        assert s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "activities.export"))


# --- forms -----------------------------------------------------------------------------------------------


def test_create_form_errors_keep_input_and_save_nothing(user, world):
    c = user("staff")
    before = count(world)
    r = post(c, f"{base(world)}/new", form(world, title="", end_time="08:00", place="保留的地点"))
    assert r.status_code == 422
    text = text_of(r.text)
    assert "请填写活动主题" in text and "结束时间须晚于开始时间" in text
    assert 'value="保留的地点"' in r.text
    r = post(c, f"{base(world)}/new", form(world, organizer="tenant"))
    assert r.status_code == 422 and "「主题党日」只能由党组织组织" in r.text
    assert count(world) == before
    assert c.get(f"{base(world)}/new?date=2020-01-02").status_code == 200


def test_edit_detail_forms_and_history(user, world):
    c = user("staff")
    aid = new(c, world, activity_type="party_lecture", speakers="书记，甲公司，党章", date="2017-03-03")
    r = c.get(f"{base(world)}/{aid}/edit")
    assert r.status_code == 200 and "书记，甲公司，党章" in r.text
    r = post(c, f"{base(world)}/{aid}/edit", form(world, activity_type="party_lecture", title="改后的党课",
                                                        date="2017-03-04", speakers="书记，甲公司，党章"))
    assert r.status_code == 303
    assert activity(world, aid).title == "改后的党课"
    m = world.members
    r = post(c, f"{base(world)}/{aid}/participants", {"member_id": [str(m["m1"]), str(m["m2"])],
                                                           "others": "外单位代表，区委党校"})
    assert r.status_code == 303
    ps = activity(world, aid).participants
    assert [p.name for p in ps][-1] == "外单位代表"
    # a bad attendance row re-renders the sheet with the message, keeps the input, saves nothing
    bad = {f"att_{ps[0].id}": "present", f"att_{ps[1].id}": "leave", f"reason_{ps[1].id}": "",
           f"note_{ps[0].id}": "迟到十分钟"}
    r = post(c, f"{base(world)}/{aid}/attendance", bad)
    assert r.status_code == 422
    assert f"请填写「{ps[1].name}」的请假事由" in r.text and 'value="迟到十分钟"' in r.text
    assert {p.attendance for p in activity(world, aid).participants} == {"pending"}
    good = {f"att_{ps[0].id}": "present", f"att_{ps[1].id}": "leave", f"reason_{ps[1].id}": "出差",
            f"approve_{ps[1].id}": "yes", f"att_{ps[2].id}": "absent"}
    assert post(c, f"{base(world)}/{aid}/attendance", good).status_code == 303
    page = text_of(c.get(f"{base(world)}/{aid}").text)
    assert "参加 3 人，出席 1 人，请假 1 人（准假 1），缺席 1 人，出席率 50%" in page
    # minutes, follow-ups, attachments
    assert post(c, f"{base(world)}/{aid}/minutes", {"minutes": "学习党章第一章"}).status_code == 303
    r = post(c, f"{base(world)}/{aid}/follow-ups", {"text": "", "due_on": "明天"})
    assert r.status_code == 422 and "请填写落实事项" in r.text and "日期格式应为 YYYY-MM-DD" in r.text
    assert post(c, f"{base(world)}/{aid}/follow-ups", {"text": "交心得", "due_on": "2017-03-10"}).status_code == 303
    fid = activity(world, aid).follow_ups[0].id
    assert "已超期" in c.get(f"{base(world)}/{aid}").text  # 2017 is long past
    assert post(c, f"{base(world)}/{aid}/follow-ups/{fid}/done", {"done": "1"}).status_code == 303
    assert activity(world, aid).follow_ups[0].done
    r = post(c, f"{base(world)}/{aid}/attachments", {"kind": "photo", "filename": ""})
    assert r.status_code == 422 and "请填写文件名称" in r.text
    assert post(c, f"{base(world)}/{aid}/attachments", {"kind": "photo", "filename": "合影.jpg",
                                                             "size_kb": "300"}).status_code == 303
    page = c.get(f"{base(world)}/{aid}")
    text = text_of(page.text)
    assert "学习党章第一章" in text and "合影.jpg" in text and "300 KB" in text
    assert "变更记录" in text and "参加人员" in text and "改后的党课" in text
    # the state machine through the page: a held activity cannot be cancelled
    r = post(c, f"{base(world)}/{aid}/status", {"action": "cancel", "reason": "下雨"})
    assert r.status_code == 422 and "当前状态为「已举行」，不能取消" in r.text
    # delete
    assert post(c, f"{base(world)}/{aid}/delete").status_code == 303
    assert activity(world, aid) is None
    with open_session(world.street.id) as s:
        assert s.scalar(select(func.count(ActivityParticipant.id)).where(ActivityParticipant.activity_id == aid)) == 0


def test_planned_activity_cancel_needs_a_reason(user, world):
    c = user("staff")
    aid = new(c, world, date="2099-05-01")
    assert activity(world, aid).status == "scheduled"
    page = c.get(f"{base(world)}/{aid}").text  # 标记为已举行 is not offered before it starts; the page says why
    assert 'value="hold"' not in page and "活动开始后才能标记为已举行" in page
    r = post(c, f"{base(world)}/{aid}/status", {"action": "cancel", "reason": ""})
    assert r.status_code == 422 and "请填写取消原因" in r.text
    r = post(c, f"{base(world)}/{aid}/status", {"action": "hold"})
    assert r.status_code == 422 and "活动尚未开始，不能标记为已举行" in r.text
    ps = post(c, f"{base(world)}/{aid}/participants", {"all": "1"})
    assert ps.status_code == 303
    p = activity(world, aid).participants[0]
    r = post(c, f"{base(world)}/{aid}/attendance", {f"att_{p.id}": "present"})
    assert r.status_code == 422 and "活动尚未举行" in r.text
    assert post(c, f"{base(world)}/{aid}/status", {"action": "cancel", "reason": "改期"}).status_code == 303
    assert activity(world, aid).status == "cancelled"
    assert "改期" in text_of(c.get(f"{base(world)}/{aid}").text)


# --- due page and dashboard widget ----------------------------------------------------------------------------


def test_due_page_and_widget(user, world):
    c = user("staff")
    new(c, world, date="2016-02-10")  # 甲 held its February theme day
    r = c.get(f"{base(world)}/due?on=2016-02-20")
    assert r.status_code == 200
    section = r.text.split('data-type="theme_day"')[1].split("</section>")[0]
    assert "2016年2月" in section
    assert f'data-organizer="party_org:{world.po["b"]}"' in section
    assert f'data-organizer="party_org:{world.po["a"]}"' not in section
    assert f'data-organizer="party_org:{world.po["committee"]}"' not in section
    assert "活动类型" in r.text and "每季度 1 次" in r.text
    home = c.get(f"/t/{world.street.slug}/")
    assert home.status_code == 200 and "应办提醒" in home.text and "主题党日" in text_of(home.text)
    assert "组织活动" in text_of(home.text.split('id="sidenav"')[1].split("</nav>")[0])


def test_due_page_shows_the_first_rows_of_each_type_and_links_to_all(client):
    """A street with many branches: every type lists its first 20 missing ones, then a link."""
    from core import revisions
    from core.db import scoped_session
    from core.permissions import build_catalog
    from core.plugins import registry
    from core.registry.models import PartyOrg
    from core.services.tenants import TenantForm, create_tenant
    from core.services.users import create_user, grant_role
    from core.tenancy import operator_session
    from plugins.activities.routes import DUE_PREVIEW
    from tests.helpers import tenant_id

    tag = unique("")
    with operator_session("test") as s:
        street = create_tenant(s, TenantForm(slug=f"actm-{tag}", name=f"活动多支部街道{tag}", level="street",
                                             parent_id=tenant_id("yuelu")))
        registry().set_enabled(s, street, "activities", True)
        staff = create_user(s, f"amstaff_{tag}", "demo1234", "街道专干", seeded=True)
        grant_role(s, staff, "staff", street.id, build_catalog(registry().pm).roles)
        sid, slug = street.id, street.slug
    revisions.poll(force=True)
    with scoped_session(sid) as s:
        s.add_all([PartyOrg(name=f"第{i:02d}党支部{tag}", org_type="branch") for i in range(DUE_PREVIEW + 2)])
    login(client, f"amstaff_{tag}")
    page = client.get(f"/t/{slug}/activities/due?on=2016-02-20")
    section = page.text.split('data-type="theme_day"')[1].split("</section>")[0]
    assert section.count("data-organizer=") == DUE_PREVIEW and "22 / 22" in text_of(section)
    assert "还有 2 个组织未完成，查看全部" in section and "type=theme_day" in section
    one = client.get(f"/t/{slug}/activities/due?on=2016-02-20&type=theme_day").text
    assert one.count('data-organizer="party_org:') == DUE_PREVIEW + 2 and "查看全部" not in one
    # the Excel export lists every missing organization (not only the preview), cells neutralised, audited
    assert f'/t/{slug}/activities/due/export?on=2016-02-20&amp;type=' in page.text
    with scoped_session(sid) as s:
        s.add(PartyOrg(name=f"=1+1支部{tag}", org_type="branch"))
    x = client.get(f"/t/{slug}/activities/due/export?on=2016-02-20&type=theme_day")
    assert x.status_code == 200
    sheet = list(load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))
    assert sheet[0] == ("活动类型", "周期", "开始日期", "结束日期", "组织", "已开展（次）", "要求（次）", "计划中（次）")
    assert len(sheet) == 1 + DUE_PREVIEW + 3
    assert ("主题党日", "2016年2月", "2016-02-01", "2016-02-29", f"第21党支部{tag}", 0, 1, 0) in sheet
    assert f"'=1+1支部{tag}" in [r[4] for r in sheet]
    with scoped_session(sid) as s:
        assert s.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "activities.export", AuditEntry.summary == "导出应办提醒-2016-02-20 23 条")) == 1


# --- permissions and tenancy -----------------------------------------------------------------------------------


def test_viewer_and_instructor_read_but_cannot_write(user, world):
    c = user("staff")
    aid = new(c, world, date="2015-06-01")
    for key in ("viewer", "instructor"):
        c = user(key)
        assert c.get(base(world)).status_code == 200
        assert c.get(f"{base(world)}/{aid}").status_code == 200
        assert "登记活动" not in c.get(base(world)).text
        assert c.get(f"{base(world)}/new").status_code == 403
        assert post(c, f"{base(world)}/new", form(world)).status_code == 403
        assert post(c, f"{base(world)}/{aid}/delete").status_code == 403
    assert activity(world, aid) is not None


def test_org_secretary_sees_and_manages_only_their_own(user, world):
    c = user("staff")
    theirs = new(c, world, organizer=f"party_org:{world.po['b']}", date="2015-07-01")
    street_wide = new(c, world, activity_type="training", organizer="tenant", date="2015-07-02")
    c = user("sec")
    own = new(c, world, date="2015-07-03")
    assert c.get(f"{base(world)}/{theirs}").status_code == 404
    assert post(c, f"{base(world)}/{theirs}/delete").status_code == 404
    assert c.get(f"{base(world)}/{street_wide}").status_code == 200
    assert post(c, f"{base(world)}/{street_wide}/minutes", {"minutes": "x"}).status_code == 403
    assert c.get(f"{base(world)}/{street_wide}/edit").status_code == 403
    r = post(c, f"{base(world)}/new", form(world, organizer=f"party_org:{world.po['b']}"))
    assert r.status_code == 422 and "只能为本人所在党组织" in r.text
    listing = c.get(f"{base(world)}?date_from=2015-07-01&date_to=2015-07-31").text
    assert re.findall(r'<tr data-id="(\d+)"', listing) == [str(own), str(street_wide)]
    new_form = c.get(f"{base(world)}/new").text
    assert f'value="party_org:{world.po["a"]}"' in new_form and f'value="party_org:{world.po["b"]}"' not in new_form
    due = c.get(f"{base(world)}/due?on=2015-07-15").text
    assert f'party_org:{world.po["b"]}' not in due.split('data-type="theme_day"')[1].split("</section>")[0]


def test_another_tenants_ids_answer_404(user, world, token, client):
    c = user("ostaff")
    r = post(c, f"{base(world, world.other)}/new", form(world, organizer=f"party_org:{world.po['other']}"))
    assert r.status_code == 303
    theirs = int(r.headers["location"].rsplit("/", 1)[-1])
    c = user("staff")
    assert c.get(f"{base(world)}/{theirs}").status_code == 404
    assert c.get(f"{base(world)}/{theirs}/edit").status_code == 404
    assert post(c, f"{base(world)}/{theirs}/delete").status_code == 404
    assert c.get(f"{base(world, world.other)}").status_code == 404  # no role there
    headers = token("staff")
    assert client.get(f"{api(world)}/activities/{theirs}", headers=headers).status_code == 404
    assert activity(world, theirs, world.other) is not None
    # and a tenant that has not enabled the plugin answers 404
    wyh = user("staff")
    assert wyh.get("/t/wangyuehu/activities").status_code == 404


# --- JSON API -----------------------------------------------------------------------------------------------------


def test_api_round_trip(client, token, world, program):
    h = token("staff")
    body = {"activity_type": "testprog.salon", "organizer": f"cluster:{world.cl['g1']}", "title": "金品质沙龙",
            "starts_at": "2014-05-06T14:00", "ends_at": "2014-05-06T16:00", "place": "党群服务中心",
            "speakers": [{"name": "王老师", "unit": "市委党校", "topic": "党建引领"}]}
    r = client.post(f"{api(world)}/activities", json=body, headers=h)
    assert r.status_code == 201, r.text
    out = r.json()
    aid = out["id"]
    assert (out["starts_local"], out["status"], out["type_label"]) == ("2014-05-06 14:00", "held", "金品质沙龙")
    assert out["starts_at"].startswith("2014-05-06T06:00:00")
    assert out["speakers"] == [{"name": "王老师", "unit": "市委党校", "topic": "党建引领"}]
    bad = client.post(f"{api(world)}/activities", json={**body, "title": "", "organizer": "tenant",
                                                        "activity_type": "theme_day"}, headers=h)
    assert bad.status_code == 422
    assert bad.json()["extra"]["errors"] == {"organizer": "「主题党日」只能由党组织组织", "title": "请填写活动主题",
                                             "speakers": "「主题党日」不设主讲人，请清空"}
    r = client.post(f"{api(world)}/activities/{aid}/participants",
                    json={"member_ids": [world.members["m1"]], "others": [{"name": "企业代表", "unit": "某公司"}]},
                    headers=h)
    assert r.status_code == 201, r.text
    ps = r.json()["participants"]
    r = client.put(f"{api(world)}/activities/{aid}/attendance", headers=h, json=[
        {"participant_id": ps[0]["id"], "attendance": "present"},
        {"participant_id": ps[1]["id"], "attendance": "leave", "leave_reason": ""}])
    assert r.status_code == 422 and r.json()["extra"]["errors"] == {f"reason_{ps[1]['id']}": "请填写「企业代表」的请假事由"}
    r = client.put(f"{api(world)}/activities/{aid}/attendance", headers=h, json=[
        {"participant_id": ps[0]["id"], "attendance": "present"},
        {"participant_id": ps[1]["id"], "attendance": "absent"}])
    assert r.status_code == 200 and r.json()["attendance"]["rate"] == 0.5
    listing = client.get(f"{api(world)}/activities", params={"type": "testprog.salon", "date_from": "2014-05-01",
                                                            "date_to": "2014-05-31"}, headers=h).json()
    assert [i["id"] for i in listing["items"]] == [aid] and listing["total"] == 1
    counts = client.get(f"{api(world)}/counts", params={"type": "testprog.salon", "start": "2014-05-01",
                                                        "end": "2014-05-31"}, headers=h).json()
    assert counts == [{"organizer": f"cluster:{world.cl['g1']}", "kind": "cluster", "id": world.cl["g1"], "count": 1,
                       "attendance": {"participants": 2, "present": 1, "absent": 1, "leave": 0, "leave_approved": 0,
                                      "expected": 2, "rate": 0.5}}]
    assert client.get(f"{api(world)}/counts", params={"start": "x", "end": "2014-01-01"},
                      headers=h).json()["extra"]["errors"] == {"start": "日期格式应为 YYYY-MM-DD"}
    types = client.get(f"{api(world)}/types", headers=h).json()
    assert types[0]["key"] == "testprog.lesson" and types[0]["cadence"]["period"] == "month"
    due = client.get(f"{api(world)}/due", params={"on": "2014-05-20"}, headers=h).json()
    lesson = next(d for d in due if d["activity_type"] == "testprog.lesson")
    assert lesson["period"] == "2014年5月" and {m["id"] for m in lesson["missing"]} >= {world.po["a"], world.po["b"]}
    r = client.post(f"{api(world)}/activities/{aid}/status", json={"action": "cancel", "reason": "x"}, headers=h)
    assert r.status_code == 422 and r.json()["extra"]["errors"] == {"status": "当前状态为「已举行」，不能取消"}
    r = client.put(f"{api(world)}/activities/{aid}", json={**body, "title": "改名"}, headers=h)
    assert r.status_code == 200 and r.json()["title"] == "改名"
    assert client.delete(f"{api(world)}/activities/{aid}", headers=h).status_code == 204
    assert client.get(f"{api(world)}/activities/{aid}", headers=h).status_code == 404


def test_api_permissions(client, token, world):
    body = {"activity_type": "theme_day", "organizer": f"party_org:{world.po['a']}", "title": "x",
            "starts_at": "2014-06-01T09:00", "ends_at": "2014-06-01T10:00"}
    viewer = token("viewer")
    assert client.get(f"{api(world)}/activities", headers=viewer).status_code == 200
    assert client.post(f"{api(world)}/activities", json=body, headers=viewer).status_code == 403
    sec = token("sec")
    assert client.post(f"{api(world)}/activities", json=body, headers=sec).status_code == 201
    r = client.post(f"{api(world)}/activities", json={**body, "organizer": f"party_org:{world.po['b']}"}, headers=sec)
    assert r.status_code == 422 and "organizer" in r.json()["extra"]["errors"]
    assert client.get(f"{api(world)}/activities").status_code == 401


# --- uploaded photos and files ------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PDF = b"%PDF-1.4\n%test\n"


def test_photos_are_uploaded_shown_served_and_deleted(user, world, tmp_path, monkeypatch):
    from plugins.activities.models import ActivityAttachment
    from tests.helpers import csrf

    monkeypatch.setenv("LIANDONG_ACTIVITIES_UPLOAD_DIR", str(tmp_path))
    c = user("sec")
    aid = new(c, world, date="2016-04-05")
    url = f"{base(world)}/{aid}/attachments/upload"

    def upload(name: str, data: bytes, **extra):
        return c.post(url, files={"file": (name, data, "application/octet-stream")},
                      data={"_csrf_token": csrf(c), "kind": "photo", **extra}, follow_redirects=False)

    r = upload("重温入党誓词.png", PNG, description="全体党员重温入党誓词")
    assert r.status_code == 303, r.text
    with open_session(world.street.id) as s:
        att = s.scalar(select(ActivityAttachment).where(ActivityAttachment.activity_id == aid))
    assert (att.filename, att.content_type, att.size_bytes, att.kind, att.stored) == (
        "重温入党誓词.png", "image/png", len(PNG), "photo", True)
    assert (tmp_path / str(world.street.id) / att.stored_name).read_bytes() == PNG
    page = c.get(f"{base(world)}/{aid}").text
    assert f'<img src="/t/{world.street.slug}/activities/{aid}/attachments/{att.id}"' in page
    assert "全体党员重温入党誓词" in page
    got = c.get(f"{base(world)}/{aid}/attachments/{att.id}")
    assert got.status_code == 200 and got.content == PNG and got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff" and got.headers["content-disposition"].startswith("inline")
    # wrong type, wrong content, empty, no file, too big, bad kind: 422 with the reason, nothing stored
    for name, data, extra, message in (("run.exe", b"MZ\x90", {}, "不支持的文件类型"),
                                       ("fake.jpg", b"<svg onload=alert(1)>", {}, "文件内容与扩展名「.jpg」不符"),
                                       ("empty.pdf", b"", {}, "文件是空的"),
                                       ("x.pdf", PDF, {"kind": "video"}, "附件类别无效")):
        r = upload(name, data, **extra)
        assert r.status_code == 422 and message in r.text, name
    r = c.post(url, data={"_csrf_token": csrf(c), "kind": "photo"}, files={"other": ("a.txt", b"x", "text/plain")},
               follow_redirects=False)
    assert r.status_code == 422 and "请选择要上传的文件" in r.text
    monkeypatch.setenv("LIANDONG_ACTIVITIES_UPLOAD_MAX_BYTES", "10")
    r = upload("big.pdf", PDF)
    assert r.status_code == 422 and "文件超过" in r.text
    monkeypatch.delenv("LIANDONG_ACTIVITIES_UPLOAD_MAX_BYTES")
    assert len(list((tmp_path / str(world.street.id)).iterdir())) == 1
    # others: the viewer may look, not upload; another secretary's party org and another street: 404
    v = user("viewer")
    assert v.get(f"{base(world)}/{aid}/attachments/{att.id}").status_code == 200
    assert v.post(url, files={"file": ("a.png", PNG, "image/png")}, data={"_csrf_token": csrf(v)}).status_code == 403
    assert user("sec2").get(f"{base(world)}/{aid}/attachments/{att.id}").status_code == 404
    assert user("ostaff").get(f"{base(world, world.other)}/{aid}/attachments/{att.id}").status_code == 404
    # deleting the row removes the file; deleting the activity removes the rest
    c = user("sec")
    assert post(c, f"{base(world)}/{aid}/attachments/{att.id}/delete").status_code == 303
    assert not (tmp_path / str(world.street.id) / att.stored_name).exists()
    assert c.get(f"{base(world)}/{aid}/attachments/{att.id}").status_code == 404
    assert upload("签到表.pdf", PDF, kind="signin").status_code == 303
    assert len(list((tmp_path / str(world.street.id)).iterdir())) == 1
    assert post(c, f"{base(world)}/{aid}/delete").status_code == 303
    assert list((tmp_path / str(world.street.id)).iterdir()) == []
    with open_session(world.street.id) as s:
        history = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "activities_attachments",
                                                            AuditEntry.after["activity_id"].as_integer() == aid))
        assert "activities_attachments.create" in set(history)


def test_api_upload_and_download(client, token, world, tmp_path, monkeypatch):
    monkeypatch.setenv("LIANDONG_ACTIVITIES_UPLOAD_DIR", str(tmp_path))
    h = token("staff")
    body = {"activity_type": "theme_day", "organizer": f"party_org:{world.po['a']}", "title": unique("主题党日"),
            "starts_at": "2013-09-10T09:00", "ends_at": "2013-09-10T11:00"}
    aid = client.post(f"{api(world)}/activities", json=body, headers=h).json()["id"]
    r = client.post(f"{api(world)}/activities/{aid}/attachments", headers=h,
                    files={"file": ("会议记录.pdf", PDF, "application/pdf")}, data={"kind": "record"})
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["filename"], out["kind"], out["stored"], out["content_type"], out["size_bytes"]) == (
        "会议记录.pdf", "record", True, "application/pdf", len(PDF))
    got = client.get(f"{api(world)}/activities/{aid}/attachments/{out['id']}", headers=h)
    assert got.status_code == 200 and got.content == PDF and got.headers["content-disposition"].startswith("attachment")
    detail = client.get(f"{api(world)}/activities/{aid}", headers=h).json()
    assert [a["id"] for a in detail["attachments"] if a["stored"]] == [out["id"]]
    bad = client.post(f"{api(world)}/activities/{aid}/attachments", headers=h,
                      files={"file": ("x.docx", b"not a zip", "application/octet-stream")})
    assert bad.status_code == 422 and bad.json()["extra"]["errors"] == {"file": "文件内容与扩展名「.docx」不符"}
    viewer = token("viewer")
    assert client.post(f"{api(world)}/activities/{aid}/attachments", headers=viewer,
                       files={"file": ("a.pdf", PDF, "application/pdf")}).status_code == 403
    other = token("ostaff")
    assert client.get(f"{api(world, world.other)}/activities/{aid}/attachments/{out['id']}",
                      headers=other).status_code == 404


# --- statistics per organizer and period -------------------------------------------------------------------------


def test_stats_per_organizer_and_period_with_export(user, world):
    c = user("staff")
    a1 = new(c, world, date="2012-02-03")                                         # 甲 theme day, Q1 2012
    new(c, world, date="2012-03-31", start_time="23:00", end_time="23:30")        # still Q1 in Shanghai
    new(c, world, activity_type="branch_committee", date="2012-01-09")            # 甲, another type
    new(c, world, organizer=f"party_org:{world.po['b']}", date="2012-04-01")      # 乙, but Q2
    new(c, world, activity_type="training", organizer="tenant", date="2012-02-20")
    m = world.members
    post(c, f"{base(world)}/{a1}/participants", {"member_id": [str(m["m1"]), str(m["m2"])]})
    ps = activity(world, a1).participants
    assert post(c, f"{base(world)}/{a1}/attendance", {f"att_{ps[0].id}": "present", f"att_{ps[1].id}": "absent"}
                ).status_code == 303

    page = c.get(f"{base(world)}/stats?period=quarter&on=2012-02-15")
    assert page.status_code == 200
    rows = {o: text_of(cells) for o, cells in re.findall(r'<tr data-organizer="([^"]+)"[^>]*>(.*?)</tr>', page.text, re.S)}
    a, b = f"party_org:{world.po['a']}", f"party_org:{world.po['b']}"
    assert rows[a].split()[:9] == [f"甲公司党支部{world.tag}", "党组织", "3", "0", "2", "1", "0", "1", "50%"]
    assert rows[b].split()[2:4] == ["0", "0"]                       # 乙 held nothing in Q1: listed with 0
    assert rows["tenant"].split()[1:4] == ["本级", "1", "0"]
    assert "2012年第一季度" in page.text and "共举行 4 次" in text_of(page.text)
    only = c.get(f"{base(world)}/stats?period=quarter&on=2012-02-15&type=theme_day&kind=party_org").text
    found = dict(re.findall(r'<tr data-organizer="([^"]+)"[^>]*><td>[^<]*</td><td>[^<]*</td>\s*<td class="num">(\d+)',
                            only))
    assert found[a] == "2" and "tenant" not in found
    q2 = c.get(f"{base(world)}/stats?period=quarter&on=2012-05-01&type=theme_day").text
    assert re.search(rf'data-organizer="{b}"[^>]*><td>[^<]*</td><td>[^<]*</td>\s*<td class="num">1<', q2)
    # the export has the same rows, and is audited
    x = c.get(f"{base(world)}/stats/export?period=quarter&on=2012-02-15")
    assert x.status_code == 200
    sheet = list(load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))
    assert sheet[0][:3] == ("组织单位", "类型", "已举行（次）")
    assert [r for r in sheet if r[0] == f"甲公司党支部{world.tag}"][0][2:] == (3, 0, 2, 1, 0, 1, "50.0%")
    with open_session(world.street.id) as s:
        assert s.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "activities.export", AuditEntry.summary.like("导出活动统计-2012年第一季度%"))) >= 1
    # an org secretary sees their own party org (and the street), not the other branch
    mine = user("sec").get(f"{base(world)}/stats?period=quarter&on=2012-02-15").text
    assert f'data-organizer="{a}"' in mine and f'data-organizer="{b}"' not in mine
    # bad parameters fall back to sensible values instead of failing
    assert c.get(f"{base(world)}/stats?period=decade&on=x&type=nope&kind=?").status_code == 200
