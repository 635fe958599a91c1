"""The program's data migrations on SQLite and PostgreSQL, with one upgrade / downgrade for all:
dongfanghong_0004 moves the member profiles (管理层 / 业务骨干 / 职务) from their side table onto the
registry's extra fields (members.extra) and back; dongfanghong_0006 turns the 联组's free-text
linked community party orgs into references, keeping every name it cannot match (DFH-1)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import create_engine, inspect

from core import migrate
from core.plugins import registry
from tests.test_migrations import empty_url  # noqa: F401  (the fixture)

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _links_fixture(conn, meta, engine, stamp) -> None:
    party_orgs, clusters = (sa.Table(n, meta, autoload_with=engine) for n in ("party_orgs", "clusters"))
    po = {"org_type": "committee", "formation_mode": "single", "secretary_name": "", "is_weak": False,
          "is_model": False, "dissolved_reason": "", "extra": {}, **stamp}
    conn.execute(party_orgs.insert(), [
        {**po, "id": 1, "tenant_id": 1, "name": "甲社区党委"}, {**po, "id": 2, "tenant_id": 2, "name": "乙社区党委"},
        {**po, "id": 3, "tenant_id": 1, "name": "丙社区党委"}, {**po, "id": 4, "tenant_id": 2, "name": "丙社区党委"},
        {**po, "id": 5, "tenant_id": 3, "name": "丁社区党委"}])
    common = {"area": "", "description": "", **stamp}
    conn.execute(clusters.insert(), [
        {**common, "id": 1, "tenant_id": 1, "cluster_type": "dongfanghong.joint_group", "name": "第一联组",
         "attributes": {"community_party_orgs": "甲社区党委、乙社区党委，丙社区党委、丁社区党委", "venue": "活动室"}},
        {**common, "id": 2, "tenant_id": 1, "cluster_type": "dongfanghong.joint_group", "name": "第二联组",
         "attributes": {"venue": "会议室"}},
        {**common, "id": 3, "tenant_id": 1, "cluster_type": "other.type", "name": "别的组团",
         "attributes": {"community_party_orgs": "甲社区党委"}}])


def test_profiles_and_group_links_migrate_and_back(empty_url):  # noqa: F811
    registry().pm.hook.register_models()
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "dongfanghong_0003")
    engine = create_engine(empty_url)
    assert "dongfanghong_member_profiles" in inspect(engine).get_table_names()
    meta = sa.MetaData()
    tenants = sa.Table("tenants", meta, autoload_with=engine)
    members = sa.Table("members", meta, autoload_with=engine)
    clusters = sa.Table("clusters", meta, autoload_with=engine)
    profiles = sa.Table("dongfanghong_member_profiles", meta, autoload_with=engine)
    stamp = {"created_at": NOW, "updated_at": NOW}
    with engine.begin() as conn:
        conn.execute(tenants.insert(), [
            {"id": 1, "slug": "mig-street", "name": "迁移测试街道", "level": "street", "parent_id": None, "terms": {},
             **stamp},
            {"id": 2, "slug": "mig-comm", "name": "迁移社区", "level": "community", "parent_id": 1, "terms": {}, **stamp},
            {"id": 3, "slug": "mig-other", "name": "别的街道", "level": "street", "parent_id": None, "terms": {},
             **stamp}])
        common = {"tenant_id": 1, "gender": "", "ethnicity": "汉族", "education": "", "status": "full",
                  "position": "", "mobile": "", "mobile_counterpart": "", "transfer_rule": "", "transfer_state": "",
                  "lost_contact": False, "points": 0, **stamp}
        conn.execute(members.insert(), [{**common, "id": 1, "name": "甲", "extra": {"other.kept": 1}},
                                        {**common, "id": 2, "name": "乙", "extra": {}},
                                        {**common, "id": 3, "name": "丙", "extra": {}}])
        conn.execute(profiles.insert(), [
            {"id": 1, "tenant_id": 1, "member_id": 1, "is_manager": True, "is_backbone": False,
             "job_title": "总经理", **stamp},
            {"id": 2, "tenant_id": 1, "member_id": 2, "is_manager": False, "is_backbone": True,
             "job_title": "", **stamp}])
        _links_fixture(conn, meta, engine, stamp)
    migrate.upgrade(empty_url)
    assert "dongfanghong_member_profiles" not in inspect(engine).get_table_names()
    links = sa.Table("dongfanghong_group_links", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        extra = dict(conn.execute(sa.select(members.c.id, members.c.extra)).all())
        rows = conn.execute(sa.select(links.c.cluster_id, links.c.party_org_id, links.c.party_org_tenant_id,
                                      links.c.name, links.c.tenant_id).order_by(links.c.id)).all()
        attrs = dict(conn.execute(sa.select(clusters.c.id, clusters.c.attributes)).all())
    assert extra == {1: {"other.kept": 1, "dongfanghong.is_manager": True, "dongfanghong.job_title": "总经理"},
                     2: {"dongfanghong.is_backbone": True}, 3: {}}
    # names matched in the street and its community become references; an ambiguous name (two
    # 丙社区党委) and another street's party org are kept as unmatched rows — every name stays
    assert [tuple(r) for r in rows] == [(1, 1, 1, "甲社区党委", 1), (1, 2, 2, "乙社区党委", 1),
                                        (1, None, None, "丙社区党委", 1), (1, None, None, "丁社区党委", 1)]
    assert attrs == {1: {"venue": "活动室"}, 2: {"venue": "会议室"}, 3: {"community_party_orgs": "甲社区党委"}}
    migrate.downgrade(empty_url, "dongfanghong_0003")
    with engine.connect() as conn:
        back = {r.member_id: (r.is_manager, r.is_backbone, r.job_title)
                for r in conn.execute(sa.select(profiles)).all()}
        extra = dict(conn.execute(sa.select(members.c.id, members.c.extra)).all())
        attrs = dict(conn.execute(sa.select(clusters.c.id, clusters.c.attributes)).all())
    assert back == {1: (True, False, "总经理"), 2: (False, True, "")}
    assert extra == {1: {"other.kept": 1}, 2: {}, 3: {}}
    assert attrs[1] == {"venue": "活动室", "community_party_orgs": "甲社区党委、乙社区党委、丙社区党委、丁社区党委"}
    assert attrs[2] == {"venue": "会议室"}
    engine.dispose()
