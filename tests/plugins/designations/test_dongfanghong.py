"""东方红 on the designations block: its 示范性党群活动阵地 kind is proposed by a published
示范阵地评选 round (demo: confirmed and hung), the program's dashboard reads it through the
block's api, and the data migration turns results graded 三个一流 of earlier rounds into
designations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, select, text

from core import migrate
from core.db import open_session
from core.plugins import registry
from core.tenancy import tree
from plugins.designations import api
from tests.helpers import login, text_of
from tests.routes import synthesize_row
from tests.test_migrations import empty_url  # noqa: F401  (fixture)


def test_demo_site_confirmed_in_the_demo_and_on_the_program_dashboard(client):
    t = tree().by_slug["dongfanghong"]
    with open_session(t.id) as s:
        sites = api.in_force(s, dt.date.today(), kind="dongfanghong.demo_site")
        assert sites and all(d.plaque_on and d.source == "assessment" and "三个一流" in d.basis for d in sites)
        assert {k for k in api.kinds(t)} >= {"dongfanghong.demo_site", "designations.red_workshop"}
    login(client, "dfh_staff")
    page = text_of(client.get("/t/dongfanghong/dongfanghong").text)
    assert f"示范性党群活动阵地 {len(sites)} 个" in page
    page = text_of(client.get(f"/t/dongfanghong/party-orgs/{sites[0].subject_id}").text)
    assert "称号与监管黑名单" in page and "示范性党群活动阵地" in page


def test_migration_moves_earlier_demo_site_results_onto_designations(empty_url):  # noqa: F811
    registry().pm.hook.register_models()
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "dongfanghong_0002")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        tid = conn.execute(text("INSERT INTO tenants (slug, name, level, terms, created_at, updated_at) "
                                "VALUES ('mig-dfh', '迁移测试街道', 'street', '{}', :t, :t) RETURNING id"),
                           {"t": dt.datetime.now(dt.timezone.utc)}).scalar_one()
        conn.execute(text("INSERT INTO tenant_plugins (tenant_id, plugin, enabled, settings, version, created_at, "
                          "updated_at) VALUES (:i, 'dongfanghong', true, :s, '', :t, :t)"),
                     {"i": tid, "s": '{"demo_site_validity_months": 12}', "t": dt.datetime.now(dt.timezone.utc)})
        rnd = synthesize_row(conn, "assessment_rounds", tid, user_id=None)
        conn.execute(text("UPDATE assessment_rounds SET template_key = 'dongfanghong.demo_site', state = 'published', "
                          "title = '2025年度示范性党群活动阵地评选', published_at = :p WHERE id = :r"),
                     {"p": dt.datetime(2026, 1, 15, 2, tzinfo=dt.timezone.utc), "r": rnd["id"]})
        for target, grade, rank in ((501, "三个一流", 1), (502, "达标", 2)):
            sheet = synthesize_row(conn, "assessment_sheets", tid, user_id=None)
            conn.execute(text("UPDATE assessment_sheets SET round_id = :r, target_kind = 'party_org', target_id = :t, "
                              "target_name = :n, grade = :g, rank = :k WHERE id = :i"),
                         {"r": rnd["id"], "t": target, "n": f"测试党支部{target}", "g": grade, "k": rank,
                          "i": sheet["id"]})
    migrate.upgrade(empty_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, subject_kind, subject_id, status, awarded_on, expires_on, source, "
                                 "source_key FROM designations_designations WHERE tenant_id = :i"), {"i": tid}).all()
    assert len(rows) == 1
    kind, subject_kind, subject_id, status, awarded, expires, source, key = rows[0]
    assert (kind, subject_kind, subject_id, status, source) == ("dongfanghong.demo_site", "party_org", 501, "active",
                                                                 "migration")
    assert str(awarded)[:10] == "2026-01-15" and str(expires)[:10] == "2027-01-15"
    assert key == f"assessment:{rnd['id']}:dongfanghong.demo_site:party_org:501"
    migrate.downgrade(empty_url, "dongfanghong_0002")
    with engine.connect() as conn:
        assert conn.execute(select(text("count(*)")).select_from(text("designations_designations"))).scalar() == 0
    engine.dispose()
