"""nanhu_0002: 清廉民企 creations move from the program's table onto the designations block and back
on downgrade, every row kept — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import create_engine, inspect

from core import migrate
from core.plugins import registry
from tests.test_migrations import empty_url  # noqa: F401  (the fixture)

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
D = dt.date


def test_clean_enterprises_move_onto_designations_and_back(empty_url):  # noqa: F811
    registry().pm.hook.register_models()
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "nanhu_0001")
    engine = create_engine(empty_url)
    from core.models import Tenant
    from core.registry.models import Organization

    meta = sa.MetaData()
    tenants, orgs = Tenant.__table__, Organization.__table__  # Core inserts fill the models' defaults
    clean = sa.Table("nanhu_clean_enterprises", meta, autoload_with=engine)
    designations = sa.Table("designations_designations", meta, autoload_with=engine)
    with engine.begin() as conn:
        conn.execute(tenants.insert().values(id=1, slug="mig-district", name="迁移测试区", level="district"))
        conn.execute(orgs.insert(), [{"id": i, "tenant_id": 1, "name": f"迁移企业{i}", "kind": "enterprise"}
                                     for i in (1, 2, 3)])
        rows = [
            {"id": 7, "organization_id": 1, "status": "creating", "started_on": D(2025, 9, 1), "charter_clause": False,
             "charter_text": "", "charter_evidence": "", "accepted_on": None, "note": "正在修订章程"},
            {"id": 8, "organization_id": 2, "status": "accepted", "started_on": D(2025, 3, 1), "charter_clause": True,
             "charter_text": "严禁商业贿赂", "charter_evidence": "2025年第1次股东会决议", "accepted_on": D(2025, 5, 20),
             "note": ""},
            {"id": 9, "organization_id": 3, "status": "withdrawn", "started_on": D(2025, 4, 1), "charter_clause": True,
             "charter_text": "廉洁承诺", "charter_evidence": "", "accepted_on": None, "note": "企业停业"},
        ]
        conn.execute(clean.insert(), [{**r, "tenant_id": 1, "created_at": NOW, "updated_at": NOW} for r in rows])
    migrate.upgrade(empty_url)
    assert "nanhu_clean_enterprises" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        moved = {r.subject_id: r for r in conn.execute(sa.select(designations).where(
            designations.c.kind == "nanhu.clean_enterprise")).all()}
    assert {k: (r.status, r.awarded_on, r.expires_on, r.source_key) for k, r in moved.items()} == {
        1: ("applied", D(2025, 9, 1), None, "nanhu.clean:7"),
        2: ("active", D(2025, 5, 20), D(2027, 5, 20), "nanhu.clean:8"),
        3: ("returned", D(2025, 4, 1), None, "nanhu.clean:9")}
    assert "严禁商业贿赂" in moved[2].basis and "2025年第1次股东会决议" in moved[2].basis
    assert moved[2].reviewed_on == D(2025, 5, 20) and moved[3].review_note == "撤销创建：企业停业"
    assert moved[1].subject_name == "迁移企业1" and "正在修订章程" in moved[1].basis
    migrate.downgrade(empty_url, "nanhu_0001")
    with engine.connect() as conn:
        back = {r.id: r for r in conn.execute(sa.select(clean)).all()}
        left = conn.execute(sa.select(sa.func.count()).select_from(designations)).scalar()
    assert left == 0
    assert sorted((r.organization_id, r.status, r.started_on, r.charter_clause, r.charter_text, r.charter_evidence,
                   r.accepted_on, r.note) for r in back.values()) == [
        (1, "creating", D(2025, 9, 1), False, "", "", None, "正在修订章程"),
        (2, "accepted", D(2025, 3, 1), True, "严禁商业贿赂", "2025年第1次股东会决议", D(2025, 5, 20), ""),
        (3, "withdrawn", D(2025, 4, 1), True, "廉洁承诺", "", None, "企业停业")]
    engine.dispose()
