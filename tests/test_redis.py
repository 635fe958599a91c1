"""Two app instances ("workers") sharing one real Redis: sessions and login rate limits.

Needs Redis at ``LIANDONG_TEST_REDIS`` (default ``redis://127.0.0.1:6379``). Each test run
claims an empty database index of its own (``SET … NX`` on a claim key, so parallel runs never
share one, and a database someone else fills is never touched) and deletes only the keys the app
wrote. Without Redis the tests skip, except under
``CI=true`` where they fail.
"""

from __future__ import annotations

import os
import re
import secrets

import pytest

from tests.helpers import csrf

REDIS = os.environ.get("LIANDONG_TEST_REDIS", "redis://127.0.0.1:6379")
CLAIM = "liandong-test:claim"


def _client(db: int | None = None):
    import redis

    url = REDIS if db is None else f"{REDIS.rstrip('/')}/{db}"
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def redis_url_or_skip() -> str:
    """The base URL if a Redis answers, else skip (fail under CI=true)."""
    import redis

    try:
        _client().ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required under CI=true but {REDIS} does not answer: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS}")
    return REDIS


@pytest.fixture(scope="module")
def redis_db():
    """A Redis URL on a database index claimed for this test run; app keys removed afterwards."""
    redis_url_or_skip()
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    for index in range(15, 0, -1):
        conn = _client(index)
        if conn.set(CLAIM, token, nx=True, ex=1800):
            if conn.dbsize() == 1:  # only our claim: nobody else uses this database
                break
            conn.delete(CLAIM)
        conn.close()
    else:
        pytest.fail("no free Redis database index to claim (all of 1..15 are claimed)")
    url = f"{REDIS.rstrip('/')}/{index}"
    try:
        yield url
    finally:
        keys = list(conn.scan_iter(match="liandong*", count=500))
        if keys:
            conn.delete(*keys)
        if conn.get(CLAIM) == token.encode():
            conn.delete(CLAIM)
        conn.close()


@pytest.fixture(scope="module")
def workers(database, redis_db):
    """Two apps built from the same settings, as two uvicorn workers would be."""
    from litestar.testing import TestClient

    from core.config import Settings
    from core.web.app import create_app

    settings = Settings(redis_url=redis_db, login_attempts=3)
    apps = [create_app(settings), create_app(settings)]
    clients = [TestClient(a, raise_server_exceptions=False) for a in apps]
    for c in clients:
        c.__enter__()
    yield clients
    for c in clients:
        c.__exit__(None, None, None)


def _login(client, username: str, password: str = "demo1234"):
    return client.post("/login", data={"username": username, "password": password, "_csrf_token": csrf(client)},
                       follow_redirects=False)


def _session_keys(url: str) -> set[str]:
    conn = _client(int(url.rsplit("/", 1)[1]))
    try:
        return {k.decode() for k in conn.scan_iter(match="liandong_sessions:*")}
    finally:
        conn.close()


def test_session_is_shared_between_workers(workers, redis_db):
    w1, w2 = workers
    w1.cookies.clear()
    w2.cookies.clear()
    r = _login(w1, "dfh_staff")
    assert r.status_code == 303, r.text
    sid = w1.cookies.get("ld_session")
    assert sid and f"liandong_sessions:{sid}" in _session_keys(redis_db)
    conn = _client(int(redis_db.rsplit("/", 1)[1]))
    assert 0 < conn.ttl(f"liandong_sessions:{sid}") <= 8 * 3600
    conn.close()

    # the second worker knows the session without ever having seen the login
    w2.cookies.set("ld_session", sid)
    page = w2.get("/t/dongfanghong/", follow_redirects=False)
    assert page.status_code == 200, page.text
    who = re.search(r'<div class="who">\s*<span>([^<]*)</span>', page.text)
    assert who and who.group(1) == "李晓红"  # signed in as dfh_staff (their name), not just any page

    # logging out on the second worker ends the session on the first
    out = w2.post("/logout", data={"_csrf_token": csrf(w2)}, follow_redirects=False)
    assert out.status_code == 303
    assert f"liandong_sessions:{sid}" not in _session_keys(redis_db)
    again = w1.get("/t/dongfanghong/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_unknown_session_id_is_not_accepted(workers):
    w1, _ = workers
    w1.cookies.clear()
    w1.cookies.set("ld_session", secrets.token_urlsafe(32))
    r = w1.get("/t/dongfanghong/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_rate_limit_counts_across_workers(workers, redis_db):
    """Failures on either worker add up; the limit then holds on both, even for the right password."""
    w1, w2 = workers
    for c in workers:
        c.cookies.clear()
    user = "dfh_instructor"
    conn = _client(int(redis_db.rsplit("/", 1)[1]))
    conn.delete(f"liandong_ratelimit:login:user:{user}")
    assert _login(w1, user, "wrong-1").status_code == 401
    assert _login(w2, user, "wrong-2").status_code == 401
    assert _login(w1, user, "wrong-3").status_code == 401
    assert int(conn.get(f"liandong_ratelimit:login:user:{user}")) == 3
    for c in (w2, w1):
        r = _login(c, user)  # correct password, but blocked
        assert r.status_code == 429 and "登录失败次数过多" in r.text
        assert not c.cookies.get("ld_session")
    # once the window is over (here: the counter is removed) the login works again
    conn.delete(f"liandong_ratelimit:login:user:{user}")
    assert _login(w2, user).status_code == 303
    conn.close()
