"""Roles × representative routes: who may see and do what in 东方红街道."""

import pytest

from core.permissions import authorizer
from tests.helpers import login, post_form, tenant_id

ROLES = {
    "dfh_admin": "tenant_admin",
    "dfh_staff": "staff",
    "dfh_instructor": "instructor",
    "dfh_secretary": "org_secretary",
    "yuelu_viewer": "viewer",  # a viewer of the district reaches the street below
    "wyh_staff": "other street",
}

# path → expected status per user (GET)
MATRIX = {
    "/t/dongfanghong/": dict(dfh_admin=200, dfh_staff=200, dfh_instructor=200, dfh_secretary=200,
                             yuelu_viewer=200, wyh_staff=404),
    "/t/dongfanghong/admin/tenants": dict(dfh_admin=200, dfh_staff=403, dfh_instructor=403,
                                          dfh_secretary=403, yuelu_viewer=403, wyh_staff=404),
    "/t/dongfanghong/admin/users": dict(dfh_admin=200, dfh_staff=403, dfh_instructor=403,
                                        dfh_secretary=403, yuelu_viewer=403, wyh_staff=404),
    "/t/dongfanghong/audit": dict(dfh_admin=200, dfh_staff=200, dfh_instructor=403,
                                  dfh_secretary=403, yuelu_viewer=403, wyh_staff=404),
    "/t/dongfanghong/example/": dict(dfh_admin=200, dfh_staff=200, dfh_instructor=200,
                                     dfh_secretary=200, yuelu_viewer=200, wyh_staff=404),
}


@pytest.mark.parametrize("user", list(ROLES))
@pytest.mark.parametrize("path", list(MATRIX))
def test_get_matrix(client, user, path):
    login(client, user)
    assert client.get(path).status_code == MATRIX[path][user]


@pytest.mark.parametrize("user,status", [("dfh_staff", 303), ("dfh_admin", 303), ("dfh_instructor", 403),
                                         ("dfh_secretary", 403), ("yuelu_viewer", 403), ("wyh_staff", 404)])
def test_post_notice_matrix(client, user, status):
    login(client, user)
    r = post_form(client, "/t/dongfanghong/example/", {"title": f"由 {user} 发布", "body": ""},
                  follow_redirects=False)
    assert r.status_code == status


def test_effective_permissions_inherit_down_the_tree(database):
    from sqlalchemy import select

    from core.db import open_session
    from core.models import User

    with open_session() as s:
        uid = s.scalar(select(User.id).where(User.username == "yuelu_admin"))
    street = authorizer.effective_permissions(uid, tenant_id("dongfanghong"))
    assert {"tenant:view", "tenant:manage", "example:write"} <= street
    assert authorizer.effective_permissions(uid, tenant_id("changsha")) == frozenset()
    assert authorizer.effective_permissions(uid, tenant_id("nanhu")) == frozenset()


def test_api_needs_a_token_and_respects_roles(client, api_token):
    assert client.get("/api/t/dongfanghong/").status_code == 401
    assert client.get("/api/t/dongfanghong/", headers={"Authorization": "Bearer nope"}).status_code == 401
    staff = api_token("dfh_staff")
    body = client.get("/api/t/dongfanghong/", headers=staff).json()
    assert body["tenant"]["slug"] == "dongfanghong" and "example:write" in body["permissions"]
    assert client.get("/api/t/dongfanghong/tenants", headers=staff).status_code == 403
    assert client.get("/api/t/wangyuehu/", headers=staff).status_code == 404
    viewer = api_token("yuelu_viewer")
    r = client.post("/api/t/dongfanghong/example/notices", json={"title": "x"}, headers=viewer)
    assert r.status_code == 403


def test_bulk_policy_load_equals_casbin_line_parsing(database):
    """The adapter's column-tuple load gives casbin exactly what its text loader would."""
    import casbin
    from casbin import persist
    from sqlalchemy import select

    from core.db import open_session
    from core.models import CasbinRule
    from core.permissions import MODEL_TEXT, SqlAlchemyAdapter

    expected = casbin.Enforcer.new_model(text=MODEL_TEXT)
    with open_session() as s:
        rows = s.scalars(select(CasbinRule).order_by(CasbinRule.id)).all()
        assert {r.ptype for r in rows} == {"p", "g"} and len(rows) > 50
        for r in rows:
            values = [v for v in (r.v0, r.v1, r.v2, r.v3, r.v4, r.v5) if v != ""]
            persist.load_policy_line(", ".join([r.ptype, *values]), expected)
    loaded = casbin.Enforcer.new_model(text=MODEL_TEXT)
    SqlAlchemyAdapter().load_policy(loaded)
    for sec, ptype in (("p", "p"), ("g", "g")):
        assert loaded.get_policy(sec, ptype) == expected.get_policy(sec, ptype)
    assert ["*" in rule for rule in loaded.get_policy("g", "g")].count(True) >= 1  # platform-wide rows too
    # and the enforcer built on it answers like before
    authorizer.invalidate()
    e = authorizer.enforcer()
    assert sorted(e.get_grouping_policy()) == sorted(expected.get_policy("g", "g"))


def test_session_user_is_cached_per_worker_for_the_poll_interval(database, monkeypatch):
    """A logged-in user is looked up once per ``revision_poll_seconds``; a deactivation is
    seen when that entry expires (and at once when the interval is 0, as in the tests)."""
    from sqlalchemy import select, update

    from core.config import get_settings
    from core.db import open_session, scoped_session
    from core.models import User
    from core.web import context

    with open_session() as s:
        uid = s.scalar(select(User.id).where(User.username == "dfh_staff2"))

    def set_active(value: bool) -> None:
        with scoped_session() as s:
            s.execute(update(User).where(User.id == uid).values(is_active=value))

    context._USERS.pop(uid, None)
    monkeypatch.setattr(get_settings(), "revision_poll_seconds", 60.0)
    try:
        assert context._load_user(uid).username == "dfh_staff2"
        set_active(False)
        assert context._load_user(uid).username == "dfh_staff2"  # cached for up to the interval
        context._USERS[uid] = (0.0, context._USERS[uid][1])  # the interval has passed
        assert context._load_user(uid) is None
        assert context._load_user(uid) is None  # "no such user" is cached too
        monkeypatch.setattr(get_settings(), "revision_poll_seconds", 0.0)
        set_active(True)
        context._USERS.clear()
        assert context._load_user(uid).username == "dfh_staff2"
        assert uid not in context._USERS  # interval 0: never cached
        set_active(False)
        assert context._load_user(uid) is None
    finally:
        set_active(True)
        context._USERS.clear()
