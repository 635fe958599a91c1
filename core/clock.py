"""The one clock: the platform's time zone, "today" / "now" as every module reads them, and the
time source of sign-in checks.

Business dates (deadlines, periods, "today") are Asia/Shanghai calendar dates; instants are
stored as aware UTC. Rules take ``today`` / ``now`` as arguments; only the edges (web layer,
CLI, demo data, jobs) call :func:`today` / :func:`utcnow`.

Sign-in checks (session timeouts, TOTP codes) take a :data:`Clock` as an argument
(``create_app(clock=…)``, kept in ``app.state.clock``) so that tests move time forward instead
of sleeping. A clock is any callable returning epoch seconds.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc

Clock = Callable[[], float]

system_clock: Clock = time.time


def today() -> dt.date:
    """Today's date in Asia/Shanghai."""
    return dt.datetime.now(SHANGHAI).date()


def utcnow() -> dt.datetime:
    """Now, aware UTC."""
    return dt.datetime.now(UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """A stored instant as aware UTC (a naive value is taken as UTC, as SQLite hands it back)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local(value: dt.datetime) -> dt.datetime:
    """An instant in Asia/Shanghai (a naive value is taken as UTC, as SQLite hands it back)."""
    return aware(value).astimezone(SHANGHAI)


def local_minute(value: dt.datetime) -> str:
    """An instant as Beijing wall-clock text to the minute: ``2026-12-07 19:54``."""
    return local(value).strftime("%Y-%m-%d %H:%M")
