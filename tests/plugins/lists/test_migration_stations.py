"""lists_0002: service stations with existing rows move to the sites block (kind lists.station)
and the demands taken at them follow; the downgrade puts them back. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile

import pytest
import sqlalchemy as sa

from core import migrate
from core.plugins import registry
from tests.conftest import BACKEND, PG_ADMIN_URL

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def empty_url(database):
    if BACKEND == "postgresql":
        import psycopg
        from sqlalchemy.engine import make_url

        name = f"liandong_mig_{secrets.token_hex(4)}"
        admin = psycopg.connect(PG_ADMIN_URL.replace("+psycopg", ""), autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    else:
        yield f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'mig.db')}"


def _dummy(col: sa.Column):
    t = col.type
    if isinstance(t, sa.Boolean):
        return False
    if isinstance(t, (sa.Integer, sa.BigInteger)):
        return 0
    if isinstance(t, sa.DateTime):
        return NOW
    if isinstance(t, sa.Date):
        return NOW.date()
    if isinstance(t, sa.JSON):
        return {}
    return "x"


def _insert(conn, table: str, **values) -> int:
    """Insert a row with ``values`` and a dummy for every other NOT NULL column."""
    t = sa.Table(table, sa.MetaData(), autoload_with=conn)
    row = {c.name: _dummy(c) for c in t.columns
           if not c.nullable and not c.primary_key and c.server_default is None and c.name not in values}
    row.update(values)
    return conn.execute(t.insert().values(**row).returning(t.c.id)).scalar_one()


def _rows(conn, sql: str, **params) -> list:
    return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def test_stations_move_to_sites_and_back(empty_url):
    registry().pm.hook.register_models()
    migrate.upgrade(empty_url, "lists@lists_0001")
    migrate.upgrade(empty_url, "sites@sites_0001")
    engine = sa.create_engine(empty_url)
    with engine.begin() as conn:
        t1 = _insert(conn, "tenants", slug="mig-a", name="迁移甲街道", level="street", parent_id=None)
        t2 = _insert(conn, "tenants", slug="mig-b", name="迁移乙街道", level="street", parent_id=None)
        # a site that exists already (sites enabled earlier): ids of both tables overlap
        other = _insert(conn, "sites_sites", tenant_id=t1, kind="sites.red_station", name="红色驿站", grade="",
                        created_at=NOW, updated_at=NOW, manager_id=None, opened_on=None)
        s1 = _insert(conn, "lists_stations", tenant_id=t1, name="街道工作服务站", level="street", community="",
                     address="一楼", active=True, created_at=NOW, updated_at=NOW)
        s2 = _insert(conn, "lists_stations", tenant_id=t1, name="桃花岭社区工作服务站", level="community",
                     community="桃花岭社区", address="", active=False, created_at=NOW, updated_at=NOW)
        s3 = _insert(conn, "lists_stations", tenant_id=t2, name="街道工作服务站", level="street", community="",
                     address="", active=True, created_at=NOW, updated_at=NOW)
        demand = {}
        for key, tid, station in (("d1", t1, s1), ("d2", t1, s2), ("d3", t2, s3), ("d4", t1, None)):
            demand[key] = _insert(conn, "lists_demands", **_demand(conn, tid, station, key))
    migrate.upgrade(empty_url)
    with engine.connect() as conn:
        assert "lists_stations" not in sa.inspect(conn).get_table_names()
        sites = {(r[0], r[1]): r for r in _rows(conn, "SELECT tenant_id, name, id, grade, community, address, active "
                                                       "FROM sites_sites WHERE kind = 'lists.station'")}
        assert set(sites) == {(t1, "街道工作服务站"), (t1, "桃花岭社区工作服务站"), (t2, "街道工作服务站")}
        assert sites[(t1, "桃花岭社区工作服务站")][3:] == ("community", "桃花岭社区", "", False)
        assert sites[(t1, "街道工作服务站")][3:6] == ("street", "", "一楼")
        station_of = dict(_rows(conn, "SELECT title, station_id FROM lists_demands"))
        assert station_of == {"d1": sites[(t1, "街道工作服务站")][2], "d2": sites[(t1, "桃花岭社区工作服务站")][2],
                              "d3": sites[(t2, "街道工作服务站")][2], "d4": None}
        assert _rows(conn, "SELECT name FROM sites_sites WHERE id = :i", i=other) == [("红色驿站",)]
        fks = sa.inspect(conn).get_foreign_keys("lists_demands")
        assert any(fk["referred_table"] == "sites_sites" and fk["constrained_columns"] == ["station_id"] for fk in fks)
    migrate.downgrade(empty_url, "lists@lists_0001")
    with engine.connect() as conn:
        stations = {(r[0], r[1]): r for r in _rows(conn, "SELECT tenant_id, name, id, level, community, address, "
                                                          "active FROM lists_stations")}
        assert set(stations) == {(t1, "街道工作服务站"), (t1, "桃花岭社区工作服务站"), (t2, "街道工作服务站")}
        assert stations[(t1, "桃花岭社区工作服务站")][3:] == ("community", "桃花岭社区", "", False)
        station_of = dict(_rows(conn, "SELECT title, station_id FROM lists_demands"))
        assert station_of == {"d1": stations[(t1, "街道工作服务站")][2],
                              "d2": stations[(t1, "桃花岭社区工作服务站")][2],
                              "d3": stations[(t2, "街道工作服务站")][2], "d4": None}
        assert _rows(conn, "SELECT kind, name FROM sites_sites") == [("sites.red_station", "红色驿站")]
    migrate.upgrade(empty_url)
    engine.dispose()


def _demand(conn, tenant_id: int, station_id: int | None, title: str) -> dict:
    return {"tenant_id": tenant_id, "station_id": station_id, "organization_id": None, "submitted_by_id": None,
            "rated_by_id": None, "rating": None, "accepted_on": None, "resolved_on": None, "title": title,
            "channel": "station" if station_id else "staff", "submitted_on": NOW.date(), "due_on": NOW.date(),
            "created_at": NOW, "updated_at": NOW}
