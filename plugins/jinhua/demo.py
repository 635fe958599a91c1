"""Demo rows of the jinhua program (clearly demo data: names are made up for 金华's demo tenants).

* the city (金华市): the year's 提质增效年 plan for its counties, tasks in every state;
* a county (婺城区, 金东区): founding units, alliances of the four types with members, contracts
  (one running out, one ended unrenewed), the rota, meetings with minutes, agenda items in each
  state, a service team, a liaison with an account, the 六专 checklist, demands on the four lists;
* a street (城东街道): its organizations join its county's 商圈 alliance (cross-tenant members) and
  receive the alliance's bulletin, one reader confirming it.

Idempotent: each part looks for its own rows first.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from core import clock
from core.db import extend_scope
from core.registry.models import Cluster, Organization
from core.registry.services import clusters as core_clusters
from core.tenancy import tree
from plugins.jinhua import program
from plugins.jinhua import service as svc
from plugins.jinhua.models import AgendaItem, Alliance, Contract

log = logging.getLogger(__name__)

#: a 1×1 PNG: the evidence photo of the demo's 六专 items
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


class _Settings:
    contract_years = 3


def load(session, tenant) -> None:
    if tenant.level == "city":
        _city(session, tenant)
    elif tenant.level == "district":
        _county(session, tenant)
    elif tenant.level == "street":
        _street(session, tenant)


# --- the city: the year's plan ---------------------------------------------------------------------


def _city(session, tenant) -> None:
    from plugins.campaigns import api as campaigns

    t = tree()
    counties = [x.id for x in t.by_id.values() if x.parent_id == tenant.id and not x.archived]
    if not counties:
        return
    today = clock.today()
    extend_scope(session, t.descendant_ids(tenant.id))  # the tasks are the counties' rows
    s = session
    if True:
        if s.scalar(select(campaigns.Campaign.id).where(campaigns.Campaign.template_key == program.PLAN,
                                                        campaigns.Campaign.tenant_id == tenant.id)):
            return
        c = campaigns.create_campaign(s, tenant, {
            "title": f"{today.year}年两新党建“提质增效年”活动", "year": str(today.year), "template_key": program.PLAN,
            "owners": [str(i) for i in counties],
            "description": "【演示数据】金两新〔2020〕7号六项重点任务，以县（市、区）为单位推进。"})
        tasks = campaigns.tasks_of(s, c)
        first_county = counties[0]
        for task in tasks:
            early = task.deadline < dt.date(today.year, 7, 1)
            if task.tenant_id == first_county:
                if early and task.deadline <= today:
                    campaigns.transition(s, task, "complete", {
                        "evidence": "【演示】已完成排查摸底，形成“六清”台账" if "六清" in task.title else "【演示】已按期完成",
                        "completed_on": min(task.deadline, today).isoformat()}, today)
                elif task.id % 2 == 0:
                    campaigns.transition(s, task, "start", {}, today)
            elif "六清" in task.title and task.deadline <= today:
                campaigns.transition(s, task, "start", {}, today)  # started, overdue
        s.flush()


# --- a county: founding units, alliances and their mechanisms --------------------------------------

COUNTY_UNITS = (
    ("jinhua.park_committee", "{c}经济开发区管委会（演示）"),
    ("jinhua.micro_park_office", "{c}小微企业园管理服务中心（演示）"),
    ("jinhua.market_regulator", "{c}市场监督管理局（演示）"),
    ("jinhua.chamber", "{c}总商会（演示）"),
    ("jinhua.property_service", "{c}金城物业服务有限公司（演示）"),
    ("jinhua.property_owner", "{c}金城商务楼宇产权单位（演示）"),
    ("jinhua.industry_department", "{c}经济和信息化局（演示）"),
    ("jinhua.leading_enterprise", "{c}五金制造龙头企业（演示）"),
    (program.MEMBER_UNIT, "{c}两新工委成员单位·人力社保局（演示）"),
)

#: (type, name, founders by kind, lead kind, how many of the county's own organizations join)
ALLIANCES = (
    ("jinhua.regional", "{c}开发区区域党建联盟", ("jinhua.park_committee", "jinhua.micro_park_office"),
     "jinhua.park_committee", 4),
    ("jinhua.business", "{c}商圈党建联盟", ("jinhua.market_regulator", "jinhua.chamber"), "jinhua.chamber", 3),
    ("jinhua.building", "{c}楼宇党建联盟", ("jinhua.property_service", "jinhua.property_owner"),
     "jinhua.property_service", 3),
    ("jinhua.industry", "{c}五金产业党建联盟", ("jinhua.industry_department", "jinhua.leading_enterprise"),
     "jinhua.leading_enterprise", 4),
)


def _county(session, tenant) -> None:
    from plugins.units import api as units

    if session.scalar(select(Alliance.id).limit(1)) is not None:
        return
    today = clock.today()
    short = tenant.name
    made = {}
    for kind, name in COUNTY_UNITS:
        label = name.format(c=short)
        made[kind] = units.find_unit(session, kind, label) or units.create_unit(
            session, tenant, {"name": label, "kind": kind, "duties": "【演示数据】党建联盟发起单位"})
    orgs = list(session.scalars(select(Organization).where(Organization.status == "operating")
                                .order_by(Organization.id).limit(20)))
    specs = ALLIANCES if tenant.slug != "jindong" else ALLIANCES[3:]
    start = dt.date(today.year - 1, 6, 20)
    used = 0
    for i, (atype, name, founders, lead, n) in enumerate(specs):
        a = svc.create_alliance(session, session, tenant, {
            "name": name.format(c=short), "cluster_type": atype, "founded_on": start.isoformat(),
            "founders": [str(made[k].id) for k in founders], "lead": str(made[lead].id),
            "principles": ["adjacent", "similar", "scale", "manageable"][: 2 + i % 3], "rota_period": "quarter",
            "area": "【演示数据】", "description": "【演示数据】" + program.TYPES[atype].basis})
        cluster = session.get(Cluster, a.cluster_id)
        for org in orgs[used:used + n]:
            svc.add_member(session, session, tenant, a, cluster, {
                "kind": "organization", "ref": str(org.id), "joined_on": (start + dt.timedelta(days=10)).isoformat()},
                _Settings, today)
        used += n
        if atype == "jinhua.business":
            _liaison(session, tenant, cluster)
        _mechanisms(session, tenant, a, cluster, today, start, i)
    _contact(session, tenant, made[program.MEMBER_UNIT], orgs[-2:], today)
    session.flush()


def _contact(session, tenant, unit, orgs, today: dt.date) -> None:
    """联企送服务: the member unit is linked to two enterprises; one was visited this quarter, the
    other last quarter only (a gap this quarter); last quarter's 工委例会 was held."""
    from plugins.activities import api as activities
    from plugins.units import api as units

    start, _end, _label = units.period_bounds("quarter", today)
    begun = start - dt.timedelta(days=100)
    for k, org in enumerate(orgs):
        p = units.create_pairing(session, tenant, {
            "kind": program.CONTACT, "holder_type": "unit", "unit_id": unit.id, "target_type": "organization",
            "organization_id": org.id, "started_on": begun.isoformat(), "content": "【演示数据】联企送服务"}, today)
        last = start - dt.timedelta(days=20)
        units.record_visit(session, p, {"visited_on": last.isoformat(), "note": "【演示】走访了解用工需求"}, today, "成员单位联络员")
        if k == 0 and today > start:
            units.record_visit(session, p, {"visited_on": max(start, today - dt.timedelta(days=3)).isoformat(),
                                            "note": "【演示】宣讲惠企政策"}, today, "成员单位联络员")
    activities.create_activity(session, activities.system_access(), tenant, {
        "activity_type": program.COMMITTEE_MEETING, "organizer": "tenant", "title": "上季度两新工委例会（演示）",
        "date": (start - dt.timedelta(days=10)).isoformat(), "start_time": "09:00", "end_time": "11:00",
        "minutes": "【演示数据】各成员单位交流本季度联企送服务走访情况。"})


def _liaison(session, tenant, cluster: Cluster) -> None:
    """The demo liaison (``jh_liaison``, role 党建联盟联络员) leads the 商圈 alliance with their account."""
    from core.models import User

    user = session.scalar(select(User).where(User.username == "jh_liaison"))
    if user is None or user.id not in core_clusters.leader_user_ids(session, tenant.id):
        return
    core_clusters.add_leader(session, cluster, {"title": "liaison", "person_name": user.display_name or "联络员",
                                                "user_id": str(user.id)}, core_clusters.cluster_types(tenant))


def _mechanisms(session, tenant, a: Alliance, cluster: Cluster, today: dt.date, start: dt.date, i: int) -> None:
    from plugins.activities import api as activities
    from plugins.checklists import api as checklists

    members = svc.active_members(session, cluster, today)
    for k, m in enumerate(members):
        ends = (today + dt.timedelta(days=20)) if k == 1 else (today - dt.timedelta(days=5)) if k == 2 and i == 0 \
            else svc.add_years(start, 3) - dt.timedelta(days=1)
        session.add(Contract(alliance_id=a.id, member_id=m.id, signed_on=start, starts_on=start, ends_on=ends,
                             obligations="【演示数据】党建共抓、资源共享、活动共办、事务共商：按时参加联盟例会，"
                                         "提供共享资源清单，轮值期间承办联盟活动。"))
    session.flush()
    svc.generate_rota(session, a, cluster, {"year": str(today.year)}, dt.date(today.year, 1, 1))
    if len(members) >= 3:
        svc.create_team(session, a, {"name": "政策宣讲服务团", "service": "【演示数据】惠企政策宣讲、用工对接",
                                     "member_ids": [str(members[0].id), str(members[2].id)]}, today)
    access = activities.system_access()
    held = []
    for q, month in enumerate((3, 6, 9)):
        day = dt.date(today.year, month, 18)
        if day >= today:
            break
        held.append(activities.create_activity(session, access, tenant, {
            "activity_type": program.MEETING, "organizer": f"cluster:{cluster.id}",
            "title": f"{today.year}年第{q + 1}季度联盟例会", "date": day.isoformat(), "start_time": "14:30",
            "end_time": "16:30", "place": "联盟党群服务中心（演示）",
            "minutes": "【演示数据】通报上季度“四张清单”办理情况；轮值主席单位报告工作；议定下季度共建活动。"}))
    items = [("联合开展“红色管家”助企服务", "done"), ("共建共享党群服务中心场地", "decided"), ("增补物流企业为成员单位", "raised")]
    for k, (title, state) in enumerate(items):
        item = AgendaItem(alliance_id=a.id, title=title, raised_on=start + dt.timedelta(days=30 + k),
                          raised_by_member_id=members[k % len(members)].id if members else None)
        session.add(item)
        session.flush()
        if state in ("decided", "done") and members:
            svc.agenda_action(session, a, item, "decide", {
                "discussion": "【演示】成员单位充分讨论", "decision": f"【演示】同意{title}",
                "decided_on": (start + dt.timedelta(days=40 + k)).isoformat(), "owner_member_id": str(members[0].id),
                "follow_up_due": (start + dt.timedelta(days=120)).isoformat(),
                "meeting_id": str(held[0].id) if held else ""}, today, {h.id: h for h in held})
        if state == "done" and members:
            svc.agenda_action(session, a, item, "complete", {"follow_up": "【演示】已落实并在例会上通报",
                                                             "done_on": (start + dt.timedelta(days=90)).isoformat()}, today)
    cl = checklists.create_checklist(session, tenant, {"template_key": checklists.LIUZHUAN.key,
                                                       "subject_kind": "cluster", "subject_id": cluster.id}, today)
    if i == 0:
        for item in cl.items[:2]:
            try:
                checklists.add_evidence(session, cl, item, "photo.png", PNG, "【演示】现场照片")
                checklists.check_item(session, cl, item, {"status": "done"}, today, "demo")
            except Exception as exc:  # noqa: BLE001 — a demo without upload storage keeps the checklist open
                log.info("jinhua demo: evidence not stored: %s", exc)
    for item in cl.items:
        if item.key == "team":
            checklists.check_item(session, cl, item, {"status": "done", "note": "【演示】志愿服务队名单"}, today, "demo")
    _demands(session, tenant, cluster, today)


def _demands(session, tenant, cluster: Cluster, today: dt.date) -> None:
    from plugins.lists import api as lists

    access = lists.system_access("demo")
    orgs = [m.organization_id for m in svc.active_members(session, cluster, today) if m.organization_id]
    for k, (title, category) in enumerate((("急需技术工人 20 名", "employment"), ("申请技改项目贴息", "finance"))):
        if k >= len(orgs):
            break
        lists.submit_demand(session, access, tenant, {"organization_id": orgs[k], "title": f"【演示】{title}",
                                                      "category": category, "description": "【演示数据】"},
                            today - dt.timedelta(days=10 + k))


# --- a street: its organizations join the county's 商圈 alliance -----------------------------------


def _street(session, tenant) -> None:
    t = tree()
    county = t.by_id.get(tenant.parent_id) if tenant.parent_id else None
    if county is None:
        return
    today = clock.today()
    # the members join the county's alliance: rows of the county, written from this demo's session
    extend_scope(session, [county.id])
    home = session.info.get("tenant_id")
    session.info["tenant_id"] = county.id
    try:
        _join_county_alliance(session, tenant, county, today)
    finally:
        session.flush()
        session.info["tenant_id"] = home


def _join_county_alliance(s, tenant, county, today: dt.date) -> None:
    from core.models import User
    from core.notify import bulletins

    row = s.execute(select(Alliance, Cluster).join(Cluster, Cluster.id == Alliance.cluster_id).where(
        Cluster.tenant_id == county.id, Cluster.cluster_type == "jinhua.business")).first()
    if row is None:
        return
    a, cluster = row
    if any(m.member_tenant_id == tenant.id for m in core_clusters.members_of(s, cluster)):
        return
    orgs = list(s.scalars(select(Organization).where(Organization.tenant_id == tenant.id,
                                                     Organization.status == "operating")
                          .order_by(Organization.id).limit(3)))
    for org in orgs:
        svc.add_member(s, s, county, a, cluster, {
            "kind": "organization", "ref": str(org.id), "joined_on": (today - dt.timedelta(days=60)).isoformat(),
            "obligations": "【演示数据】参加联盟例会，共享商圈党群服务中心，轮值期间承办活动。"}, _Settings, today)
    s.flush()
    svc.generate_rota(s, a, cluster, {"year": str(today.year)}, today)
    publisher = s.scalar(select(User.id).where(User.username == "wucheng_staff"))
    if publisher is None:
        return
    b = svc.publish_bulletin(s, county, a, cluster, publisher, {
        "title": "关于联盟第三季度例会议定事项落实情况的通报", "category": "progress",
        "body": "【演示数据】各成员单位：第三季度例会议定的共建事项已落实两项，请尚未落实的单位抓紧推进。"}, today)
    reader = s.scalar(select(User.id).where(User.username == "chengdong_staff"))
    if reader is not None:
        bulletins.confirm_read(s, tenant, b, reader)
