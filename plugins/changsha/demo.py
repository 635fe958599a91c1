"""Demo rows of the changsha program for a tenant that enabled it (idempotent per row,
deterministic for a given day). All names are invented demo data.

Each tenant gets 楼宇商圈党建点 in different states — all three sides or one missing, a 党群服务中心
with all three services or not, a 三项保障 checklist passed, part-way or not started, 提质升级
pending, under way or done — a little of the 三张清单, the census of the nine groups, associations
with and without a party org, and 红色之家. The city (市直) also gets two platform enterprises,
one with its HQ in 长沙 and one with its HQ elsewhere, each with a branch that has no party org.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.registry.models import (
    Cluster,
    ClusterLeader,
    ClusterMember,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
)
from core.tenancy import TenantInfo
from plugins.changsha import program
from plugins.changsha import service as svc
from plugins.changsha.models import Association, GroupCensus, Platform, PlatformUnit, Point

PDF = b"%PDF-1.4\n% demo evidence\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

#: per tenant: (cluster type, name, existing, status, sides present, services of the centre, guarantees done)
POINTS = {
    "changsha": [
        ("changsha.building", "湘江金融中心（演示）楼宇党建点", True, "upgraded", 3, 3, 3),
        ("changsha.circle", "五一商圈（演示）党建点", True, "upgrading", 3, 3, 2),
        ("changsha.incubator", "星城创客汇（演示）孵化平台党建点", False, "building", 2, 2, 0),
    ],
    "yuelu": [
        ("changsha.building", "梅溪湖金茂大厦（演示）楼宇党建点", True, "upgraded", 3, 3, 3),
        ("changsha.circle", "洋湖商圈（演示）党建点", True, "upgrading", 3, 2, 1),
        ("changsha.market", "岳麓科创专业园（演示）党建点", True, "pending", 2, 0, 0),
        ("changsha.town", "后湖艺术小镇（演示）党建点", True, "pending", 3, 3, 2),
        ("changsha.incubator", "麓谷青创孵化器（演示）党建点", False, "built", 3, 3, 3),
    ],
    "furong": [
        ("changsha.circle", "芙蓉广场商圈（演示）党建点", True, "upgrading", 3, 3, 2),
        ("changsha.building", "芙蓉国际大厦（演示）楼宇党建点", True, "pending", 1, 0, 0),
    ],
    "dingwangtai": [
        ("changsha.building", "定王台科技大厦（演示）楼宇党建点", True, "upgraded", 3, 3, 3),
        ("changsha.market", "定王台书市（演示）专业市场党建点", True, "upgrading", 3, 2, 1),
        ("changsha.circle", "浏城桥商圈（演示）党建点", True, "pending", 2, 3, 0),
        ("changsha.town", "马王街文创小镇（演示）党建点", False, "building", 3, 1, 0),
    ],
}
SIDE_PEOPLE = {"operator": ("物业经理", "运营总监", "招商主管"), "enterprise": ("企业党支部书记", "入驻企业负责人"),
               "department": ("街道两新专干", "市场监管所所长", "社区书记")}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("建国", "丽华", "志强", "晓红", "海燕", "文斌", "小军", "慧敏", "国平", "秀英", "立新", "春梅")
#: headcounts per group for a street-sized tenant (scaled by level)
CENSUS = {"courier": (420, 18), "delivery": (680, 21), "ride_hailing": (350, 16), "truck": (260, 14),
          "new_media": (150, 12), "streamer": (90, 3), "e_shop": (300, 9), "housekeeping": (210, 4), "writer": (25, 2)}
SCALE = {"city": 3, "district": 2, "street": 1}
DEPARTMENTS = (("交通运输局", ("courier", "ride_hailing", "truck")), ("网信办", ("new_media", "streamer")),
               ("市场监督管理局", ("delivery", "e_shop", "housekeeping")))


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def load(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> None:
    today = today or clock.today()
    rng = random.Random(f"changsha-{tenant.slug}")
    orgs = list(session.scalars(select(Organization).where(Organization.status == "operating")
                                .order_by(Organization.id)))
    _points(session, tenant, orgs, rng, today)
    _census(session, tenant, today)
    _associations(session, tenant, rng, today)
    _homes(session, tenant)
    if tenant.level == "city":
        _platforms(session, tenant, today)
    _qianqi(session, tenant, [o for o in orgs if o.kind == "enterprise"], today)
    _cobuild(session, tenant, today)
    session.flush()
    if tenant.level == "street":
        _chain(session, tenant, today)


def _points(session: Session, tenant: TenantInfo, orgs: list[Organization], rng: random.Random,
            today: dt.date) -> None:
    from plugins.checklists import api as checklists
    from plugins.sites import api as sites

    enterprises = [o for o in orgs if o.kind == "enterprise"]
    for i, (kind, name, existing, status, n_sides, n_services, n_done) in enumerate(POINTS.get(tenant.slug, ())):
        cluster = session.scalar(select(Cluster).where(Cluster.cluster_type == kind, Cluster.name == name))
        if cluster is not None:
            continue
        start = today - dt.timedelta(days=400 + 30 * i)
        cluster = Cluster(cluster_type=kind, name=name, area=tenant.name, description="演示数据",
                          attributes={"address": f"{tenant.name}演示路{i + 1}号", "operator_name": f"{name[:4]}物业服务有限公司（演示）"})
        session.add(cluster)
        session.flush()
        members = enterprises[i * 4:i * 4 + 4]
        session.add_all(ClusterMember(cluster_id=cluster.id, organization_id=o.id, joined_on=start,
                                      member_tenant_id=tenant.id) for o in members)
        for side in list(program.SIDES)[:n_sides]:
            session.add(ClusterLeader(cluster_id=cluster.id, title=side, appointed_on=start,
                                      person_name=f"{_person(rng)}（{rng.choice(SIDE_PEOPLE[side])}）",
                                      organization_id=members[0].id if side == "enterprise" and members else None))
        centre = None
        if n_services:
            centre_name = f"{name.replace('党建点', '')}党群服务中心"
            centre = session.scalar(select(sites.Site).where(sites.Site.kind == program.CENTRE_KIND,
                                                             sites.Site.name == centre_name))
            if centre is None:
                centre = sites.create_site(session, tenant, {
                    "kind": program.CENTRE_KIND, "name": centre_name, "grade": "area", "manager_kind": "tenant",
                    "services": "\n".join(program.TRINITY[:n_services]), "opening_hours": "工作日 9:00-17:30",
                    "opened_on": start.isoformat(), "note": "演示数据"})
        checklist = None
        if n_done or status in svc.DONE_STATUSES:
            checklist = svc.start_guarantees(session, tenant, cluster, today - dt.timedelta(days=60))
            done_keys = list(program.SANXIANG_ITEMS)[:n_done]
            for item in checklist.items:
                if item.key in done_keys:
                    checklists.add_evidence(session, checklist, item, f"{item.key}-演示佐证.pdf", PDF, "演示佐证材料")
                    checklists.check_item(session, checklist, item, {"status": "done", "note": "已落实（演示）"},
                                          today - dt.timedelta(days=30), "演示专干")
            if n_done == len(program.SANXIANG_ITEMS):
                checklists.decide(session, checklist, "pass", {"note": "三项保障全部落实（演示）"}, today - dt.timedelta(days=20),
                                  "演示专干")
        session.add(Point(cluster_id=cluster.id, existing=existing, status=status,
                          centre_site_id=centre.id if centre else None,
                          target_year=today.year if status not in svc.DONE_STATUSES else None, note="演示数据"))
        session.flush()
        _lists(session, tenant, cluster, members, i, today)


def _lists(session: Session, tenant: TenantInfo, cluster: Cluster, members: list[Organization], i: int,
           today: dt.date) -> None:
    """三张清单 of a point: a resource of its first enterprise, two demands of the others, one matched
    into a project and solved."""
    from plugins.lists import api as lists

    if len(members) < 3:
        return
    access = lists.system_access("demo")
    res = lists.create_resource(session, access, tenant, {
        "title": f"{members[0].name[:12]}：共享会议室（演示）", "category": "venue", "provider_kind": "enterprise",
        "provider_name": members[0].name, "organization_id": str(members[0].id), "capacity": "20",
        "contact_name": "行政主管", "description": "向楼宇内企业和群众开放（演示）"}, today - dt.timedelta(days=90))
    if res.organization_id is None:
        res.organization_id = members[0].id
    for k, (org, category, title) in enumerate(((members[1], "policy", "惠企政策申报辅导"),
                                                 (members[2], "venue", "党员活动场地预约"))):
        day = today - dt.timedelta(days=40 - 10 * k + i)
        demand = lists.submit_demand(session, access, tenant, {
            "organization_id": str(org.id), "title": f"{title}（演示{cluster.id}-{k + 1}）", "category": category,
            "description": "楼宇商圈党建点需求清单（演示）"}, day)
        if k == 1:
            lists.accept(session, access, tenant, demand, {"triage_level": "coordinate"}, day + dt.timedelta(days=1))
            work = lists.match(session, access, tenant, demand, {
                "resource_ids": [res.id], "owner_name": members[0].name, "kind": "project", "triage_level": "coordinate",
                "title": "共享会议室用于党员活动（演示）"}, day + dt.timedelta(days=2))
            lists.complete_work(session, access, work, {"result": "已安排（演示）"}, day + dt.timedelta(days=5))
            lists.resolve(session, access, tenant, demand, {"resolution": "已解决（演示）", "triage_level": "coordinate"}, day + dt.timedelta(days=5))


def _census(session: Session, tenant: TenantInfo, today: dt.date) -> None:
    from plugins.units import api as units

    if session.scalar(select(GroupCensus.id).where(GroupCensus.year == today.year).limit(1)):
        return
    scale = SCALE.get(tenant.level, 1)
    department = {}
    if tenant.level == "city":
        for name, groups in DEPARTMENTS:
            full = f"长沙市{name}（演示）"
            unit = units.find_unit(session, "department", full)
            if unit is None:
                unit = units.create_unit(session, tenant, {"kind": "department", "name": full,
                                                           "duties": "新就业群体行业主管部门（演示）"})
            for g in groups:
                department[g] = unit.id
    for k, (key, (people, members)) in enumerate(CENSUS.items()):
        session.add(GroupCensus(year=today.year, group_key=key, headcount=people * scale + 7 * k,
                                party_members=members * scale, department_unit_id=department.get(key),
                                platform_ids=[], note="演示数据"))
    session.flush()


def _social_org(session: Session, name: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        org = Organization(name=name, kind="social", sub_kind="", status="operating", employees=5, address="演示地址")
        session.add(org)
        session.flush()
    return org


def _associations(session: Session, tenant: TenantInfo, rng: random.Random, today: dt.date) -> None:
    if tenant.level == "street":
        return
    prefix = tenant.name
    for n, (group, kind, with_po) in enumerate((("courier", "association", True), ("delivery", "alliance", True),
                                                ("truck", "association", False), ("streamer", "alliance", False))):
        label = program.GROUP_LABELS[group]
        name = f"{prefix}{label}{svc.ASSOCIATION_KINDS[kind]}（演示）"
        org = _social_org(session, name)
        if session.scalar(select(Association.id).where(Association.organization_id == org.id)):
            continue
        session.add(Association(organization_id=org.id, group_key=group, kind=kind))
        if with_po:
            po = PartyOrg(name=f"{name.replace('（演示）', '')}党支部（演示）", org_type="branch", founded_on=today - dt.timedelta(days=200 + n))
            session.add(po)
            session.flush()
            session.add(PartyOrgCoverage(party_org_id=po.id, organization_id=org.id))
    session.flush()


def _homes(session: Session, tenant: TenantInfo) -> None:
    from plugins.sites import api as sites

    homes = {"yuelu": [(program.TRUCK_HOME, "岳麓区物流园货车司机红色之家（演示）")],
             "dingwangtai": [(program.COURIER_HOME, "定王台快递外卖小哥红色之家（演示）")],
             "changsha": [(program.COURIER_HOME, "五一广场快递外卖小哥红色之家（演示）"),
                          (program.TRUCK_HOME, "金霞物流园货车司机红色之家（演示）")]}
    for kind, name in homes.get(tenant.slug, ()):
        if session.scalar(select(sites.Site.id).where(sites.Site.kind == kind, sites.Site.name == name)):
            continue
        own = {k.key: k for k in program.site_kinds()}[kind]
        sites.create_site(session, tenant, {"kind": kind, "name": name, "manager_kind": "tenant",
                                            "services": "\n".join(own.services), "opening_hours": "全天开放",
                                            "note": "演示数据"}, own_kind=own)


def _platforms(session: Session, tenant: TenantInfo, today: dt.date) -> None:
    if session.scalar(select(Platform.id).limit(1)):
        return
    hq = _enterprise(session, "星城优选网络科技有限公司（演示）", platform=True)
    committee = PartyOrg(name="星城优选网络科技有限公司党委（演示）", org_type="committee", founded_on=today - dt.timedelta(days=500))
    session.add(committee)
    session.flush()
    session.add(PartyOrgCoverage(party_org_id=committee.id, organization_id=hq.id))
    local = Platform(name="星城优选（演示）", hq_local=True, organization_id=hq.id, groups=["delivery", "courier"],
                     note="演示数据")
    elsewhere = Platform(name="某即时配送平台（演示）", hq_local=False, hq_city="上海", groups=["delivery"], note="演示数据")
    session.add_all([local, elsewhere])
    session.flush()
    branch_ok = _enterprise(session, "星城优选长沙河西分公司（演示）")
    branch_po = PartyOrg(name="星城优选长沙河西分公司党支部（演示）", org_type="branch", founded_on=today - dt.timedelta(days=300))
    session.add(branch_po)
    session.flush()
    session.add(PartyOrgCoverage(party_org_id=branch_po.id, organization_id=branch_ok.id))
    session.add_all([
        PlatformUnit(platform_id=local.id, organization_id=branch_ok.id, unit_kind="branch"),
        PlatformUnit(platform_id=local.id, organization_id=_enterprise(session, "星城优选五一网点（演示）").id,
                     unit_kind="outlet"),
        PlatformUnit(platform_id=elsewhere.id, organization_id=_enterprise(session, "长沙某配送代理有限公司（演示）").id,
                     unit_kind="agent"),
        PlatformUnit(platform_id=elsewhere.id, organization_id=_enterprise(session, "长沙某劳务派遣有限公司（演示）").id,
                     unit_kind="dispatch"),
    ])
    session.flush()
    for row in session.scalars(select(GroupCensus).where(GroupCensus.year == today.year,
                                                         GroupCensus.group_key.in_(("delivery", "courier")))):
        row.platform_ids = [local.id, elsewhere.id] if row.group_key == "delivery" else [local.id]


def _enterprise(session: Session, name: str, platform: bool = False) -> Organization:
    org = session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        org = Organization(name=name, kind="enterprise", sub_kind="llc", status="operating", employees=60,
                           address="长沙市芙蓉区演示路 1 号", is_internet_platform=platform)
        session.add(org)
        session.flush()
    return org


#: CS-5 difficulties of enterprises: (category, title, how far it got, days ago, deadline passed)
QIANQI = (("finance", "流动资金贷款续贷困难", "closed", 60), ("talent", "高级技工招聘难", "in_progress", 25),
          ("tax", "研发费用加计扣除政策不清楚", "accepted", 8), ("legal", "合同纠纷法律咨询", "submitted", 2),
          ("employment", "季节性用工缺口", "in_progress", 50), ("finance", "知识产权质押融资咨询", "closed", 90))


def _qianqi(session: Session, tenant: TenantInfo, enterprises: list[Organization], today: dt.date) -> None:
    """助力千企 difficulties in every step: 收集, 梳理, 交办 (one past its deadline), 办结."""
    from plugins.lists import api as lists

    if len(enterprises) < len(QIANQI):
        return
    have = set(session.scalars(select(lists.ListDemand.title).where(lists.ListDemand.action_tag == program.QIANQI)))
    access = lists.system_access("demo")
    for i, (category, title, step, ago) in enumerate(QIANQI):
        title = f"{title}（演示）"
        if title in have:
            continue
        org = enterprises[-1 - i]
        day = today - dt.timedelta(days=ago)
        demand = lists.submit_demand(session, access, tenant, {
            "organization_id": str(org.id), "title": title, "category": category, "action_tag": program.QIANQI,
            "description": "企业通过“长沙两新组织综合服务平台”反映（演示）"}, day)
        if step == "submitted":
            continue
        lists.accept(session, access, tenant, demand, {"triage_level": "individual"}, day + dt.timedelta(days=1))
        if step == "accepted":
            continue
        res = _department_resource(session, tenant, access, category, day)
        work = lists.match(session, access, tenant, demand, {
            "resource_ids": [res.id], "owner_name": res.provider_name[:50], "kind": "assign", "triage_level": "individual",
            "deadline": (day + dt.timedelta(days=20)).isoformat(), "title": f"交办：{title}"[:100]}, day + dt.timedelta(days=2))
        if step == "closed":
            lists.complete_work(session, access, work, {"result": "部门上门服务，问题已解决（演示）"}, day + dt.timedelta(days=12))
            lists.resolve(session, access, tenant, demand, {"resolution": "已解决（演示）", "triage_level": "individual"},
                          day + dt.timedelta(days=12))


QIANQI_DEPARTMENTS = {"finance": "金融办", "talent": "人力资源和社会保障局", "tax": "税务局", "legal": "司法局",
                      "employment": "人力资源和社会保障局"}


def _department_resource(session: Session, tenant: TenantInfo, access, category: str, day: dt.date):
    from plugins.lists import api as lists

    provider = f"{tenant.name}{QIANQI_DEPARTMENTS.get(category, '工商联')}（演示）"
    title = f"{provider}：助力千企服务"[:100]
    res = session.scalar(select(lists.ListResource).where(lists.ListResource.title == title))
    if res is None:
        res = lists.create_resource(session, access, tenant, {
            "title": title, "category": category, "provider_kind": "department", "provider_name": provider,
            "capacity": "1000", "contact_name": "联企专员", "description": "职能部门承接交办的企业困难诉求（演示）"},
            day - dt.timedelta(days=30))
    return res


def _cobuild(session: Session, tenant: TenantInfo, today: dt.date) -> None:
    """One 机关事业单位党组织 ↔ 两新党组织 结对共建 pair."""
    from plugins.units import api as units

    name = f"{tenant.name}机关党支部（演示）"
    unit = units.find_unit(session, "organ", name)
    if unit is not None:
        return
    party_org = session.scalar(select(PartyOrg).where(PartyOrg.dissolved_on.is_(None), PartyOrg.org_type != "committee")
                               .order_by(PartyOrg.id).limit(1))
    if party_org is None:
        return
    unit = units.create_unit(session, tenant, {"kind": "organ", "name": name, "duties": "结对共建促发展（演示）"})
    units.create_pairing(session, tenant, {"kind": program.COBUILD, "holder_type": "unit", "unit_id": str(unit.id),
                                           "target_type": "party_org", "party_org_id": str(party_org.id),
                                           "started_on": (today - dt.timedelta(days=120)).isoformat(),
                                           "content": "党建和业务互融互促（演示）"}, today)


CHAIN_NAME = "智能制造产业链党委（演示）"


def _chain(session: Session, tenant: TenantInfo, today: dt.date) -> None:
    """CS-3: one industry chain across two streets — a chain committee of the district with the
    enterprise party orgs of its streets that run the program, built once the second street's
    registry exists (tenants load in order; the street that comes last builds it)."""
    from core.db import open_session, scoped_session
    from core.plugins import registry
    from core.tenancy import tree
    from plugins.lists import api as lists

    t = tree()
    parent = t.by_id.get(tenant.parent_id) if tenant.parent_id else None
    if parent is None or "changsha" not in registry().enabled(parent.id):
        return
    streets = [c for c in t.children.get(parent.id, []) if c.level == "street" and "changsha" in registry().enabled(c.id)]
    if len(streets) < 2:
        return
    session.commit()  # the chain is written in the district's own session: SQLite allows one writer at a time
    scope = [parent.id, *(c.id for c in streets)]
    with open_session(parent.id, scope) as look:
        picks = []
        for street in streets:
            rows = list(look.execute(select(PartyOrg.id, PartyOrg.name).where(
                PartyOrg.tenant_id == street.id, PartyOrg.dissolved_on.is_(None), PartyOrg.org_type != "committee")
                .order_by(PartyOrg.id).limit(3)))
            if not rows:
                return  # that street's registry is not there yet: it builds the chain when it loads
            picks += [(street.id, pid) for pid, _name in rows]
    with scoped_session(parent.id) as s:
        s.info["username"] = "demo"
        if s.scalar(select(Cluster.id).where(Cluster.cluster_type == program.CHAIN, Cluster.name == CHAIN_NAME)):
            return
        committee = PartyOrg(name="芙蓉区智能制造产业链党委（演示）" if parent.slug == "furong" else f"{parent.name}产业链党委（演示）",
                             org_type="committee", founded_on=today - dt.timedelta(days=300))
        s.add(committee)
        s.flush()
        chain = Cluster(cluster_type=program.CHAIN, name=CHAIN_NAME, area=parent.name, lead_party_org_id=committee.id,
                        description="演示数据", attributes={"chain": "智能制造"})
        s.add(chain)
        s.flush()
        start = today - dt.timedelta(days=300)
        s.add_all(ClusterMember(cluster_id=chain.id, party_org_id=pid, member_tenant_id=tid, joined_on=start)
                  for tid, pid in picks)
        for title, person in (("secretary", "曹志明（区两新工委副书记）"), ("backbone", "骨干企业党委书记周海"),
                              ("department", "区工信局党组成员李卫"), ("association", "区智能制造协会秘书长钟敏")):
            s.add(ClusterLeader(cluster_id=chain.id, title=title, person_name=person, appointed_on=start))
    # 吹哨报到: an enterprise of this street blows the whistle; one is escalated to the district
    org_id = session.scalar(select(PartyOrgCoverage.organization_id).where(
        PartyOrgCoverage.party_org_id.in_([pid for tid, pid in picks if tid == tenant.id])).limit(1))
    if org_id is None:
        return
    access = lists.system_access("demo")
    for n, (title, escalate) in enumerate((("关键零部件物流通道受阻", False), ("扩产用电增容审批", True))):
        title = f"{title}（演示吹哨）"
        if session.scalar(select(lists.ListDemand.id).where(lists.ListDemand.title == title)):
            continue
        d = lists.submit_demand(session, access, tenant, {
            "organization_id": str(org_id), "title": title, "category": "logistics" if n == 0 else "energy",
            "urgency": "urgent", "action_tag": program.WHISTLE, "description": "产业链企业“吹哨”（演示）"},
            today - dt.timedelta(days=5 + n))
        lists.accept(session, access, tenant, d, {"triage_level": "escalate" if escalate else "department"},
                     today - dt.timedelta(days=4 + n))
