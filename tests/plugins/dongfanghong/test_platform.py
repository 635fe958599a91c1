"""DFH-1 on fixed data: a 联组's linked community party orgs are references to party orgs of the
street or its community tenants (the former free text migrated by name, what did not match kept
and shown); the 两新综合党委's make-up and the 驻街部门/单位 with their duties (units block)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import create_engine, select

from core import migrate
from core.db import scoped_session
from core.plugins import registry
from core.registry.models import PartyOrg
from core.registry.services import clusters as cl
from plugins.dongfanghong import platform
from plugins.dongfanghong.models import GroupLink
from tests.helpers import login, post_form, text_of
from tests.test_migrations import empty_url  # noqa: F401  (the fixture)
from tests.worlds import make_tenants

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def test_links_are_references_to_street_and_community_party_orgs(world, groups, client):
    street = world.street
    community = make_tenants("dfhc", [("c", "甲社区", "community", street.slug)])["c"]
    with scoped_session(community.id) as s:
        s.info["username"] = "test"
        there = PartyOrg(name="乙社区党委", org_type="committee")
        s.add(there)
        s.flush()
        there_id = there.id
    with scoped_session(street.id) as s:
        s.info["username"] = "test"
        here = PartyOrg(name="甲社区党委", org_type="committee")
        s.add(here)
        s.flush()
        here_id = here.id
        s.add(GroupLink(cluster_id=groups[0], party_org_id=None, name="旧写法社区党委"))  # as the migration leaves one
    with scoped_session(world.other.id) as s:
        foreign = s.scalar(select(PartyOrg.id).order_by(PartyOrg.id))
    with scoped_session(street.id, [street.id, community.id]) as lookup:
        options = {o.id: o for o in platform.link_options(lookup, street.id)}
        assert here_id in options and there_id in options and options[there_id].tenant_name == community.name
        assert not set(world.party_orgs) & set(options)  # two-new party orgs are the groups' members, not links
    a = groups[0]
    base = f"/t/{street.slug}/dongfanghong/groups/{a}"
    login(client, world.users["staff"])
    page = client.get(base).text
    assert "联动社区（村）党组织" in page and "旧写法社区党委" in page and "未匹配" in page
    for bad in (world.party_orgs[0], foreign, 99999999):
        r = post_form(client, base + "/links", {"party_org_id": str(bad)})
        assert r.status_code == 422 and "联动党组织：请选择本街道或所辖社区（村）的党组织" in r.text
    assert post_form(client, base + "/links", {"party_org_id": str(there_id)},
                     follow_redirects=False).status_code in (302, 303)
    r = post_form(client, base + "/links", {"party_org_id": str(there_id)})
    assert r.status_code == 422 and "已与本联组联动" in r.text
    with scoped_session(street.id) as s:
        unmatched = s.scalar(select(GroupLink.id).where(GroupLink.cluster_id == a, GroupLink.party_org_id.is_(None)))
    assert post_form(client, base + f"/links/{unmatched}/resolve", {"party_org_id": str(here_id)},
                     follow_redirects=False).status_code in (302, 303)
    with scoped_session(street.id) as s:
        rows = {(r.party_org_id, r.party_org_tenant_id, r.name) for r in s.scalars(
            select(GroupLink).where(GroupLink.cluster_id == a))}
        assert rows == {(there_id, community.id, "乙社区党委"), (here_id, street.id, "甲社区党委")}
    text = text_of(client.get(base).text)
    assert "乙社区党委 " + community.name in text and "未匹配" not in text
    # co-building suggestions come from the links
    assert "乙社区党委" in client.get(f"/t/{street.slug}/dongfanghong/huoshui").text
    # a 组长 of another group: 404; a viewer sees but may not change
    login(client, world.users["leader_b"])
    assert post_form(client, base + "/links", {"party_org_id": str(here_id)}).status_code == 404
    login(client, world.users["viewer"])
    assert post_form(client, base + f"/links/{unmatched}/delete", {}).status_code == 403
    login(client, world.users["staff"])
    assert post_form(client, base + f"/links/{unmatched}/delete", {}, follow_redirects=False).status_code in (302, 303)


def test_committee_make_up_and_units_with_duties(world, client):
    from plugins.units import api as units

    street = world.street
    assert "units" in registry().enabled(street.id)  # the program depends on the units block
    types = cl.cluster_types(street)
    assert platform.COMMITTEE in types and types[platform.COMMITTEE].label == "两新综合党委组成"
    with scoped_session(street.id) as s:
        s.info["username"] = "test"
        unit = units.create_unit(s, street, {"kind": "resident", "name": "辖区派出所", "duties": "协助开展平安企业创建"})
        root = s.scalar(select(PartyOrg).where(PartyOrg.parent_id.is_(None), PartyOrg.name.like("两新综合党委%")))
        c = cl.create_cluster(s, {"name": "街道两新综合党委", "cluster_type": platform.COMMITTEE}, types)
        c.lead_party_org_id = root.id
        cl.add_leader(s, c, {"title": "secretary", "person_name": "周书记"}, types)
        cl.add_leader(s, c, {"title": "member", "person_name": "吴委员"}, types)
        cl.add_member(s, c, {"kind": "units.unit", "ref": str(unit.id)}, types, kinds=cl.member_kinds(street))
        view = platform.committee(s, street)
        assert [l.person_name for l in view.leaders] == ["周书记", "吴委员"]
        assert [u.name for u in view.units] == ["辖区派出所"]
        assert "辖区派出所" in [u.name for u in view.resident_units]
    login(client, world.users["staff"])
    text = text_of(client.get(f"/t/{street.slug}/dongfanghong/").text)
    assert "书记 周书记；委员 吴委员" in text and "辖区派出所 协助开展平安企业创建" in text


def test_migration_turns_free_text_into_references_and_keeps_every_name(empty_url):  # noqa: F811
    registry().pm.hook.register_models()
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "dongfanghong_0005")
    engine = create_engine(empty_url)
    meta = sa.MetaData()
    tenants, party_orgs, clusters = (sa.Table(n, meta, autoload_with=engine)
                                     for n in ("tenants", "party_orgs", "clusters"))
    stamp = {"created_at": NOW, "updated_at": NOW}
    po = {"org_type": "committee", "formation_mode": "single", "secretary_name": "", "is_weak": False,
          "is_model": False, "dissolved_reason": "", "extra": {}, **stamp}
    with engine.begin() as conn:
        conn.execute(tenants.insert(), [
            {"id": 1, "slug": "mig-street", "name": "迁移街道", "level": "street", "parent_id": None, "terms": {}, **stamp},
            {"id": 2, "slug": "mig-comm", "name": "迁移社区", "level": "community", "parent_id": 1, "terms": {}, **stamp},
            {"id": 3, "slug": "mig-other", "name": "别的街道", "level": "street", "parent_id": None, "terms": {},
             **stamp}])
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
    migrate.upgrade(empty_url)
    links = sa.Table("dongfanghong_group_links", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(links.c.cluster_id, links.c.party_org_id, links.c.party_org_tenant_id,
                                      links.c.name, links.c.tenant_id).order_by(links.c.id)).all()
        attrs = dict(conn.execute(sa.select(clusters.c.id, clusters.c.attributes)).all())
    # matched by name in the street and its community; ambiguous and foreign names kept, unmatched
    assert [tuple(r) for r in rows] == [(1, 1, 1, "甲社区党委", 1), (1, 2, 2, "乙社区党委", 1),
                                        (1, None, None, "丙社区党委", 1), (1, None, None, "丁社区党委", 1)]
    assert attrs == {1: {"venue": "活动室"}, 2: {"venue": "会议室"}, 3: {"community_party_orgs": "甲社区党委"}}
    migrate.downgrade(empty_url, "dongfanghong_0005")
    with engine.connect() as conn:
        attrs = dict(conn.execute(sa.select(clusters.c.id, clusters.c.attributes)).all())
    assert attrs[1] == {"venue": "活动室", "community_party_orgs": "甲社区党委、乙社区党委、丙社区党委、丁社区党委"}
    assert attrs[2] == {"venue": "会议室"}
    engine.dispose()
