"""Plain value types that hooks return. Kept free of framework imports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.tenancy import TenantInfo


class NoSettings(BaseModel):
    """Settings model of a plugin that has none."""


@dataclass(frozen=True)
class PluginMeta:
    """Module attribute ``meta`` of every plugin package."""

    name: str
    label: str  # shown in the UI (Chinese)
    version: str = "0.1.0"
    description: str = ""
    #: names of plugins that must be enabled first
    depends: tuple[str, ...] = ()
    #: pydantic model of per-tenant settings, with defaults
    settings: type[BaseModel] = NoSettings
    #: a template for plugin developers: offered to admins only where ``LIANDONG_DEV_PLUGINS`` is set
    development: bool = False


@dataclass(frozen=True)
class Permission:
    name: str  # "<area>:<verb>", e.g. "example:write"
    label: str


@dataclass(frozen=True)
class Role:
    """A role and permissions it grants. Several plugins may grant to the same role."""

    name: str
    label: str = ""
    permissions: tuple[str, ...] = ()


#: sidebar sections, in display order, with their headings ("home" has none)
NAV_SECTIONS = {"home": "", "registry": "台账", "work": "工作", "admin": "管理"}


@dataclass(frozen=True)
class NavItem:
    """A sidebar link. Programs and building blocks stay in the default ``work`` section;
    ``registry`` and ``admin`` are the core's (see :data:`NAV_SECTIONS`)."""

    label: str
    path: str  # relative to the tenant: "example" → /t/<slug>/example
    permission: str | None = None
    order: int = 100  # within the section
    icon: str = ""
    section: str = "work"


@dataclass(frozen=True)
class Widget:
    """A dashboard card rendered from a jinjax component with ``props``."""

    title: str
    component: str
    props: dict[str, Any] = field(default_factory=dict)
    permission: str | None = None
    order: int = 100


class Viewer(Protocol):
    """The user a dashboard is rendered for, as the ``viewer`` of ``register_dashboard_widgets``.

    A card is drawn for one person: what it may count depends on their permissions, and a
    card over the tenant's whole subtree reads through their roll-up session. The web
    request's ``Ctx`` is one; a test or a report may pass any object with these members.
    """

    tenant: TenantInfo

    def can(self, permission: str) -> bool: ...

    def subtree(self) -> tuple[int, ...]: ...

    def read_rollup_session(self, permission: str) -> Session:
        """A read-only session over the subtree, after checking ``permission``."""
        ...


@dataclass(frozen=True)
class Term:
    """A word the UI shows that a tenant may rename (terminology override)."""

    key: str
    default: str
    description: str = ""


@dataclass(frozen=True)
class LeaderRule:
    """How many leaders with one title a cluster of a type must / may have."""

    title: str  # code, e.g. "leader"
    label: str  # shown, e.g. "组长"
    min: int = 0
    max: int | None = None
    #: the person must name the two-new organization they work in (chosen from its party or
    #: mass-work staff, as a 联组's 组长 and 副组长 are)
    from_organization: bool = False


@dataclass(frozen=True)
class ClusterType:
    """A kind of cluster a program registers (联组, 党建联盟, 楼宇商圈党建点 …)."""

    key: str  # globally unique, e.g. "dongfanghong.joint_group"
    label: str
    description: str = ""
    leaders: tuple[LeaderRule, ...] = ()
    #: what the cluster groups: "organization", "party_org" or both
    member_kinds: tuple[str, ...] = ("organization", "party_org")
    #: free-form extra fields shown on the form: (key, label)
    attributes: tuple[tuple[str, str], ...] = ()
    #: an organization / party org is a current member of at most one (unarchived) cluster of
    #: this type: adding one that has not left another is refused, naming that cluster
    exclusive_members: bool = False
