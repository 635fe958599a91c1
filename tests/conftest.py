"""Test set-up: one fresh database per test session, on SQLite or PostgreSQL.

``LIANDONG_TEST_DB=postgresql`` runs the suite against PostgreSQL: a new database is
created (and dropped afterwards), migrated as the owner, and the app connects as a role
without BYPASSRLS — as in production. Under ``CI=true`` a missing PostgreSQL fails.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import login

BACKEND = os.environ.get("LIANDONG_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("LIANDONG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_tmp = tempfile.mkdtemp(prefix="liandong-test-")
os.environ.setdefault("LIANDONG_SECRET_KEY", secrets.token_hex(16))
os.environ["LIANDONG_REVISION_POLL_SECONDS"] = "0"
#: the task queue of the test run: a file of its own (tests start a consumer or use immediate mode)
os.environ["LIANDONG_TASK_QUEUE"] = f"sqlite:///{_tmp}/tasks.db"
#: the test world signs admins in with a password only; tests/test_mfa.py switches it on
os.environ["LIANDONG_MFA_REQUIRED_ROLES"] = ""
os.environ["LIANDONG_DEV_PLUGINS"] = "1"  # the example plugin is the tests' worked example

#: The demo tenants do not carry the example plugin (it is for development only); the test
#: world is the demo plus the example enabled where the tests exercise it.
_EXAMPLE_IN_TEST_WORLD = {
    "yuelu": 'board_title = "区委两新工委公告"\n',
    "dongfanghong": 'board_title = "街道公告栏"\nmax_notices = 200\n',
    "nanhu": "",
}


def _test_tenants_dir() -> Path:
    from core.config import REPO_ROOT

    target = Path(_tmp) / "tenants"
    target.mkdir(exist_ok=True)
    for spec in (REPO_ROOT / "tenants").glob("*.toml"):
        text = spec.read_text(encoding="utf-8")
        if spec.stem in _EXAMPLE_IN_TEST_WORLD:
            text += "\n[plugins.example]\nenabled = true\n" + _EXAMPLE_IN_TEST_WORLD[spec.stem]
        (target / spec.name).write_text(text, encoding="utf-8")
    return target


os.environ["LIANDONG_TENANTS_DIR"] = str(_test_tenants_dir())


def _cheap_password_hashing() -> None:
    """argon2id with minimal cost: the suite creates and logs in hundreds of users, ~0.3 s
    each at the production parameters. Hashes carry their parameters, so any process (the
    browser tests' server too) verifies them; production code is unchanged."""
    from argon2 import PasswordHasher

    from core import security

    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    security._DUMMY_HASH = security._hasher.hash("not-a-real-password")


_cheap_password_hashing()


def _pg_available() -> bool:
    import psycopg

    try:
        psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), connect_timeout=3).close()
        return True
    except psycopg.OperationalError:
        return False


def _setup_postgres() -> tuple[str, str, callable]:
    import psycopg
    from sqlalchemy.engine import make_url

    if not _pg_available():
        if os.environ.get("CI") == "true":
            pytest.exit("PostgreSQL is required under CI=true but is not reachable", returncode=3)
        pytest.skip("PostgreSQL not reachable", allow_module_level=True)
    name = f"liandong_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    owner_url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    app_role, app_pw = f"liandong_app_{os.getpid()}", secrets.token_hex(8)
    app_url = (make_url(PG_ADMIN_URL).set(database=name, username=app_role, password=app_pw)
               .render_as_string(hide_password=False))

    def drop() -> None:
        from core.db import reset_engines

        reset_engines()
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f"DROP ROLE IF EXISTS {app_role}")
        admin.close()

    return owner_url, app_url, drop


@pytest.fixture(scope="session")
def database() -> Iterator[dict]:
    """Create, migrate and fill the session's database with the demo data."""
    if BACKEND == "postgresql":
        owner_url, app_url, drop = _setup_postgres()
    else:
        path = Path(_tmp) / "test.db"
        owner_url = app_url = f"sqlite:///{path}"
        drop = lambda: None  # noqa: E731
    os.environ["LIANDONG_DATABASE_URL"] = app_url
    os.environ["LIANDONG_MIGRATION_DATABASE_URL"] = owner_url
    from core.config import get_settings

    get_settings.cache_clear()
    from core import migrate, revisions
    from core.db import get_engine, reset_engines

    reset_engines()
    revisions.reset()
    migrate.upgrade(owner_url)
    if BACKEND == "postgresql":
        from sqlalchemy.engine import make_url

        from core.pg import create_app_role

        with get_engine(owner_url).begin() as conn:
            url = make_url(app_url)
            create_app_role(conn, url.username, url.password)
    from core.demo import load_demo

    load_demo(echo=lambda *_: None)
    revisions.poll(force=True)
    yield {"backend": BACKEND, "owner_url": owner_url, "app_url": app_url}
    drop()


@pytest.fixture(scope="session")
def app(database):
    from core.web.app import create_app

    return create_app()


@pytest.fixture
def client(app):
    """A fresh browser-like client; login rate-limit counters start from zero."""
    import asyncio

    from litestar.testing import TestClient

    asyncio.run(app.state.login_limiter.store.delete_all())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def as_user(client):
    """``as_user("dfh_staff")`` → a client logged in as that demo user."""
    return lambda username: login(client, username)


@pytest.fixture
def api_token(database):
    """``api_token("dfh_staff")`` → headers with a fresh bearer token."""
    from sqlalchemy import select

    from core.db import scoped_session
    from core.models import User
    from core.services.users import issue_token

    def make(username: str) -> dict[str, str]:
        with scoped_session() as s:
            user = s.scalar(select(User).where(User.username == username))
            return {"Authorization": f"Bearer {issue_token(s, user, 'test')}"}

    return make
