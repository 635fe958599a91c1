"""dongfanghong_0004: the member profiles (管理层 / 业务骨干 / 职务) move from their side table onto
the registry's extra fields (members.extra) and back on downgrade — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import create_engine, inspect

from core import migrate
from core.plugins import registry
from tests.test_migrations import empty_url  # noqa: F401  (the fixture)

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def test_profiles_move_onto_extra_fields_and_back(empty_url):  # noqa: F811
    registry().pm.hook.register_models()
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "dongfanghong_0003")
    engine = create_engine(empty_url)
    assert "dongfanghong_member_profiles" in inspect(engine).get_table_names()
    meta = sa.MetaData()
    tenants = sa.Table("tenants", meta, autoload_with=engine)
    members = sa.Table("members", meta, autoload_with=engine)
    profiles = sa.Table("dongfanghong_member_profiles", meta, autoload_with=engine)
    with engine.begin() as conn:
        conn.execute(tenants.insert().values(id=1, slug="mig-street", name="迁移测试街道", level="street", terms={},
                                             created_at=NOW, updated_at=NOW))
        common = {"tenant_id": 1, "gender": "", "ethnicity": "汉族", "education": "", "status": "full",
                  "position": "", "mobile": "", "mobile_counterpart": "", "transfer_rule": "", "transfer_state": "",
                  "lost_contact": False, "points": 0, "created_at": NOW, "updated_at": NOW}
        conn.execute(members.insert(), [{**common, "id": 1, "name": "甲", "extra": {"other.kept": 1}},
                                        {**common, "id": 2, "name": "乙", "extra": {}},
                                        {**common, "id": 3, "name": "丙", "extra": {}}])
        conn.execute(profiles.insert(), [
            {"id": 1, "tenant_id": 1, "member_id": 1, "is_manager": True, "is_backbone": False,
             "job_title": "总经理", "created_at": NOW, "updated_at": NOW},
            {"id": 2, "tenant_id": 1, "member_id": 2, "is_manager": False, "is_backbone": True,
             "job_title": "", "created_at": NOW, "updated_at": NOW}])
    migrate.upgrade(empty_url)
    assert "dongfanghong_member_profiles" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        extra = dict(conn.execute(sa.select(members.c.id, members.c.extra)).all())
    assert extra == {1: {"other.kept": 1, "dongfanghong.is_manager": True, "dongfanghong.job_title": "总经理"},
                     2: {"dongfanghong.is_backbone": True}, 3: {}}
    migrate.downgrade(empty_url, "dongfanghong_0003")
    with engine.connect() as conn:
        back = {r.member_id: (r.is_manager, r.is_backbone, r.job_title)
                for r in conn.execute(sa.select(profiles)).all()}
        extra = dict(conn.execute(sa.select(members.c.id, members.c.extra)).all())
    assert back == {1: (True, False, "总经理"), 2: (False, True, "")}
    assert extra == {1: {"other.kept": 1}, 2: {}, 3: {}}
    engine.dispose()
