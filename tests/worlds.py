"""The shared test world: fresh tenants with plugins enabled and users in roles, built the same
way for every area's tests. Each area's conftest adds only its own rows (party orgs, clusters,
demands …) on top. Nothing here touches the demo tenants, so tests never depend on — or change —
what other tests see.

    tenants = make_tenants("fa", [("a", "经费测试甲街道", "street", "yuelu"),
                                  ("b", "经费测试乙街道", "street", "yuelu")], plugins=("funds",))
    users, ids = make_users("f", [("staff", "staff", tenants["a"]), ("viewer", "viewer", tenants["a"])])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from core import revisions
from core.db import scoped_session
from core.models import User
from core.permissions import build_catalog
from core.plugins import registry
from core.services.tenants import TenantForm, create_tenant
from core.services.users import create_user, grant_role
from core.tenancy import TenantInfo, operator_session, tree
from tests.helpers import unique

PASSWORD = "demo1234"

#: (key, name, level, parent): ``parent`` is the key of an earlier spec or the slug of an existing tenant
TenantSpec = tuple[str, str, str, str]


def make_tenants(prefix: str, specs: Iterable[TenantSpec], plugins: Iterable[str] = (),
                 tag: str | None = None) -> dict[str, TenantInfo]:
    """Create the tenants (slug ``<prefix><key>-<tag>``, name ``<name><tag>``) parents first, enable
    ``plugins`` in each, and return key → :class:`TenantInfo` from the reloaded tree."""
    tag = tag or unique("")
    pending, made = list(specs), {}
    while pending:
        ready = [sp for sp in pending if sp[3] in made or sp[3] not in {k for k, *_ in pending}]
        with operator_session("test") as s:
            for key, name, level, parent in ready:
                parent_id = made[parent] if parent in made else tree().by_slug[parent].id
                made[key] = create_tenant(s, TenantForm(slug=f"{prefix}{key}-{tag}", name=f"{name}{tag}",
                                                        level=level, parent_id=parent_id)).id
        revisions.poll(force=True)  # the tree knows them now (their children may follow)
        pending = [sp for sp in pending if sp not in ready]
    plugins = tuple(plugins)
    if plugins:
        with operator_session("test") as s:
            for tenant_id in made.values():
                for plugin in plugins:
                    registry().set_enabled(s, tree().by_id[tenant_id], plugin, True)
        revisions.poll(force=True)
    t = tree()
    return {key: t.by_id[tenant_id] for key, tenant_id in made.items()}


def make_users(prefix: str, specs: Iterable[tuple[str, str, TenantInfo]], tag: str | None = None
               ) -> tuple[dict[str, str], dict[str, int]]:
    """Users ``<prefix><key>_<tag>`` (password :data:`PASSWORD`), each with ``role`` in its tenant;
    returns (key → username, key → user id)."""
    tag = tag or unique("")
    roles = build_catalog(registry().pm).roles
    users, ids = {}, {}
    with operator_session("test") as s:
        for key, role, tenant in specs:
            name = f"{prefix}{key}_{tag}"
            user = create_user(s, name, PASSWORD, f"{key}用户", seeded=True)
            grant_role(s, user, role, tenant.id, roles)
            users[key], ids[key] = name, user.id
    revisions.poll(force=True)
    return users, ids


def user_id(username: str) -> int:
    with scoped_session() as s:
        return s.scalar(select(User.id).where(User.username == username))


@contextmanager
def tenant_session(tenant: TenantInfo, username: str = "test") -> Iterator[Any]:
    """A unit of work in ``tenant`` (commit on success), attributed to ``username``."""
    with scoped_session(tenant.id) as s:
        s.info["username"] = username
        yield s
