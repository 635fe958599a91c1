"""Demo data of the program: joint groups over the street's party orgs, leaders with 聘书,
专干, duty entries, butlers and nominations. Idempotent and deterministic (dates relative to today)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.models import User
from core.registry.models import (
    Cluster,
    ClusterLeader,
    ClusterMember,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
)
from plugins.dongfanghong import service as svc
from plugins.dongfanghong.models import (
    Butler,
    ButlerOrganization,
    Cooperation,
    Cultivation,
    DutyEntry,
    GroupLink,
    GroupStaff,
    Nomination,
)

APPOINTED = dt.date(2023, 10, 20)  # 会议动员、成立联组、颁发聘书


def load(session: Session, tenant, today: dt.date | None = None) -> None:
    today = today or clock.today()
    settings = svc.settings_of(tenant.id)
    groups = svc.joint_groups(session)
    if not groups and svc.unassigned_party_orgs(session):
        groups = svc.apply_regroup(session, settings.group_count, settings.group_label, on=APPOINTED)
        _leaders(session, groups)
        _staff(session, tenant, groups)
        _duties(session, groups, today)
    if groups and not session.scalar(select(func.count()).select_from(Butler)):
        _butlers(session, tenant)
    if groups and not session.scalar(select(func.count()).select_from(Nomination)):
        _nominations(session, groups)
    from core.plugins import registry

    enabled = registry().enabled(tenant.id)
    if groups and "funds" in enabled:
        _funds(session, tenant, groups, settings, today)
    if "campaigns" in enabled:
        _campaign(session, tenant, today)
    if groups:
        _committee(session, tenant)
        _profiles(session)
        _cultivations(session, today)
        _cooperations(session, groups, today)
        _venues(session, tenant, settings, today)
        _dues(session, today)
        if "lists" in enabled:
            _resource_partners(session, tenant, today)
            _stations_and_tickets(session, tenant, groups, today)
        if "activities" in enabled:
            _activities(session, tenant, groups, today)
        if "assessment" in enabled:
            _group_ranking(session, tenant, groups, today)
            if "designations" in enabled:
                _demo_sites(session, tenant, today)
        if "funds" in enabled:
            _guarantee_proposals(session, tenant, settings, today)
    session.flush()


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _funds(session: Session, tenant, groups: list[Cluster], settings, today: dt.date) -> None:
    """Per group: the year's work budget (one payment made) and the leaders' stipends (DFH-5)."""
    from plugins.funds import api as funds

    if session.scalar(select(func.count()).select_from(funds.BudgetLine).where(
            funds.BudgetLine.target_kind == "cluster", funds.BudgetLine.target_id.in_([g.id for g in groups]))):
        return
    year = str(today.year)
    stipends = settings.leader_stipend_fen + 2 * settings.deputy_stipend_fen
    for i, g in enumerate(groups):
        work = funds.create_line(session, tenant, {"year": year, "target_kind": "cluster", "target_id": str(g.id),
                                                  "category": "work", "title": f"{g.name}年度工作经费",
                                                  "amount": _yuan(settings.group_budget_fen)})
        if stipends:
            funds.create_line(session, tenant, {"year": year, "target_kind": "cluster", "target_id": str(g.id),
                                               "category": "subsidy", "title": "正、副联组长工作补贴",
                                               "amount": _yuan(stipends)})
        paid = funds.request_disbursement(session, work, {"amount": f"{3000 * (i + 1)}.00",
                                                         "purpose": "联组会商及沙龙培训", "payee": g.name}, today, "demo")
        funds.decide(session, paid, "approve", {}, today, "demo")
        funds.decide(session, paid, "pay", {}, today, "demo")


def _campaign(session: Session, tenant, today: dt.date) -> None:
    """The four-phase rollout (DFH-6) started from the program's template, early tasks done."""
    from plugins.campaigns import api as campaigns

    key = "dongfanghong.four_phases"
    if session.scalar(select(func.count()).select_from(campaigns.Campaign).where(
            campaigns.Campaign.template_key == key)):
        return
    campaign = campaigns.create_campaign(session, tenant, {
        "title": f"{today.year}年红色“联”动力四步推进", "year": str(today.year), "start_on": f"{today.year}-01-01",
        "template_key": key, "description": "调查摸底 → 会议动员、成立联组 → 持续推进 → 总结提升、选树典型"})
    tasks = sorted(campaigns.tasks_of(session, campaign), key=lambda t: (t.deadline, t.id))
    for task in tasks[:4]:
        if task.deadline <= today:
            campaigns.transition(session, task, "complete", {"evidence": "已完成并归档", "completed_on": task.deadline.isoformat()},
                            today)


def _leaders(session: Session, groups: list[Cluster]) -> None:
    pmap = svc.group_party_org_ids(session, [g.id for g in groups], APPOINTED)
    n = 0
    secretary = session.scalar(select(User).where(User.username == "dfh_secretary"))
    for gi, g in enumerate(groups):
        pids = sorted(pmap[g.id])
        people = list(session.execute(
            select(Member.id, Member.name, Member.organization_id).where(Member.party_org_id.in_(pids))
            .order_by(Member.party_org_id, Member.id).limit(60)).all()) if pids else []
        picks = people[::20][:3] if len(people) >= 3 else people
        communities = sorted({c for c in session.scalars(
            select(Organization.community).join(PartyOrgCoverage, PartyOrgCoverage.organization_id == Organization.id)
            .where(PartyOrgCoverage.party_org_id.in_(pids))) if c}) if pids else []
        g.area = "、".join(communities)[:200]
        g.description = "按区域相近、便于协调的原则组建，与片区社区（村）党组织联动。"
        for c in communities[:3]:  # 与社区（村）党组织联动: the community party committees, in the street's registry
            po = session.scalar(select(PartyOrg).where(PartyOrg.name == f"{c}党委", PartyOrg.parent_id.is_(None)))
            if po is None:
                po = PartyOrg(name=f"{c}党委", org_type="committee", formation_mode="single", founded_on=APPOINTED)
                session.add(po)
                session.flush()
            session.add(GroupLink(cluster_id=g.id, party_org_id=po.id, party_org_tenant_id=po.tenant_id, name=po.name))
        for i, (mid, name, oid) in enumerate(picks):
            n += 1
            session.add(ClusterLeader(
                cluster_id=g.id, title="leader" if i == 0 else "deputy", person_name=name, member_id=mid,
                organization_id=oid, appointed_on=APPOINTED, letter_no=f"东红联聘〔2023〕{n:03d}号",
                user_id=secretary.id if (secretary is not None and gi == 0 and i == 0) else None))
    session.flush()


def _committee(session: Session, tenant) -> None:
    """两新综合党委的组成 (DFH-1): the street's 两新综合党委 as the lead party org, its secretary and two
    members, and as member units the street's 驻街部门/单位 and bodies the units block holds."""
    from plugins.dongfanghong.platform import COMMITTEE

    if session.scalar(select(Cluster.id).where(Cluster.cluster_type == COMMITTEE)):
        return
    root = session.scalar(select(PartyOrg).where(PartyOrg.parent_id.is_(None), PartyOrg.name.like("%两新综合党委"))
                          .order_by(PartyOrg.id))
    c = Cluster(cluster_type=COMMITTEE, name=root.name if root else "街道两新综合党委", area="", attributes={},
                lead_party_org_id=root.id if root else None, description="统筹协调全街两新组织党建工作")
    session.add(c)
    session.flush()
    for title, name in (("secretary", "彭丽娟"), ("deputy", "李晓红"), ("member", "黄国强"), ("member", "王建军")):
        session.add(ClusterLeader(cluster_id=c.id, title=title, person_name=name, appointed_on=APPOINTED))
    from core.plugins import registry

    if "units" in registry().enabled(tenant.id):
        from plugins.units import api as units

        for u in units.units(session):
            if u.kind in ("organ", "resident", "member_unit", "department"):
                session.add(ClusterMember(cluster_id=c.id, member_kind="units.unit", ref_id=u.id, joined_on=APPOINTED,
                                          member_tenant_id=tenant.id))
    session.flush()


def _staff(session: Session, tenant, groups: list[Cluster]) -> None:
    users = svc.staff_users(session, tenant.id)
    users.sort(key=lambda u: (u.username != "dfh_staff", u.username))
    for g, u in zip(groups, users, strict=False):
        session.add(GroupStaff(cluster_id=g.id, user_id=u.id, assigned_on=APPOINTED))
    session.flush()


def _duties(session: Session, groups: list[Cluster], today: dt.date) -> None:
    months = svc.months_back(today, 6)[:-1]  # the five finished months
    pmap = svc.group_party_org_ids(session, [g.id for g in groups], APPOINTED)
    staff = svc.staff_of(session, [g.id for g in groups])
    for gi, g in enumerate(groups):
        orgs = list(session.scalars(select(PartyOrgCoverage.organization_id)
                                    .where(PartyOrgCoverage.party_org_id.in_(pmap[g.id] or [0]))
                                    .order_by(PartyOrgCoverage.organization_id).limit(10)))
        for mi, m in enumerate(months):
            for ki, kind in enumerate(svc.DUTY_KINDS):
                if (gi + mi + ki) % 4 == 3:  # leave a few gaps so the checklist shows them
                    continue
                title = {"attend": f"参加{g.name}{m.month}月联组会商", "report": f"报送{g.name}{m.month}月工作动态",
                         "help": f"协调解决企业{['用工招聘', '融资对接', '场地租赁', '政策申报'][mi % 4]}困难"}[kind]
                session.add(DutyEntry(
                    cluster_id=g.id, kind=kind, occurred_on=m.replace(day=min(5 + 7 * ki + gi, 28)), title=title,
                    notes="", organization_id=orgs[mi % len(orgs)] if (kind == "help" and orgs) else None,
                    recorded_by_id=staff[g.id].id if g.id in staff else None))
    session.flush()


def _butlers(session: Session, tenant) -> None:
    """The 服务管家 team, each a person of the system (000: 以党员为骨干): two 专职党务工作者 who are staff
    users, the instructors as 党建指导员, and party members of the groups' enterprises as 联企专员."""
    from core.registry.models import Instructor
    from plugins.dongfanghong.butlers import BUTLER_SERVICES, tenant_users

    orgs = list(session.scalars(select(Organization.id).order_by(Organization.id).limit(18)))
    staff = [u for u in tenant_users(session, tenant.id) if u.username.startswith("dfh_staff")][:2]
    instructors = list(session.scalars(select(Instructor).where(Instructor.active.is_(True)).order_by(Instructor.id)
                                       .limit(2)))
    members = list(session.scalars(select(Member).where(Member.status == "full").order_by(Member.id).limit(2)))
    people = ([("user", u.id, u.display_name or u.username, "fulltime", "东方红街道党群服务中心") for u in staff]
              + [("instructor", i.id, i.name, "instructor", i.unit or "社区") for i in instructors]
              + [("member", m.id, m.name, "liaison", "东方红街道政务服务中心") for m in members])
    services = list(BUTLER_SERVICES)
    for i, (kind, pid, name, role, unit) in enumerate(people):
        b = Butler(name=name, role=role, unit=unit, active=True, person_kind=kind, person_id=pid,
                   services=",".join(services[i % 5:i % 5 + 2] + (["guidance"] if role == "instructor" else [])))
        session.add(b)
        session.flush()
        for oid in orgs[i * 3:i * 3 + 3]:
            session.add(ButlerOrganization(butler_id=b.id, organization_id=oid))
    session.flush()


def _nominations(session: Session, groups: list[Cluster]) -> None:
    leaders = list(session.scalars(select(ClusterLeader).where(ClusterLeader.cluster_id.in_([g.id for g in groups]))
                                   .order_by(ClusterLeader.id)))
    rows = [
        ("member", leaders[1] if len(leaders) > 1 else None, "立足岗位作贡献，带头攻关核心技术。", "approved"),
        ("worker", leaders[0] if leaders else None, "担任联组组长以来组织联组会商 12 次，协调解决企业困难 8 件。", "proposed"),
        ("entrepreneur", leaders[3] if len(leaders) > 3 else None, "大力支持企业党建工作，提供党员活动阵地。", "proposed"),
    ]
    for category, leader, reason, status in rows:
        org = session.get(Organization, leader.organization_id) if leader and leader.organization_id else None
        if category == "entrepreneur" and org is not None and org.legal_rep:  # the enterprise, by its legal rep.
            kind, ref, name = "organization", org.id, org.legal_rep
        elif leader is not None and leader.member_id:
            kind, ref, name = "member", leader.member_id, leader.person_name
        else:
            continue
        session.add(Nomination(
            category=category, nominee=name, nominee_kind=kind, nominee_id=ref,
            organization_id=leader.organization_id, cluster_id=leader.cluster_id, reason=reason, status=status,
            review_note="街道党工委审议通过" if status == "approved" else "",
            reviewed_on=APPOINTED + dt.timedelta(days=400) if status == "approved" else None))
    session.flush()


# --- 三项工程 / 五大保障 (dongfanghong_0002) --------------------------------------------------------


def _empty(session: Session, model) -> bool:
    return not session.scalar(select(func.count()).select_from(model))


def _profiles(session: Session) -> None:
    """管理层 / 业务骨干 for part of the street's members: secretaries and committee members are
    mostly managers, every third member a business backbone, a few pipeline people backbones too."""
    from plugins.dongfanghong.projects import Profile, set_profile

    titles = {"secretary": "总经理", "deputy_secretary": "副总经理", "committee": "部门经理"}
    members = session.scalars(select(Member).where(Member.party_org_id.is_not(None)).order_by(Member.id)).all()
    for m in members:
        if Profile.of(m) is not None:  # described already: never overwritten (idempotent per row)
            continue
        manager = m.position in titles and m.id % 4 != 0
        backbone = m.id % 3 == 0 or (m.status in ("activist", "candidate") and m.id % 2 == 0)
        if manager or backbone:
            set_profile(m, manager, backbone, titles[m.position] if manager else "技术骨干")
    session.flush()


def _cultivations(session: Session, today: dt.date) -> None:
    """双向培养 in both directions: ongoing, done, overdue and stopped records."""
    from plugins.dongfanghong.projects import mark_backbone

    if not _empty(session, Cultivation):
        return
    members, seen = [], set()
    for row in session.execute(select(Member.id, Member.name, Member.party_org_id, Member.organization_id)
                               .where(Member.status == "full", Member.position == "").order_by(Member.id).limit(300)):
        if row[2] not in seen and len(members) < 6:  # one per party org
            seen.add(row[2])
            members.append(row)
    pipeline = list(session.execute(select(Member.id, Member.name, Member.party_org_id, Member.organization_id,
                                           Member.status)
                                    .where(Member.status.in_(("activist", "candidate", "probationary")))
                                    .order_by(Member.id).limit(6)).all())
    mentors = ("周敏", "陈立", "谭红", "李想", "王海", "刘畅")
    for i, (mid, name, pid, oid) in enumerate(members):
        done = i < 2
        session.add(Cultivation(
            direction="to_backbone", person_name=name, member_id=mid, party_org_id=pid, organization_id=oid,
            mentor=mentors[i % len(mentors)], started_on=today - dt.timedelta(days=300 - 20 * i),
            target_on=today - dt.timedelta(days=30 if done else 10) if i <= 2 else today + dt.timedelta(days=30 * i),
            finished_on=today - dt.timedelta(days=20 + i) if done else None, status="done" if done else "ongoing",
            notes="岗位练兵、技术攻关领衔，一对一结对培养。"))
    for i, (mid, name, pid, oid, status) in enumerate(pipeline):
        done = status == "probationary"
        stopped = not done and i == len(pipeline) - 1
        session.add(Cultivation(
            direction="to_member", person_name=name, member_id=mid, party_org_id=pid, organization_id=oid,
            mentor=mentors[(i + 3) % len(mentors)], started_on=today - dt.timedelta(days=400 - 30 * i),
            target_on=today + dt.timedelta(days=90) if not done else None,
            finished_on=today - dt.timedelta(days=15) if done else None,
            status="done" if done else ("stopped" if stopped else "ongoing"),
            notes="业务骨干列为入党积极分子，党员培养联系人定期谈心谈话。" + ("\n中止原因：本人调离" if stopped else "")))
        if done:
            mark_backbone(session, mid)
    session.flush()


def _cooperations(session: Session, groups: list[Cluster], today: dt.date) -> None:
    """Co-building with community party orgs (活水) per group, and the other kinds of cooperation."""
    if not _empty(session, Cooperation):
        return
    from plugins.dongfanghong.projects import community_partners

    contents = [("resources", "共享社区党群服务中心活动场地，联合开展主题党日", "三家企业党支部借用场地开展活动 6 次"),
                ("talent", "社区卫生服务中心为企业员工开展健康讲座和义诊", "服务员工 120 余人次"),
                ("career", "联合社区举办“政企早餐会”，对接用工与就业需求", "促成 15 名社区居民就业"),
                ("growth", "联合开展“我为企业解个难”走访，收集企业需求", "收集需求 9 项，已解决 6 项")]
    for gi, g in enumerate(groups):
        partners = community_partners(session, [g]) or [f"{g.area.split('、')[0] if g.area else '东方红'}社区党委"]
        for k, (area, content, result) in enumerate(contents[:3]):
            session.add(Cooperation(kind="community", area=area, cluster_id=g.id, partner=partners[k % len(partners)],
                                    held_on=today - dt.timedelta(days=25 + 40 * k + 7 * gi), content=content,
                                    result=result))
    others = [("group", "talent", "联组间党建骨干交流培训", "两个联组 40 名党务工作者参训"),
              ("agency", "resources", "与街道政务服务中心共建“联企专员”服务点", "企业办事“一次办好”"),
              ("unit", "growth", "与驻街高校共建实践教学点", "接收实习生 12 名"),
              ("mass", "talent", "街道团工委、妇联进企业开展青年联谊和女职工关爱活动", "覆盖青年职工 200 余人"),
              ("enterprise", "career", "两家软件企业党支部联合攻关项目", "联合申报项目 1 项")]
    for i, (kind, area, content, result) in enumerate(others):
        g = groups[i % len(groups)]
        other = groups[(i + 1) % len(groups)] if kind == "group" else None
        partner = {"group": other.name if other else "", "agency": "东方红街道政务服务中心", "unit": "驻街高校",
                   "mass": "街道团工委、妇联", "enterprise": "两新组织党支部"}[kind]
        session.add(Cooperation(kind=kind, area=area, cluster_id=None if kind == "enterprise" else g.id,
                                partner_cluster_id=other.id if other else None, partner=partner,
                                held_on=today - dt.timedelta(days=30 + 20 * i), content=content, result=result))
    session.flush()


def _venues(session: Session, tenant, settings, today: dt.date) -> None:
    """Acceptance applications as venue checklists (the tenant's items, set in tenants/dongfanghong.toml):
    some waiting (one of them too long, one part-way checked), one failed, upgrades passed."""
    from core.plugins import registry
    from core.registry.models import PartyOrg
    from plugins.checklists import api as checklists
    from plugins.dongfanghong import venues

    if "checklists" not in registry().enabled(tenant.id) or venues.checks(session):
        return
    have = {venues.class_of(t.key) for t in venues.venue_templates(settings)}
    if not {2, 3} <= have:
        return
    infos = svc.two_new_party_orgs(session)
    pos = {p.id: p for p in session.scalars(select(PartyOrg).where(PartyOrg.id.in_([i.id for i in infos] or [0])))}
    without = [p for p in pos.values() if not p.venue_class]
    third = [p for p in pos.values() if p.venue_class == 3]

    def start(p, n: int, opened: dt.date, note: str):
        return checklists.create_checklist(session, tenant, {
            "template_key": venues.template_key(n), "subject_kind": "party_org", "subject_id": p.id,
            "opened_on": opened.isoformat(), "note": note}, today)

    for i, p in enumerate(sorted(without, key=lambda p: p.id)[:5]):
        waited = 90 if i == 0 else 10 + 5 * i
        c = start(p, 3, today - dt.timedelta(days=waited), "已完成活动室改造")
        if i in (1, 4):
            first = c.items[0]
            checklists.check_item(session, c, first, {"status": "done"}, today, "街道党建办")
        if i == 4:
            second = c.items[1]
            checklists.check_item(session, c, second, {"status": "failed", "note": "制度未上墙"}, today, "街道党建办")
            checklists.decide(session, c, "fail", {"note": "活动室面积不足，制度未上墙"}, today, "街道党建办")
    for p in sorted(third, key=lambda p: p.id)[:2]:
        decided = today - dt.timedelta(days=20)
        c = start(p, 2, decided - dt.timedelta(days=15), "阵地设施按二类标准改造完成")
        for item in c.items:
            if not item.evidence_required:
                checklists.check_item(session, c, item, {"status": "done", "reviewed_on": decided.isoformat()},
                                      today, "街道党建办、区委两新工委")
        if all(i.status == "done" for i in c.items):  # passing writes the class to the registry (hook)
            checklists.decide(session, c, "pass", {"decided_on": decided.isoformat(), "note": "阵地设施达到二类标准"},
                              today, "街道党建办、区委两新工委")
    session.flush()


def _dues(session: Session, today: dt.date) -> None:
    """Dues handed in this year by the party orgs of the street (basis of the full refund), kept as
    the membership block's 党费上缴 records."""
    from plugins.membership.api import DuesRemittance as DuesRecord

    if not _empty(session, DuesRecord):
        return
    sizes = {p.id: p.members for p in svc.two_new_party_orgs(session)}
    for pid in sorted(sizes)[:40]:
        if sizes[pid]:
            session.add(DuesRecord(party_org_id=pid, year=today.year, amount_fen=sizes[pid] * 2400 + pid % 7 * 100,
                                   note="按月足额缴纳"))
    session.flush()


def _resource_partners(session: Session, tenant, today: dt.date) -> None:
    """Resource partners of the five sectors on the lists engine's resource list (活水)."""
    from plugins.dongfanghong.projects import SECTORS
    from plugins.lists import api as lists

    if session.scalar(select(func.count()).select_from(lists.ListResource).where(
            lists.ListResource.provider_kind.in_([k for k in SECTORS if k != "government"]))):
        return
    lists.load_demo(session, tenant, today)  # the engine's own demo first (it only runs on an empty list)
    rows = [
        ("government", "企业开办“一件事一次办”帮办", "岳麓区政务服务中心东方红分中心", "policy"),
        ("education", "职工子女入学政策咨询", "东方红学校", "talent"),
        ("education", "企业员工学历提升课程", "湖南开放大学岳麓分校", "talent"),
        ("medical", "企业员工健康体检与义诊", "东方红街道社区卫生服务中心", "other"),
        ("finance", "小微企业“党建+信贷”融资对接", "长沙银行麓谷支行", "cost"),
        ("talent", "高校毕业生招聘对接", "岳麓区人才服务中心", "talent"),
    ]
    for i, (kind, title, provider, category) in enumerate(rows):
        lists.create_resource(session, lists.system_access("demo"), tenant, {
            "title": title, "provider_kind": kind, "provider_name": provider, "category": category,
            "contact_name": "联络员", "capacity": str(10 + i),
            "description": "以社区（村）党组织为纽带，面向辖区两新组织提供服务。"}, today)
    session.flush()


def _guarantee_proposals(session: Session, tenant, settings, today: dt.date) -> None:
    """The start-up funds and venue subsidies of the year proposed into the funds ledger."""
    from plugins.dongfanghong import guarantees as gsvc
    from plugins.funds import api as funds

    if session.scalar(select(func.count()).select_from(funds.Disbursement).where(
            funds.Disbursement.source == gsvc.SOURCE)):
        return
    for kind in ("startup", "venue"):
        gsvc.propose(session, tenant, today.year, kind, settings, today, "demo")


# --- 金口碑, 金品质, 量化 ----------------------------------------------------------------------------


def _group_orgs(session: Session, groups: list[Cluster]) -> list[list[Organization]]:
    """Per group, the first organizations covered by its party orgs (stable order)."""
    pmap = svc.group_party_org_ids(session, [g.id for g in groups])
    return [list(session.scalars(select(Organization).join(
        PartyOrgCoverage, PartyOrgCoverage.organization_id == Organization.id)
        .where(PartyOrgCoverage.party_org_id.in_(pmap[g.id] or [0]))
        .distinct().order_by(Organization.id).limit(8))) for g in groups]


def _stations_and_tickets(session: Session, tenant, groups: list[Cluster], today: dt.date) -> None:
    """金口碑: a 工作服务站 per community of the groups besides the street's, each taking tickets from
    the groups' enterprises, triaged into the three resolution levels and tagged with the special
    actions (我为企业解个难 / 办实事 / 支个招); matched to resources as 任务清单 items owned by a
    service butler in one of the claimer roles; resolved, in progress, accepted and overdue ones."""
    from plugins.lists import api as lists

    ListResource, Site, station = lists.ListResource, lists.Site, lists.Site.kind == lists.STATION_KIND
    demo = lists.system_access("demo")
    if session.scalar(select(func.count()).select_from(Site).where(station, Site.grade == "community")):
        return
    scheme = lists.scheme(tenant)
    street = session.scalar(select(Site).where(station, Site.grade == "street").order_by(Site.id))
    communities = [c for c in (g.area.split("、")[0] if g.area else "" for g in groups) if c]
    stations = [street] if street is not None else []
    for community in dict.fromkeys(communities):
        stations.append(lists.create_station(session, demo, {
            "name": f"{community}{scheme.station_label}", "level": "community", "community": community,
            "address": f"{community}党群服务中心"}))
    stations = [st for st in stations if st is not None]
    per_group = _group_orgs(session, groups)
    tickets = [  # title, category, special action, triage level, final state, days ago
        ("新招员工社保办理流程咨询", "policy", "solve", "onsite", "rated", 40),
        ("申报高新技术企业需要材料指导", "policy", "advice", "integrate", "resolved", 30),
        ("园区夜间通勤公交线路延长", "commute", "deed", "escalate", "in_progress", 25),
        ("初创团队寻找孵化场地", "incubation", "solve", "integrate", "in_progress", 12),
        ("员工子女就近入学咨询", "talent", "deed", "onsite", "resolved", 20),
        ("企业宣传片拍摄对接", "promotion", "advice", "onsite", "accepted", 6),
        ("节能改造补贴申请", "cost", "solve", "escalate", "accepted", 30),
        ("急需招聘数控技工 5 名", "talent", "solve", "", "submitted", 1),
    ]
    urgency = scheme.urgencies[0].key
    resources = list(session.scalars(select(ListResource).where(ListResource.status == "active")
                                     .order_by(ListResource.id)))
    owners = [b.name for b in session.scalars(select(Butler).order_by(Butler.id))] or ["联企专员"]
    roles = [c.key for c in scheme.claimer_roles] or [""]
    for i, (title, category, action, level, state, ago) in enumerate(tickets):
        orgs = per_group[i % len(per_group)] if per_group else []
        if not orgs or not stations or not resources:
            continue
        org, station = orgs[(i // len(per_group)) % len(orgs)], stations[i % len(stations)]
        day = today - dt.timedelta(days=ago)
        demand = lists.submit_demand(session, demo, tenant, {
            "organization_id": str(org.id), "title": title, "category": category, "urgency": urgency,
            "action_tag": action, "station_id": str(station.id), "contact_name": "企业联络员",
            "description": f"{org.name}在{station.name}提出：{title}。"}, day)
        if state == "submitted":
            continue
        lists.accept(session, demo, tenant, demand, {"triage_level": level}, day + dt.timedelta(days=1))
        if state == "accepted":
            continue
        work = lists.match(session, demo, tenant, demand, {
            "resource_ids": [resources[i % len(resources)].id], "owner_name": owners[i % len(owners)],
            "owner_role": roles[i % len(roles)], "triage_level": level, "note": "服务管家对接资源、限时办理",
            "kind": scheme.work_lists[0].key},  # named: another program may add work lists of its own
            day + dt.timedelta(days=2))
        if state == "in_progress":
            continue
        lists.complete_work(session, demo, work, {"result": "资源已对接到位"}, day + dt.timedelta(days=4))
        lists.resolve(session, demo, tenant, demand, {"resolution": "服务管家现场对接，已办结",
                                                            "triage_level": level}, day + dt.timedelta(days=5))
        if state == "rated":
            lists.rate(session, demo, demand, {"rating": "5", "rating_comment": "响应快、办得实"},
                      day + dt.timedelta(days=6))
    session.flush()


def _activities(session: Session, tenant, groups: list[Cluster], today: dt.date) -> None:
    """金品质 salons and trainings with speakers, participants and attendance; 联组会商 each
    quarter (the last group has not met yet this quarter, so the dashboard shows it as due)."""
    from plugins.activities import api as activities

    Activity = activities.Activity
    if session.scalar(select(func.count()).select_from(Activity).where(Activity.activity_type.like("dongfanghong.%"))):
        return
    now = clock.utcnow()
    activities.load_demo(session, tenant, now)  # the engine's own demo (core already ran it first; idempotent)
    system = activities.system_access()
    qs, _ = svc.quarter_bounds(today)
    last_q = svc.quarter_bounds(qs - dt.timedelta(days=1))[0]

    def add(kind: str, organizer: str, title: str, day: dt.date, start: str, end: str, **extra):
        return activities.create_activity(session, system, tenant, {
            "activity_type": kind, "organizer": organizer, "title": title, "date": day.isoformat(),
            "start_time": start, "end_time": end, **extra}, now)

    for gi, g in enumerate(groups):
        add("dongfanghong.group_meeting", f"cluster:{g.id}", f"{g.name}季度会商：梳理企业需求与共建项目",
            last_q + dt.timedelta(days=20 + gi), "15:00", "17:00", place=f"{g.name}活动阵地")
        if gi < len(groups) - 1:
            add("dongfanghong.group_meeting", f"cluster:{g.id}", f"{g.name}季度会商：年度工作总结与评优准备",
                min(qs + dt.timedelta(days=10 + gi), today - dt.timedelta(days=1)), "15:00", "17:00",
                place=f"{g.name}活动阵地")
    salon = add("dongfanghong.salon", "tenant", "金品质主题沙龙：党建引领企业高质量发展", today - dt.timedelta(days=15),
                "14:30", "17:00", place=f"{tenant.name}党群服务中心",
                speakers="陈教授，省委党校，党建引领与企业治理\n刘总，湖南某科技公司，党建工作与企业文化融合")
    training = add("dongfanghong.training", f"cluster:{groups[0].id}", "金品质培训讲堂：发展党员工作规程",
                   today - dt.timedelta(days=8), "09:00", "11:30", place=f"{tenant.name}党校",
                   speakers="张老师，区委组织部，发展党员工作规程与档案管理")
    add("dongfanghong.training", "tenant", "金品质培训讲堂：两新组织书记履职能力提升", today + dt.timedelta(days=20),
        "09:00", "16:30", place=f"{tenant.name}党校", speakers="李老师，市委党校，书记抓党建述职要点")
    pmap = svc.group_party_org_ids(session, [g.id for g in groups])
    for activity, pids in ((salon, [p for ps in pmap.values() for p in ps[:2]]), (training, pmap[groups[0].id][:4])):
        members = list(session.scalars(select(Member.id).where(Member.party_org_id.in_(pids or [0]))
                                       .order_by(Member.id).limit(10)))
        if not members:
            continue
        activities.add_participants(session, system, activity, members)
        entries = [activities.AttendanceEntry(p.id, "present") for p in activity.participants]
        if len(entries) > 3:
            entries[-1] = activities.AttendanceEntry(entries[-1].participant_id, "leave", "外出参展", "yes")
            entries[-2] = activities.AttendanceEntry(entries[-2].participant_id, "absent")
        activities.record_attendance(session, system, activity, entries, now)
    session.flush()


def _group_ranking(session: Session, tenant, groups: list[Cluster], today: dt.date) -> None:
    """量化: this year's 联组工作考核评优 scored and published; the funds reward rule proposes the
    excellent-group reward for the top group(s) as a result."""
    from plugins.assessment import api as assessment

    if session.scalar(select(func.count()).select_from(assessment.AssessmentRound).where(
            assessment.AssessmentRound.template_key == "dongfanghong.group_ranking")):
        return
    assessment.load_demo(session, tenant, today)  # the engine's own demo (core already ran it first; idempotent)
    rnd = assessment.create_round(session, tenant, {
        "template": "dongfanghong.group_ranking", "period": str(today.year), "target_mode": "chosen",
        "targets": [g.id for g in groups], "title": f"{today.year}年度联组工作考核评优"})
    assessment.transition(session, tenant, rnd, "open")
    assessment.transition(session, tenant, rnd, "start_scoring")
    rank = {g.id: i for i, g in enumerate(sorted(groups, key=lambda g: (g.id % 3, g.id)))}
    for sheet in assessment.sheets_of(session, rnd):
        assessment.save_scores(session, assessment.system_access("demo"), sheet, {
            cr.key: (str(max(cr.max_points - rank[sheet.target_id] * (1 + k % 2), 0)), "联组工作台账、会商记录")
            for k, cr in enumerate(rnd.template.criteria)})
    assessment.transition(session, tenant, rnd, "submit_review")
    assessment.transition(session, tenant, rnd, "publish")
    session.flush()


def _demo_sites(session: Session, tenant, today: dt.date) -> None:
    """量化 → 示范阵地: last year's 示范性党群活动阵地评选 published over three branches; the one graded
    三个一流 holds the title from the publication (quantified.py) and gets its plaque (挂牌)."""
    from plugins.assessment import api as assessment
    from plugins.designations import api as designations
    from plugins.dongfanghong.program import DEMO_SITE

    if session.scalar(select(func.count()).select_from(assessment.AssessmentRound).where(
            assessment.AssessmentRound.template_key == DEMO_SITE)):
        return
    branches = list(session.scalars(select(PartyOrg).where(PartyOrg.dissolved_on.is_(None),
                                                           PartyOrg.org_type.in_(("branch", "joint_branch")),
                                                           PartyOrg.venue_class.is_not(None))
                                    .order_by(PartyOrg.venue_class, PartyOrg.id).limit(3)))
    if len(branches) < 3:
        return
    year = today.year - 1
    rnd = assessment.create_round(session, tenant, {
        "template": DEMO_SITE, "period": str(year), "target_mode": "chosen", "targets": [b.id for b in branches],
        "title": f"{year}年度示范性党群活动阵地评选"})
    assessment.transition(session, tenant, rnd, "open")
    assessment.transition(session, tenant, rnd, "start_scoring")
    share = {b.id: pct for b, pct in zip(branches, (96, 80, 62), strict=True)}
    for sheet in assessment.sheets_of(session, rnd):
        assessment.save_scores(session, assessment.system_access("demo"), sheet, {
            cr.key: (str(cr.max_points * share[sheet.target_id] // 100), "阵地实地查看、活动台账")
            for cr in rnd.template.criteria})
    assessment.transition(session, tenant, rnd, "submit_review")
    assessment.transition(session, tenant, rnd, "publish")  # publication records the title (quantified.py)
    for d in designations.in_force(session, today, kind=DEMO_SITE):
        designations.update(session, tenant, d, {"plaque_on": today.isoformat(), "awarded_by": "东方红街道两新综合党委"},
                            today)
    session.flush()
