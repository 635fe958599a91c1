"""Demo rows of the nanhu program for a tenant that enabled it (idempotent per row, deterministic
for a given day). The seed's figures come from rows: 1,300+ talents recruited (人才招引台账),
800+ enterprise orders solved (the lists engine's demands), the "1+4" alliances as clusters;
coverage (96.5 % / 94.6 %) and the 38 new branches come from the registry demo."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.registry.models import Cluster, ClusterLeader, ClusterMember, Organization, PartyOrg
from core.tenancy import TenantInfo
from plugins.nanhu import program
from plugins.nanhu import service as svc
from plugins.nanhu.models import Disclosure, ResultUse, Talent, ThemeDay

#: how many recruitment entries and solved orders the demo writes (totals above the seed's 1,300 / 800)
TALENT_ENTRIES = 260
SOLVED_ORDERS = 820
OPEN_ORDERS = 12

POSITIONS = ("软件工程师", "数控技师", "财务总监", "市场营销经理", "注册建造师", "高级教师", "护理主管", "电气工程师",
             "数据分析师", "物流调度主管", "人力资源经理", "质检工程师", "产品设计师", "法务专员", "项目经理")
PEOPLE = ("张", "王", "李", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗")
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "华", "慧", "建华", "志强")
ORDER_TITLES = {
    "finance": ("流动资金贷款对接", "设备购置融资需求", "应收账款融资咨询", "科技型企业信用贷款申请"),
    "project": ("技改项目立项申报指导", "新建生产线项目立项", "省级专项资金项目申报", "产业扶持项目入库"),
    "approval": ("施工许可办理加急", "食品经营许可证变更", "消防验收手续咨询", "环评审批流程指导"),
    "land": ("厂房扩建用地协调", "标准厂房租赁对接"),
    "talent": ("高层次人才引进政策咨询", "技术工人招聘对接"),
    "employment": ("季节性用工缺口", "稳岗补贴申领指导"),
    "policy": ("惠企政策兑现咨询", "研发费用加计扣除辅导"),
    "market": ("本地政府采购信息对接", "产品进商超渠道对接"),
}
DEPARTMENTS = (
    ("finance", "南湖新区财政金融局", "金融服务专员对接银行，提供融资辅导"),
    ("project", "南湖新区发展改革局", "项目立项、专项资金申报一对一指导"),
    ("approval", "南湖新区行政审批服务局", "审批事项帮办代办、绿色通道"),
    ("land", "南湖新区自然资源和规划局", "用地、厂房规划手续指导"),
    ("talent", "南湖新区人力资源和社会保障局", "人才政策、招聘会与用工对接"),
    ("employment", "南湖新区人力资源和社会保障局", "稳岗补贴、用工余缺调剂"),
    ("policy", "南湖新区税务局", "惠企政策、税收优惠辅导"),
    ("market", "南湖新区商务和市场监管局", "市场拓展、产销对接"),
)
ALLIANCE_INDUSTRIES = (("I", "C"), ("G", "F"), ("R", "H"), ("L", "K"), ("M", "E", "Q"))


def _chains(tenant: TenantInfo) -> list[str]:
    from core.plugins import registry

    names = [c.strip() for c in registry().settings(tenant.id, "nanhu").chains.replace("，", ",").split(",") if c.strip()]
    return (names + ["产业链"] * 5)[:5]


def load(session: Session, tenant: TenantInfo, today: dt.date | None = None) -> None:
    today = today or clock.today()
    rng = random.Random(f"nanhu-{tenant.slug}")
    orgs = list(session.scalars(select(Organization).where(Organization.status == "operating")
                                .order_by(Organization.id)))
    if not orgs:
        return
    alliances = _alliances(session, tenant, orgs, today)
    _talents(session, orgs, rng, today)
    _orders(session, tenant, alliances, rng, today)
    _theme_days(session, rng, today)
    _clean(session, tenant, orgs, today)
    _disclosures(session, orgs, rng, today)
    _results(session, orgs, rng, today)
    _activities(session, tenant, alliances, today)
    _integrity(session, tenant, today)
    load_blocks(session, tenant, today)
    session.flush()


def _alliances(session: Session, tenant: TenantInfo, orgs: list[Organization], today: dt.date) -> list[Cluster]:
    out = []
    enterprises = [o for o in orgs if o.kind == "enterprise"]
    for i, chain in enumerate(_chains(tenant)):
        name = f"{chain}产业链党建联盟"
        cluster = session.scalar(select(Cluster).where(Cluster.cluster_type == program.ALLIANCE, Cluster.name == name))
        if cluster is None:
            members = [o for o in enterprises if o.industry in ALLIANCE_INDUSTRIES[i]][:24] or enterprises[i::25][:12]
            cluster = Cluster(cluster_type=program.ALLIANCE, name=name, area=tenant.name,
                              lead_organization_id=members[0].id if members else None,
                              description=("主导产业链" if i == 0 else "优势产业链") + "：党建引领、产业链接、协同发展",
                              attributes={"chain": chain, "guide": "两新工委、行业党委"})
            session.add(cluster)
            session.flush()
            start = today - dt.timedelta(days=400)
            session.add_all(ClusterMember(cluster_id=cluster.id, organization_id=o.id, joined_on=start) for o in members)
            if members:
                session.add(ClusterLeader(cluster_id=cluster.id, title="chair", person_name=members[0].legal_rep or "联盟主席",
                                          organization_id=members[0].id, appointed_on=start))
        out.append(cluster)
    session.flush()
    return out


def _talents(session: Session, orgs: list[Organization], rng: random.Random, today: dt.date) -> None:
    have = {(t.organization_id, t.position, t.recruited_on) for t in session.scalars(select(Talent))}
    cats, methods = list(svc.TALENT_CATEGORIES), list(svc.TALENT_METHODS)
    rows = []
    for i in range(TALENT_ENTRIES):
        org = orgs[rng.randrange(len(orgs))]
        day = today - dt.timedelta(days=rng.randrange(1, 3 * 365))
        position = POSITIONS[i % len(POSITIONS)]
        named = i % 3 == 0
        headcount = 1 if named else rng.randint(3, 12)
        if (org.id, position, day) in have:
            continue
        have.add((org.id, position, day))
        rows.append(Talent(organization_id=org.id, position=position, recruited_on=day, headcount=headcount,
                           person_name=(rng.choice(PEOPLE) + rng.choice(GIVEN)) if named else "",
                           category=cats[i % 3], method=methods[rng.randrange(len(methods))],
                           note="" if named else f"批量招引{position}"))
    session.add_all(rows)


def _orders(session: Session, tenant: TenantInfo, alliances: list[Cluster], rng: random.Random,
            today: dt.date) -> None:
    from plugins.lists import api as lists

    access = lists.system_access("demo")
    resources = {}
    for category, provider, description in DEPARTMENTS:
        title = f"{provider}：{svc_label(category)}服务"
        res = session.scalar(select(lists.ListResource).where(lists.ListResource.title == title))
        if res is None:
            res = lists.create_resource(session, access, tenant, {
                "title": title, "category": category, "provider_kind": "department", "provider_name": provider,
                "capacity": "100000", "contact_name": "联企专员", "description": description}, today)
        resources[category] = res
    members: list[int] = []
    for c in alliances:
        members += list(session.scalars(select(ClusterMember.organization_id).where(
            ClusterMember.cluster_id == c.id, ClusterMember.organization_id.is_not(None))))
    if not members:
        return
    have = set(session.scalars(select(lists.ListDemand.title)))
    categories = list(ORDER_TITLES)
    solved_rows = []
    for i in range(SOLVED_ORDERS + OPEN_ORDERS):
        category = categories[i % len(categories)]
        title = f"{ORDER_TITLES[category][i % len(ORDER_TITLES[category])]}（第{i + 1:04d}号点单）"
        if title in have:
            continue
        org_id = members[i % len(members)]
        solved = i < SOLVED_ORDERS
        day = today - dt.timedelta(days=(20 + (i * 997) % (3 * 365)) if solved else rng.randrange(1, 10))
        if solved:  # the history: written at once in the state the five steps below leave
            solved_rows.append({
                "organization_id": org_id, "title": title, "category": category, "urgency": "normal",
                "description": f"企业点单：{title}", "submitted_on": day, "resource_id": resources[category].id,
                "owner_name": resources[category].provider_name, "owner_role": "department", "kind": "service",
                "triage_level": "department", "result": "部门上门服务，问题已解决", "resolution": "已解决",
                "done_on": day + dt.timedelta(days=3 + i % 9)})
            continue
        demand = lists.submit_demand(session, access, tenant, {
            "organization_id": str(org_id), "title": title, "category": category, "urgency": "normal",
            "description": f"企业点单：{title}"}, day)
        lists.accept(session, access, tenant, demand, {"triage_level": "department"}, day + dt.timedelta(days=1))
    lists.record_solved(session, access, tenant, solved_rows)


def svc_label(category: str) -> str:
    return dict(program.ORDER_CATEGORIES).get(category, category)


def _branches(session: Session) -> list[PartyOrg]:
    return svc.branch_party_orgs(session)


def _months_back(today: dt.date, n: int) -> Iterable[dt.date]:
    m = today.replace(day=1)
    for _ in range(n):
        yield m
        m = (m - dt.timedelta(days=1)).replace(day=1)


def _theme_days(session: Session, rng: random.Random, today: dt.date) -> None:
    branches = _branches(session)
    months = list(_months_back(today, 3))
    have = {(t.party_org_id, t.month) for t in session.scalars(select(ThemeDay).where(ThemeDay.month.in_(months)))}
    for k, month in enumerate(months):
        for j, po in enumerate(branches):
            if (po.id, month) in have or (po.founded_on and po.founded_on > svc.month_end(month)):
                continue
            if k == 0 and j % 3:  # this month: a third checked so far
                continue
            full = bool(j % 10) if k > 0 else j % 2 == 0
            session.add(ThemeDay(party_org_id=po.id, month=month, lesson_done=True, lesson_topic="廉洁从业专题党课",
                                 film_done=True, film_title="《零容忍》警示教育片",
                                 practice_done=full, practice_note="参观廉政教育基地" if full else ""))


#: a minimal PDF standing for a 股东会决议 (the evidence file of a demo clean-enterprise creation)
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _clean(session: Session, tenant: TenantInfo, orgs: list[Organization], today: dt.date) -> None:
    """30 清廉民企 creations on the designations block: 18 验收命名 (the charter clause's evidence on file),
    6 创建中 with the evidence uploaded, 6 just started."""
    from core.plugins import registry
    from plugins.designations import api as designations

    if "designations" not in registry().enabled(tenant.id):
        return
    have = {d.subject_id for d in designations.designations(session, kind=program.CLEAN)}
    enterprises = [o for o in orgs if o.kind == "enterprise" and o.employees >= 20][:30]
    for i, org in enumerate(enterprises):
        if org.id in have or designations.blocked(session, tenant, "organization", org.id):
            continue
        started = today - dt.timedelta(days=60 + 11 * i)
        d = designations.create(session, tenant, {
            "kind": program.CLEAN, "subject_kind": "organization", "subject_id": str(org.id), "level": "district",
            "awarded_on": started.isoformat(), "awarded_by": "南湖新区纪工委、两新工委",
            "basis": "清廉条款（写入企业章程）：公司坚持依法合规经营，严禁商业贿赂，建立廉洁风险防控和廉洁承诺制度。"}, today, "demo")
        if i % 5 == 4:
            continue
        designations.add_evidence(session, d, f"{started.year}年第{i + 1}次股东会决议（章程修正案）.pdf", DEMO_PDF)
        if i % 5 < 3:
            designations.transition(session, tenant, d, "approve",
                                    {"awarded_on": (started + dt.timedelta(days=45)).isoformat(), "note": "验收合格"},
                                    today, "demo-review")


def _disclosures(session: Session, orgs: list[Organization], rng: random.Random, today: dt.date) -> None:
    have = {(d.organization_id, d.title) for d in session.scalars(select(Disclosure))}
    kinds, channels = list(svc.DISCLOSURE_KINDS), [c for c in svc.DISCLOSURE_CHANNELS if c != "other"]
    titles = {"party": ("党费收缴情况公示", "发展党员公示", "主题党日安排"), "enterprise": ("职工福利发放公示", "安全生产责任公示", "企业年度经营情况")}
    for i in range(60):
        org = orgs[(i * 37) % len(orgs)]
        kind = kinds[i % 2]
        title = f"{titles[kind][i % 3]}（{(today - dt.timedelta(days=5 * i)):%Y年%m月}）"
        if (org.id, title) in have:
            continue
        have.add((org.id, title))
        session.add(Disclosure(organization_id=org.id, kind=kind, channel=channels[i % 3],
                               disclosed_on=today - dt.timedelta(days=5 * i), title=title,
                               content="在门店宣传栏、电子显示屏同步公开，接受党员职工监督。"))


def _results(session: Session, orgs: list[Organization], rng: random.Random, today: dt.date) -> None:
    year = today.year - 1
    have = {(r.organization_id, r.year, r.use_kind) for r in session.scalars(select(ResultUse).where(ResultUse.year == year))}
    grades = (("优秀", "priority"), ("良好", "normal"), ("合格", "normal"), ("不合格", "strict"))
    departments = {"license": "南湖新区商务和市场监管局", "funding": "南湖新区发展改革局", "award": "南湖新区两新工委"}
    for i, org in enumerate(orgs[:24]):
        use = list(svc.USE_KINDS)[i % 3]
        if (org.id, year, use) in have:
            continue
        grade, outcome = grades[i % 4] if i % 8 else grades[0]
        session.add(ResultUse(organization_id=org.id, year=year, use_kind=use, grade=grade, outcome=outcome,
                              department=departments[use], note=f"{year}年度两新组织党建考核结果运用"))


def _activities(session: Session, tenant: TenantInfo, alliances: list[Cluster], today: dt.date) -> None:
    from plugins.activities import api as activities

    access = activities.system_access()
    have = set(session.scalars(select(activities.Activity.title).where(
        activities.Activity.activity_type.like("nanhu.%"))))
    joint = {k for k, _ in program.JOINT_TYPES}
    branches = _branches(session)
    plan = []
    for i, (key, label) in enumerate((*program.WORK_TYPES, *program.JOINT_TYPES)):
        for j, c in enumerate(alliances[:3]):
            day = today - dt.timedelta(days=15 + 23 * i + 7 * j)
            # the four 联学/联过/联建/联谋 are held by the alliance together with a two-new branch
            co = [f"party_org:{branches[(i * 3 + j) % len(branches)].id}"] if key in joint and branches else []
            plan.append((key, f"{c.name}{label}", f"cluster:{c.id}", day, co))
    for key, title, organizer, day, co in plan:
        if title in have or (key in joint and not co):
            continue
        activities.create_activity(session, access, tenant, {
            "activity_type": key, "organizer": organizer, "co_organizers": co, "title": title,
            "date": day.isoformat(), "start_time": "09:00", "end_time": "11:30", "place": "南湖新区党群服务中心"})


def _integrity(session: Session, tenant: TenantInfo, today: dt.date) -> None:
    """This year's two 党风廉政 required-course trainings (secretaries, then 积极分子) with their
    attendance: most present (completed), a few absent or on leave (still owing it)."""
    from plugins.activities import api as activities

    access = activities.system_access()
    have = set(session.scalars(select(activities.Activity.title).where(
        activities.Activity.activity_type == program.INTEGRITY_COURSE)))
    rows = svc.integrity_rows(session, today.year)
    for i, (group, label) in enumerate(svc.INTEGRITY_GROUPS.items()):
        title = f"{today.year}年两新组织{label}培训：党风廉政建设知识（必修课）"
        people = [r.member_id for r in rows if r.group == group]
        day = max(dt.date(today.year, 1, 2), today - dt.timedelta(days=40 - 15 * i))
        if title in have or not people or day >= today:
            continue
        a = activities.create_activity(session, access, tenant, {
            "activity_type": program.INTEGRITY_COURSE, "organizer": "tenant", "title": title,
            "date": day.isoformat(), "start_time": "14:30", "end_time": "17:00", "place": "南湖新区党员教育中心",
            "speakers": "区纪工委监工委宣教室负责人，区纪工委监工委，以案为鉴 守住底线"})
        added = activities.add_participants(session, access, a, people)
        activities.record_attendance(session, access, a, [
            activities.AttendanceEntry(p.id, "absent" if j % 9 == 4 else "present") for j, p in enumerate(added)])


#: the 19 member units of the 两新工委 with their 分工/职责 (the seed names the number, not the units)
MEMBER_UNITS = (
    ("区委组织部", "牵头抓总，统筹两新组织党建工作规划、考核和党组织书记队伍建设"),
    ("区委宣传部", "负责两新组织思想政治工作、宣传推介和廉政文化宣传"),
    ("区委统战部", "指导非公经济人士思想政治建设和商会党建"),
    ("区纪工委监工委", "指导清朗工程、清廉民企创建和监管黑名单管理"),
    ("区发展改革局", "服务企业项目立项、争资争项"),
    ("区财政金融局", "落实党建经费保障，对接金融机构服务企业融资"),
    ("区人力资源和社会保障局", "人才招引、用工服务和劳动竞赛"),
    ("区商务和市场监管局", "市场主体登记信息共享，证照年审中运用党建考核结果"),
    ("区行政审批服务局", "审批事项帮办代办，新设企业党建工作同步介入"),
    ("区民政局", "社会组织登记、年检中同步推进党建工作"),
    ("区教育局", "民办学校、培训机构党建工作"),
    ("区卫生健康局", "民营医疗机构党建工作"),
    ("区住房和城乡建设局", "建筑业、物业服务企业党建工作"),
    ("区司法局", "律师、公证等行业党建和法治宣传教育"),
    ("区税务局", "涉税服务和依法纳税监督，偷逃税款线索移送"),
    ("区总工会", "两新组织工会组建和职工技能比武"),
    ("团区委", "两新组织团组织建设和青年人才工作"),
    ("区妇联", "两新组织妇联组织建设"),
    ("区工商联", "非公企业和商会党建、行业评优推荐"),
)
HELPERS = (("区直机关工委", "organ"), ("区发展改革局", "department"), ("区商务和市场监管局", "department"),
           ("区人力资源和社会保障局", "department"), ("区住房和城乡建设局", "department"), ("区教育局", "department"),
           ("南湖街道（管理处）", program.STREET_OFFICE), ("龙山管理处", program.STREET_OFFICE))


def load_blocks(session: Session, tenant: TenantInfo, today: dt.date) -> None:
    """Rows in the shared blocks: member units and 帮扶 pairings, titles and the blacklist, handbook checklists."""
    from core.plugins import registry

    enabled = registry().enabled(tenant.id)
    branches = _branches(session)
    if "units" in enabled:
        _units(session, tenant, branches, today)
    if "designations" in enabled:
        _designations(session, tenant, branches, today)
    if "checklists" in enabled:
        _handbook(session, tenant, branches, today)
    if "cadences" in enabled:
        program.ensure_cadences(session, tenant)
    if "units" in enabled and "assessment" in enabled:
        _cobuild_rounds(session, tenant, today)


def _cobuild_rounds(session: Session, tenant: TenantInfo, today: dt.date) -> None:
    """The 一季一考核 of the helping units for this year's quarters that have ended, published (the
    annual round is fed from them on the program page: nothing typed in)."""
    from plugins.assessment import api as assessment
    from plugins.units import api as units

    helpers = sorted({p.unit_id for p in units.pairings_of(session, kind=program.BANGFU) if p.unit_id})
    if not helpers:
        return
    R = assessment.AssessmentRound
    have = set(session.scalars(select(R.period).where(R.template_key == program.COBUILD_QUARTER)))
    access = assessment.system_access("demo")
    for q in range(1, 5):
        end = dt.date(today.year, 3 * q, 1) + dt.timedelta(days=31)
        if end.replace(day=1) > today or f"{today.year}-Q{q}" in have:
            continue
        rnd = assessment.create_round(session, tenant, {
            "template": program.COBUILD_QUARTER, "period": f"{today.year}-Q{q}", "target_mode": "chosen",
            "targets": helpers})
        for action in ("open", "start_scoring"):
            assessment.transition(session, tenant, rnd, action)
        for i, sheet in enumerate(assessment.sheets_of(session, rnd)):
            base = 17 + (i * 3 + q) % 9  # 17 … 25 of 25 per part
            assessment.save_scores(session, access, sheet, {
                k: (str(min(25, base + j)), "共建活动记录、签到表") for j, k in enumerate(("study", "life", "venue", "plan"))})
        for action in ("submit_review", "publish"):
            assessment.transition(session, tenant, rnd, action)


def _units(session: Session, tenant: TenantInfo, branches: list[PartyOrg], today: dt.date) -> None:
    from plugins.units import api as units

    for name, duties in MEMBER_UNITS:
        if units.find_unit(session, "member_unit", name) is None:
            units.create_unit(session, tenant, {"name": name, "kind": "member_unit", "duties": duties})
    have = {(p.unit_id, p.party_org_id) for p in units.pairings_of(session, kind=program.BANGFU)}
    for i, (name, kind) in enumerate(HELPERS):
        unit = units.find_unit(session, kind, name) or units.create_unit(
            session, tenant, {"name": name, "kind": kind, "duties": "帮扶两新党组织：理论知识联学、组织生活联过、活动阵地联建、发展思路联谋"})
        if i >= len(HELPERS) - 2 or not branches:  # the last two have no pairing yet: the gaps page shows them
            continue
        po = branches[(i * 7) % len(branches)]
        if (unit.id, po.id) in have:
            continue
        units.create_pairing(session, tenant, {
            "kind": program.BANGFU, "holder_type": "unit", "unit_id": str(unit.id), "target_type": "party_org",
            "party_org_id": str(po.id), "started_on": (today - dt.timedelta(days=200)).isoformat(),
            "content": "理论知识联学、组织生活联过、活动阵地联建、发展思路联谋"}, today)


def _designations(session: Session, tenant: TenantInfo, branches: list[PartyOrg], today: dt.date) -> None:
    from core.registry.models import Member
    from plugins.designations import api as designations

    have = {(d.kind, d.subject_kind, d.subject_id) for d in designations.designations(session)}
    orgs = list(session.scalars(select(Organization).where(Organization.kind == "enterprise",
                                                           Organization.status == "operating")
                                .order_by(Organization.employees.desc(), Organization.id).limit(8)))
    members = list(session.scalars(select(Member).where(Member.status == "full", Member.organization_id.is_not(None))
                                   .order_by(Member.id).limit(6)))
    plan = [(program.RED_WORKSHOP, "organization", o.id) for o in orgs[:6]]
    plan += [(program.MODEL_POST, "member", m.id) for m in members[:3]]
    plan += [(program.RESPONSIBILITY_AREA, "member", m.id) for m in members[3:6]]
    plan += [(program.BENCHMARK, "party_org", po.id) for po in branches[:5]]
    for kind, subject_kind, subject_id in plan:
        if (kind, subject_kind, subject_id) in have:
            continue
        if designations.blocked(session, tenant, subject_kind, subject_id):
            continue
        d = designations.create(session, tenant, {"kind": kind, "subject_kind": subject_kind, "subject_id": str(subject_id),
                                                  "level": "district", "awarded_on": (today - dt.timedelta(days=90)).isoformat(),
                                                  "awarded_by": "南湖新区两新工委"}, today, "demo")
        if d.status == "applied":
            designations.transition(session, tenant, d, "approve", {}, today, "demo-review")
    # dynamic management: one red workshop's enterprise evaded taxes and is blacklisted — its title goes
    if len(orgs) >= 6 and designations.blacklist_entry(session, orgs[5].id) is None:
        designations.list_organization(session, tenant, {
            "organization_id": str(orgs[5].id), "reason": "偷逃税款", "detail": "税务部门移送：少缴增值税，已立案查处",
            "listed_on": (today - dt.timedelta(days=10)).isoformat()}, today, "demo")


def _handbook(session: Session, tenant: TenantInfo, branches: list[PartyOrg], today: dt.date) -> None:
    from plugins.checklists import api as checklists

    have = {c.subject_id for c in checklists.checklists_of(session, subject_kind="party_org",
                                                            template_key=program.HANDBOOK)}
    for i, po in enumerate(branches[:36]):
        if po.id in have:
            continue
        c = checklists.create_checklist(session, tenant, {"template_key": program.HANDBOOK, "subject_kind": "party_org",
                                                          "subject_id": str(po.id),
                                                          "opened_on": (today - dt.timedelta(days=60)).isoformat()}, today)
        session.flush()
        for j, item in enumerate(c.items):
            if i % 3 == 2 and j >= len(c.items) - 2:  # every third: the last two items still to fix
                checklists.check_item(session, c, item, {"status": "failed", "note": "述职评议记录不全，限期整改"},
                                      today, "南湖新区两新工委")
            else:
                checklists.check_item(session, c, item, {"status": "done"}, today, "南湖新区两新工委")
