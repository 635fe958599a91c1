"""Idle and absolute session timeouts, measured by a clock the test moves (no sleeping)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from core.config import get_settings
from core.web.app import create_app
from tests.helpers import ManualClock, login

PAGE = "/t/dongfanghong/"


@pytest.fixture
def timed(database):
    clock = ManualClock()
    app = create_app(get_settings(), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, clock


def _signed_in(client) -> bool:
    r = client.get(PAGE, follow_redirects=False)
    assert r.status_code in (200, 303), r.status_code
    return r.status_code == 200


def test_defaults_are_30_minutes_and_12_hours():
    settings = get_settings()
    assert (settings.session_idle_timeout, settings.session_absolute_timeout) == (1800, 12 * 3600)


def test_idle_session_ends_after_30_minutes(timed):
    client, clock = timed
    login(client, "dfh_staff")
    clock.advance(29 * 60)
    assert _signed_in(client)  # used: the idle time starts again
    clock.advance(29 * 60)
    assert _signed_in(client)
    clock.advance(30 * 60 + 1)
    r = client.get(PAGE, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert not _signed_in(client)  # the session is gone, not only refused once


def test_busy_session_ends_after_12_hours(timed):
    client, clock = timed
    login(client, "dfh_staff")
    for _ in range(12 * 60 // 20 - 1):  # a request every 20 minutes for just under 12 hours
        clock.advance(20 * 60)
        assert _signed_in(client)
    clock.advance(20 * 60 + 1)
    assert not _signed_in(client)
    login(client, "dfh_staff")  # a new sign-in starts a new 12 hours
    assert _signed_in(client)
