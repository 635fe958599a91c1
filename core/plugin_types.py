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
    """A sidebar link (``permission``: one permission, or a tuple of which any one will do). Programs and building blocks stay in the default ``work`` section;
    ``registry`` and ``admin`` are the core's (see :data:`NAV_SECTIONS`)."""

    label: str
    path: str  # relative to the tenant: "example" → /t/<slug>/example
    #: shown to users holding it; a tuple: holding any one of them (the import page: any kind's)
    permission: str | tuple[str, ...] | None = None
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
    #: whose figures the card shows, e.g. ``viewer.scope().label`` ("本组织：…", "第一联组");
    #: empty: the tenant's (the dashboard says so)
    scope: str = ""


class Viewer(Protocol):
    """The user a dashboard is rendered for, as the ``viewer`` of ``register_dashboard_widgets``.

    A card is drawn for one person: what it may count depends on their permissions, and a
    card over the tenant's whole subtree reads through their roll-up session. The web
    request's ``Ctx`` is one; a test or a report may pass any object with these members.
    """

    tenant: TenantInfo
    perms: frozenset[str]
    user: Any  # ``.id``, ``.username``, ``.label``

    def can(self, permission: str) -> bool: ...

    def subtree(self) -> tuple[int, ...]: ...

    def scope(self) -> Any:
        """What the user acts on (:class:`core.registry.scope.ActingScope`): ``whole`` (the
        tenant; ``organization_ids`` None) or an org secretary's organizations, party orgs and
        led clusters. A card counts within it and shows its ``label``."""
        ...

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


# --- registry extension points (register_extra_fields, register_code_lists, on_registry_changed) ---

#: the registry records a plugin may add fields to, with their Chinese names
EXTRA_FIELD_ENTITIES = {"organization": "两新组织", "party_org": "党组织", "member": "党员"}
#: the types of an extra field
EXTRA_FIELD_TYPES = {"text": "文本", "int": "整数", "date": "日期", "choice": "选项", "bool": "是/否",
                     "reference": "引用"}


def _plugin_key(key: str) -> bool:
    import re

    return re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", key) is not None and len(key) <= 64


@dataclass(frozen=True)
class ExtraField:
    """A field a plugin adds to organizations, party orgs or members (``register_extra_fields``).

    Stored in the record's ``extra`` JSON column under ``key`` (``"<plugin>.<name>"``), checked
    by the registry's services like the record's own fields (Chinese field-level messages), shown
    in the create/edit forms, on the detail page, in the Excel export and accepted by the import
    — only for tenants that enabled the declaring plugin. ``validate(value) -> message | None``
    adds a rule of the plugin's own on the typed value (a date, an int …; never called for an
    empty value). ``reference`` names what a ``reference`` field points to (``organization``,
    ``party_org`` or ``member`` of the same tenant; the id is stored).
    """

    entity: str  # EXTRA_FIELD_ENTITIES
    key: str  # "<plugin>.<name>", globally unique and stable (it is stored)
    label: str
    type: str = "text"  # EXTRA_FIELD_TYPES
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    reference: str = ""
    max_length: int = 200
    min: int | None = None
    max: int | None = None
    help: str = ""
    validate: Any = None  # Callable[[Any], str | None]
    order: int = 100

    def __post_init__(self) -> None:
        if self.entity not in EXTRA_FIELD_ENTITIES:
            raise ValueError(f"ExtraField {self.key}: entity must be one of {sorted(EXTRA_FIELD_ENTITIES)}")
        if not _plugin_key(self.key):
            raise ValueError(f"ExtraField key {self.key!r} must read '<plugin>.<name>' (lowercase, ≤ 64)")
        if self.type not in EXTRA_FIELD_TYPES:
            raise ValueError(f"ExtraField {self.key}: type must be one of {sorted(EXTRA_FIELD_TYPES)}")
        if self.type == "choice" and not self.choices:
            raise ValueError(f"ExtraField {self.key}: a choice field needs choices")
        if self.type == "reference" and self.reference not in EXTRA_FIELD_ENTITIES:
            raise ValueError(f"ExtraField {self.key}: reference must be one of {sorted(EXTRA_FIELD_ENTITIES)}")
        if not self.label:
            raise ValueError(f"ExtraField {self.key}: a label is required")


#: the core code lists a plugin may extend, with the longest code each column stores
CODE_LISTS = {"formation_modes": ("组建方式", 20), "industries": ("行业", 2)}


@dataclass(frozen=True)
class CodeList:
    """Codes a plugin adds to a core code list for the tenants that enabled it
    (``register_code_lists``): ``CodeList("formation_modes", (("dispatch", "选派建"), …))``.
    A code of the core list (or of a plugin called earlier) keeps its label."""

    name: str  # CODE_LISTS
    codes: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        if self.name not in CODE_LISTS:
            raise ValueError(f"CodeList {self.name!r}: extendable lists are {sorted(CODE_LISTS)}")
        longest = CODE_LISTS[self.name][1]
        for code, label in self.codes:
            if not code or len(code) > longest or not label:
                raise ValueError(f"CodeList {self.name}: code {code!r} must be 1–{longest} characters with a label")


#: what happened to a registry record (``RegistryChange.action``)
REGISTRY_ACTIONS = {"created": "新增", "changed": "修改", "moved": "调整隶属", "dissolved": "撤销/注销",
                    "deleted": "删除"}


@dataclass(frozen=True)
class RegistryChange:
    """One change of an organization, party org or member, passed to ``on_registry_changed``.

    ``before`` / ``after``: the record's column values (``None`` for created / deleted; secrets
    never — ciphertexts and hashes are left out). ``record`` is the ORM row (``None`` once
    deleted). ``action``: ``created``; ``dissolved`` (a party org dissolved, an organization
    closed or moved out); ``moved`` (a party org under another parent, a member to another
    party org or organization, an organization to another community); ``changed`` (anything
    else); ``deleted``.
    """

    entity: str  # EXTRA_FIELD_ENTITIES
    action: str  # REGISTRY_ACTIONS
    id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    record: Any = None

    @property
    def changed_keys(self) -> set[str]:
        before, after = self.before or {}, self.after or {}
        return {k for k in {*before, *after} if before.get(k) != after.get(k)}


@dataclass(frozen=True)
class ClusterMemberKind:
    """A kind of cluster member beyond organizations and party orgs (``register_cluster_member_kinds``):
    units of the ``units`` block (成员单位、商会 …), instructors … A cluster type takes it when its
    ``member_kinds`` lists ``key``. The functions get a session that sees the cluster's tenant
    and — for a district's or city's cluster — its whole subtree:

    * ``resolve(session, text) -> (id, problem)``: what the user typed (a name, a code, an id) →
      the row's id, or a Chinese problem ("找不到单位「…」");
    * ``names(session, ids) -> {id: name}``;
    * ``tenants(session, ids) -> {id: tenant id}``: where each member belongs (a street sees the
      district's clusters its own members are in).
    """

    key: str  # "<plugin>.<name>", stored in ClusterMember.member_kind
    label: str
    resolve: Any
    names: Any
    tenants: Any

    def __post_init__(self) -> None:
        if not _plugin_key(self.key):
            raise ValueError(f"ClusterMemberKind key {self.key!r} must read '<plugin>.<name>'")
