"""Hooks that plugins implement to configure the designations block (称号与监管黑名单).

Per tenant: called through ``core.plugins.registry().hooks_for(tenant.id)``, reaching only the
tenant's enabled plugins. Implement with ``core.hookspecs.hookimpl``. See
``plugins/designations/README.md`` and ``docs/plugins.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    from core.tenancy import TenantInfo
    from plugins.designations.types import DesignationKind, SubjectType


@hookspec
def register_designation_kinds(tenant: TenantInfo) -> list[DesignationKind]:
    """The designation kinds (称号类别) ``tenant``'s enabled plugins give: 示范点, 红色车间,
    党员示范岗, 清廉民企 … Called on every designations page and API request of ``tenant``, when
    an import row is checked and when an assessment round is published (a kind's
    ``from_assessment`` rules propose designations from its results). A key registered twice
    keeps the first; the block's own generic kinds come after the programs'."""


@hookspec
def register_designation_subjects(tenant: TenantInfo) -> list[SubjectType]:
    """Subject kinds beyond the registry's organizations, party orgs and members (e.g. the
    ``sites`` block's places): how to name a subject by id, offer a choice of them, link to its
    page and which organizations' blacklisting blocks it."""
