"""The in-app inbox and reminders (issue 10, item 8): notifications per user and tenant, the top
bar's unread count, marking read (pages with CSRF, API), reminders from plugins turned into
notifications once however often the job runs."""

from __future__ import annotations

import re
import types

from sqlalchemy import func, select

from core import (
    events,  # noqa: F401  (after-commit cache invalidation, as in the app)
    tasks,
)
from core.db import scoped_session
from core.hookspecs import hookimpl
from core.models import User
from core.notify.models import Notification
from core.notify.reminders import run_reminders
from core.notify.service import notify
from core.notify.types import Reminder
from core.plugins import registry
from core.tenancy import tree
from tests.helpers import csrf, login, post_form, unique


def user_id(username: str) -> int:
    with scoped_session() as s:
        return s.scalar(select(User.id).where(User.username == username))


def send_to(username: str, slug: str = "dongfanghong", **kw) -> int:
    tid = tree().by_slug[slug].id
    with scoped_session(tid) as s:
        rows = notify(s, tid, [user_id(username)], title=kw.pop("title", unique("提醒")), **kw)
        return rows[0].id if rows else 0


def badge(html: str) -> int:
    m = re.search(r'class="inbox-link"[^>]*>[^<]*(?:<span class="badge"[^>]*>(\d+)</span>)?', html)
    assert m, "the top bar has no inbox link"
    return int(m.group(1) or 0)


def test_notify_is_idempotent_on_its_key(database):
    key = unique("k:")
    first = send_to("dfh_staff2", key=key, title="同一提醒")
    again = send_to("dfh_staff2", key=key, title="同一提醒")
    assert first and again == 0
    with scoped_session(tree().by_slug["dongfanghong"].id) as s:
        assert s.scalar(select(func.count()).select_from(Notification).where(Notification.key == key)) == 1


def test_inbox_top_bar_count_mark_read_and_read_all(client):
    login(client, "dfh_staff3")
    client.post("/t/dongfanghong/inbox/read-all", data={"_csrf_token": csrf(client)})
    assert badge(client.get("/t/dongfanghong/").text) == 0
    title = unique("党费收缴提醒")
    nid = send_to("dfh_staff3", title=title, body="本月党费尚未收齐", link="membership/dues")
    send_to("dfh_staff3", title=unique("第二条"))
    page = client.get("/t/dongfanghong/")
    assert badge(page.text) == 2
    inbox = client.get("/t/dongfanghong/inbox?unread=1")
    assert inbox.status_code == 200 and title in inbox.text and "本月党费尚未收齐" in inbox.text
    # without the CSRF token nothing changes
    assert client.post(f"/t/dongfanghong/inbox/{nid}/read", follow_redirects=False).status_code == 403
    opened = post_form(client, f"/t/dongfanghong/inbox/{nid}/read?open=1", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/t/dongfanghong/membership/dues"
    assert badge(client.get("/t/dongfanghong/").text) == 1
    post_form(client, "/t/dongfanghong/inbox/read-all")
    assert badge(client.get("/t/dongfanghong/").text) == 0


def test_someone_elses_notification_is_not_found(client):
    nid = send_to("dfh_staff2", title="别人的消息")
    login(client, "dfh_staff3")
    assert post_form(client, f"/t/dongfanghong/inbox/{nid}/read").status_code == 404
    assert title_not_in(client.get("/t/dongfanghong/inbox").text, "别人的消息")


def title_not_in(html: str, title: str) -> bool:
    return title not in html


def test_a_link_never_leaves_the_site(client):
    nid = send_to("dfh_staff3", title="外链", link="https://evil.example/x")
    login(client, "dfh_staff3")
    r = post_form(client, f"/t/dongfanghong/inbox/{nid}/read?open=1", follow_redirects=False)
    assert r.headers["location"].startswith("/t/dongfanghong/")


def test_api_lists_counts_and_marks_read(client, api_token):
    headers = api_token("dfh_staff2")
    client.post("/api/t/dongfanghong/notifications/read-all", headers=headers)
    title = unique("接口提醒")
    nid = send_to("dfh_staff2", title=title)
    assert client.get("/api/t/dongfanghong/notifications/unread-count", headers=headers).json() == {"unread": 1}
    page = client.get("/api/t/dongfanghong/notifications?unread=true", headers=headers).json()
    assert [n["title"] for n in page["items"]] == [title] and page["unread"] == 1
    r = client.post(f"/api/t/dongfanghong/notifications/{nid}/read", headers=headers)
    assert r.status_code == 200 and r.json()["read_at"]
    assert client.get("/api/t/dongfanghong/notifications/unread-count", headers=headers).json() == {"unread": 0}
    other = send_to("dfh_staff3", title="不是你的")
    assert client.post(f"/api/t/dongfanghong/notifications/{other}/read", headers=headers).status_code == 404
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert "/api/t/{slug}/notifications" in paths and "/api/t/{slug}/notifications/read-all" in paths


# --- reminders ------------------------------------------------------------------------------


def reminder_plugin(items):
    module = types.ModuleType("notify_test_reminders")

    @hookimpl
    def register_reminders(session, tenant, settings, today):
        return [r for r in items if tenant.slug == "dongfanghong"]

    module.register_reminders = register_reminders
    return module


def test_reminders_become_notifications_once_for_the_people_of_the_tenant(database):
    key = unique("test.item:")
    items = [Reminder(key=key, title="季度报表即将到期", body="请于本周五前报送", link="campaigns/reports",
                      permission="registry:write")]
    dfh = tree().by_slug["dongfanghong"]
    with registry().installed(reminder_plugin(items)):
        with scoped_session(dfh.id) as s:
            first = run_reminders(s, dfh)
        with scoped_session(dfh.id) as s:
            second = run_reminders(s, dfh)
    assert first.notifications >= 4 and second.notifications == 0  # admin and three staff; once
    with scoped_session(dfh.id) as s:
        got = set(s.scalars(select(User.username).join(Notification, Notification.recipient_id == User.id)
                            .where(Notification.key == key)))
    assert {"dfh_admin", "dfh_staff", "dfh_staff2", "dfh_staff3"} <= got
    assert "dfh_instructor" not in got  # no registry:write there
    assert "yuelu_admin" not in got  # a role above reaches the street but does not work there


def test_reminders_job_is_a_periodic_task(database):
    assert "notify.reminders" in tasks.periodic_tasks()


def test_engines_report_what_is_due_on_the_demo_street(database):
    import datetime as dt

    from core import clock
    from core.notify.reminders import collect

    dfh = tree().by_slug["dongfanghong"]
    later = clock.today() + dt.timedelta(days=400)  # every open deadline has passed
    with scoped_session(dfh.id) as s:
        found = collect(s, dfh, later)
        again = collect(s, dfh, later)
    prefixes = {r.key.split(":", 1)[0] for r in found}
    assert {"campaigns.task", "lists.demand"} <= prefixes, prefixes
    assert [r.key for r in found] == [r.key for r in again]  # stable keys: the same items, the same keys
    assert all(r.title and not r.link.startswith("/") for r in found)
    overdue = next(r for r in found if r.key.startswith("campaigns.task"))
    assert overdue.overdue and overdue.key.endswith(":overdue") and "已超期" in overdue.title


def test_designations_remind_of_expiry_and_of_applications(database):
    import datetime as dt

    from core import clock
    from core.notify.reminders import collect
    from core.services.tenants import TenantForm, create_tenant
    from core.tenancy import operator_session
    from plugins.designations.models import Designation

    slug = unique("dsg-")
    with operator_session() as s:
        create_tenant(s, TenantForm(slug=slug, name=f"称号提醒街道{slug}", level="street",
                                    parent_id=tree().by_slug["yuelu"].id))
    dfh = tree().by_slug[slug]
    with operator_session() as s:
        registry().set_enabled(s, dfh, "designations", True)
    with scoped_session(dfh.id) as s:
        d = Designation(kind="demo", kind_label="示范点", subject_kind="organization", subject_id=1,
                        subject_name=unique("测试企业"), level="street", awarded_on=clock.today(),
                        expires_on=clock.today() + dt.timedelta(days=10), status="active")
        s.add(d)
        s.flush()
        did = d.id
        keys = {r.key for r in collect(s, dfh, clock.today())}
        late = {r.key for r in collect(s, dfh, clock.today() + dt.timedelta(days=11))}
        s.rollback()
    assert any(k.startswith(f"designations.expiry:{did}:") and k.endswith(":soon") for k in keys)
    assert any(k.startswith(f"designations.expiry:{did}:") and k.endswith(":expired") for k in late)
