"""The app's tenant routes, enumerated for the generic tests (isolation, permissions, GET purity).

Every route under ``/t/{slug}/…`` (pages) and ``/api/t/{slug}/…`` (JSON) of the core, the
registry and every installed plugin is listed with its method, its path parameters and the
permission its handler declares. Tests use this instead of hand-written lists so that a route
added tomorrow is covered by them the day it is added.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from litestar.routes import HTTPRoute
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    Time,
    TypeDecorator,
    insert,
    select,
)

PAGE_PREFIX = "/t/{slug:str}"
API_PREFIX = "/api/t/{slug:str}"
PARAM = re.compile(r"\{(\w+):(\w+)\}")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # the template, e.g. /t/{slug:str}/organizations/{org_id:int}
    handler: Any

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def rest(self) -> str:
        """The path below the tenant prefix, e.g. ``organizations/{org_id:int}``."""
        prefix = API_PREFIX if self.api else PAGE_PREFIX
        return self.path[len(prefix):].lstrip("/")

    @property
    def section(self) -> str:
        """First segment below the tenant: a plugin's name, or a core area (``organizations``)."""
        return self.rest.split("/", 1)[0]

    @property
    def params(self) -> list[tuple[str, str]]:
        """Path parameters other than the tenant's slug, in order: ``[(name, type), …]``."""
        return [(n, t) for n, t in PARAM.findall(self.path) if n != "slug"]

    @property
    def permission(self) -> str | None:
        return self.handler.opt.get("permission")

    @property
    def writes(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")

    def url(self, slug: str, values: dict[str, Any] | None = None) -> str:
        values = {**(values or {}), "slug": slug}
        return PARAM.sub(lambda m: str(values[m.group(1)]), self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def tenant_routes(app) -> list[Route]:
    """Every (method, route) under ``/t/{slug}`` and ``/api/t/{slug}``, sorted."""
    out = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        if not (route.path == PAGE_PREFIX or route.path.startswith((PAGE_PREFIX + "/", API_PREFIX))):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                out.append(Route(method, route.path, handler))
    return sorted(out, key=lambda r: (r.path, r.method))


# --- the rows a path parameter names ---------------------------------------------------------

#: parameter → table of the row it names, where the name alone does not say it
#: (``(section, parameter)`` entries win over plain ``parameter`` ones). Any other ``<x>_id``
#: is looked up as table ``<section>_<x>s`` / ``<x>s`` (``activity_id`` under ``activities`` →
#: ``activities_activities``); see :func:`table_for`.
ID_TABLES: dict[str | tuple[str, str], str] = {
    "tenant_id": "tenants",
    "org_id": "organizations",
    "po_id": "party_orgs",
    "assignment_id": "instructor_assignments",
    "visit_id": "instructor_visits",
    "leader_id": "cluster_leaders",
    "job_id": "import_jobs",
    ("clusters", "member_id"): "cluster_members",
    ("instructors", "attachment_id"): "instructor_visit_attachments",
    ("dongfanghong", "group_id"): "clusters",
    ("dongfanghong", "member_id"): "cluster_members",
    ("membership", "record_id"): "membership_dues",
    ("membership", "entry_id"): "membership_points",
    ("checklists", "evidence_id"): "checklists_evidence",
    ("lists", "station_id"): "sites_sites",  # a service station is a site (kind lists.station)
    ("units", "visit_id"): "units_visits",
    ("units", "attachment_id"): "units_visit_attachments",
    ("designations", "entry_id"): "designations_blacklist",
    ("designations", "file_id"): "designations_files",
    ("designations", "evidence_id"): "designations_blacklist_files",
    ("notify", "channel_id"): "notification_channels",
    ("jinhua", "item_id"): "jinhua_agenda",
    ("dongfanghong", "link_id"): "dongfanghong_group_links",
    ("dongfanghong", "cross_id"): "dongfanghong_cross_appointments",
}

#: string parameters that name a tenant's row: (section, parameter) → (table, column)
KEY_COLUMNS: dict[tuple[str, str], tuple[str, str]] = {
    ("assessment", "key"): ("assessment_templates", "key"),
    ("jinhua", "cluster_id"): ("jinhua_alliances", "cluster_id"),  # an alliance is named by its cluster's id
    # a 楼宇商圈党建点 is a cluster of the program's types: one the program keeps a record of
    ("changsha", "cluster_id"): ("changsha_points", "cluster_id"),
}

#: string parameters that do not name data, with a valid value
CONSTANTS: dict[str | tuple[str, str], str] = {
    "name": "example",  # a plugin's name (core admin)
    "entity": "organizations",  # an import kind
    ("campaigns", "action"): "start",
    ("funds", "action"): "approve",
    ("dongfanghong", "action"): "approve",
    ("membership", "action"): "submit",
    ("checklists", "action"): "pass",
    ("designations", "action"): "approve",
}


def _plurals(base: str) -> list[str]:
    out = [base + "s", base + "es"]
    if base.endswith("y"):
        out.append(base[:-1] + "ies")
    return out


def table_for(route: Route, param: str, tables: set[str]) -> str | None:
    """The table whose row ``param`` of ``route`` names, or None if it names no row."""
    for key in ((route.section, param), param):
        if key in ID_TABLES:
            return ID_TABLES[key]
    if not param.endswith("_id"):
        return None
    base = param[: -len("_id")]
    for name in [f"{route.section}_{p}" for p in _plurals(base)] + _plurals(base):
        if name in tables:
            return name
    return None


# --- a row for a table nobody has filled yet --------------------------------------------------


def _dummy(column) -> Any:
    t = column.type
    if isinstance(t, TypeDecorator):  # e.g. a Decimal stored as an integer: bind what it takes
        return _dummy_of(t.impl_instance, column)
    return _dummy_of(t, column)


def _dummy_of(t, column) -> Any:
    if isinstance(t, Enum):
        return t.enums[0]
    if isinstance(t, Boolean):
        return False
    if isinstance(t, DateTime):
        return dt.datetime.now(dt.timezone.utc)
    if isinstance(t, Date):
        return dt.date.today()
    if isinstance(t, Time):
        return dt.time(9, 0)
    if isinstance(t, (Integer, Numeric, Float)):
        return 1
    if isinstance(t, JSON):
        return {}
    if isinstance(t, LargeBinary):
        return b""
    if isinstance(t, (String, Text)):
        return "iso"[: t.length] if getattr(t, "length", None) else "iso"
    raise TypeError(f"no dummy value for {column}")


def synthesize_row(conn, table_name: str, tenant_id: int, *, user_id: int) -> dict[str, Any]:
    """Insert one minimal row of ``table_name`` for ``tenant_id`` (required columns only;
    required foreign keys point at a row of the same tenant, made too if missing)."""
    from core.db import Base

    table = Base.metadata.tables[table_name]
    values: dict[str, Any] = {}
    for col in table.columns:
        if col.name == "tenant_id":
            values[col.name] = tenant_id
        elif col.foreign_keys and not col.nullable:
            fk = next(iter(col.foreign_keys))
            values[col.name] = existing_row(conn, fk.column.table.name, tenant_id, user_id=user_id)[fk.column.name]
        elif col.primary_key and isinstance(col.type, Integer):
            continue  # autoincrement
        elif col.nullable or col.default is not None or col.server_default is not None:
            continue
        else:
            values[col.name] = _dummy(col)
    values.update(VALID_VALUES.get(table_name, {}))
    pk = conn.execute(insert(table).values(**values)).inserted_primary_key
    row = dict(conn.execute(select(table).where(*[c == v for c, v in zip(table.primary_key.columns, pk, strict=False)]))
               .one()._mapping)
    if table_name == "assessment_templates":  # a template the forms could have saved: one criterion at least
        criteria = Base.metadata.tables["assessment_criteria"]
        conn.execute(insert(criteria).values(template_id=row["id"], key="a", label="甲", max_points=100, weight=1,
                                             **({"tenant_id": tenant_id} if "tenant_id" in criteria.c else {})))
    return row


#: column values a synthesized row needs to be one the application could have written
VALID_VALUES: dict[str, dict[str, Any]] = {
    "assessment_templates": {"target_kind": "party_org", "period_kind": "year", "grade_bands": [["合格", "60"]],
                             "scale_max": 100, "rating_max": 5},
}


def existing_row(conn, table_name: str, tenant_id: int, *, user_id: int) -> dict[str, Any]:
    from core.db import Base

    if table_name == "tenants":
        return {"id": tenant_id}
    if table_name == "users":
        return {"id": user_id}
    table = Base.metadata.tables[table_name]
    q = select(table)
    if "tenant_id" in table.c:
        q = q.where(table.c.tenant_id == tenant_id)
    row = conn.execute(q.limit(1)).first()
    return dict(row._mapping) if row else synthesize_row(conn, table_name, tenant_id, user_id=user_id)


# --- a valid JSON body for an API route ---------------------------------------------------------


def sample_json(tp: Any) -> Any:
    """A small JSON value the type ``tp`` accepts (required fields only), e.g. for a request body
    that must pass the framework's validation so that the handler itself answers."""
    import dataclasses
    import decimal
    import enum
    import types
    import typing

    import msgspec
    from pydantic import BaseModel

    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return sample_json(args[0])
    if origin in (typing.Union, types.UnionType):
        return sample_json(next(a for a in args if a is not type(None)))
    if origin is typing.Literal:
        return args[0]
    if origin in (list, set, frozenset, tuple) or tp in (list, set, tuple):
        return []
    if origin is dict or tp is dict or tp is Any:
        return {}
    if isinstance(tp, type):
        if issubclass(tp, enum.Enum):
            return next(iter(tp)).value
        if tp is bool:
            return False
        if issubclass(tp, (int, float, decimal.Decimal)):
            return 1
        if tp is str:
            return "x"
        if tp is dt.datetime:
            return dt.datetime.now(dt.timezone.utc).isoformat()
        if tp is dt.date:
            return dt.date.today().isoformat()
        if issubclass(tp, BaseModel):
            return {n: sample_json(f.annotation) for n, f in tp.model_fields.items() if f.is_required()}
        hints = typing.get_type_hints(tp, include_extras=True) if hasattr(tp, "__annotations__") else {}
        if dataclasses.is_dataclass(tp):
            return {f.name: sample_json(hints.get(f.name, f.type)) for f in dataclasses.fields(tp)
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
        if issubclass(tp, msgspec.Struct):
            return {f.name: sample_json(hints.get(f.name, f.type)) for f in msgspec.structs.fields(tp)
                    if f.required}
        if typing.is_typeddict(tp):
            return {k: sample_json(hints[k]) for k in tp.__required_keys__}
    return None


def request_body(route: Route) -> Any:
    """A JSON body for ``route``'s ``data`` parameter ({} when it takes none)."""
    param = route.handler.parsed_fn_signature.parameters.get("data")
    return {} if param is None else sample_json(param.annotation)


# --- path values: real rows for a route's parameters ----------------------------------------------


class RowPicker:
    """Values for a route's path parameters, naming real rows.

    ``tenants`` lists, by preference, the tenants whose rows may be used; a table none of them
    has a row of gets a minimal made-up row in ``make_in`` (noted in :attr:`made`). A parent
    parameter takes the parent of the row chosen for its child (``/activities/{activity_id}/
    attachments/{attachment_id}``: the attachment's own activity). ``tenant_id`` parameters get
    ``tenant_value``.
    """

    def __init__(self, owner_url: str, tenants: list[int], *, make_in: int, user_id: int, tenant_value: int):
        from core.db import get_engine, tenant_owned_tables

        self.engine = get_engine(owner_url)  # the owner's connection sees every tenant (no RLS)
        self.order = list(dict.fromkeys(tenants))
        self.make_in, self.user_id, self.tenant_value = make_in, user_id, tenant_value
        self.tables = set(tenant_owned_tables()) | {"tenants"}
        self.made: set[str] = set()  # tables whose row was made up by the test
        self.tables_of: dict[Route, set[str]] = {}
        self._rows: dict[str, dict] = {}

    def row(self, table: str) -> dict:
        if table not in self._rows:
            self._rows[table] = self._pick(table)
        return self._rows[table]

    def _pick(self, table: str) -> dict:
        from core.db import Base

        if table == "tenants":
            return {"id": self.tenant_value, "tenant_id": self.tenant_value}
        tbl = Base.metadata.tables[table]
        with self.engine.connect() as conn:
            for tid in self.order:
                row = conn.execute(select(tbl).where(tbl.c.tenant_id == tid)
                                   .order_by(*tbl.primary_key.columns).limit(1)).first()
                if row is not None:
                    return dict(row._mapping)
        self.made.add(table)
        with self.engine.begin() as conn:
            return existing_row(conn, table, self.make_in, user_id=self.user_id)

    def parent_of(self, child_table: str, child: dict, table: str) -> dict | None:
        """The row of ``table`` that ``child`` points at, if it has such a foreign key."""
        from core.db import Base

        tbl = Base.metadata.tables[table]
        for fk in Base.metadata.tables[child_table].foreign_keys:
            if fk.column.table.name == table and child.get(fk.parent.name) is not None:
                if table == "tenants":
                    return {"id": child[fk.parent.name], "tenant_id": child[fk.parent.name]}
                with self.engine.connect() as conn:
                    row = conn.execute(select(tbl).where(fk.column == child[fk.parent.name])).first()
                return dict(row._mapping) if row else None
        return None

    def values(self, route: Route) -> tuple[dict[str, Any], int | None]:
        """``route``'s path values and the tenant owning the rows they name."""
        values: dict[str, Any] = {}
        rows: dict[str, tuple[str, dict]] = {}
        owner = None
        self.tables_of[route] = set()
        for name, _type in reversed(route.params):
            const = CONSTANTS.get((route.section, name), CONSTANTS.get(name))
            if const is not None:
                values[name] = const
                continue
            table, column = KEY_COLUMNS.get((route.section, name)) or (table_for(route, name, self.tables), "id")
            if table is None:
                raise LookupError(f"{route}: no table for path parameter {name!r}; "
                                  "add it to tests/routes.py ID_TABLES, KEY_COLUMNS or CONSTANTS")
            row = None
            for child_table, child in rows.values():
                row = row or self.parent_of(child_table, child, table)
            row = row or self.row(table)
            rows[name] = (table, row)
            self.tables_of[route].add(table)
            values[name] = row[column]
            owner = owner or row.get("tenant_id")
        return values, owner


def takes_ids(route: Route) -> bool:
    """Whether a path parameter of ``route`` names a tenant's row."""
    return any((route.section, n) not in CONSTANTS and n not in CONSTANTS for n, _ in route.params)


def send(client, route: Route, url: str, *, headers: dict | None = None, form: dict | None = None):
    """One request for ``route``: the API with ``headers`` (a bearer token) and a JSON body
    that passes validation; pages with the client's session and, for writes, a CSRF token."""
    if route.api:
        kw = {"json": request_body(route)} if route.method in ("POST", "PUT", "PATCH") else {}
        return client.request(route.method, url, headers=headers, **kw)
    if route.writes:
        from tests.helpers import csrf

        return client.request(route.method, url, data={**(form or {}), "_csrf_token": csrf(client)},
                              follow_redirects=False)
    return client.request(route.method, url, follow_redirects=False)


# --- small worlds ---------------------------------------------------------------------------------


def make_tenant(prefix: str, name: str, parent_slug: str, level: str = "street", *,
                all_plugins: bool = True, demo: bool = False):
    """A fresh tenant under ``parent_slug``, with every installed plugin enabled and (``demo``)
    the plugins' demo data loaded. Returns its :class:`~core.tenancy.TenantInfo`."""
    from core.plugins import registry
    from core.services.tenants import TenantForm, create_tenant
    from core.tenancy import operator_session, tree
    from tests.helpers import unique

    reg = registry()
    slug = unique(prefix)
    with operator_session("test") as s:
        create_tenant(s, TenantForm(slug=slug, name=name, level=level, parent_id=tree().by_slug[parent_slug].id))
    tenant = tree().by_slug[slug]
    if all_plugins:
        with operator_session("test") as s:
            for plugin in reg.meta:
                reg.set_enabled(s, tenant, plugin, True)
    if demo:
        from core.demo import load_tenant_demo

        load_tenant_demo(tenant)
    return tenant


def make_user(prefix: str, password: str, grants: list[tuple[str, int]]) -> tuple[str, dict[str, str]]:
    """A user holding ``grants`` ([(role, tenant id)]); returns (username, bearer headers)."""
    from core.permissions import build_catalog
    from core.plugins import registry
    from core.services.users import create_user, grant_role, issue_token
    from core.tenancy import operator_session
    from tests.helpers import unique

    roles = build_catalog(registry().pm).roles
    with operator_session("test") as s:
        user = create_user(s, unique(prefix), password, prefix, seeded=True)
        for role, tenant_id in grants:
            grant_role(s, user, role, tenant_id, roles)
        return user.username, {"Authorization": f"Bearer {issue_token(s, user, 'test')}"}
