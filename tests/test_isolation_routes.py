"""Tenant isolation over every route of the app: core, registry and every plugin.

The routes are enumerated from the app (``tests/routes.py``), so a route added tomorrow is
covered the day it is added. Two attackers, each holding *every* role in their own tenant where
*every* plugin is enabled (so no permission or enablement check can hide a leak):

* a user of a fresh street A (under 岳麓区, a sibling of 东方红街道);
* a user of a fresh district D (under 长沙市, a sibling of 岳麓区) with a street below it.

They ask every page and API route that takes an id — every method; pages with a valid CSRF
token, the API with a body that passes validation — in their own tenant, with the id of another
tenant's row. The victim is a fresh street B under 岳麓区 (every plugin enabled, the plugins'
demo data loaded); where B has no row of a table, 东方红街道 or another tenant out of both
attackers' reach is used (never an ancestor of theirs: a district's reporting obligations, say,
are meant for the streets below), and where nobody has one a minimal row is made in B. Every
answer must be 404, and afterwards the database must be exactly as before (nothing written, no
audit entry). With the victim's own slug in the URL, every route of the app answers 404 too (no
role there: the tenant is not even revealed).

The test stays honest with positive controls: the platform admin, asking the same GET routes
with the same ids in the rows' own tenant (or one above it), must not get 404 — the ids are real.
"""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, text

from core import events  # noqa: F401  (after-commit cache invalidation, as in the app)
from core.backup import table_fingerprints
from core.config import get_settings
from core.db import get_engine, open_session, tenant_owned_tables
from core.models import AuditEntry, User
from core.permissions import PLATFORM
from core.plugins import registry
from core.tenancy import tree
from tests.helpers import login
from tests.routes import Route, RowPicker, make_tenant, make_user, send, takes_ids, tenant_routes

PASSWORD = "iso-pass-2024"
#: where victim rows come from after street B, by preference
VICTIM_SLUGS = ("dongfanghong", "wangyuehu", "nanhu", "jinhua")
#: GET routes whose positive control cannot work with an arbitrary row of the table, and why
NO_POSITIVE_CONTROL = {
    "lists/escalations/{demand_id:int}": "the escalated demand is the street's row, the route answers at its district",
    "imports/jobs/{job_id:int}/errors.xlsx": "only a valid-rows import with rejected rows has an error workbook; "
                                             "the victim's job may have none (404 for its own tenant too)",
    "campaigns/reports/{obligation_id:int}/submit": "an obligation is reported on by the tenants below the one that "
                                                    "set it: its own tenant gets 404 too (金华市's demo 月度工作报表 for its counties)",
    "clusters/shared/{cluster_id:int}": "a cluster of a district or city read from a street that has members in it: "
                                        "the victim's own cluster is not one (404 for its own tenant too); "
                                        "tests/registry/test_cluster_cross_tenant.py reads real ones",
}


@pytest.fixture(scope="module")
def world(app, database):
    """Tenants A (street), D (district) + D1 (its street), B (victim street); users; clients."""
    from core.permissions import PLATFORM_ADMIN, build_catalog

    tenants = {"a": make_tenant("iso-a-", "隔离测试街道A", "yuelu"),
               "b": make_tenant("iso-b-", "隔离测试街道B", "yuelu", demo=True),
               "d": make_tenant("iso-d-", "隔离测试区D", "changsha", "district")}
    tenants["d1"] = make_tenant("iso-d1-", "隔离测试区D下的街道", tenants["d"].slug)
    every_role = [r for r in build_catalog(registry().pm).roles if r != PLATFORM_ADMIN]
    users, tokens = {}, {}
    for key in ("a", "d"):
        users[key], tokens[key] = make_user(f"iso_{key}_", PASSWORD, [(r, tenants[key].id) for r in every_role])
    with open_session() as s:
        admin_id = s.scalar(select(User.id).where(User.username == "admin"))
    _name, tokens["admin"] = make_user("iso_admin_", PASSWORD, [(PLATFORM_ADMIN, PLATFORM)])
    # one client runs the app's lifespan; the others only keep their own cookies (several
    # entered clients of one app hang on shutdown)
    with TestClient(app, raise_server_exceptions=False) as main:
        clients = {"a": main, "d": TestClient(app, raise_server_exceptions=False),
                   "admin": TestClient(app, raise_server_exceptions=False)}
        for key, username, password in (("a", users["a"], PASSWORD), ("d", users["d"], PASSWORD),
                                         ("admin", "admin", "demo1234")):
            login(clients[key], username, password)
        yield {"tenants": tenants, "users": users, "tokens": tokens, "clients": clients,
               "admin_id": admin_id, "routes": tenant_routes(app), "database": database}


@pytest.fixture(scope="module")
def victims(world) -> RowPicker:
    """Rows of tenants out of both attackers' reach: B's first, then 东方红街道's, then others'."""
    t = world["tenants"]
    reach = set()
    for key in ("a", "d"):  # the attackers' tenants, what lies below and above them
        reach |= set(tree().descendant_ids(t[key].id)) | {x.id for x in tree().ancestors(t[key].id)}
    # only B and the configured (demo) tenants: tenants other tests of this worker made hold
    # rows made up without what stands behind them (an attachment with no stored file)
    configured = {p.stem for p in get_settings().tenants_dir.glob("*.toml")}
    outside = {x.id for x in tree().by_id.values() if x.slug in configured or x.id == t["b"].id} - reach
    prefer = [t["b"].id, *(tree().by_slug[s].id for s in VICTIM_SLUGS if s in tree().by_slug)]
    order = [*(p for p in prefer if p in outside), *sorted(outside - set(prefer))]
    return RowPicker(world["database"]["owner_url"], order, make_in=t["b"].id, user_id=world["admin_id"],
                     tenant_value=t["b"].id)


def call(world, who: str, route: Route, url: str):
    """One request as ``who``: pages with the session and a CSRF token, the API with a token."""
    return send(world["clients"][who], route, url, headers=world["tokens"][who])


def _report(failures: list[str]) -> str:
    return f"{len(failures)} route(s) leak across tenants:\n" + "\n".join(failures)


def _dump(table: str) -> bool:
    return table not in ("audit_log",)


# --- the tests --------------------------------------------------------------------------------


def test_every_path_parameter_names_known_data(world, victims):
    unknown = []
    for route in world["routes"]:
        try:
            victims.values(route)
        except LookupError as exc:
            unknown.append(str(exc))
    assert not unknown, "\n".join(unknown)
    # the enumeration really covers core, registry and plugins, pages and API
    sections = {r.section for r in world["routes"]}
    assert {"admin", "organizations", "members", "clusters", *registry().meta} <= sections
    assert any(r.api and r.params for r in world["routes"]) and any(not r.api and r.params for r in world["routes"])


@pytest.mark.parametrize("attacker", ["a", "d"])
def test_ids_of_another_tenant_answer_404_on_every_route(world, victims, attacker):
    id_routes = [r for r in world["routes"] if takes_ids(r)]
    assert len(id_routes) > 100
    planned = [(r, *victims.values(r)) for r in id_routes]  # make missing victim rows first
    home = world["tenants"][attacker].slug
    owner = world["database"]["owner_url"]
    before = {t: v for t, v in table_fingerprints(owner).items() if _dump(t)}
    with open_session() as s:
        mark = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    failures = []
    for route, values, _owner in planned:
        r = call(world, attacker, route, route.url(home, values))
        if r.status_code != 404:
            failures.append(f"{route} {values} → {r.status_code} {r.text[:160]!r}")
    assert not failures, _report(failures)
    after = {t: v for t, v in table_fingerprints(owner).items() if _dump(t)}
    assert [t for t in before if before[t] != after.get(t)] == []
    with open_session() as s:
        s.info["tenant_ids"] = tuple(tree().by_id)
        written = s.scalars(select(AuditEntry.action).where(AuditEntry.id > mark,
                                                            ~AuditEntry.action.startswith("auth."))).all()
    assert written == []


def test_the_victim_ids_are_real(world, victims):
    """Positive control: the platform admin reaches each GET route with the same ids in the
    rows' own tenant (or one above it, for what is handed upwards): the ids are real. Rows the
    test made up are skipped (dummy values, e.g. no stored file behind an attachment)."""
    failures, checked = [], 0
    for route in world["routes"]:
        if route.method != "GET" or not takes_ids(route) or route.rest in NO_POSITIVE_CONTROL:
            continue
        values, owner = victims.values(route)
        if victims.tables_of[route] & victims.made:
            continue
        statuses = []
        for tenant in reversed(tree().ancestors(owner)):
            if route.section in registry().meta and not registry().is_enabled(tenant.id, route.section):
                continue
            statuses.append(call(world, "admin", route, route.url(tenant.slug, values)).status_code)
            if statuses[-1] != 404:
                break
        checked += 1
        if not statuses or statuses[-1] == 404:
            failures.append(f"{route} {values} of {tree().by_id[owner].slug} → {statuses}: "
                            "the test's id mapping is wrong")
    assert checked > 40, (checked, sorted(victims.made))
    assert not failures, "\n".join(failures)


def test_no_role_in_the_tenant_answers_404_on_every_route(world, victims):
    """The street user on 东方红街道 and the district user on 岳麓区: every route, every method."""
    failures = []
    for attacker, slug in (("a", "dongfanghong"), ("d", "yuelu")):
        for route in world["routes"]:
            values, _owner = victims.values(route)
            r = call(world, attacker, route, route.url(slug, values))
            if r.status_code != 404:
                failures.append(f"{attacker}@{slug}: {route} → {r.status_code} {r.text[:120]!r}")
    assert not failures, _report(failures)


def test_district_admin_sees_its_streets_and_not_a_sibling_district(world):
    t = world["tenants"]
    pages, api = world["clients"]["d"], world["tokens"]["d"]
    listing = pages.get(f"/t/{t['d'].slug}/admin/tenants").text
    assert t["d1"].name in listing and "东方红街道" not in listing and "岳麓区" not in listing
    assert pages.get(f"/t/{t['d1'].slug}/").status_code == 200  # a role reaches the streets below
    assert pages.get(f"/t/{t['d1'].slug}/organizations").status_code == 200
    slugs = {x["slug"] for x in pages.get(f"/api/t/{t['d'].slug}/tenants", headers=api).json()}
    assert slugs == {t["d"].slug, t["d1"].slug}
    switcher = pages.get("/tenants").text
    assert t["d1"].name in switcher and "岳麓区" not in switcher and "长沙市" not in switcher
    # a roll-up over the district's subtree holds nothing of the sibling district
    coverage = pages.get(f"/api/t/{t['d'].slug}/coverage", headers=api)
    assert coverage.status_code == 200
    assert "dongfanghong" not in coverage.text and "东方红" not in coverage.text


def test_without_a_tenant_postgres_returns_no_row_of_any_tenant_table(world):
    """Row-level security: the application role, with no tenant set, reads nothing — from
    every tenant-owned table, with plain SQL (no ORM filter), while the rows exist."""
    database = world["database"]
    if database["backend"] != "postgresql":
        pytest.skip("row-level security is a PostgreSQL feature")
    owner, app_engine = get_engine(database["owner_url"]), get_engine(database["app_url"])
    with owner.connect() as conn:
        filled = [t for t in tenant_owned_tables()
                  if conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()]
    assert len(filled) > 20
    with app_engine.connect() as conn:
        seen = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tenant_owned_tables()}
        conn.execute(text("SELECT set_config('app.tenant_ids', '', false)"))
        seen_empty = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in filled}
        conn.rollback()
    assert {t: n for t, n in seen.items() if n} == {}
    assert {t: n for t, n in seen_empty.items() if n} == {}
