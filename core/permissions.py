"""Roles and permissions with casbin (RBAC with domains, domain = tenant).

Policy rows live in ``casbin_rule`` (created by a core migration):

* ``p, <role>, <permission>`` — shared by every tenant (a few hundred rows at most);
* ``g, <user id>, <role>, <tenant id>`` — one row per role assignment; ``*`` as tenant is
  a platform-wide assignment (platform_admin).

A role held in a tenant reaches that tenant's descendants: a request for tenant T collects
the user's roles in T and each of its ancestors, then the permissions of those roles —
once per request (:func:`effective_permissions`), not per check.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import casbin
from casbin import persist
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import revisions
from core.db import open_session
from core.models import CasbinRule
from core.plugin_types import Permission, Role
from core.tenancy import tree

MODEL_TEXT = """
[request_definition]
r = sub, dom, obj

[policy_definition]
p = sub, obj

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.obj == p.obj
"""

PLATFORM = "*"
PLATFORM_ADMIN = "platform_admin"


class SqlAlchemyAdapter(persist.Adapter):
    """Reads and writes ``casbin_rule`` through the application's own sessions.

    ``ptypes``: load only these rule types (the authorizer's policy loads the ``p`` rules; the
    ``g`` rules of a user are read when that user is first checked, see :class:`Authorizer`).
    """

    def __init__(self, ptypes: tuple[str, ...] | None = None) -> None:
        self.ptypes = ptypes

    def load_policy(self, model) -> None:
        """The rules, selected as plain column tuples and appended to the model as lists.

        What ``persist.load_policy_line`` would do with the text ``"g, 12, staff, 34"``, without
        building an ORM object per row, joining it to text and parsing it again (20,000 ``g``
        rules: 0.7–1.7 s before, per worker, on start and after every role change).
        """
        t = CasbinRule.__table__
        stmt = select(t.c.ptype, t.c.v0, t.c.v1, t.c.v2, t.c.v3, t.c.v4, t.c.v5).order_by(t.c.id)
        if self.ptypes is not None:
            stmt = stmt.where(t.c.ptype.in_(self.ptypes))
        with open_session() as s:
            rows = s.connection().execute(stmt).all()
        sections = model.model
        targets: dict[str, list | None] = {}
        for ptype, *values in rows:
            policy = targets.get(ptype, False)
            if policy is False:  # once per ptype: the assertion's rule list, or None if unknown
                assertion = (sections.get(ptype[:1]) or {}).get(ptype)
                policy = targets[ptype] = assertion.policy if assertion is not None else None
            if policy is not None:
                policy.append([v for v in values if v != ""])

    def save_policy(self, model) -> bool:  # pragma: no cover - we never bulk-save
        raise NotImplementedError

    def add_policy(self, sec, ptype, rule) -> None:  # writes go through grant()/revoke()
        pass

    def remove_policy(self, sec, ptype, rule) -> None:
        pass

    def remove_filtered_policy(self, sec, ptype, field_index, *field_values) -> None:
        pass


@dataclass(frozen=True)
class Catalog:
    """Every permission and role the installed plugins declare."""

    permissions: dict[str, Permission]
    roles: dict[str, Role]  # merged: permissions from every plugin that grants to the role


def build_catalog(pm) -> Catalog:
    perms: dict[str, Permission] = {}
    for batch in pm.hook.register_permissions():
        for p in batch or ():
            perms[p.name] = p
    roles: dict[str, Role] = {}
    for batch in pm.hook.register_roles():
        for r in batch or ():
            prev = roles.get(r.name)
            if prev is None:
                roles[r.name] = r
            else:
                roles[r.name] = Role(
                    r.name, prev.label or r.label, tuple(dict.fromkeys(prev.permissions + r.permissions))
                )
    # the platform admin holds every permission of every installed plugin
    roles[PLATFORM_ADMIN] = Role(PLATFORM_ADMIN, "平台管理员", tuple(perms))
    for r in roles.values():
        unknown = [p for p in r.permissions if p not in perms]
        if unknown:
            raise RuntimeError(f"role {r.name!r} grants undeclared permissions {unknown}")
    return Catalog(perms, roles)


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector for a bulk load (reference counting still frees)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Authorizer:
    """The policy of this worker: casbin's model of the ``p`` rules (role → permission, shared
    by every tenant, a few hundred) with an index of permissions by role, and each user's
    ``g`` rules (role assignments) read the first time that user is checked.

    Loading every ``g`` rule on start and after every role change made that cost grow with the
    number of tenants and users (20,000 rules: 50 ms per worker with an index, 0.5 s with
    casbin's role links — bench P4l); a user's rules are one indexed query (``casbin_rule.v0``),
    paid once per policy change by the first request of that user. :meth:`enforcer` still
    gives a complete casbin enforcer of every rule (role links built) to whoever asks for one.
    """

    #: users whose assignments are kept per worker (the cache is emptied when it is full)
    MAX_USERS = 100_000

    def __init__(self) -> None:
        self._enforcer: casbin.Enforcer | None = None
        self._full: casbin.Enforcer | None = None
        self._role_perms: dict[str, frozenset[str]] = {}
        #: user id → {domain: roles}; emptied on every policy change
        self._users: dict[str, dict[str, frozenset[str]]] = {}
        self._generation = 0
        self._lock = threading.Lock()
        revisions.on_change("policies", self.invalidate)

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._enforcer = None
            self._full = None
            self._users = {}

    def _loaded(self) -> casbin.Enforcer:
        """The ``p`` rules of this worker, (re)loaded if they moved."""
        e = self._enforcer
        if e is None:
            with self._lock:
                if self._enforcer is None:
                    with _gc_paused():  # a collection here would walk the whole heap
                        self._load()
                e = self._enforcer
        return e

    def enforcer(self) -> casbin.Enforcer:
        """A complete casbin enforcer of the current policy: every rule, role links built."""
        e = self._full
        if e is None:
            with self._lock:
                if self._full is None:
                    with _gc_paused():
                        self._full = casbin.Enforcer(casbin.Enforcer.new_model(text=MODEL_TEXT), SqlAlchemyAdapter())
                e = self._full
        return e

    def _load(self) -> None:
        enf = casbin.Enforcer(casbin.Enforcer.new_model(text=MODEL_TEXT))
        enf.enable_auto_build_role_links(False)  # no g rules here: see the class docstring
        enf.set_adapter(SqlAlchemyAdapter(ptypes=("p",)))
        enf.load_policy()
        role_perms: dict[str, set[str]] = {}
        for role, perm in enf.get_policy():
            role_perms.setdefault(role, set()).add(perm)
        self._role_perms = {k: frozenset(v) for k, v in role_perms.items()}
        self._enforcer = enf

    def _grants_of(self, user_id: int) -> dict[str, frozenset[str]]:
        """The user's roles by domain (a tenant id or ``*``), read once per policy change."""
        self._loaded()
        sub = str(user_id)
        found = self._users.get(sub)
        if found is not None:
            return found
        generation = self._generation
        t = CasbinRule.__table__
        with open_session() as s:
            rows = s.connection().execute(
                select(t.c.v1, t.c.v2).where(t.c.ptype == "g", t.c.v0 == sub)).all()
        by_domain: dict[str, set[str]] = {}
        for role, dom in rows:
            by_domain.setdefault(dom, set()).add(role)
        found = {dom: frozenset(roles) for dom, roles in by_domain.items()}
        with self._lock:
            if generation == self._generation:  # not read across a policy change
                if len(self._users) >= self.MAX_USERS:
                    self._users = {}
                self._users[sub] = found
        return found

    def _roles(self, user_id: int, domain: str) -> frozenset[str]:
        """Roles held directly by the user in ``domain`` (a tenant id or ``*``)."""
        return self._grants_of(user_id).get(domain, frozenset())

    def roles_anywhere(self, user_id: int) -> frozenset[str]:
        """Every role the user holds, in any tenant or platform-wide."""
        return frozenset().union(*self._grants_of(user_id).values())

    def roles_in(self, user_id: int, tenant_id: int) -> set[str]:
        """Roles the user holds in ``tenant_id`` directly, through an ancestor, or platform-wide."""
        grants = self._grants_of(user_id)
        roles = set(grants.get(PLATFORM, ()))
        for t in tree().ancestors(tenant_id):
            roles.update(grants.get(str(t.id), ()))
        return roles

    def effective_permissions(self, user_id: int, tenant_id: int) -> frozenset[str]:
        roles = self.roles_in(user_id, tenant_id)
        perms: set[str] = set()
        for r in roles:
            perms |= self._role_perms.get(r, frozenset())
        return frozenset(perms)

    def holders(self, tenant_id: int, permission: str) -> list[int]:
        """Users holding ``permission`` through a role assigned in ``tenant_id`` itself (not
        through an ancestor nor platform-wide): the people who work there (reminders, bulletins).
        One query on the domain's ``g`` rules."""
        self._loaded()
        roles = [r for r, perms in self._role_perms.items() if permission in perms]
        if not roles:
            return []
        t = CasbinRule.__table__
        with open_session() as s:
            users = s.connection().execute(select(t.c.v0).where(
                t.c.ptype == "g", t.c.v2 == str(tenant_id), t.c.v1.in_(roles))).scalars().all()
        return sorted({int(u) for u in users})

    def is_platform_admin(self, user_id: int) -> bool:
        return PLATFORM_ADMIN in self._roles(user_id, PLATFORM)

    def assignments(self, user_id: int | None = None) -> list[tuple[int, str, str]]:
        """(user id, role, tenant id or ``*``) rows: one user's, or everyone's (admin pages)."""
        if user_id is not None:
            return [(user_id, role, dom) for dom, roles in self._grants_of(user_id).items() for role in roles]
        t = CasbinRule.__table__
        with open_session() as s:
            rows = s.connection().execute(
                select(t.c.v0, t.c.v1, t.c.v2).where(t.c.ptype == "g").order_by(t.c.id)).all()
        return [(int(u), role, dom) for u, role, dom in rows]

    def tenants_of(self, user_id: int) -> set[int] | None:
        """Tenants where the user holds a role (with descendants); ``None`` = every tenant."""
        if self.is_platform_admin(user_id):
            return None
        out: set[int] = set()
        t = tree()
        for dom in self._grants_of(user_id):
            if dom != PLATFORM and int(dom) in t.by_id:
                out.update(t.descendant_ids(int(dom)))
        return out


authorizer = Authorizer()


# --- writes: policy rows change through these, in the caller's transaction ---------------


def grant(session: Session, user_id: int, role: str, tenant_id: int | str) -> bool:
    """Give ``role`` in ``tenant_id`` (``"*"`` platform-wide). False if already held."""
    exists = session.scalar(
        select(CasbinRule.id).where(
            CasbinRule.ptype == "g",
            CasbinRule.v0 == str(user_id),
            CasbinRule.v1 == role,
            CasbinRule.v2 == str(tenant_id),
        )
    )
    if exists:
        return False
    session.add(CasbinRule(ptype="g", v0=str(user_id), v1=role, v2=str(tenant_id)))
    revisions.bump(session, "policies")
    return True


def revoke(session: Session, user_id: int, role: str, tenant_id: int | str) -> bool:
    result = session.execute(
        delete(CasbinRule).where(
            CasbinRule.ptype == "g",
            CasbinRule.v0 == str(user_id),
            CasbinRule.v1 == role,
            CasbinRule.v2 == str(tenant_id),
        )
    )
    if result.rowcount:
        revisions.bump(session, "policies")
    return bool(result.rowcount)


def sync_role_permissions(session: Session, catalog: Catalog) -> tuple[int, int]:
    """Make the shared ``p`` rows equal to what the installed plugins declare."""
    wanted = {(r.name, p) for r in catalog.roles.values() for p in r.permissions}
    rows = session.scalars(select(CasbinRule).where(CasbinRule.ptype == "p")).all()
    have = {(r.v0, r.v1): r for r in rows}
    added = removed = 0
    for key in wanted - have.keys():
        session.add(CasbinRule(ptype="p", v0=key[0], v1=key[1]))
        added += 1
    for key in have.keys() - wanted:
        session.delete(have[key])
        removed += 1
    if added or removed:
        revisions.bump(session, "policies")
    return added, removed
