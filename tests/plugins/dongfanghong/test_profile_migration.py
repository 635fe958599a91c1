"""The program's data migrations on SQLite and PostgreSQL, each test one upgrade / downgrade cycle:
dongfanghong_0004 moves the member profiles (管理层 / 业务骨干 / 职务) from their side table onto the
registry's extra fields (members.extra) and back; dongfanghong_0006 turns the 联组's free-text
linked community party orgs into references, keeping every name it cannot match (DFH-1);
dongfanghong_0007 turns every venue acceptance row into a checklist of the checklists block,
dongfanghong_0008 moves the dues handed in to the membership block's 党费上缴 records,
dongfanghong_0009 / 0010 link butlers and nominees to records — and all come back on downgrade."""

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


def _filled(table: sa.Table, values: dict) -> dict:
    """``values`` with a plain value for every other NOT NULL column without a server default."""
    out = dict(values)
    for c in table.c:
        if c.name in out or c.nullable or c.server_default is not None:
            continue
        t = c.type.python_type if not isinstance(c.type, sa.JSON) else dict
        out[c.name] = {str: "", int: 0, bool: False, dict: {}, dt.date: dt.date(2020, 1, 1),
                       dt.datetime: NOW}.get(t, "")
    return out


def test_venues_dues_butlers_and_nominees_migrate_and_back(empty_url):  # noqa: F811
    registry().pm.hook.register_models()
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "dongfanghong_0003")
    engine = create_engine(empty_url)
    assert "dongfanghong_member_profiles" in inspect(engine).get_table_names()
    meta = sa.MetaData()
    tenants = sa.Table("tenants", meta, autoload_with=engine)
    members = sa.Table("members", meta, autoload_with=engine)
    profiles = sa.Table("dongfanghong_member_profiles", meta, autoload_with=engine)
    party_orgs = sa.Table("party_orgs", meta, autoload_with=engine)
    venue_checks = sa.Table("dongfanghong_venue_checks", meta, autoload_with=engine)
    dues = sa.Table("dongfanghong_dues", meta, autoload_with=engine)
    butlers = sa.Table("dongfanghong_butlers", meta, autoload_with=engine)
    instructors = sa.Table("instructors", meta, autoload_with=engine)
    users = sa.Table("users", meta, autoload_with=engine)
    rules = sa.Table("casbin_rule", meta, autoload_with=engine)
    nominations = sa.Table("dongfanghong_nominations", meta, autoload_with=engine)
    d = dt.date
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
        conn.execute(party_orgs.insert(), [_filled(party_orgs, {"id": i, "tenant_id": 1, "name": f"迁移党支部{i}",
                                                                "org_type": "branch"}) for i in (1, 2)])
        venue_rows = [
            {"id": 1, "party_org_id": 1, "target_class": 3, "applied_on": d(2025, 3, 1), "status": "passed",
             "decided_on": d(2025, 4, 1), "inspector": "街道党建办", "note": "达到三类标准"},
            {"id": 2, "party_org_id": 1, "target_class": 2, "applied_on": d(2026, 2, 1), "status": "failed",
             "decided_on": d(2026, 3, 1), "inspector": "区委两新工委", "note": "制度未上墙"},
            {"id": 3, "party_org_id": 2, "target_class": 3, "applied_on": d(2026, 5, 1), "status": "applied",
             "decided_on": None, "inspector": "", "note": "已完成改造"}]
        conn.execute(venue_checks.insert(), [{**r, "tenant_id": 1, "created_at": NOW, "updated_at": NOW}
                                             for r in venue_rows])
        conn.execute(instructors.insert(), [_filled(instructors, {"id": 1, "tenant_id": 1, "name": "黄指导",
                                                                  "created_at": NOW, "updated_at": NOW})])
        conn.execute(users.insert(), [_filled(users, {"id": 9001, "username": "mig_u", "display_name": "王用户",
                                                      "created_at": NOW, "updated_at": NOW})])
        conn.execute(rules.insert(), [_filled(rules, {"ptype": "g", "v0": "9001", "v1": "staff", "v2": "1"})])
        conn.execute(butlers.insert(), [_filled(butlers, {"id": i, "tenant_id": 1, "name": n, "role": "liaison",
                                                          "created_at": NOW, "updated_at": NOW})
                                        for i, n in ((1, "甲"), (2, "黄指导"), (3, "王用户"), (4, "无此人"))])
        conn.execute(nominations.insert(), [
            _filled(nominations, {"id": i, "tenant_id": 1, "category": c, "nominee": n, "reason": "事迹",
                                  "status": "proposed", "created_at": NOW, "updated_at": NOW})
            for i, c, n in ((1, "member", "甲"), (2, "worker", "黄指导"), (3, "entrepreneur", "某老板"),
                            (4, "member", "查无此人"))])
        dues_rows = [(1, 2025, 36050, "足额"), (1, 2026, 12000, ""), (2, 2026, 4800, "补登")]
        conn.execute(dues.insert(), [{"tenant_id": 1, "party_org_id": po, "year": y, "amount_fen": a, "note": n,
                                      "created_at": NOW, "updated_at": NOW} for po, y, a, n in dues_rows])
    migrate.upgrade(empty_url)
    assert "dongfanghong_member_profiles" not in inspect(engine).get_table_names()
    assert not {"dongfanghong_venue_checks", "dongfanghong_dues"} & set(inspect(engine).get_table_names())
    remittances = sa.Table("membership_dues_remittances", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        moved = {(r.party_org_id, r.year, r.amount_fen, r.note)
                 for r in conn.execute(sa.select(remittances).where(remittances.c.tenant_id == 1)).all()}
    assert moved == set(dues_rows)
    linked = sa.Table("dongfanghong_butlers", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        people = {r.name: (r.person_kind, r.person_id) for r in conn.execute(sa.select(linked)).all()}
    # matched to a member, an instructor, a user with a role in the tenant; the unmatched one kept, unlinked
    assert people == {"甲": ("member", 1), "黄指导": ("instructor", 1), "王用户": ("user", 9001), "无此人": ("", None)}
    named = sa.Table("dongfanghong_nominations", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        nominees = {r.id: (r.nominee, r.nominee_kind, r.nominee_id) for r in conn.execute(sa.select(named)).all()}
    assert nominees == {1: ("甲", "member", 1), 2: ("黄指导", "instructor", 1), 3: ("某老板", "", None),
                        4: ("查无此人", "", None)}
    checklists = sa.Table("checklists_checklists", sa.MetaData(), autoload_with=engine)
    items = sa.Table("checklists_items", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        got = {(c.subject_id, c.template_key, c.opened_on, c.status, c.decided_on, c.decided_by, c.na_allowed,
                c.subject_name) for c in conn.execute(sa.select(checklists)).all()}
        item_rows = {(i.status, i.label, i.note) for i in conn.execute(sa.select(items)).all()}
    assert got == {(1, "dongfanghong.venue_3", d(2025, 3, 1), "passed", d(2025, 4, 1), "街道党建办", False, "迁移党支部1"),
                   (1, "dongfanghong.venue_2", d(2026, 2, 1), "failed", d(2026, 3, 1), "区委两新工委", False, "迁移党支部1"),
                   (2, "dongfanghong.venue_3", d(2026, 5, 1), "open", None, "", False, "迁移党支部2")}
    label = "阵地验收（迁移前的验收记录）"
    assert item_rows == {("done", label, ""), ("failed", label, "制度未上墙"), ("pending", label, "")}
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
    with engine.connect() as conn:
        venues_back = {(r.party_org_id, r.target_class, r.applied_on, r.status, r.decided_on, r.inspector, r.note)
                       for r in conn.execute(sa.select(venue_checks)).all()}
        assert conn.execute(sa.select(sa.func.count()).select_from(checklists)).scalar() == 0
        assert sorted(conn.execute(sa.select(butlers.c.name)).scalars()) == sorted(["甲", "黄指导", "王用户", "无此人"])
        assert conn.execute(sa.select(sa.func.count()).select_from(nominations)).scalar() == 4
        dues_back = {(r.party_org_id, r.year, r.amount_fen, r.note) for r in conn.execute(sa.select(dues)).all()}
    assert dues_back == set(dues_rows)
    assert venues_back == {(r["party_org_id"], r["target_class"], r["applied_on"], r["status"], r["decided_on"],
                            r["inspector"], r["note"]) for r in venue_rows}
    assert extra == {1: {"other.kept": 1}, 2: {}, 3: {}}
    engine.dispose()
