"""The tenant tree, cached per worker and reloaded when the ``tenants`` revision moves."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import revisions
from core.db import open_session, scoped_session
from core.models import TENANT_LEVELS, Tenant


@dataclass(frozen=True)
class TenantInfo:
    id: int
    slug: str
    name: str
    level: str
    parent_id: int | None
    archived: bool
    host: str | None = None
    terms: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def level_label(self) -> str:
        return TENANT_LEVELS.get(self.level, self.level)


class TenantTree:
    def __init__(self, tenants: list[TenantInfo]):
        self.by_id = {t.id: t for t in tenants}
        self.by_slug = {t.slug: t for t in tenants}
        self.by_host = {t.host: t for t in tenants if t.host}
        self.children: dict[int | None, list[TenantInfo]] = {}
        for t in sorted(tenants, key=lambda t: (t.name, t.id)):
            self.children.setdefault(t.parent_id, []).append(t)
        self._desc: dict[int, tuple[int, ...]] = {}

    def ancestors(self, tenant_id: int) -> list[TenantInfo]:
        """From the root down to and including ``tenant_id``."""
        out = []
        t = self.by_id.get(tenant_id)
        while t is not None:
            out.append(t)
            t = self.by_id.get(t.parent_id) if t.parent_id else None
        return out[::-1]

    def descendant_ids(self, tenant_id: int) -> tuple[int, ...]:
        """``tenant_id`` and every tenant below it."""
        cached = self._desc.get(tenant_id)
        if cached is None:
            out, stack = [], [tenant_id]
            while stack:
                tid = stack.pop()
                out.append(tid)
                stack.extend(c.id for c in self.children.get(tid, []))
            cached = self._desc[tenant_id] = tuple(out)
        return cached

    def is_within(self, tenant_id: int, root_id: int) -> bool:
        return any(a.id == root_id for a in self.ancestors(tenant_id))

    def roots(self) -> list[TenantInfo]:
        return self.children.get(None, [])


@contextmanager
def operator_session(username: str = "cli") -> Iterator[Session]:
    """Unit of work over every tenant, for operator commands (CLI, demo load, tenants sync).

    Not reachable from the web: requests get their tenant or a permission-checked subtree.
    """
    with open_session() as s:
        ids = list(s.scalars(select(Tenant.id)))
    with scoped_session(None, ids) as session:
        session.info["username"] = username
        yield session


_tree: TenantTree | None = None
_lock = threading.Lock()


def tree() -> TenantTree:
    global _tree
    current = _tree
    if current is None:
        with _lock:
            if _tree is None:
                _tree = _load()
            current = _tree
    return current


def loaded_tree() -> TenantTree | None:
    """The tenant tree if this worker has it loaded already (no I/O), else ``None``."""
    return _tree


def _load() -> TenantTree:
    with open_session() as s:
        rows = s.scalars(select(Tenant)).all()
        return TenantTree(
            [
                TenantInfo(
                    id=t.id,
                    slug=t.slug,
                    name=t.name,
                    level=t.level,
                    parent_id=t.parent_id,
                    archived=t.archived_at is not None,
                    host=t.host,
                    terms=dict(t.terms or {}),
                )
                for t in rows
            ]
        )


def _invalidate() -> None:
    global _tree
    _tree = None


revisions.on_change("tenants", _invalidate)
