"""Rules of the nanhu program's own records (validation → FormErrors, writes that flush) and the
figures of its dashboard. Pages and the API both go through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core import clock, search
from core.forms import FormErrors, row_id, text_problem
from core.forms import text as _text
from core.registry.models import Organization, PartyOrg
from plugins.nanhu.models import Disclosure, ResultUse, Talent, ThemeDay

TALENT_CATEGORIES = {"scarce": "稀缺性人才", "tight": "紧俏性人才", "needed": "需求性人才"}
TALENT_METHODS = {"market": "市场招聘", "campus": "高校招揽", "nationwide": "四海揽才", "affection": "柔情引才",
                  "enclave": "飞地引才"}
DISCLOSURE_KINDS = {"party": "党务公开", "enterprise": "企务公开"}
DISCLOSURE_CHANNELS = {"board": "门店宣传栏", "screen": "电子显示屏", "stand": "支架宣传板", "other": "其他"}
USE_KINDS = {"license": "证照年审", "funding": "争资争项", "award": "行业评优"}
USE_OUTCOMES = {"priority": "优先支持", "normal": "正常办理", "strict": "从严审核", "excluded": "取消资格"}
THEME_PARTS = {"lesson": "一课（廉政党课）", "film": "一片（警示教育片）", "practice": "一实践（廉洁实践）"}
#: party org types that hold the monthly theme day (the activities engine's branch types)
BRANCH_TYPES = ("branch", "joint_branch", "functional_branch")
MAX_HEADCOUNT = 10000


# --- input checking ------------------------------------------------------------------------------


class Check:
    """Collects field errors (Chinese) while reading a form or JSON body; :meth:`done` raises."""

    def __init__(self, raw: Mapping[str, Any]):
        self.raw, self.errors = raw, {}

    def text(self, key: str, label: str, max_length: int, required: bool = False) -> str:
        value = _text(self.raw, key)
        problem = text_problem(value)
        if problem:
            self.errors[key] = f"{label}{problem}"
        elif required and not value:
            self.errors[key] = f"请填写{label}"
        elif len(value) > max_length:
            self.errors[key] = f"{label}最多 {max_length} 个字符"
        return value

    def choice(self, key: str, label: str, options: Mapping[str, str], default: str | None = None) -> str:
        value = _text(self.raw, key) or (default or "")
        if value not in options:
            self.errors[key] = f"请选择{label}"
        return value

    def date(self, key: str, label: str, required: bool = True) -> dt.date | None:
        value = _text(self.raw, key)
        if not value:
            if required:
                self.errors[key] = f"请填写{label}"
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.errors[key] = f"{label}格式应为 2026-01-31"
            return None
        if not 1900 <= day.year <= 2200:
            self.errors[key] = f"{label}超出范围"
            return None
        return day

    def integer(self, key: str, label: str, lo: int, hi: int, default: int | None = None) -> int:
        value = _text(self.raw, key)
        if not value and default is not None:
            return default
        if not (value.isascii() and value.isdigit()) or not lo <= int(value) <= hi:
            self.errors[key] = f"{label}应为 {lo}–{hi} 的整数"
            return lo
        return int(value)

    def flag(self, key: str) -> bool:
        value = self.raw.get(key)
        if isinstance(value, bool):
            return value
        return _text(self.raw, key).lower() in ("1", "on", "true", "yes", "是")

    def organization(self, session: Session, key: str = "organization_id", kind: str | None = None) -> Organization | None:
        oid = row_id(_text(self.raw, key))
        org = session.get(Organization, oid) if oid else None
        if org is None:
            self.errors[key] = "请选择两新组织"
        elif kind and org.kind != kind:
            self.errors[key] = "只能选择非公企业"
            return None
        return org

    def party_org(self, session: Session, key: str = "party_org_id") -> PartyOrg | None:
        pid = row_id(_text(self.raw, key))
        po = session.get(PartyOrg, pid) if pid else None
        if po is None or po.dissolved_on is not None:
            self.errors[key] = "请选择党组织"
            return None
        return po

    def done(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)


def month_of(value: str, today: dt.date | None = None) -> dt.date:
    """``2026-03`` → 1 March 2026; anything else → this month."""
    today = today or clock.today()
    try:
        year, month = (int(x) for x in value.split("-")[:2])
        if 1900 <= year <= 2200 and 1 <= month <= 12:
            return dt.date(year, month, 1)
    except (ValueError, AttributeError):
        pass
    return today.replace(day=1)


# --- NH-2 人才招引 ---------------------------------------------------------------------------------


def add_talent(session: Session, raw: Mapping[str, Any], today: dt.date) -> Talent:
    c = Check(raw)
    org = c.organization(session)
    name = c.text("person_name", "姓名", 50)
    headcount = c.integer("headcount", "人数", 1, MAX_HEADCOUNT, default=1)
    if name and headcount != 1:
        c.errors["headcount"] = "填写了姓名时人数应为 1；批量招引请不填姓名"
    category = c.choice("category", "人才类别", TALENT_CATEGORIES)
    method = c.choice("method", "招引方式", TALENT_METHODS)
    position = c.text("position", "岗位", 100)
    day = c.date("recruited_on", "招引日期")
    if day and day > today:
        c.errors["recruited_on"] = "招引日期不能晚于今天"
    note = c.text("note", "备注", 2000)
    c.done()
    talent = Talent(organization_id=org.id, person_name=name, headcount=headcount, category=category,
                    method=method, position=position, recruited_on=day, note=note)
    session.add(talent)
    session.flush()
    return talent


@dataclass
class TalentFilter:
    q: str = ""
    category: str = ""
    method: str = ""
    year: str = ""
    org: str = ""


def talent_select(f: TalentFilter) -> Select:
    stmt = select(Talent).join(Organization, Organization.id == Talent.organization_id)
    if f.q:
        stmt = stmt.where(search.matches(f.q, Organization.name, Talent.person_name, Talent.position))
    if f.category in TALENT_CATEGORIES:
        stmt = stmt.where(Talent.category == f.category)
    if f.method in TALENT_METHODS:
        stmt = stmt.where(Talent.method == f.method)
    if f.year.isdigit() and 1900 <= int(f.year) <= 2200:
        y = int(f.year)
        stmt = stmt.where(Talent.recruited_on.between(dt.date(y, 1, 1), dt.date(y, 12, 31)))
    if row_id(f.org):
        stmt = stmt.where(Talent.organization_id == row_id(f.org))
    return stmt.order_by(Talent.recruited_on.desc(), Talent.id.desc())


@dataclass
class TalentTotals:
    people: int = 0
    entries: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_method: dict[str, int] = field(default_factory=dict)
    organizations: int = 0


def talent_totals(session: Session, stmt: Select | None = None) -> TalentTotals:
    base = (stmt if stmt is not None else select(Talent)).order_by(None).subquery()
    out = TalentTotals()
    for cat, meth, n, rows in session.execute(
            select(base.c.category, base.c.method, func.sum(base.c.headcount), func.count())
            .group_by(base.c.category, base.c.method)):
        n = int(n or 0)
        out.people += n
        out.entries += rows
        out.by_category[cat] = out.by_category.get(cat, 0) + n
        out.by_method[meth] = out.by_method.get(meth, 0) + n
    out.organizations = session.scalar(select(func.count(func.distinct(base.c.organization_id)))) or 0
    return out


# --- NH-4 一月一课一片一实践 -------------------------------------------------------------------------


def branch_party_orgs(session: Session) -> list[PartyOrg]:
    """The live party branches that owe the monthly theme day, by name."""
    return list(session.scalars(select(PartyOrg).where(PartyOrg.org_type.in_(BRANCH_TYPES),
                                                       PartyOrg.dissolved_on.is_(None))
                                .order_by(PartyOrg.name, PartyOrg.id)))


def save_theme_day(session: Session, raw: Mapping[str, Any], user_id: int | None, today: dt.date) -> ThemeDay:
    """Record (or correct) the three-part check of one party org for one month."""
    c = Check(raw)
    po = c.party_org(session)
    month_text = _text(raw, "month")
    month = None
    try:
        y, m = (int(x) for x in month_text.split("-")[:2])
        month = dt.date(y, m, 1) if 1900 <= y <= 2200 else None
    except ValueError:
        month = None
    if month is None:
        c.errors["month"] = "月份格式应为 2026-03"
    elif month > today.replace(day=1):
        c.errors["month"] = "不能检查尚未到来的月份"
    if po is not None and po.org_type not in BRANCH_TYPES:
        c.errors["party_org_id"] = "主题党日由党支部开展，请选择党支部"
    parts = {p: c.flag(f"{p}_done") for p in THEME_PARTS}
    topic = c.text("lesson_topic", "党课题目", 200)
    film = c.text("film_title", "警示教育片", 200)
    practice = c.text("practice_note", "实践内容", 500)
    if parts["lesson"] and not topic:
        c.errors["lesson_topic"] = "请填写党课题目"
    if parts["film"] and not film:
        c.errors["film_title"] = "请填写警示教育片名称"
    if parts["practice"] and not practice:
        c.errors["practice_note"] = "请填写实践内容"
    c.done()
    row = session.scalar(select(ThemeDay).where(ThemeDay.party_org_id == po.id, ThemeDay.month == month))
    if row is None:
        row = ThemeDay(party_org_id=po.id, month=month)
        session.add(row)
    row.lesson_done, row.film_done, row.practice_done = parts["lesson"], parts["film"], parts["practice"]
    row.lesson_topic, row.film_title, row.practice_note = topic, film, practice
    row.checked_by_id = user_id
    session.flush()
    return row


@dataclass
class ThemeMonth:
    month: dt.date
    owed: int = 0  # branches that owe it
    complete: int = 0  # all three parts
    partial: int = 0
    missing: int = 0

    @property
    def rate(self) -> float | None:
        return round(self.complete * 100.0 / self.owed, 1) if self.owed else None


def theme_rows(session: Session, month: dt.date) -> list[tuple[PartyOrg, ThemeDay | None]]:
    checks = {t.party_org_id: t for t in session.scalars(select(ThemeDay).where(ThemeDay.month == month))}
    return [(po, checks.get(po.id)) for po in branch_party_orgs(session)
            if po.founded_on is None or po.founded_on <= month_end(month)]


def month_end(month: dt.date) -> dt.date:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def is_complete(check: ThemeDay | None) -> bool:
    return bool(check and check.lesson_done and check.film_done and check.practice_done)


def theme_month(session: Session, month: dt.date) -> ThemeMonth:
    out = ThemeMonth(month)
    for _po, check in theme_rows(session, month):
        out.owed += 1
        if is_complete(check):
            out.complete += 1
        elif check and (check.lesson_done or check.film_done or check.practice_done):
            out.partial += 1
        else:
            out.missing += 1
    return out


# --- NH-4 清廉民企, 党务公开 / 企务公开 ----------------------------------------------------------------


def add_disclosure(session: Session, raw: Mapping[str, Any], today: dt.date) -> Disclosure:
    c = Check(raw)
    org = c.organization(session)
    kind = c.choice("kind", "公开类别", DISCLOSURE_KINDS)
    channel = c.choice("channel", "公开载体", DISCLOSURE_CHANNELS)
    day = c.date("disclosed_on", "公开日期")
    if day and day > today:
        c.errors["disclosed_on"] = "公开日期不能晚于今天"
    title = c.text("title", "公开事项", 200, required=True)
    content = c.text("content", "公开内容", 4000)
    c.done()
    row = Disclosure(organization_id=org.id, kind=kind, channel=channel, disclosed_on=day, title=title, content=content)
    session.add(row)
    session.flush()
    return row


# --- NH-3 结果运用 ---------------------------------------------------------------------------------


def save_result_use(session: Session, raw: Mapping[str, Any], today: dt.date) -> ResultUse:
    c = Check(raw)
    org = c.organization(session)
    year = c.integer("year", "考核年度", 2000, today.year)
    use = c.choice("use_kind", "运用事项", USE_KINDS)
    grade = c.text("grade", "党建考核等次", 20, required=True)
    outcome = c.choice("outcome", "运用结果", USE_OUTCOMES)
    department = c.text("department", "办理部门", 100, required=True)
    note = c.text("note", "说明", 2000)
    c.done()
    row = session.scalar(select(ResultUse).where(ResultUse.organization_id == org.id, ResultUse.year == year,
                                                 ResultUse.use_kind == use))
    if row is None:
        row = ResultUse(organization_id=org.id, year=year, use_kind=use)
        session.add(row)
    row.grade, row.outcome, row.department, row.note = grade, outcome, department, note
    session.flush()
    return row


# --- targets against actuals (the indicators block) --------------------------------------------------


@dataclass
class Figure:
    """One indicator's row as the program shows it: ``gap`` is what is still missing (≥ 0 when short)."""

    key: str
    label: str
    actual: float | int | None
    target: float | int | None
    unit: str = "%"
    href: str = ""

    @property
    def met(self) -> bool | None:
        if self.actual is None or self.target is None:
            return None
        return self.actual >= self.target

    @property
    def gap(self) -> float | int | None:
        if self.actual is None or self.target is None:
            return None
        diff = self.target - self.actual
        return round(diff, 1) if isinstance(diff, float) else diff


def figure_of(f, href: str = "") -> Figure:
    """A :class:`Figure` from an indicators-block figure (Decimals → numbers rounded as the indicator shows them)."""
    ind = f.indicator

    def num(value):
        if value is None:
            return None
        return round(float(value), ind.decimals or 1) if ind.unit == "%" or ind.decimals else int(value)

    return Figure(ind.key, ind.label, num(f.actual), num(f.target), ind.unit, href)


def widget_figures(session: Session, settings) -> dict[str, Any]:
    """The dashboard card: the tenant's own talents, this month's theme-day check, named clean enterprises."""
    today = clock.today()
    return {"talents": talent_totals(session).people,
            "theme": theme_month(session, today.replace(day=1)),
            "clean": clean_counts(session, today)["accepted"]}


def clean_counts(session: Session, today: dt.date) -> dict[str, int]:
    """NH-4 清廉民企 from the designations block (kind ``nanhu.clean_enterprise``): 创建中 (applied or
    returned to be completed), 验收命名 (in force), and those whose charter evidence is on file."""
    from plugins.designations import api as designations
    from plugins.nanhu.keys import CLEAN

    rows = designations.designations(session, kind=CLEAN, subject_kind="organization")
    open_ = [d for d in rows if d.status in ("applied", "returned")]
    named = [d for d in rows if designations.is_in_force(d, today)]
    evidence = designations.evidence_counts(session, [d.id for d in open_ + named])
    return {"creating": len(open_), "accepted": len(named), "evidence": sum(1 for n in evidence.values() if n)}


# --- NH-4 党风廉政: the required course, completion per person -----------------------------------

#: who must complete it (seed 001: 两新组织党支部书记、入党积极分子)
INTEGRITY_GROUPS = {"secretary": "党支部书记", "activist": "入党积极分子"}


@dataclass
class IntegrityRow:
    member_id: int
    name: str
    group: str
    party_org: str
    done: Any = None  # activities' Presence (day, activity_id, title) or None


def integrity_rows(session: Session, year: int) -> list[IntegrityRow]:
    """The people owing the 党风廉政 course in ``year`` — secretaries (registry position 书记) of the
    live party branches, and 入党积极分子 — with the held course (activities engine, attendance
    present) that completed it, if any. Secretaries first, then by name."""
    from core.registry.models import Member
    from plugins.activities import api as activities
    from plugins.nanhu.keys import INTEGRITY_COURSE

    done = activities.members_present(session, INTEGRITY_COURSE, dt.date(year, 1, 1), dt.date(year, 12, 31))
    branches = {po.id: po.name for po in branch_party_orgs(session)}
    rows = [IntegrityRow(m.id, m.name, "secretary", branches[m.party_org_id], done.get(m.id))
            for m in session.scalars(select(Member).where(Member.position == "secretary",
                                                          Member.party_org_id.in_(list(branches) or [-1]),
                                                          Member.status.in_(("full", "probationary")))
                                     .order_by(Member.name, Member.id))]
    names = {}
    activists = list(session.scalars(select(Member).where(Member.status == "activist").order_by(Member.name, Member.id)))
    ids = {m.party_org_id for m in activists if m.party_org_id}
    if ids:
        names = dict(session.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.id.in_(ids))).all())
    rows += [IntegrityRow(m.id, m.name, "activist", names.get(m.party_org_id, ""), done.get(m.id)) for m in activists]
    return rows


def integrity_summary(rows: list[IntegrityRow]) -> dict[str, tuple[int, int]]:
    """group → (completed, owed)."""
    out = {g: [0, 0] for g in INTEGRITY_GROUPS}
    for r in rows:
        out[r.group][1] += 1
        out[r.group][0] += r.done is not None
    return {g: (a, b) for g, (a, b) in out.items()}
