"""State never changes on GET: every GET route of the app, pages and API, core and plugins.

Every GET route is requested — with ids of real rows (a fresh street with the plugins' demo
data) — by the platform admin and by a user holding every role of that street, while every SQL
statement the process sends is watched: not one INSERT, UPDATE or DELETE may go out, except
appending to the audit log (an export of a ledger is recorded: who took which data, when). The same
sweep checks that no GET route answers a server error, and that error pages never show a stack
trace.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager

import pytest
from litestar.testing import TestClient
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from core.db import open_session
from core.models import User
from core.permissions import PLATFORM, PLATFORM_ADMIN, build_catalog
from core.plugins import registry
from core.tenancy import tree
from tests.helpers import login
from tests.routes import RowPicker, make_tenant, make_user, send, tenant_routes

PASSWORD = "purity-pass-2024"
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|CREATE|DROP|ALTER|TRUNCATE)\b", re.I)
#: reading may be recorded: an append to the audit log is not a change of state (nor is giving
#: the appended entries their place in the hash chain, core/audit_chain.py)
RECORDING = re.compile(r"^\s*(INSERT INTO \"?audit_log\"?\s|UPDATE \"?audit_log\"? SET chain_seq=)", re.I)
#: GET routes outside a tenant
TOP_LEVEL = ["/", "/login", "/tenants", "/api/me", "/healthz", "/readyz", "/schema/openapi.json"]


@contextmanager
def watched_writes():
    """Collects every data-changing SQL statement any engine of the process executes."""
    seen: list[str] = []
    lock = threading.Lock()

    def before(_conn, _cursor, statement, _params, _context, _many):
        if WRITE.match(statement) and not RECORDING.match(statement):
            with lock:
                seen.append(" ".join(statement.split())[:160])

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", before)


@pytest.fixture(scope="module")
def sweep(app, database):
    """Every GET route as the platform admin and as a user with every role of the street."""
    street = make_tenant("pure-", "只读检查街道", "yuelu", demo=True)
    every_role = [r for r in build_catalog(registry().pm).roles if r != PLATFORM_ADMIN]
    username, user_headers = make_user("pure_", PASSWORD, [(r, street.id) for r in every_role])
    _admin, admin_headers = make_user("pure_admin_", PASSWORD, [(PLATFORM_ADMIN, PLATFORM)])
    with open_session() as s:
        admin_id = s.scalar(select(User.id).where(User.username == "admin"))
    dfh = tree().by_slug["dongfanghong"].id
    rows = RowPicker(database["owner_url"], [street.id, dfh, *tree().by_id], make_in=street.id,
                     user_id=admin_id, tenant_value=street.id)
    routes = [r for r in tenant_routes(app) if r.method == "GET"]
    planned = []
    for route in routes:
        values, owner = rows.values(route)  # made-up rows are written here, before the watch
        planned.append((route, values, owner))
    results = []
    with TestClient(app, raise_server_exceptions=False) as admin_client:
        user_client = TestClient(app, raise_server_exceptions=False)
        login(admin_client, "admin")
        login(user_client, username, PASSWORD)
        with watched_writes() as writes:
            for who, client, headers in (("admin", admin_client, admin_headers),
                                         ("every-role user", user_client, user_headers)):
                for route, values, owner in planned:
                    slug = tree().by_id[owner].slug if who == "admin" and owner else street.slug
                    before = len(writes)
                    r = send(client, route, route.url(slug, values), headers=headers)
                    results.append((who, str(route), r.status_code, r.text, writes[before:]))
                for path in TOP_LEVEL:
                    before = len(writes)
                    r = client.get(path, headers=headers if path.startswith("/api/") else None,
                                   follow_redirects=False)
                    results.append((who, f"GET {path}", r.status_code, r.text, writes[before:]))
    return {"routes": routes, "results": results}


def test_the_sweep_covers_every_get_route(sweep):
    assert len(sweep["routes"]) > 150
    served = [s for _w, _r, s, _t, _x in sweep["results"] if s == 200]
    assert len(served) > len(sweep["routes"])  # most GETs really rendered, for both users


def test_no_get_route_writes_to_the_database(sweep):
    offenders = [f"{who}: {route} → {writes}" for who, route, _s, _t, writes in sweep["results"] if writes]
    assert not offenders, "GET routes that wrote:\n" + "\n".join(offenders)


def test_no_get_route_fails_with_a_server_error_or_shows_a_trace(sweep):
    errors = [f"{who}: {route} → {status} {text[:200]!r}" for who, route, status, text, _w in sweep["results"]
              if status >= 500]
    assert not errors, "GET routes answering a server error:\n" + "\n".join(errors)
    traces = [f"{who}: {route}" for who, route, _s, text, _w in sweep["results"]
              if "Traceback (most recent call last)" in text or 'File "/' in text]
    assert not traces


def test_the_watch_sees_writes(database):
    """The detector itself: an UPDATE is seen, an audit append and a SELECT are not."""
    from core.audit import record
    from core.tenancy import operator_session

    with watched_writes() as writes:
        with operator_session("test") as s:
            s.scalar(select(User.id).limit(1))
            record(s, "test.read", entity="users")
            s.flush()
        assert writes == []
        with operator_session("test") as s:
            user = s.scalar(select(User).where(User.username == "admin"))
            user.display_name = user.display_name  # no change: no statement
            user.display_name = user.display_name + " "
            s.flush()
            user.display_name = user.display_name[:-1]
    assert len(writes) >= 2 and all(w.upper().startswith("UPDATE USERS") for w in writes)
