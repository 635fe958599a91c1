"""Rules of the campaigns engine (推进计划): campaigns, phased tasks with deadlines, overdue views
and recurring report obligations.

Every function takes a session and, where time matters, ``today`` (injected: the rules never
read the clock). Invalid input raises :class:`~core.forms.FormErrors` (field → Chinese message)
before anything is written; illegal state changes raise it with the key ``"status"``.

Where rows live: a campaign and its phases belong to the tenant that runs it; each task row
belongs to its owner tenant (the campaign's tenant or one of its descendants), so creating a
campaign or a task for streets needs a session whose scope covers them (``ctx.rollup_session``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core import periods, search
from core.db import open_session
from core.forms import FormErrors, text
from core.plugins import registry
from core.tenancy import TenantInfo, tree
from plugins.campaigns.models import (
    Campaign,
    CampaignPhase,
    CampaignReport,
    CampaignTask,
    ReportObligation,
)
from plugins.campaigns.types import CampaignTemplate

PLUGIN = "campaigns"

TASK_STATUSES = {"todo": "未开始", "in_progress": "进行中", "done": "已完成", "cancelled": "已取消"}
OPEN_STATUSES = ("todo", "in_progress")
CAMPAIGN_STATUSES = {"active": "进行中", "closed": "已结束"}
CADENCES = {"weekly": "每周", "monthly": "每月", "quarterly": "每季度", "half_yearly": "每半年", "yearly": "每年"}
#: stored cadence → core.periods kind (an unknown cadence counts as yearly)
PERIOD_KINDS = {"weekly": "week", "monthly": "month", "quarterly": "quarter", "half_yearly": "half_year",
                "yearly": "year"}


# --- templates ---------------------------------------------------------------------------------


def templates_for(tenant: TenantInfo) -> list[CampaignTemplate]:
    """The templates the tenant's enabled programs register (first one wins on a duplicate key)."""
    found: dict[str, CampaignTemplate] = {}
    for batch in registry().hooks_for(tenant.id).register_campaign_templates(tenant=tenant):
        for t in batch or ():
            found.setdefault(t.key, t)
    return list(found.values())


# --- deadlines ---------------------------------------------------------------------------------

CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
             "十一": 11, "十二": 12}
YEAR_WORDS = {"全年": (12, 31), "年底": (12, 31), "年末": (12, 31), "年内": (12, 31), "年中": (6, 30),
              "上半年": (6, 30), "下半年": (12, 31), "一季度": (3, 31), "二季度": (6, 30), "三季度": (9, 30),
              "四季度": (12, 31), "第一季度": (3, 31), "第二季度": (6, 30), "第三季度": (9, 30),
              "第四季度": (12, 31)}
#: part of a month → day (None: the month's last day)
MONTH_PARTS = {"": None, "底": None, "末": None, "月底": None, "月末": None, "初": 5, "月初": 5, "上旬": 10,
               "中旬": 15, "下旬": 25}
DEADLINE_HELP = "填写日期（2026-04-15）或“4月中旬”“6月底”“全年”等，按计划年度换算"


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def parse_deadline(text: str, year: int) -> dt.date:
    """A real date from what people write in plans, resolved in ``year``.

    "2026-04-15" / "2026/4/15" → that date; "4月15日" → 15 April; "4月上旬" → the 10th,
    "4月中旬" → the 15th, "4月下旬" → the 25th, "4月初" → the 5th, "4月"/"4月底"/"4月末" →
    the month's last day; "全年"/"年底"/"年内"/"下半年"/"四季度" → 31 Dec, "上半年"/"年中" →
    30 June, "一季度" → 31 March … Chinese month numerals (四月中旬) work too.
    Raises ``ValueError`` with a Chinese message when the text is not understood.
    """
    s = re.sub(r"\s+", "", (text or "")).replace("前", "").replace("份", "")
    if not s:
        raise ValueError("请填写截止时间")
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError("日期不存在") from None
    if s in YEAR_WORDS:
        month, day = YEAR_WORDS[s]
        return dt.date(year, month, day)
    m = re.fullmatch(r"(\d{1,2}|十[一二]?|[一二三四五六七八九])月(.*)", s)
    if m:
        month = int(m[1]) if m[1].isdigit() else CN_DIGITS[m[1]]
        if not 1 <= month <= 12:
            raise ValueError("月份应在 1–12 之间")
        rest = m[2]
        if rest in MONTH_PARTS:
            day = MONTH_PARTS[rest]
            return dt.date(year, month, day if day is not None else last_day(year, month))
        d = re.fullmatch(r"(\d{1,2})[日号]?", rest)
        if d:
            try:
                return dt.date(year, month, int(d[1]))
            except ValueError:
                raise ValueError("日期不存在") from None
    raise ValueError("无法识别的截止时间，" + DEADLINE_HELP)


# --- helpers -----------------------------------------------------------------------------------


def id_list(raw: Mapping[str, Any], key: str) -> list[int]:
    value = raw.get(key)
    if value is None or value == "":
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    out: list[int] = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            raise FormErrors({key: "选择的单位无效"}) from None
    return list(dict.fromkeys(out))


def _date(raw: Mapping[str, Any], key: str, errors: dict[str, str], required: bool = True) -> dt.date | None:
    value = text(raw, key)
    if not value:
        if required:
            errors[key] = "请填写日期"
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[key] = "日期格式应为 2026-04-15"
        return None


def owner_options(tenant: TenantInfo) -> list[TenantInfo]:
    """Tenants a campaign of ``tenant`` may assign tasks to: itself and its (live) descendants."""
    t = tree()
    return [t.by_id[i] for i in t.descendant_ids(tenant.id) if i in t.by_id and not t.by_id[i].archived]


def _owners(tenant: TenantInfo, raw: Mapping[str, Any], errors: dict[str, str]) -> list[int]:
    try:
        ids = id_list(raw, "owners")
    except FormErrors as exc:
        errors.update(exc.errors)
        return []
    allowed = {t.id for t in owner_options(tenant)}
    if not ids:
        return [tenant.id]
    if any(i not in allowed for i in ids):
        errors["owners"] = "只能把任务分配给本级或下级单位"
    return ids


def tenant_name(tenant_id: int) -> str:
    t = tree().by_id.get(tenant_id)
    return t.name if t else str(tenant_id)


# --- campaigns ---------------------------------------------------------------------------------


def clean_campaign(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    title = text(raw, "title")
    if not title:
        errors["title"] = "请填写计划名称"
    elif len(title) > 100:
        errors["title"] = "计划名称最多 100 个字符"
    year_s = text(raw, "year")
    year = 0
    try:
        year = int(year_s)
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        errors["year"] = "请填写 2000–2100 之间的年度"
    start_on = _date(raw, "start_on", errors, required=False)
    if start_on is None and "start_on" not in errors and year:
        start_on = dt.date(year, 1, 1)
    description = text(raw, "description")
    if len(description) > 5000:
        errors["description"] = "说明最多 5000 个字符"
    return {"title": title, "year": year, "start_on": start_on, "description": description}, errors


def create_campaign(session: Session, tenant: TenantInfo, raw: Mapping[str, Any]) -> Campaign:
    """A campaign of ``tenant``; with ``template_key`` its phases and tasks are copied from the
    template, tasks going to each tenant in ``owners`` (default: ``tenant``). ``session``
    must be scoped to the owners (a roll-up session for a district assigning to streets)."""
    values, errors = clean_campaign(raw)
    key = text(raw, "template_key")
    template = None
    if key:
        template = next((t for t in templates_for(tenant) if t.key == key), None)
        if template is None:
            errors["template_key"] = "模板不存在或未启用"
    owners = _owners(tenant, raw, errors)
    deadlines: list[list[dt.date]] = []
    if template is not None and not errors:
        for phase in template.phases:
            row = []
            for task in phase.tasks:
                if task.offset_days is not None:
                    row.append(values["start_on"] + dt.timedelta(days=task.offset_days))
                elif task.due:
                    try:
                        row.append(parse_deadline(task.due, values["year"]))
                    except ValueError as exc:
                        errors["template_key"] = f"模板任务“{task.title}”的截止时间有误：{exc}"
                        row.append(dt.date(values["year"], 12, 31))
                else:
                    row.append(dt.date(values["year"], 12, 31))
            deadlines.append(row)
    if errors:
        raise FormErrors(errors)
    campaign = Campaign(tenant_id=tenant.id, template_key=key, **values)
    session.add(campaign)
    session.flush()
    if template is not None:
        for pos, phase_t in enumerate(template.phases, start=1):
            phase = CampaignPhase(tenant_id=tenant.id, campaign_id=campaign.id, position=pos, title=phase_t.title)
            session.add(phase)
            session.flush()
            for task_t, deadline in zip(phase_t.tasks, deadlines[pos - 1], strict=True):
                for owner in owners:
                    session.add(_task(campaign, phase, owner, task_t.title, task_t.description, deadline))
        session.flush()
    return campaign


def _task(campaign: Campaign, phase: CampaignPhase, owner: int, title: str, description: str,
          deadline: dt.date) -> CampaignTask:
    return CampaignTask(tenant_id=owner, campaign_id=campaign.id, phase_id=phase.id,
                        campaign_tenant_id=campaign.tenant_id, campaign_title=campaign.title,
                        phase_title=phase.title, phase_position=phase.position, title=title,
                        description=description, deadline=deadline, status="todo", evidence="")


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFoundException("推进计划不存在")
    return campaign


def phases_of(session: Session, campaign: Campaign) -> list[CampaignPhase]:
    return list(session.scalars(select(CampaignPhase).where(CampaignPhase.campaign_id == campaign.id)
                                .order_by(CampaignPhase.position, CampaignPhase.id)))


def add_phase(session: Session, campaign: Campaign, raw: Mapping[str, Any]) -> CampaignPhase:
    title = text(raw, "phase_title")
    if not title:
        raise FormErrors({"phase_title": "请填写阶段名称"})
    if len(title) > 100:
        raise FormErrors({"phase_title": "阶段名称最多 100 个字符"})
    _check_active(campaign)
    position = max((p.position for p in phases_of(session, campaign)), default=0) + 1
    phase = CampaignPhase(tenant_id=campaign.tenant_id, campaign_id=campaign.id, position=position, title=title)
    session.add(phase)
    session.flush()
    return phase


def _check_active(campaign: Campaign) -> None:
    if campaign.status != "active":
        raise FormErrors({"status": "当前状态为「已结束」，不能再修改计划"})


def add_task(session: Session, tenant: TenantInfo, campaign: Campaign, raw: Mapping[str, Any]) -> list[CampaignTask]:
    """One task row per owner tenant (``owners``, default the campaign's tenant). ``deadline``
    accepts a date or words ("4月中旬") resolved in the campaign's year."""
    errors: dict[str, str] = {}
    title = text(raw, "title")
    if not title:
        errors["title"] = "请填写任务名称"
    elif len(title) > 200:
        errors["title"] = "任务名称最多 200 个字符"
    phase = None
    try:
        phase_id = int(text(raw, "phase_id") or 0)
    except ValueError:
        phase_id = 0
    if phase_id:
        phase = session.get(CampaignPhase, phase_id)
    if phase is None or phase.campaign_id != campaign.id:
        errors["phase_id"] = "请选择本计划的阶段"
    deadline = None
    try:
        deadline = parse_deadline(text(raw, "deadline"), campaign.year)
    except ValueError as exc:
        errors["deadline"] = str(exc)
    description = text(raw, "description")
    if len(description) > 5000:
        errors["description"] = "说明最多 5000 个字符"
    owners = _owners(tenant, raw, errors)
    if not errors and campaign.status != "active":
        errors["status"] = "当前状态为「已结束」，不能再添加任务"
    if errors:
        raise FormErrors(errors)
    tasks = [_task(campaign, phase, owner, title, description, deadline) for owner in owners]
    session.add_all(tasks)
    session.flush()
    return tasks


def close_campaign(session: Session, campaign: Campaign) -> Campaign:
    _check_active(campaign)
    campaign.status = "closed"
    session.flush()
    return campaign


def campaign_select(q: str = "", year: int | None = None, status: str = "") -> Select:
    stmt = select(Campaign)
    if q:
        stmt = stmt.where(search.matches(q, Campaign.title))
    if year:
        stmt = stmt.where(Campaign.year == year)
    if status in CAMPAIGN_STATUSES:
        stmt = stmt.where(Campaign.status == status)
    return stmt.order_by(Campaign.year.desc(), Campaign.id.desc())


def campaign_tasks(session: Session, campaign: Campaign) -> list[CampaignTask]:
    """All tasks of the campaign visible to ``session`` (a roll-up session sees the streets')."""
    return list(session.scalars(select(CampaignTask).where(CampaignTask.campaign_id == campaign.id)
                                .order_by(CampaignTask.phase_position, CampaignTask.deadline, CampaignTask.id)))


# --- task state machine ------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    action: str
    verb: str
    sources: tuple[str, ...]
    target: str


TRANSITIONS = {
    "start": Transition("start", "开始", ("todo",), "in_progress"),
    "complete": Transition("complete", "标记完成", ("todo", "in_progress"), "done"),
    "cancel": Transition("cancel", "取消", ("todo", "in_progress"), "cancelled"),
    "reopen": Transition("reopen", "重新打开", ("done",), "in_progress"),
}


def allowed_actions(task: CampaignTask) -> list[str]:
    return [a for a, t in TRANSITIONS.items() if task.status in t.sources]


def transition(session: Session, task: CampaignTask, action: str, raw: Mapping[str, Any], today: dt.date
               ) -> CampaignTask:
    """Move ``task`` along the state machine. ``complete`` needs ``evidence`` (完成情况/佐证)
    and takes ``completed_on`` (default ``today``, not in the future); ``cancel`` needs a
    ``reason`` (kept in the evidence). Anything else is refused and nothing changes."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise FormErrors({"status": "不支持的操作"})
    if task.status not in t.sources:
        raise FormErrors({"status": f"当前状态为「{TASK_STATUSES.get(task.status, task.status)}」，不能{t.verb}"})
    errors: dict[str, str] = {}
    evidence = text(raw, "evidence")
    completed_on = None
    if action == "complete":
        if not evidence:
            errors["evidence"] = "请填写完成情况或佐证材料说明"
        completed_on = _date(raw, "completed_on", errors, required=False) or today
        if "completed_on" not in errors and completed_on > today:
            errors["completed_on"] = "完成日期不能晚于今天"
    if action == "cancel" and not text(raw, "reason"):
        errors["reason"] = "请填写取消原因"
    if len(evidence) > 5000:
        errors["evidence"] = "完成情况最多 5000 个字符"
    if errors:
        raise FormErrors(errors)
    old = task.status
    task.status = t.target
    if action == "complete":
        task.evidence, task.completed_on = evidence, completed_on
    elif action == "cancel":
        task.evidence = (task.evidence + "\n" if task.evidence else "") + f"取消原因：{text(raw, 'reason')}"
    elif action == "reopen":
        task.completed_on = None
    elif evidence:
        task.evidence = evidence
    session.flush()
    owner = tree().by_id.get(task.tenant_id)
    if owner is not None:
        registry().hooks_for(owner.id).on_campaign_task_transition(
            session=session, tenant=owner, task=task, action=action, old_status=old, new_status=t.target)
    return task


def get_task(session: Session, task_id: int) -> CampaignTask:
    task = session.get(CampaignTask, task_id)
    if task is None:
        raise NotFoundException("任务不存在")
    return task


def is_overdue(task: CampaignTask, today: dt.date) -> bool:
    return task.status in OPEN_STATUSES and task.deadline < today


def overdue_days(task: CampaignTask, today: dt.date) -> int:
    return (today - task.deadline).days if is_overdue(task, today) else 0


def task_select(q: str = "", status: str = "", campaign_id: int | None = None, overdue_on: dt.date | None = None,
                owner_id: int | None = None) -> Select:
    """Tasks visible to the session; ``overdue_on``: only open tasks whose deadline is before it."""
    stmt = select(CampaignTask)
    if q:
        stmt = stmt.where(search.matches(q, CampaignTask.title, CampaignTask.campaign_title))
    if status in TASK_STATUSES:
        stmt = stmt.where(CampaignTask.status == status)
    if campaign_id:
        stmt = stmt.where(CampaignTask.campaign_id == campaign_id)
    if owner_id:
        stmt = stmt.where(CampaignTask.tenant_id == owner_id)
    if overdue_on is not None:
        stmt = stmt.where(CampaignTask.status.in_(OPEN_STATUSES), CampaignTask.deadline < overdue_on)
    return stmt.order_by(CampaignTask.deadline, CampaignTask.phase_position, CampaignTask.id)


def overdue_tasks(session: Session, today: dt.date) -> list[CampaignTask]:
    """Open tasks past their deadline among the session's tenants (a district's roll-up session:
    its own and its streets')."""
    return list(session.scalars(task_select(overdue_on=today)))


def task_rows(tasks: Iterable[CampaignTask], today: dt.date) -> list[list[Any]]:
    return [[t.campaign_title, t.phase_title, t.title, tenant_name(t.tenant_id), t.deadline,
             TASK_STATUSES.get(t.status, t.status), "是" if is_overdue(t, today) else "否",
             overdue_days(t, today) or "", t.completed_on or "", t.evidence] for t in tasks]


TASK_HEADERS = ["计划", "阶段", "任务", "责任单位", "截止日期", "状态", "是否超期", "超期天数", "完成日期", "完成情况"]


# --- report obligations ------------------------------------------------------------------------


def clean_obligation(raw: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = text(raw, "title")
    if not title:
        errors["title"] = "请填写报送事项名称"
    elif len(title) > 100:
        errors["title"] = "名称最多 100 个字符"
    cadence = text(raw, "cadence")
    if cadence not in CADENCES:
        errors["cadence"] = "请选择报送周期"
    due_day = 0
    weekly = cadence == "weekly"
    try:
        due_day = int(text(raw, "due_day"))
        if not 1 <= due_day <= (7 if weekly else 28):
            raise ValueError
    except ValueError:
        errors["due_day"] = ("每周报送的截止日应为 1–7 之间的整数（次周周一至周日）" if weekly
                             else "截止日应为 1–28 之间的整数")
    labels = [s.strip() for s in re.split(r"[,，、\n]", text(raw, "figure_labels")) if s.strip()]
    if len(labels) != len(set(labels)):
        errors["figure_labels"] = "数据项名称不能重复"
    elif len(labels) > 20 or any(len(s) > 30 for s in labels):
        errors["figure_labels"] = "最多 20 个数据项，每项最多 30 个字符"
    description = text(raw, "description")
    if len(description) > 5000:
        errors["description"] = "说明最多 5000 个字符"
    if errors:
        raise FormErrors(errors)
    return {"title": title, "cadence": cadence, "due_day": due_day, "figure_labels": "\n".join(labels),
            "description": description}


def create_obligation(session: Session, raw: Mapping[str, Any]) -> ReportObligation:
    ob = ReportObligation(**clean_obligation(raw), active=True)
    session.add(ob)
    session.flush()
    return ob


def set_obligation_active(session: Session, ob: ReportObligation, active: bool) -> ReportObligation:
    ob.active = active
    session.flush()
    return ob


def figure_labels(ob: ReportObligation) -> list[str]:
    return [s for s in ob.figure_labels.split("\n") if s]


def _kind(cadence: str) -> str:
    return PERIOD_KINDS.get(cadence, "year")


def period_of(cadence: str, day: dt.date) -> str:
    """The key of the period containing ``day``: "2026-W10", "2026-03", "2026-Q1", "2026-H1", "2026"
    (:mod:`core.periods`)."""
    return periods.key_of(_kind(cadence), day)


def period_bounds(cadence: str, period: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``period``; ``ValueError`` when it is not a key of ``cadence``
    (a cadence this version does not know counts as yearly, like :func:`period_of`)."""
    try:
        p = periods.parse(_kind(cadence), period)
    except ValueError:
        raise ValueError("报送期次格式不正确") from None
    return p.start, p.end


def due_date(ob: ReportObligation, period: str) -> dt.date:
    """The report for ``period`` is due on ``due_day`` of the month after the period ends; for a
    weekly obligation on day ``due_day`` (1 = Monday … 7 = Sunday) of the week after."""
    _start, end = period_bounds(ob.cadence, period)
    if ob.cadence == "weekly":
        return end + dt.timedelta(days=min(max(ob.due_day, 1), 7))
    nxt = end + dt.timedelta(days=1)
    return dt.date(nxt.year, nxt.month, ob.due_day)


def due_text(ob: ReportObligation) -> str:
    """When each period's report is due, in words: ``次月5日前``, ``次周周一前``."""
    if ob.cadence == "weekly":
        return f"次周周{'一二三四五六日'[min(max(ob.due_day, 1), 7) - 1]}前"
    return f"次月{ob.due_day}日前"


def current_period(cadence: str, today: dt.date) -> str:
    """The period whose report is being collected: the latest one that ended before ``today``."""
    return periods.previous(_kind(cadence), today).key


def recent_periods(cadence: str, today: dt.date, n: int = 6) -> list[str]:
    out, p = [], periods.previous(_kind(cadence), today)
    for _ in range(n):
        out.append(p.key)
        p = p.previous()
    return out


def period_label(cadence: str, period: str) -> str:
    return periods.label(_kind(cadence), period)


def submitters(ob_tenant_id: int) -> list[TenantInfo]:
    """Who must report: the obligation tenant's live children that run the campaigns engine (a
    street without it has no page to report on), or the tenant itself when it has no children."""
    t = tree()
    kids = [c for c in t.children.get(ob_tenant_id, []) if not c.archived]
    if kids:
        return [c for c in kids if registry().is_enabled(c.id, PLUGIN)]
    return [t.by_id[ob_tenant_id]] if ob_tenant_id in t.by_id else []


def pending_reports(session: Session, tenant: TenantInfo, today: dt.date, user_id: int | None = None
                    ) -> list[tuple[ReportObligation, str, dt.date]]:
    """What ``tenant`` still has to report: (obligation, current period, due date) for each
    inherited obligation whose current period it has not reported yet (``session``: the tenant's)."""
    obs = inherited_obligations(tenant, user_id)
    mine = own_reports(session, [o.id for o in obs])
    out = []
    for ob in obs:
        period = current_period(ob.cadence, today)
        if (ob.id, period) not in mine:
            out.append((ob, period, due_date(ob, period)))
    return out


def inherited_obligations(tenant: TenantInfo, user_id: int | None = None) -> list[ReportObligation]:
    """Active obligations ``tenant`` must report on: those set by its parent (or by itself when it
    has no children). Read through a session scoped to those tenants, ReportObligation only."""
    owners = [tenant.parent_id] if tenant.parent_id else []
    if not tree().children.get(tenant.id):
        owners.append(tenant.id)
    owners = [o for o in owners if any(s.id == tenant.id for s in submitters(o))]
    if not owners:
        return []
    with open_session(tenant.id, owners, user_id=user_id) as s:
        rows = list(s.scalars(select(ReportObligation).where(ReportObligation.active.is_(True),
                                                             ReportObligation.tenant_id.in_(owners))
                              .order_by(ReportObligation.id)))
        s.expunge_all()
    return rows


def get_inherited_obligation(tenant: TenantInfo, obligation_id: int, user_id: int | None = None) -> ReportObligation:
    ob = next((o for o in inherited_obligations(tenant, user_id) if o.id == obligation_id), None)
    if ob is None:
        raise NotFoundException("报送事项不存在")
    return ob


def get_obligation(session: Session, obligation_id: int) -> ReportObligation:
    ob = session.get(ReportObligation, obligation_id)
    if ob is None:
        raise NotFoundException("报送事项不存在")
    return ob


def submit_report(session: Session, tenant: TenantInfo, ob: ReportObligation, raw: Mapping[str, Any],
                  today: dt.date, user_id: int | None = None) -> CampaignReport:
    """``tenant`` reports on ``ob`` for ``period`` (text ``body`` and integer figures
    ``figure_<i>`` for each of the obligation's figure labels). A period may be reported once;
    a later submission for it replaces the text and figures (and keeps the first date).
    A report after the due date is marked late."""
    errors: dict[str, str] = {}
    period = text(raw, "period") or current_period(ob.cadence, today)
    try:
        start, _end = period_bounds(ob.cadence, period)
        if start > today:
            errors["period"] = "该期次尚未开始，不能报送"
    except ValueError as exc:
        errors["period"] = str(exc)
    body = text(raw, "body")
    if not body:
        errors["body"] = "请填写报送内容"
    elif len(body) > 20000:
        errors["body"] = "报送内容最多 20000 个字符"
    figures: dict[str, int] = {}
    for i, label in enumerate(figure_labels(ob)):
        key = f"figure_{i}"
        value = text(raw, key)
        if isinstance(raw.get("figures"), Mapping) and label in raw["figures"]:
            value = str(raw["figures"][label]).strip()
        if not value:
            errors[key] = f"请填写“{label}”"
            continue
        try:
            n = int(value)
            if n < 0:
                raise ValueError
            figures[label] = n
        except ValueError:
            errors[key] = f"“{label}”应为非负整数"
    if errors:
        raise FormErrors(errors)
    report = session.scalar(select(CampaignReport).where(CampaignReport.obligation_id == ob.id,
                                                         CampaignReport.tenant_id == tenant.id,
                                                         CampaignReport.period == period))
    if report is None:
        report = CampaignReport(tenant_id=tenant.id, obligation_id=ob.id, obligation_title=ob.title, period=period,
                                submitted_on=today, submitted_by_id=user_id, late=today > due_date(ob, period))
        session.add(report)
    report.body, report.figures = body, figures
    session.flush()
    return report


def own_reports(session: Session, ob_ids: Iterable[int]) -> dict[tuple[int, str], CampaignReport]:
    ids = list(ob_ids)
    if not ids:
        return {}
    rows = session.scalars(select(CampaignReport).where(CampaignReport.obligation_id.in_(ids)))
    return {(r.obligation_id, r.period): r for r in rows}


@dataclass
class SubmissionRow:
    tenant: TenantInfo
    report: CampaignReport | None
    state: str  # submitted | late_submitted | missing | late_missing

    @property
    def state_label(self) -> str:
        return SUBMISSION_STATES[self.state]


SUBMISSION_STATES = {"submitted": "已按时报送", "late_submitted": "逾期报送", "missing": "未报送（未到截止日）",
                     "late_missing": "逾期未报送"}


def submission_status(session: Session, ob: ReportObligation, period: str, today: dt.date) -> list[SubmissionRow]:
    """Who has and has not reported ``period``: ``session`` must see the submitters (the
    obligation tenant's roll-up session)."""
    due = due_date(ob, period)
    reports = {r.tenant_id: r for r in session.scalars(
        select(CampaignReport).where(CampaignReport.obligation_id == ob.id, CampaignReport.period == period))}
    rows = []
    for t in submitters(ob.tenant_id):
        r = reports.get(t.id)
        if r is not None:
            state = "late_submitted" if r.late else "submitted"
        else:
            state = "late_missing" if today > due else "missing"
        rows.append(SubmissionRow(t, r, state))
    return rows
