"""The authorizer answers exactly what casbin's own role manager answers.

``core.permissions.Authorizer`` loads only the ``p`` rules per worker and reads a user's ``g``
rules the first time that user is checked after a policy change (bench P4l: the reload no
longer grows with the number of tenants and users); ``enforcer()`` builds casbin's complete
enforcer for whoever asks. Here the same rules are loaded into a stock enforcer (role links
built) and every demo user's roles and permissions are compared in every tenant.
"""

from __future__ import annotations

import casbin
from sqlalchemy import select

from core.permissions import MODEL_TEXT, PLATFORM, PLATFORM_ADMIN, SqlAlchemyAdapter, authorizer


def _reference() -> casbin.Enforcer:
    return casbin.Enforcer(casbin.Enforcer.new_model(text=MODEL_TEXT), SqlAlchemyAdapter())


def test_role_index_matches_casbin_role_manager(database):
    from core.db import open_session
    from core.models import User
    from core.tenancy import tree

    authorizer.invalidate()
    assert authorizer._loaded().get_grouping_policy() == []  # the worker's policy: p rules only
    ref = _reference()
    with open_session() as s:
        users = s.scalars(select(User.id)).all()
    tenants = list(tree().by_id.values())
    grants = authorizer.enforcer().get_grouping_policy()
    assert sorted(grants) == sorted(ref.get_grouping_policy())
    assert any(dom == PLATFORM for _u, _r, dom in grants) and len({dom for *_x, dom in grants}) > 3
    role_perms: dict[str, set[str]] = {}
    for role, perm in ref.get_policy():
        role_perms.setdefault(role, set()).add(perm)
    checked = 0
    for uid in [*users, 999_999]:  # and a user without any role
        sub = str(uid)
        assert authorizer.is_platform_admin(uid) == (PLATFORM_ADMIN in ref.get_roles_for_user_in_domain(sub, PLATFORM))
        for t in tenants:
            expected_roles = set(ref.get_roles_for_user_in_domain(sub, PLATFORM))
            for a in tree().ancestors(t.id):
                expected_roles.update(ref.get_roles_for_user_in_domain(sub, str(a.id)))
            assert authorizer.roles_in(uid, t.id) == expected_roles, (uid, t.slug)
            expected = set().union(*(role_perms.get(r, set()) for r in expected_roles))
            assert authorizer.effective_permissions(uid, t.id) == expected, (uid, t.slug)
            checked += bool(expected)
    assert checked > len(tenants)  # many (user, tenant) pairs really hold permissions
    # whoever asks for the enforcer gets casbin's role manager too
    full = authorizer.enforcer()
    for uid, _role, dom in grants[:20]:
        assert sorted(full.get_roles_for_user_in_domain(uid, dom)) == sorted(ref.get_roles_for_user_in_domain(uid, dom))


def test_role_index_follows_grants_and_revocations(database):
    from core import revisions
    from core.db import scoped_session
    from core.permissions import grant, revoke
    from tests.helpers import tenant_id

    uid, street = 424_242, tenant_id("dongfanghong")
    with scoped_session() as s:
        assert grant(s, uid, "viewer", street)
    revisions.poll(force=True)
    try:
        assert authorizer.roles_in(uid, street) == {"viewer"}
        assert "tenant:view" in authorizer.effective_permissions(uid, street)
        assert authorizer.roles_in(uid, tenant_id("wangyuehu")) == set()
        assert (uid, "viewer", str(street)) in authorizer.assignments(uid)
    finally:
        with scoped_session() as s:
            assert revoke(s, uid, "viewer", street)
        revisions.poll(force=True)
    assert authorizer.roles_in(uid, street) == set()
    assert authorizer.effective_permissions(uid, street) == frozenset()
