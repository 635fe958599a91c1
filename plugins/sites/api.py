"""The sites block's public API for other plugins (阵地与站点).

Plugins reach sites only through this module and the ``register_site_kinds`` hook — never
``plugins.sites.service``. Every function takes a SQLAlchemy session scoped to one tenant; writes
flush and leave the commit to the caller, and raise :class:`core.forms.FormErrors` (field →
Chinese message) before anything is written. :class:`Site` is exported for read queries (a
demand taken at a service station references ``sites_sites.id``).

Fields of a site (:func:`create_site`, :func:`update_site`)
    ``kind`` (required; a registered kind, fixed once created) · ``name`` (required, ≤ 100,
    unique per kind) · ``grade`` (one of the kind's grades; required when it has some) ·
    ``address`` · ``community`` · ``opening_hours`` · ``manager_kind`` (``tenant`` |
    ``party_org`` | ``organization`` | ``unit`` (the units block, where enabled) | ``other``) with
    ``manager_id`` (the row) or
    ``manager_name`` (other) · ``services`` (a list, or one per line) · ``opened_on`` ·
    ``active`` (default true) · ``note``.

Example (a program's 红色之家)::

    from plugins.sites import api as sites

    @hookimpl
    def register_site_kinds(tenant):
        return [sites.SiteKind("changsha.red_home", "货车司机红色之家", services=("休息", "学习"))]

    sites.create_site(session, tenant, {"kind": "changsha.red_home", "name": "物流园红色之家",
                                        "manager_kind": "party_org", "manager_id": po.id})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from core.tenancy import TenantInfo
from plugins.sites import service as _svc
from plugins.sites.library import BUILTIN
from plugins.sites.models import Site, SitePhoto
from plugins.sites.types import SiteKind

__all__ = ["BUILTIN", "MANAGER_KINDS", "Site", "SiteKind", "SitePhoto", "counts", "create_site", "get_site",
           "kinds", "set_active", "sites_of", "update_site"]

#: what manages a site, key → label
MANAGER_KINDS = _svc.MANAGER_KINDS


def kinds(tenant: TenantInfo) -> dict[str, SiteKind]:
    """key → kind of place for ``tenant`` (the block's built-ins and its plugins')."""
    return _svc.kinds(tenant)


def sites_of(session: Session, kind: str = "", *, active_only: bool = False, q: str = "") -> list[Site]:
    """The tenant's sites of ``kind`` (all kinds when empty), by grade and name."""
    return list(session.scalars(_svc.site_select(q, kind, "", "1" if active_only else "")))


def get_site(session: Session, site_id: int) -> Site | None:
    """The site with this id in the session's tenant, or ``None``."""
    return session.get(Site, site_id)


def counts(session: Session) -> dict[str, dict[str, int]]:
    """kind → {"active", "inactive", grade: n in use} for the session's tenants."""
    return _svc.counts(session)


def create_site(session: Session, tenant: TenantInfo, fields: Mapping[str, Any], *,
                own_kind: SiteKind | None = None) -> Site:
    """Register a site (fields: see the module docstring). A plugin creating a site of its own
    kind may pass it as ``own_kind`` (accepted even where the tenant has not enabled the plugin)."""
    return _svc.create_site(session, tenant, fields, own_kind=own_kind)


def update_site(session: Session, tenant: TenantInfo, site: Site, fields: Mapping[str, Any]) -> Site:
    """Change a site (fields as on creation; ``kind`` stays)."""
    return _svc.update_site(session, tenant, site, fields)


def set_active(session: Session, site: Site, active: bool) -> Site:
    """Put a site in use or out of use (its history and references stay)."""
    return _svc.set_active(session, site, active)
