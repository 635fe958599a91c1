"""Tenant isolation: the ORM filter, PostgreSQL row-level security, 404 across tenants."""

import pytest
from sqlalchemy import select, text

from core.db import TenantScopeError, get_engine, open_session, tenant_owned_tables
from core.tenancy import tree
from plugins.example.models import Notice
from tests.helpers import login, post_form, tenant_id


def _notice(slug: str, title: str) -> int:
    with open_session(tenant_id(slug)) as s:
        n = Notice(title=title, body="")
        s.add(n)
        s.commit()
        return n.id


def test_orm_filter_sees_only_the_session_tenant(database):
    a = _notice("dongfanghong", "A street notice")
    with open_session(tenant_id("wangyuehu")) as s:
        assert s.get(Notice, a) is None
        assert a not in s.scalars(select(Notice.id)).all()
    with open_session(tenant_id("dongfanghong")) as s:
        assert s.get(Notice, a).title == "A street notice"


def test_session_without_tenant_sees_nothing(database):
    _notice("dongfanghong", "invisible without scope")
    with open_session() as s:
        assert s.scalars(select(Notice)).all() == []


def test_write_outside_scope_is_refused(database):
    with open_session(tenant_id("wangyuehu")) as s:
        s.add(Notice(title="smuggled", body="", tenant_id=tenant_id("dongfanghong")))
        with pytest.raises(TenantScopeError):
            s.flush()


def test_subtree_scope_for_rollups(database):
    a = _notice("dongfanghong", "in yuelu subtree")
    b = _notice("nanhu", "outside yuelu")
    scope = tree().descendant_ids(tenant_id("yuelu"))
    with open_session(tenant_id("yuelu"), scope) as s:
        ids = set(s.scalars(select(Notice.id)))
    assert a in ids and b not in ids


def test_every_tenant_owned_table_has_forced_rls(database):
    if database["backend"] != "postgresql":
        pytest.skip("row-level security is a PostgreSQL feature")
    with get_engine(database["owner_url"]).connect() as conn:
        rows = dict(conn.execute(text(
            "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relkind = 'r'"
        )).all())
    for table in [*tenant_owned_tables(), "audit_log"]:
        assert rows.get(table) is True, f"{table} lacks ENABLE + FORCE row level security"


def test_every_table_with_a_tenant_id_has_the_tenant_policy(database):
    """Listed from the database itself (core and plugin tables, ORM or not): a new table with a
    ``tenant_id`` column and no forced ``tenant_isolation`` policy fails here."""
    if database["backend"] != "postgresql":
        pytest.skip("row-level security is a PostgreSQL feature")
    with get_engine(database["owner_url"]).connect() as conn:
        rows = conn.execute(text(
            "SELECT c.table_name, k.relrowsecurity AND k.relforcerowsecurity, p.policyname IS NOT NULL "
            "FROM information_schema.columns c "
            "JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = current_schema()::regnamespace "
            "LEFT JOIN pg_policies p ON p.tablename = c.table_name AND p.schemaname = current_schema() "
            "  AND p.policyname = 'tenant_isolation' "
            "WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id' AND k.relkind = 'r' "
            "ORDER BY 1")).all()
    tables = {name for name, _forced, _policy in rows}
    assert {"tenant_plugins", "audit_log", "organizations", "example_notices"} <= tables
    missing = [name for name, forced, policy in rows if not (forced and policy)]
    assert missing == [], f"tables with tenant_id but no forced tenant_isolation policy: {missing}"


def test_plugin_settings_are_invisible_without_a_tenant_scope(database):
    if database["backend"] != "postgresql":
        pytest.skip("row-level security is a PostgreSQL feature")
    with get_engine(database["app_url"]).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tenant_plugins")).scalar() == 0
        conn.execute(text("SELECT set_config('app.tenant_ids', :t, false)"), {"t": str(tenant_id("dongfanghong"))})
        seen = set(conn.execute(text("SELECT DISTINCT tenant_id FROM tenant_plugins")).scalars())
        assert seen == {tenant_id("dongfanghong")}
        conn.rollback()


def test_postgres_app_role_cannot_bypass_rls(database):
    if database["backend"] != "postgresql":
        pytest.skip("row-level security is a PostgreSQL feature")
    _notice("dongfanghong", "rls check")
    with get_engine(database["app_url"]).connect() as conn:
        role = conn.execute(text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        assert tuple(role) == (False, False)
        # raw SQL, no ORM filter: with no tenant set the database itself returns nothing
        assert conn.execute(text("SELECT count(*) FROM example_notices")).scalar() == 0
        conn.execute(text("SELECT set_config('app.tenant_ids', :t, false)"),
                     {"t": str(tenant_id("wangyuehu"))})
        titles = conn.execute(text("SELECT title FROM example_notices")).scalars().all()
        assert "rls check" not in titles
        conn.rollback()


def test_rls_policy_is_a_hashed_scope_that_still_isolates(database):
    """The policy reads ``app.tenant_ids`` once per statement (hashed sub-plan), and still:
    no scope → no rows, a multi-tenant scope → exactly those tenants, writes outside → refused."""
    if database["backend"] != "postgresql":
        pytest.skip("row-level security is a PostgreSQL feature")
    from sqlalchemy.exc import ProgrammingError

    a, b, c = tenant_id("dongfanghong"), tenant_id("wangyuehu"), tenant_id("nanhu")
    mine = {t: _notice(slug, f"hashed scope {slug}") for t, slug in
            ((a, "dongfanghong"), (b, "wangyuehu"), (c, "nanhu"))}
    with get_engine(database["owner_url"]).connect() as conn:
        quals = dict(conn.execute(text(
            "SELECT tablename, qual FROM pg_policies WHERE policyname = 'tenant_isolation'")).all())
    for table in [*tenant_owned_tables(), "audit_log"]:
        assert "IN ( SELECT unnest(" in quals[table], (table, quals[table])
    assert quals["audit_log"].startswith("((tenant_id IS NULL) OR")

    def visible(conn, scope: str) -> set[int]:
        conn.execute(text("SELECT set_config('app.tenant_ids', :s, true)"), {"s": scope})
        ids = set(mine.values())
        return {i for i in conn.execute(text("SELECT id FROM example_notices")).scalars() if i in ids}

    with get_engine(database["app_url"]).connect() as conn:
        assert visible(conn, "") == set()
        assert visible(conn, f"{a},{c}") == {mine[a], mine[c]}
        assert visible(conn, str(b)) == {mine[b]}
        plan = "\n".join(conn.execute(text("EXPLAIN SELECT count(*) FROM example_notices")).scalars())
        assert "hashed SubPlan" in plan, plan
        # WITH CHECK: neither a new row nor a moved row may leave the scope
        with pytest.raises(ProgrammingError, match="row-level security"):
            conn.execute(text("INSERT INTO example_notices (tenant_id, title, body, pinned, created_at, updated_at) "
                              "VALUES (:t, 'smuggled', '', false, now(), now())"), {"t": a})
        conn.rollback()
        visible(conn, str(b))
        with pytest.raises(ProgrammingError, match="row-level security"):
            conn.execute(text("UPDATE example_notices SET tenant_id = :t WHERE id = :i"), {"t": a, "i": mine[b]})
        conn.rollback()
    with open_session(a) as s:
        assert s.get(Notice, mine[a]) is not None and s.get(Notice, mine[b]) is None


@pytest.mark.parametrize("method,path", [
    ("get", "/t/wangyuehu/"),
    ("get", "/t/nanhu/"),
    ("get", "/t/wangyuehu/admin/tenants"),
    ("get", "/t/wangyuehu/audit"),
])
def test_street_user_gets_404_outside_its_tenant(client, method, path):
    login(client, "dfh_staff")
    assert getattr(client, method)(path).status_code == 404


def test_ids_of_another_tenant_answer_404_on_pages_and_api(client, api_token):
    nid = _notice("dongfanghong", "only for dongfanghong")
    # nanhu has the example plugin enabled too: its staff must not reach dongfanghong's row
    login(client, "nanhu_admin")
    r = post_form(client, f"/t/nanhu/example/{nid}/delete")
    assert r.status_code == 404
    headers = api_token("nanhu_admin")
    assert client.get(f"/api/t/nanhu/example/notices/{nid}", headers=headers).status_code == 404
    assert client.delete(f"/api/t/nanhu/example/notices/{nid}", headers=headers).status_code == 404
    assert client.get(f"/api/t/dongfanghong/example/notices/{nid}", headers=headers).status_code == 404
    with open_session(tenant_id("dongfanghong")) as s:
        assert s.get(Notice, nid) is not None


def test_district_admin_reaches_streets_not_sibling_district(client):
    login(client, "yuelu_admin")
    assert client.get("/t/dongfanghong/").status_code == 200
    assert client.get("/t/wangyuehu/admin/tenants").status_code == 200
    assert client.get("/t/nanhu/").status_code == 404
    assert client.get("/t/changsha/").status_code == 404  # a role reaches down, never up
    page = client.get("/t/yuelu/admin/tenants").text
    assert "东方红街道" in page and "南湖新区" not in page
    other = tenant_id("nanhu")
    assert client.get(f"/t/yuelu/admin/tenants/{other}/plugins").status_code == 404
