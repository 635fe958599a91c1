"""Delivery channels against real receivers: a real SMTP server (aiosmtpd) and a real HTTP
receiver (http.server in a thread) playing the 企业微信 and 钉钉 group robots.

Done-when of issue 10: "a reminder delivered once to SMTP and once to a webhook receiver even
when the worker runs twice" — the reminders job runs on a real huey consumer, twice (two worker
runs, and twice at once), and every receiver gets the reminder exactly once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import types
import urllib.parse
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from core import (
    events,  # noqa: F401  (after-commit cache invalidation, as in the app)
    tasks,
)
from core.db import scoped_session
from core.forms import FormErrors
from core.hookspecs import hookimpl
from core.notify import channels as ch
from core.notify.models import Delivery, NotificationChannel
from core.notify.types import Reminder
from core.plugins import registry
from core.services.tenants import TenantForm, create_tenant
from core.tenancy import operator_session, tree
from tests.helpers import unique
from tests.test_tasks import consumer, wait_for

# --- the receivers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


class Robot:
    """Records every POST; answers like the robots do (``errcode`` 0), or fails on demand."""

    def __init__(self):
        self.posts: list[tuple[str, dict]] = []
        self.fail_next = 0


@pytest.fixture
def robot():
    state = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if state.fail_next:
                state.fail_next -= 1
                self.send_response(502)
                self.end_headers()
                return
            state.posts.append((self.path, json.loads(body)))
            answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


# --- a street with channels and something due ---------------------------------------------------


def new_street():
    slug = unique("dl-")
    with operator_session() as s:
        create_tenant(s, TenantForm(slug=slug, name=f"推送测试街道{slug}", level="street",
                                    parent_id=tree().by_slug["yuelu"].id))
    return tree().by_slug[slug]


def add_channel(tenant, raw):
    with scoped_session(tenant.id) as s:
        fields, secret = ch.clean_channel({"events": ["reminders", "bulletins"], **raw})
        row = NotificationChannel()
        ch.apply_channel(row, fields, secret)
        s.add(row)
        s.flush()
        return row.id


def due_plugin(slug: str, key: str):
    module = types.ModuleType("delivery_test_reminders")

    @hookimpl
    def register_reminders(session, tenant, settings, today):
        if tenant.slug != slug:
            return []
        return [Reminder(key=key, title="季度党费收缴情况报表逾期未报送", body="截止日期 2026-12-05",
                         link="campaigns/reports", overdue=True)]

    module.register_reminders = register_reminders
    return module


def deliveries(tenant):
    with scoped_session(tenant.id) as s:
        return {d.channel_id: (d.state, d.attempts) for d in s.scalars(select(Delivery))}


def test_a_reminder_is_delivered_once_to_smtp_and_once_to_each_robot_when_the_worker_runs_twice(
        database, tmp_path, smtp, robot):
    street = new_street()
    email = add_channel(street, {"name": "办公室邮箱", "kind": "email", "host": "127.0.0.1", "port": str(smtp.port),
                                 "security": "none", "sender": "liandong@example.gov.cn",
                                 "to": "office@example.gov.cn, leader@example.gov.cn"})
    wecom = add_channel(street, {"name": "工作群（企业微信）", "kind": "wecom", "url": f"{robot.base}/wecom/send?key=K1"})
    ding = add_channel(street, {"name": "工作群（钉钉）", "kind": "dingtalk",
                                "url": f"{robot.base}/robot/send?access_token=T1", "sign_secret": "SECtest"})
    key = unique("test.report:")
    with registry().installed(due_plugin(street.slug, key)):
        with consumer(tmp_path, workers=2):  # the first worker run
            tasks.run_periodic_for_tenant("notify.reminders", street.id)
            tasks.run_periodic_for_tenant("notify.reminders", street.id)  # twice at once
            assert wait_for(lambda: len(smtp.messages) >= 1 and len(robot.posts) >= 2
                            and all(st == "sent" for st, _ in deliveries(street).values()))
            time.sleep(1.5)
        with consumer(tmp_path, workers=2):  # the worker runs again: the job and stray sends
            tasks.run_periodic_for_tenant("notify.reminders", street.id)
            from core.notify.tasks import deliver

            for channel_id in (email, wecom, ding):
                with scoped_session(street.id) as s:
                    deliver(street.id, s.scalar(select(Delivery.id).where(Delivery.channel_id == channel_id)))
            time.sleep(3)
    assert len(smtp.messages) == 1
    mail = message_from_bytes(smtp.messages[0].content)
    assert "逾期未报送" in str(make_header(decode_header(mail["Subject"])))
    assert set(smtp.messages[0].rcpt_tos) == {"office@example.gov.cn", "leader@example.gov.cn"}
    assert sorted(p for p, _ in robot.posts if p.startswith("/wecom")) == ["/wecom/send?key=K1"]
    ding_posts = [(p, b) for p, b in robot.posts if p.startswith("/robot")]
    assert len(ding_posts) == 1 and len(robot.posts) == 2
    for _path, body in robot.posts:  # both robots' documented text message
        assert body["msgtype"] == "text" and "逾期未报送" in body["text"]["content"]
        assert street.name in body["text"]["content"]
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(ding_posts[0][0]).query)
    ts = q["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"SECtest", f"{ts}\nSECtest".encode(), hashlib.sha256).digest()).decode()
    assert q["sign"][0] == expected and q["access_token"] == ["T1"]
    assert {c: s for c, (s, _) in deliveries(street).items()} == {email: "sent", wecom: "sent", ding: "sent"}


def test_a_refused_delivery_is_retried_with_backoff_then_sent_once(database, tmp_path, robot):
    from core.notify import delivery
    from core.notify.tasks import deliver

    street = new_street()
    add_channel(street, {"name": "群机器人", "kind": "wecom", "url": f"{robot.base}/wecom/send?key=R"})
    robot.fail_next = 1
    with scoped_session(street.id) as s:
        [d] = delivery.queue(s, "reminders", unique("retry:"), "测试重试", "正文")
        s.info.pop("_after_commit_tasks", None)  # enqueued below with a short delay instead
        delivery_id = d.id
    with consumer(tmp_path):
        task = deliver.s(street.id, delivery_id)
        task.retry_delay = 1
        tasks.huey.enqueue(task)
        assert wait_for(lambda: deliveries(street) and next(iter(deliveries(street).values()))[0] == "sent")
    assert len(robot.posts) == 1
    assert next(iter(deliveries(street).values())) == ("sent", 2)


def test_channel_form_errors_are_field_level_and_secrets_stay_encrypted(database):
    with pytest.raises(FormErrors) as exc:
        ch.clean_channel({"name": "", "kind": "email", "host": "bad host!", "port": "99999", "sender": "x",
                          "to": "a@b.cn, nope", "events": []})
    assert set(exc.value.errors) == {"name", "host", "port", "sender", "to", "events"}
    with pytest.raises(FormErrors) as exc:
        ch.clean_channel({"name": "群", "kind": "wecom", "url": "javascript:alert(1)", "events": ["reminders"]})
    assert "url" in exc.value.errors
    street = new_street()
    cid = add_channel(street, {"name": "钉钉群", "kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=SECRET1"})
    with scoped_session(street.id) as s:
        row = s.get(NotificationChannel, cid)
        assert "SECRET1" not in (row.secret or "") and "SECRET1" not in json.dumps(row.config)
        # editing without retyping the URL keeps it
        fields, secret = ch.clean_channel({"name": "钉钉群（改）", "events": ["bulletins"]}, existing=row)
        assert secret["url"].endswith("SECRET1")
