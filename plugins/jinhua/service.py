"""Rules of 金华's 党建联盟 (JH-1 … JH-4): founding, 契约化 contracts, 组团制 teams, the 轮值制
rota, 议事制 agenda items, 通报制 bulletins and what an alliance page shows. Pages and the API both
go through here; every write validates first (Chinese field messages) and flushes — the caller
commits, so nothing is half-saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock, periods
from core.forms import FormErrors, row_id, text, text_problem
from core.registry.models import Cluster, ClusterLeader, ClusterMember
from core.registry.services import clusters as core_clusters
from core.tenancy import TenantInfo
from plugins.jinhua import program
from plugins.jinhua.models import (
    AgendaItem,
    Alliance,
    AllianceBulletin,
    Contract,
    Founder,
    RotaSlot,
    Team,
)

CONTRACT_STATUSES = {"in_force": "履约中", "renewed": "已续签", "terminated": "已解除"}
AGENDA_STATUSES = {"raised": "待议", "decided": "已决议（落实中）", "done": "已落实", "withdrawn": "已撤回"}
ROTA_PERIODS = {"month": "每月轮值", "quarter": "每季轮值", "half_year": "每半年轮值", "year": "每年轮值"}
MAX_TEXT = 5000


# --- input checking ---------------------------------------------------------------------------


class Check:
    """Collects field errors (Chinese) while reading a form or a JSON body; :meth:`done` raises."""

    def __init__(self, raw: Mapping[str, Any]):
        self.raw, self.errors = raw, {}

    def text(self, key: str, label: str, max_length: int, required: bool = False) -> str:
        value = text(self.raw, key)
        problem = text_problem(value)
        if problem:
            self.errors[key] = f"{label}{problem}"
        elif required and not value:
            self.errors[key] = f"请填写{label}"
        elif len(value) > max_length:
            self.errors[key] = f"{label}最多 {max_length} 个字符"
        return value

    def date(self, key: str, label: str, required: bool = True) -> dt.date | None:
        value = text(self.raw, key)
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

    def choice(self, key: str, label: str, options: Mapping[str, str], default: str = "") -> str:
        value = text(self.raw, key) or default
        if value not in options:
            self.errors[key] = f"请选择{label}"
        return value

    def ids(self, key: str) -> list[int]:
        value = self.raw.get(key)
        values = value if isinstance(value, (list, tuple)) else [value] if value not in (None, "") else []
        out = []
        for v in values:
            rid = row_id(str(v).strip())
            if rid is None:
                self.errors[key] = "选择无效"
                return []
            out.append(rid)
        return list(dict.fromkeys(out))

    def member(self, session: Session, alliance: Alliance, key: str, label: str, required: bool = True,
               today: dt.date | None = None) -> ClusterMember | None:
        value = text(self.raw, key)
        if not value:
            if required:
                self.errors[key] = f"请选择{label}"
            return None
        m = current_member(session, alliance, row_id(value), today)
        if m is None:
            self.errors[key] = f"{label}：请选择本联盟的现有成员"
        return m

    def done(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)


def current_member(session: Session, alliance: Alliance, member_id: int | None,
                   today: dt.date | None = None) -> ClusterMember | None:
    if member_id is None:
        return None
    m = session.get(ClusterMember, member_id)
    if m is None or m.cluster_id != alliance.cluster_id or not core_clusters.is_active_member(m, today or clock.today()):
        return None
    return m


# --- reading alliances ------------------------------------------------------------------------


def alliance_of(session: Session, cluster_id: int) -> tuple[Alliance, Cluster] | None:
    row = session.execute(select(Alliance, Cluster).join(Cluster, Cluster.id == Alliance.cluster_id)
                          .where(Alliance.cluster_id == cluster_id)).first()
    return (row[0], row[1]) if row else None


def alliances(session: Session, *, only: set[int] | None = None, alliance_type: str = "",
              include_archived: bool = False) -> list[tuple[Alliance, Cluster]]:
    stmt = select(Alliance, Cluster).join(Cluster, Cluster.id == Alliance.cluster_id)
    if only is not None:
        stmt = stmt.where(Cluster.id.in_(only or [-1]))
    if alliance_type in program.TYPES:
        stmt = stmt.where(Cluster.cluster_type == alliance_type)
    if not include_archived:
        stmt = stmt.where(Cluster.archived_on.is_(None))
    return [(a, c) for a, c in session.execute(stmt.order_by(Cluster.cluster_type, Cluster.name, Cluster.id))]


def liaison_scope(session: Session, user_id: int, today: dt.date) -> set[int]:
    """Cluster ids of the alliances the user leads (联盟书记 or 联络员 with their account)."""
    return core_clusters.led_by(session, user_id, today)


def founders_of(session: Session, alliance_ids: Iterable[int]) -> dict[int, list[tuple[Founder, Any]]]:
    from plugins.units import api as units

    out: dict[int, list] = {}
    ids = list(alliance_ids)
    if not ids:
        return out
    for f in session.scalars(select(Founder).where(Founder.alliance_id.in_(ids)).order_by(
            Founder.is_lead.desc(), Founder.id)):
        out.setdefault(f.alliance_id, []).append((f, units.get_unit(session, f.unit_id)))
    return out


def active_members(session: Session, cluster: Cluster, today: dt.date) -> list[ClusterMember]:
    return [m for m in core_clusters.members_of(session, cluster) if core_clusters.is_active_member(m, today)]


def member_labels(lookup: Session, tenant: TenantInfo, members: Iterable[ClusterMember]) -> dict[int, str]:
    """Member row id → the name of the organization / party org / unit (``lookup`` sees the subtree)."""
    members = list(members)
    kinds = core_clusters.member_kinds(tenant)
    names = core_clusters.member_names(lookup, members, kinds)
    orgs, pos = core_clusters.names_of(lookup, [m.organization_id for m in members], [m.party_org_id for m in members])
    out = {}
    for m in members:
        if m.organization_id:
            out[m.id] = orgs.get(m.organization_id, "")
        elif m.party_org_id:
            out[m.id] = pos.get(m.party_org_id, "")
        else:
            out[m.id] = names.get(m.id, "")
    return out


# --- JH-1 founding an alliance -------------------------------------------------------------------


def clean_founding(session: Session, tenant: TenantInfo, raw: Mapping[str, Any]) -> dict[str, Any]:
    from plugins.units import api as units

    c = Check(raw)
    kind = text(raw, "cluster_type")
    atype = program.TYPES.get(kind)
    if atype is None:
        c.errors["cluster_type"] = "请选择联盟类型（区域和园区化、商圈和市场化、楼宇和单元格化、产业和行业化）"
    founded = c.date("founded_on", "成立日期")
    if founded and founded > clock.today():
        c.errors["founded_on"] = "成立日期不能晚于今天"
    principles = [p for p in _list(raw.get("principles")) if p]
    allowed = dict(program.PRINCIPLES)
    if any(p not in allowed for p in principles):
        c.errors["principles"] = "组建原则只能是地域相邻、行业相近、规模适当、便于管理"
    rota = c.choice("rota_period", "轮值周期", ROTA_PERIODS, "quarter")
    founder_ids = c.ids("founders")
    lead = row_id(text(raw, "lead"))
    founders = []
    if "founders" not in c.errors:
        for uid in founder_ids:
            unit = units.get_unit(session, uid)
            if unit is None or unit.archived_on is not None:
                c.errors["founders"] = "发起单位：请选择本辖区在用的单位"
                break
            founders.append(unit)
    if atype is not None and "founders" not in c.errors:
        wanted = "、".join(program.FOUNDER_LABELS[k] for k in atype.founders)
        if not founders:
            c.errors["founders"] = f"发起单位：{atype.label}须{atype.basis}，请至少选择一个{wanted}"
        else:
            wrong = [u.name for u in founders if u.kind not in atype.founders]
            if wrong:
                c.errors["founders"] = f"发起单位：「{'、'.join(wrong)}」不是{wanted}；{atype.label}须{atype.basis}"
    if founders and "founders" not in c.errors:
        if lead is None:
            c.errors["lead"] = "请在发起单位中选择牵头单位"
        elif lead not in {u.id for u in founders}:
            c.errors["lead"] = "牵头单位须是发起单位之一"
    c.done()
    return {"cluster_type": kind, "founded_on": founded, "principles": principles, "rota_period": rota,
            "founders": founders, "lead": lead}


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value]
    return [v.strip() for v in str(value).replace("，", ",").split(",")]


def create_alliance(session: Session, lookup: Session, tenant: TenantInfo, raw: Mapping[str, Any]) -> Alliance:
    """Found an alliance: the cluster (name, area, description), its founding units (refused
    without one of the kinds its type is founded on), the lead unit, the principles; the founding
    units join as members. ``lookup`` sees the tenant's subtree (members may be its streets')."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    try:
        values = clean_founding(session, tenant, raw)
    except FormErrors as exc:
        errors.update(exc.errors)
    types = core_clusters.cluster_types(tenant)
    cluster_raw = {"name": text(raw, "name"), "area": text(raw, "area"), "description": text(raw, "description"),
                   "cluster_type": text(raw, "cluster_type") if text(raw, "cluster_type") in program.TYPES else ""}
    cvalues, cerrors = core_clusters.clean_cluster(session, cluster_raw, types)
    errors.update({k: v.replace("组团名称", "联盟名称") for k, v in cerrors.items() if k != "cluster_type"})
    if not errors and session.scalar(select(Cluster.id).where(Cluster.name == cvalues["name"],
                                                               Cluster.cluster_type.in_(program.TYPES))):
        errors["name"] = "联盟名称：本辖区已有同名党建联盟"
    if errors:
        raise FormErrors(errors)
    cluster = core_clusters.create_cluster(session, cluster_raw, types)
    alliance = Alliance(cluster_id=cluster.id, founded_on=values["founded_on"], principles=values["principles"],
                        rota_period=values["rota_period"])
    session.add(alliance)
    session.flush()
    kinds = core_clusters.member_kinds(tenant)
    for unit in values["founders"]:
        session.add(Founder(alliance_id=alliance.id, unit_id=unit.id, is_lead=unit.id == values["lead"]))
        core_clusters.add_member(session, cluster, {"kind": program.UNIT_MEMBER, "ref": str(unit.id),
                                                    "joined_on": values["founded_on"].isoformat()},
                                 types, lookup=lookup, kinds=kinds)
    session.flush()
    return alliance


def add_member(session: Session, lookup: Session, tenant: TenantInfo, alliance: Alliance, cluster: Cluster,
               raw: Mapping[str, Any], settings: Any, today: dt.date) -> ClusterMember:
    """A member organization / party org / unit joins (core rules: one current membership per
    alliance, references looked up in the subtree); with ``obligations`` its contract is signed
    in the same step (契约化)."""
    member = core_clusters.add_member(session, cluster, raw, core_clusters.cluster_types(tenant), lookup=lookup,
                                      kinds=core_clusters.member_kinds(tenant))
    if text(raw, "obligations"):
        sign_contract(session, alliance, {**raw, "member_id": str(member.id)}, settings, today)
    return member


# --- 契约化 contracts -----------------------------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def running_contract(session: Session, member_id: int) -> Contract | None:
    return session.scalar(select(Contract).where(Contract.member_id == member_id, Contract.status == "in_force")
                          .order_by(Contract.ends_on.desc()).limit(1))


def sign_contract(session: Session, alliance: Alliance, raw: Mapping[str, Any], settings: Any,
                  today: dt.date) -> Contract:
    """A contract for a current member: ``member_id``, ``signed_on`` (default today, not in the
    future), ``starts_on`` (default the signing day), ``ends_on`` (default the start plus the
    tenant's term), ``obligations`` (required). A member has one contract in force at a time."""
    c = Check(raw)
    member = c.member(session, alliance, "member_id", "成员单位", today=today)
    signed = c.date("signed_on", "签订日期", required=False) or today
    if signed > today:
        c.errors["signed_on"] = "签订日期不能晚于今天"
    starts = c.date("starts_on", "履约起始日期", required=False) or signed
    ends = c.date("ends_on", "履约截止日期", required=False) or (
        add_years(starts, settings.contract_years) - dt.timedelta(days=1))
    if ends <= starts:
        c.errors["ends_on"] = "履约截止日期须晚于起始日期"
    obligations = c.text("obligations", "契约内容（权利义务）", MAX_TEXT, required=True)
    if member is not None and running_contract(session, member.id) is not None:
        c.errors["member_id"] = "该成员单位已有履约中的契约，请续签或先解除"
    c.done()
    row = Contract(alliance_id=alliance.id, member_id=member.id, signed_on=signed, starts_on=starts, ends_on=ends,
                   obligations=obligations)
    session.add(row)
    session.flush()
    return row


def renew_contract(session: Session, alliance: Alliance, contract: Contract, raw: Mapping[str, Any], settings: Any,
                   today: dt.date) -> Contract:
    """Renew (续签): the next term starts the day after the old one ends (its length the tenant's
    term unless ``ends_on`` says otherwise); obligations carry over unless new ones are given."""
    c = Check(raw)
    if contract.status != "in_force":
        c.errors["status"] = f"该契约{CONTRACT_STATUSES.get(contract.status, contract.status)}，不能续签"
    member = current_member(session, alliance, contract.member_id, today)
    if member is None:
        c.errors["status"] = "该成员单位已退出联盟，不能续签"
    starts = contract.ends_on + dt.timedelta(days=1)
    ends = c.date("ends_on", "新的履约截止日期", required=False) or (
        add_years(starts, settings.contract_years) - dt.timedelta(days=1))
    if ends <= starts:
        c.errors["ends_on"] = f"新的履约截止日期须晚于 {starts.isoformat()}"
    obligations = c.text("obligations", "契约内容（权利义务）", MAX_TEXT) or contract.obligations
    c.done()
    contract.status = "renewed"
    row = Contract(alliance_id=alliance.id, member_id=contract.member_id, signed_on=today, starts_on=starts,
                   ends_on=ends, obligations=obligations, renewed_from_id=contract.id)
    session.add(row)
    session.flush()
    return row


def terminate_contract(session: Session, contract: Contract) -> Contract:
    if contract.status != "in_force":
        raise FormErrors({"status": f"该契约{CONTRACT_STATUSES.get(contract.status, contract.status)}，不能解除"})
    contract.status = "terminated"
    session.flush()
    return contract


def expiring_contracts(session: Session, today: dt.date, days: int) -> list[Contract]:
    """Contracts in force that end within ``days`` days or ended already (not yet renewed)."""
    return list(session.scalars(select(Contract).where(
        Contract.status == "in_force", Contract.ends_on <= today + dt.timedelta(days=days))
        .order_by(Contract.ends_on, Contract.id)))


# --- 组团制 teams --------------------------------------------------------------------------------


def create_team(session: Session, alliance: Alliance, raw: Mapping[str, Any], today: dt.date) -> Team:
    c = Check(raw)
    name = c.text("name", "服务团队名称", 100, required=True)
    service = c.text("service", "服务内容", 500)
    ids = c.ids("member_ids")
    if "member_ids" not in c.errors:
        if not ids:
            c.errors["member_ids"] = "请至少选择一个成员单位"
        elif any(current_member(session, alliance, i, today) is None for i in ids):
            c.errors["member_ids"] = "只能选择本联盟的现有成员"
    if name and session.scalar(select(Team.id).where(Team.alliance_id == alliance.id, Team.name == name)):
        c.errors["name"] = "本联盟已有同名服务团队"
    c.done()
    team = Team(alliance_id=alliance.id, name=name, service=service, member_ids=ids)
    session.add(team)
    session.flush()
    return team


# --- 轮值制 the rotating chair ------------------------------------------------------------------------


def rota(session: Session, alliance: Alliance) -> list[RotaSlot]:
    return list(session.scalars(select(RotaSlot).where(RotaSlot.alliance_id == alliance.id).order_by(RotaSlot.period)))


def generate_rota(session: Session, alliance: Alliance, cluster: Cluster, raw: Mapping[str, Any],
                  today: dt.date) -> list[RotaSlot]:
    """The rota of ``year`` (default this year): one current member per period of the alliance's
    rota period, in turn — the lead unit first, then by joining date. Periods already over keep
    their chair; the turn continues after the last chair before them. Idempotent for the same members."""
    c = Check(raw)
    year_text = text(raw, "year") or str(today.year)
    if not (year_text.isascii() and year_text.isdigit() and 2000 <= int(year_text) <= 2100):
        c.errors["year"] = "年度应为 2000–2100 的整数"
    members = order_for_rota(session, alliance, cluster, today)
    if not members:
        c.errors["year"] = "本联盟还没有成员单位，无法排定轮值"
    c.done()
    year = int(year_text)
    plist = periods.between(alliance.rota_period, dt.date(year, 1, 1), dt.date(year, 12, 31))
    plist = [p for p in plist if p.year == year]
    existing = {s.period: s for s in rota(session, alliance)}
    ids = [m.id for m in members]
    last = session.scalar(select(RotaSlot).where(
        RotaSlot.alliance_id == alliance.id, RotaSlot.period < plist[0].key).order_by(RotaSlot.period.desc()).limit(1))
    turn = (ids.index(last.member_id) + 1) if last is not None and last.member_id in ids else 0
    out = []
    for p in plist:
        slot = existing.get(p.key)
        if slot is not None and p.end < today:  # over: stays as it was
            if slot.member_id in ids:
                turn = ids.index(slot.member_id) + 1
            out.append(slot)
            continue
        member_id = ids[turn % len(ids)]
        turn += 1
        if slot is None:
            slot = RotaSlot(alliance_id=alliance.id, period=p.key, member_id=member_id)
            session.add(slot)
        elif slot.member_id != member_id:
            slot.member_id = member_id
        out.append(slot)
    session.flush()
    return out


def order_for_rota(session: Session, alliance: Alliance, cluster: Cluster, today: dt.date) -> list[ClusterMember]:
    lead_unit = session.scalar(select(Founder.unit_id).where(Founder.alliance_id == alliance.id, Founder.is_lead))
    members = active_members(session, cluster, today)

    def key(m: ClusterMember):
        is_lead = m.member_kind == program.UNIT_MEMBER and m.ref_id == lead_unit
        return (not is_lead, m.joined_on or dt.date.min, m.id)

    return sorted(members, key=key)


def chair_on(session: Session, alliance: Alliance, day: dt.date) -> RotaSlot | None:
    return session.scalar(select(RotaSlot).where(RotaSlot.alliance_id == alliance.id,
                                                 RotaSlot.period == periods.key_of(alliance.rota_period, day)))


# --- 议事制 agenda items ----------------------------------------------------------------------------


def raise_item(session: Session, alliance: Alliance, raw: Mapping[str, Any], today: dt.date) -> AgendaItem:
    c = Check(raw)
    title = c.text("title", "议题", 200, required=True)
    member = c.member(session, alliance, "raised_by_member_id", "提出单位", required=False, today=today)
    raised = c.date("raised_on", "提出日期", required=False) or today
    if raised > today:
        c.errors["raised_on"] = "提出日期不能晚于今天"
    c.done()
    item = AgendaItem(alliance_id=alliance.id, title=title, raised_by_member_id=member.id if member else None,
                      raised_on=raised)
    session.add(item)
    session.flush()
    return item


def agenda_action(session: Session, alliance: Alliance, item: AgendaItem, action: str, raw: Mapping[str, Any],
                  today: dt.date, meetings: Mapping[int, Any] | None = None) -> AgendaItem:
    """``decide`` (raised → decided: ``discussion``, ``decision`` required, ``decided_on``,
    ``meeting_id`` one of the alliance's meetings, ``owner_member_id`` who follows it up,
    ``follow_up_due``), ``complete`` (decided → done: ``follow_up`` required, ``done_on``),
    ``withdraw`` (raised → withdrawn)."""
    c = Check(raw)
    allowed = {"decide": ("raised",), "complete": ("decided",), "withdraw": ("raised",)}
    if action not in allowed:
        raise FormErrors({"status": "无效的操作"})
    if item.status not in allowed[action]:
        raise FormErrors({"status": f"议题当前为「{AGENDA_STATUSES.get(item.status, item.status)}」，不能执行此操作"})
    if action == "decide":
        discussion = c.text("discussion", "讨论情况", MAX_TEXT)
        decision = c.text("decision", "决议事项", MAX_TEXT, required=True)
        decided = c.date("decided_on", "决议日期", required=False) or today
        if decided > today:
            c.errors["decided_on"] = "决议日期不能晚于今天"
        elif decided < item.raised_on:
            c.errors["decided_on"] = "决议日期不能早于提出日期"
        owner = c.member(session, alliance, "owner_member_id", "落实单位", today=today)
        due = c.date("follow_up_due", "落实期限", required=False)
        if due and due < decided:
            c.errors["follow_up_due"] = "落实期限不能早于决议日期"
        meeting = row_id(text(raw, "meeting_id"))
        if text(raw, "meeting_id") and (meeting is None or meeting not in (meetings or {})):
            c.errors["meeting_id"] = "请选择本联盟的例会"
        c.done()
        item.discussion, item.decision, item.decided_on = discussion, decision, decided
        item.owner_member_id, item.follow_up_due, item.meeting_id = owner.id, due, meeting
        item.status = "decided"
    elif action == "complete":
        follow = c.text("follow_up", "落实情况", MAX_TEXT, required=True)
        done = c.date("done_on", "落实日期", required=False) or today
        if done > today:
            c.errors["done_on"] = "落实日期不能晚于今天"
        elif item.decided_on and done < item.decided_on:
            c.errors["done_on"] = "落实日期不能早于决议日期"
        c.done()
        item.follow_up, item.done_on, item.status = follow, done, "done"
    else:
        item.status = "withdrawn"
    session.flush()
    return item


# --- 例会制 meetings (the activities engine) ----------------------------------------------------------


def meetings(session: Session, cluster: Cluster, limit: int = 50) -> list:
    from plugins.activities.api import Activity

    return list(session.scalars(select(Activity).where(
        Activity.cluster_id == cluster.id, Activity.activity_type == program.MEETING)
        .order_by(Activity.starts_at.desc()).limit(limit)))


def record_meeting(session: Session, access: Any, tenant: TenantInfo, cluster: Cluster,
                   raw: Mapping[str, Any]):
    from plugins.activities import api as activities

    c = Check(raw)
    minutes = c.text("minutes", "会议纪要", 20000)
    c.done()
    return activities.create_activity(session, access, tenant, {
        "activity_type": program.MEETING, "organizer": f"cluster:{cluster.id}",
        "title": text(raw, "title"), "date": text(raw, "date"), "start_time": text(raw, "start_time"),
        "end_time": text(raw, "end_time"), "place": text(raw, "place"), "minutes": minutes})


# --- 通报制 bulletins (core bulletins addressed to the alliance's members) ------------------------------


def member_tenant_ids(session: Session, cluster: Cluster, today: dt.date) -> list[int]:
    return sorted({m.member_tenant_id for m in active_members(session, cluster, today)
                   if m.member_tenant_id and m.member_tenant_id != cluster.tenant_id})


def publish_bulletin(session: Session, tenant: TenantInfo, alliance: Alliance, cluster: Cluster, user_id: int,
                     raw: Mapping[str, Any], today: dt.date):
    """A core bulletin to the tenants below where the alliance's current members are; readers
    there confirm with 确认已阅 and the alliance page counts the receipts. ``session`` sees the
    publisher's subtree (the core's rule for publishing)."""
    from core.notify import bulletins

    targets = member_tenant_ids(session, cluster, today)
    if not targets:
        errors = {}
        try:
            bulletins.clean_bulletin({**raw, "targets": "all"}, tenant)
        except FormErrors as exc:
            errors.update({k: v for k, v in exc.errors.items() if k != "targets"})
        errors["targets"] = "本联盟没有下级辖区的成员，通报无法送达（成员都在本辖区时请在例会上通报）"
        raise FormErrors(errors)
    b = bulletins.publish(session, tenant, user_id, {**raw, "targets": [str(t) for t in targets]})
    session.add(AllianceBulletin(tenant_id=cluster.tenant_id, alliance_id=alliance.id, bulletin_id=b.id))
    session.flush()
    return b


def alliance_bulletins(session: Session, alliance: Alliance) -> list:
    from core.notify.models import Bulletin

    return list(session.scalars(select(Bulletin).join(AllianceBulletin, AllianceBulletin.bulletin_id == Bulletin.id)
                                .where(AllianceBulletin.alliance_id == alliance.id)
                                .order_by(Bulletin.published_at.desc())))


# --- JH-3 the four lists of an alliance (the lists engine) -----------------------------------------


@dataclass
class FourLists:
    demands: int = 0
    open: int = 0
    solved: int = 0
    resources: int = 0
    services: int = 0
    projects: int = 0
    recent: list = field(default_factory=list)


def four_lists(session: Session, cluster: Cluster, today: dt.date) -> FourLists:
    """需求清单 (demands of the alliance's organizations), 资源清单 (resources its organizations offer),
    服务清单 / 项目清单 (work items on those demands) — in the alliance's own tenant."""
    from plugins.lists import api as lists

    orgs = lists.cluster_org_ids(cluster.id, today)
    out = FourLists()
    for status, n in session.execute(select(lists.ListDemand.status, func.count()).where(
            lists.ListDemand.organization_id.in_(orgs)).group_by(lists.ListDemand.status)):
        out.demands += n
        if status in lists.OPEN_STATUSES:
            out.open += n
        elif status in ("resolved", "rated"):
            out.solved += n
    out.resources = session.scalar(select(func.count(lists.ListResource.id)).where(
        lists.ListResource.organization_id.in_(orgs), lists.ListResource.status == "active")) or 0
    for kind, n in session.execute(select(lists.ListWork.kind, func.count()).join(
            lists.ListDemand, lists.ListDemand.id == lists.ListWork.demand_id).where(
            lists.ListDemand.organization_id.in_(orgs), lists.ListWork.status != "cancelled").group_by(lists.ListWork.kind)):
        if kind == "service":
            out.services += n
        elif kind == "project":
            out.projects += n
    out.recent = list(session.scalars(select(lists.ListDemand).where(lists.ListDemand.organization_id.in_(orgs))
                                      .order_by(lists.ListDemand.submitted_on.desc(), lists.ListDemand.id.desc()).limit(5)))
    return out


# --- JH-2 六专 ----------------------------------------------------------------------------------------


def liuzhuan_of(session: Session, cluster: Cluster):
    from plugins.checklists import api as checklists

    found = checklists.checklists_of(session, "cluster", cluster.id, checklists.LIUZHUAN.key)
    return found[0] if found else None


def start_liuzhuan(session: Session, tenant: TenantInfo, cluster: Cluster, today: dt.date):
    from plugins.checklists import api as checklists

    if liuzhuan_of(session, cluster) is not None:
        raise FormErrors({"checklist": "本联盟已有“六专”建设清单"})
    return checklists.create_checklist(session, tenant, {"template_key": checklists.LIUZHUAN.key,
                                                         "subject_kind": "cluster", "subject_id": cluster.id}, today)


# --- the 工作格局 per alliance and the roll-up ---------------------------------------------------------


@dataclass
class Summary:
    alliance: Alliance
    cluster: Cluster
    members: int = 0
    contracts: int = 0
    expiring: int = 0
    liuzhuan: str = "未建立"
    liuzhuan_done: tuple[int, int] = (0, 0)
    meetings: int = 0
    agenda_open: int = 0
    chair: str = ""


def summaries(session: Session, rows: list[tuple[Alliance, Cluster]], today: dt.date, warning_days: int,
              names: Mapping[int, str] | None = None) -> list[Summary]:
    from plugins.checklists import api as checklists

    out = []
    ids = [a.id for a, _ in rows]
    cids = [c.id for _, c in rows]
    member_n = core_clusters.member_counts(session, cids) if cids else {}
    contracts = dict(session.execute(select(Contract.alliance_id, func.count()).where(
        Contract.alliance_id.in_(ids or [-1]), Contract.status == "in_force").group_by(Contract.alliance_id)).all())
    soon = dict(session.execute(select(Contract.alliance_id, func.count()).where(
        Contract.alliance_id.in_(ids or [-1]), Contract.status == "in_force",
        Contract.ends_on <= today + dt.timedelta(days=warning_days)).group_by(Contract.alliance_id)).all())
    open_items = dict(session.execute(select(AgendaItem.alliance_id, func.count()).where(
        AgendaItem.alliance_id.in_(ids or [-1]), AgendaItem.status.in_(("raised", "decided")))
        .group_by(AgendaItem.alliance_id)).all())
    from plugins.activities.api import Activity

    met = dict(session.execute(select(Activity.cluster_id, func.count()).where(
        Activity.cluster_id.in_(cids or [-1]), Activity.activity_type == program.MEETING,
        Activity.status == "held").group_by(Activity.cluster_id)).all())
    for a, c in rows:
        s = Summary(a, c, member_n.get(c.id, 0), contracts.get(a.id, 0), soon.get(a.id, 0),
                    meetings=met.get(c.id, 0), agenda_open=open_items.get(a.id, 0))
        cl = liuzhuan_of(session, c)
        if cl is not None:
            p = checklists.progress(cl)
            s.liuzhuan = checklists.STATUSES.get(cl.status, cl.status)
            s.liuzhuan_done = (p.done, p.total)
        slot = chair_on(session, a, today)
        if slot is not None and names is not None:
            s.chair = names.get(slot.member_id, "")
        out.append(s)
    return out


def counts_by_tenant(session: Session, tenant_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per tenant: alliances of each type (unarchived) — a roll-up session over a subtree."""
    out: dict[int, dict[str, int]] = {}
    for tid, kind, n in session.execute(select(Cluster.tenant_id, Cluster.cluster_type, func.count()).join(
            Alliance, Alliance.cluster_id == Cluster.id).where(Cluster.tenant_id.in_(list(tenant_ids)),
                                                               Cluster.archived_on.is_(None))
            .group_by(Cluster.tenant_id, Cluster.cluster_type)):
        out.setdefault(tid, {})[kind] = n
    return out


def liaisons(session: Session, cluster: Cluster) -> list[ClusterLeader]:
    return [x for x in core_clusters.leaders_of(session, cluster, active_only=True) if x.user_id]


# --- JH-5 联企送服务: member units' quarterly visits and the quarter's 工委例会 -------------------------


@dataclass
class ContactVisits:
    period_label: str
    pairings: int = 0
    visited: int = 0
    gaps: list = field(default_factory=list)  # units VisitGap rows of this quarter
    holders: list = field(default_factory=list)  # member units without a linked enterprise
    committee_meetings: int = 0


def contact_visits(session: Session, tenant: TenantInfo, today: dt.date) -> ContactVisits:
    """This quarter: the member units' 联企送服务 pairings (units block, kind ``jinhua.contact``: each
    visits its linked enterprise at least once a quarter), those still without a visit, member
    units linked to none, and whether the quarter's 工委例会 (where the visits are reported) was held."""
    from plugins.activities import api as activities
    from plugins.units import api as units

    start, end, label = units.period_bounds("quarter", today)
    g = units.gaps(session, tenant, today, program.CONTACT)
    out = ContactVisits(label, gaps=g.visits, holders=g.holders)
    out.pairings = len(units.pairings_of(session, kind=program.CONTACT, today=today))
    out.visited = out.pairings - len(g.visits)
    held = activities.count_by_organizer(session, program.COMMITTEE_MEETING, start, end)
    out.committee_meetings = held.get(("tenant", tenant.id), 0)
    return out
