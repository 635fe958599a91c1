"""DFH-3 三项工程 beyond assessment: 强基 (member structure, 双向培养) and 活水 (resource partners by
sector, co-building with community party orgs), plus the cooperation records of 五大保障之合作.

Pure rules (structure shares, age) take plain data; the rest takes a session scoped to the tenant.
Invalid input raises :class:`~core.forms.FormErrors` (field → Chinese message) before any write.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from core import clock, search
from core.forms import FormErrors, row_id
from core.registry import choices
from core.registry.models import Cluster, Member, PartyOrg, PartyOrgCoverage
from core.registry.schemas import FieldSpec, clean
from plugins.dongfanghong import service as svc
from plugins.dongfanghong.models import Cooperation, Cultivation

PARTY_STATUSES = ("probationary", "full")  # 预备党员、正式党员: the members the shares count
PIPELINE_STATUSES = ("applicant", "activist", "candidate")  # 入党申请人、积极分子、发展对象
COLLEGE_PLUS = frozenset({"college", "bachelor", "master", "doctor"})  # 大专及以上
BACHELOR_PLUS = frozenset({"bachelor", "master", "doctor"})  # 本科及以上

DIRECTIONS = {"to_backbone": "把党员培养成业务骨干", "to_member": "把业务骨干培养成党员"}
CULTIVATION_STATUSES = {"ongoing": "培养中", "done": "已完成", "stopped": "已中止"}
#: (status, action) → new status
CULTIVATION_TRANSITIONS = {("ongoing", "complete"): "done", ("ongoing", "stop"): "stopped"}

COOPERATION_KINDS = {
    "community": "联组与社区（村）党组织共建",
    "group": "联组间合作",
    "agency": "联组与机关合作",
    "unit": "联组与驻街单位合作",
    "mass": "群团组织力量注入",
    "enterprise": "企业间合作",
}
COOPERATION_AREAS = {"resources": "资源共享", "talent": "人才共培", "career": "事业共创", "growth": "发展共赢"}
#: the 活水 sectors: provider kinds of the program's list scheme (program.PROVIDER_KINDS)
SECTORS = {"government": "政务", "education": "教育", "medical": "医疗", "finance": "金融", "talent": "人才"}


# --- who sees which party orgs ------------------------------------------------------------------


def visible_party_org_ids(session: Session, user_id: int, perms: Iterable[str]) -> set[int] | None:
    """``None`` (every party org) for street staff and viewers; otherwise the party orgs of the
    joint groups the user leads or serves as 专干."""
    perms = set(perms)
    if svc.SEE_ALL in perms or svc.MANAGE_ALL in perms:
        return None
    groups = svc.visible_groups(session, user_id, perms)
    return {p for ps in svc.group_party_org_ids(session, [g.id for g in groups]).values() for p in ps}


def can_manage_party_org(session: Session, user_id: int, perms: Iterable[str], party_org_id: int) -> bool:
    """Street staff manage every party org; a 组长 or 专干 those of the groups they manage."""
    perms = set(perms)
    if svc.MANAGE_ALL in perms:
        return True
    for g in svc.visible_groups(session, user_id, perms):
        if party_org_id in svc.group_party_org_ids(session, [g.id]).get(g.id, []) and \
                svc.can_manage_group(session, user_id, perms, g):
            return True
    return False


def group_of_party_orgs(session: Session) -> dict[int, Cluster]:
    """party org id → the joint group it currently belongs to."""
    groups = svc.joint_groups(session)
    by_id = {g.id: g for g in groups}
    out: dict[int, Cluster] = {}
    for cid, pids in svc.group_party_org_ids(session, list(by_id)).items():
        for p in pids:
            out.setdefault(p, by_id[cid])
    return out


# --- 强基: member structure (pure) ---------------------------------------------------------------


def age_on(birth: dt.date, today: dt.date) -> int:
    """Full years (周岁) on ``today``."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def percent(part: int, whole: int) -> str:
    """"37.5%" (one decimal, half up); "—" when there is nothing to divide."""
    if not whole:
        return "—"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}%"


@dataclass(frozen=True)
class MemberFacts:
    party_org_id: int
    status: str
    birth_date: dt.date | None
    education: str
    is_manager: bool = False
    is_backbone: bool = False


@dataclass
class Structure:
    """Counts behind the 强基 shares; ``members`` are party members (预备 + 正式)."""

    members: int = 0
    managers: int = 0
    backbones: int = 0
    young: int = 0
    college_plus: int = 0
    bachelor_plus: int = 0
    age_unknown: int = 0
    education_unknown: int = 0
    pipeline: int = 0  # 入党申请人、积极分子、发展对象
    pipeline_backbones: int = 0  # business backbones among them (把骨干培养成党员)

    def add(self, f: MemberFacts, today: dt.date, young_age: int) -> None:
        if f.status in PIPELINE_STATUSES:
            self.pipeline += 1
            self.pipeline_backbones += int(f.is_backbone)
            return
        if f.status not in PARTY_STATUSES:
            return
        self.members += 1
        self.managers += int(f.is_manager)
        self.backbones += int(f.is_backbone)
        if f.birth_date is None:
            self.age_unknown += 1
        elif age_on(f.birth_date, today) <= young_age:
            self.young += 1
        if not f.education:
            self.education_unknown += 1
        self.college_plus += int(f.education in COLLEGE_PLUS)
        self.bachelor_plus += int(f.education in BACHELOR_PLUS)

    def merge(self, other: Structure) -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def share(self, key: str) -> str:
        return percent(getattr(self, key), self.members)

    @property
    def hints(self) -> list[str]:
        """What 强基 asks for and this structure lacks (shown highlighted)."""
        if not self.members:
            return ["暂无党员"]
        out = []
        if not self.managers:
            out.append("管理层无党员")
        if not self.backbones:
            out.append("业务骨干无党员")
        if not self.young:
            out.append("无青年党员")
        if not self.pipeline:
            out.append("无入党积极分子等发展梯队")
        return out


def structures(facts: Iterable[MemberFacts], today: dt.date, young_age: int = 35) -> dict[int, Structure]:
    """party org id → its structure."""
    out: dict[int, Structure] = defaultdict(Structure)
    for f in facts:
        out[f.party_org_id].add(f, today, young_age)
    return dict(out)


def total_of(items: Iterable[Structure]) -> Structure:
    total = Structure()
    for s in items:
        total.merge(s)
    return total


# --- 强基: the structure view ------------------------------------------------------------------


def member_facts(session: Session, party_org_ids: Iterable[int]) -> list[MemberFacts]:
    ids = list(party_org_ids)
    if not ids:
        return []
    rows = session.execute(
        select(Member.party_org_id, Member.status, Member.birth_date, Member.education, Member.extra)
        .where(Member.party_org_id.in_(ids)))
    return [MemberFacts(p, st, b, e or "", bool((x or {}).get(MANAGER)), bool((x or {}).get(BACKBONE)))
            for p, st, b, e, x in rows]


@dataclass
class OrgStructure:
    party_org_id: int
    name: str
    group: str
    structure: Structure
    group_id: int | None = None


def structure_rows(session: Session, visible: set[int] | None, today: dt.date, young_age: int, q: str = "",
                   group_id: int | None = None, hint: str = "") -> tuple[list[OrgStructure], Structure]:
    """One row per live two-new party org the user may see (filters: name, group, a hint such as
    「管理层无党员」) and the total of the rows shown."""
    orgs = svc.two_new_party_orgs(session)
    groups = group_of_party_orgs(session)
    if visible is not None:
        orgs = [p for p in orgs if p.id in visible]
    if q:
        orgs = [p for p in orgs if q in p.name]
    if group_id:
        orgs = [p for p in orgs if p.id in groups and groups[p.id].id == group_id]
    by_org = structures(member_facts(session, [p.id for p in orgs]), today, young_age)
    rows = [OrgStructure(p.id, p.name, groups[p.id].name if p.id in groups else "", by_org.get(p.id, Structure()),
                         groups[p.id].id if p.id in groups else None) for p in orgs]
    if hint:
        rows = [r for r in rows if hint in r.structure.hints]
    rows.sort(key=lambda r: (r.group_id is None, r.group_id or 0, r.name, r.party_org_id))
    return rows, total_of(r.structure for r in rows)


def group_structures(rows: Iterable[OrgStructure]) -> list[tuple[str, Structure]]:
    """(group name, structure) per joint group, in the groups' order; ungrouped orgs last."""
    by_group: dict[tuple, Structure] = defaultdict(Structure)
    for r in rows:
        by_group[(r.group_id is None, r.group_id or 0, r.group or "（未编组）")].merge(r.structure)
    return [(key[2], s) for key, s in sorted(by_group.items())]


STRUCTURE_HEADERS = ["党组织", "联组", "党员", "管理层党员", "管理层占比", "业务骨干党员", "骨干占比", "青年党员",
                     "青年占比", "大专及以上", "大专及以上占比", "本科及以上", "本科及以上占比", "发展梯队", "其中骨干",
                     "提示"]


def structure_export_rows(rows: Iterable[OrgStructure]) -> list[list[Any]]:
    out = []
    for r in rows:
        s = r.structure
        out.append([r.name, r.group, s.members, s.managers, s.share("managers"), s.backbones, s.share("backbones"),
                    s.young, s.share("young"), s.college_plus, s.share("college_plus"), s.bachelor_plus,
                    s.share("bachelor_plus"), s.pipeline, s.pipeline_backbones, "、".join(s.hints)])
    return out


# --- 强基: per-member profiles -------------------------------------------------------------------
#
# 管理层 / 业务骨干 / 企业职务 are the program's extra member fields (``register_extra_fields``,
# :func:`extra_fields`), kept in ``Member.extra`` — shown on the registry's member form, detail
# page, export and import as well as here. Until dongfanghong_0004 they had a side table.

MANAGER, BACKBONE, JOB_TITLE = "dongfanghong.is_manager", "dongfanghong.is_backbone", "dongfanghong.job_title"


def extra_fields(tenant) -> list:
    from core.plugin_types import ExtraField

    return [ExtraField("member", MANAGER, "管理层", "bool", order=1, help="企业管理层成员"),
            ExtraField("member", BACKBONE, "业务骨干", "bool", order=2),
            ExtraField("member", JOB_TITLE, "企业职务", max_length=50, order=3)]


@dataclass(frozen=True)
class Profile:
    """A member's 管理层 / 业务骨干 / 职务 (from ``Member.extra``)."""

    is_manager: bool
    is_backbone: bool
    job_title: str

    @classmethod
    def of(cls, member: Member) -> Profile | None:
        extra = member.extra or {}
        if not any(k in extra for k in (MANAGER, BACKBONE, JOB_TITLE)):
            return None
        return cls(bool(extra.get(MANAGER)), bool(extra.get(BACKBONE)), str(extra.get(JOB_TITLE) or ""))


def set_profile(member: Member, manager: bool, backbone: bool, title: str) -> bool:
    """Write the three values into ``member.extra`` (absent = no / empty); True if it changed."""
    extra = {k: v for k, v in (member.extra or {}).items() if k not in (MANAGER, BACKBONE, JOB_TITLE)}
    if manager:
        extra[MANAGER] = True
    if backbone:
        extra[BACKBONE] = True
    if title:
        extra[JOB_TITLE] = title
    if extra == (member.extra or {}):
        return False
    member.extra = extra
    return True


@dataclass
class PersonRow:
    member: Member
    profile: Profile | None
    age: int | None

    @property
    def status_label(self) -> str:
        return choices.MEMBER_STATUSES.get(self.member.status, self.member.status)

    @property
    def education_label(self) -> str:
        return choices.EDUCATION.get(self.member.education, self.member.education or "—")


def people_of(session: Session, party_org_id: int, today: dt.date) -> list[PersonRow]:
    members = list(session.scalars(select(Member).where(
        Member.party_org_id == party_org_id,
        Member.status.in_(PARTY_STATUSES + PIPELINE_STATUSES)).order_by(Member.status.desc(), Member.name, Member.id)))
    return [PersonRow(m, Profile.of(m), age_on(m.birth_date, today) if m.birth_date else None) for m in members]


def save_profiles(session: Session, party_org_id: int, raw: Mapping[str, Any]) -> int:
    """Save the 管理层 / 业务骨干 flags and job titles of the party org's people from a form:
    ``manager_<id>`` / ``backbone_<id>`` checkboxes, ``job_title_<id>``. Returns rows changed."""
    people = {m.id: m for m in session.scalars(select(Member).where(Member.party_org_id == party_org_id))}
    errors: dict[str, str] = {}
    wanted: dict[int, tuple[bool, bool, str]] = {}
    for mid in people:
        title = str(raw.get(f"job_title_{mid}") or "").strip()
        if len(title) > 50:
            errors[f"job_title_{mid}"] = "职务：最多 50 个字符"
        wanted[mid] = (_checked(raw.get(f"manager_{mid}")), _checked(raw.get(f"backbone_{mid}")), title)
    if errors:
        raise FormErrors(errors)
    changed = sum(set_profile(people[mid], *values) for mid, values in wanted.items())
    session.flush()
    return changed


def _checked(value: Any) -> bool:
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value or "").strip().lower() in ("1", "on", "true", "yes")


def mark_backbone(session: Session, member_id: int) -> Profile | None:
    member = session.get(Member, member_id)
    if member is None:
        return None
    current = Profile.of(member) or Profile(False, False, "")
    set_profile(member, current.is_manager, True, current.job_title)
    session.flush()
    return Profile.of(member)


# --- 强基: 双向培养 ------------------------------------------------------------------------------

CULTIVATION_FIELDS = [
    FieldSpec("person_name", "培养对象", required=True, max_length=50),
    FieldSpec("mentor", "培养联系人", required=True, max_length=50),
    FieldSpec("started_on", "开始日期", "date", required=True),
    FieldSpec("target_on", "计划完成日期", "date"),
    FieldSpec("notes", "培养措施", "text", max_length=2000),
]


def party_org_field(session: Session, raw_id: Any, visible: set[int] | None, errors: dict[str, str],
                    key: str = "party_org_id", label: str = "党组织") -> PartyOrg | None:
    """The live party org a form field names (within ``visible``, if given); else ``None`` with
    the Chinese message in ``errors[key]``."""
    ref = str(raw_id or "").strip()
    if not ref:
        errors[key] = f"{label}：必填"
        return None
    po = session.get(PartyOrg, row_id(ref)) if row_id(ref) else None
    if po is None or po.dissolved_on is not None or (visible is not None and po.id not in visible):
        errors[key] = f"{label}：请选择本街道存续的两新党组织"
        return None
    return po


def _members_named(session: Session, party_org_id: int, name: str, statuses: Iterable[str]) -> list[Member]:
    return list(session.scalars(select(Member).where(Member.party_org_id == party_org_id, Member.name == name,
                                                     Member.status.in_(list(statuses))).limit(3)))


def organization_of(session: Session, po: PartyOrg, member: Member | None) -> int | None:
    if member is not None and member.organization_id:
        return member.organization_id
    ids = list(session.scalars(select(PartyOrgCoverage.organization_id)
                               .where(PartyOrgCoverage.party_org_id == po.id).limit(2)))
    return ids[0] if len(ids) == 1 else None


def add_cultivation(session: Session, raw: Mapping[str, Any], visible: set[int] | None = None,
                    today: dt.date | None = None) -> Cultivation:
    """A 双向培养 record. ``to_backbone``: the person must be a party member (预备/正式) of the party
    org (matched by name); ``to_member``: a backbone, linked to the org's pipeline record when one
    with that name exists."""
    today = today or clock.today()
    values, errors = clean(CULTIVATION_FIELDS, raw)
    direction = str(raw.get("direction") or "").strip()
    if direction not in DIRECTIONS:
        errors["direction"] = "培养方向：请选择把党员培养成业务骨干或把业务骨干培养成党员"
    po = party_org_field(session, raw.get("party_org_id"), visible, errors)
    if values.get("started_on") and values["started_on"] > today:
        errors["started_on"] = "开始日期：不能晚于今天"
    if values.get("started_on") and values.get("target_on") and values["target_on"] < values["started_on"]:
        errors["target_on"] = "计划完成日期：不能早于开始日期"
    member = None
    name = values.get("person_name")
    if po is not None and name and direction in DIRECTIONS:
        statuses = PARTY_STATUSES if direction == "to_backbone" else PARTY_STATUSES + PIPELINE_STATUSES
        found = _members_named(session, po.id, name, statuses)
        if len(found) > 1:
            errors["person_name"] = f"培养对象：「{po.name}」有多名叫「{name}」的人员，请到台账核对后再登记"
        elif found:
            member = found[0]
            if direction == "to_member" and member.status in PARTY_STATUSES:
                errors["person_name"] = f"培养对象：「{name}」已是党员，请选择「把党员培养成业务骨干」"
        elif direction == "to_backbone":
            errors["person_name"] = f"培养对象：「{name}」不是「{po.name}」的党员（预备党员或正式党员）"
        if member is not None and "person_name" not in errors:
            busy = session.scalar(select(Cultivation.id).where(
                Cultivation.member_id == member.id, Cultivation.direction == direction,
                Cultivation.status == "ongoing"))
            if busy:
                errors["person_name"] = f"培养对象：「{name}」已有进行中的同方向培养记录"
    if errors:
        raise FormErrors(errors)
    row = Cultivation(direction=direction, person_name=name, member_id=member.id if member else None,
                      party_org_id=po.id, organization_id=organization_of(session, po, member),
                      mentor=values["mentor"], started_on=values["started_on"], target_on=values.get("target_on"),
                      notes=values.get("notes") or "", status="ongoing")
    session.add(row)
    session.flush()
    return row


def transition_cultivation(session: Session, row: Cultivation, action: str, raw: Mapping[str, Any],
                           today: dt.date | None = None) -> Cultivation:
    """complete (完成日期, default today) or stop (原因 required). Completing ``to_backbone`` marks the
    member a backbone; completing ``to_member`` needs the person to be a party member by now
    (预备党员 or 正式党员 in the registry) and marks them a backbone too."""
    today = today or clock.today()
    new = CULTIVATION_TRANSITIONS.get((row.status, action))
    if new is None:
        raise FormErrors({"action": f"当前状态为「{CULTIVATION_STATUSES.get(row.status, row.status)}」，不能执行此操作"})
    errors: dict[str, str] = {}
    finished = today
    text = str(raw.get("finished_on") or "").strip()
    if text:
        from core.registry.schemas import parse_date

        finished = parse_date(text)
        if finished is None:
            errors["finished_on"] = "完成日期：日期格式应为 2024-03-01"
    if finished is not None and "finished_on" not in errors:
        if finished > today:
            errors["finished_on"] = "完成日期：不能晚于今天"
        elif finished < row.started_on:
            errors["finished_on"] = "完成日期：不能早于开始日期"
    note = str(raw.get("note") or "").strip()
    if action == "stop" and not note:
        errors["note"] = "中止原因：必填"
    if len(note) > 500:
        errors["note"] = "说明：最多 500 个字符"
    member = session.get(Member, row.member_id) if row.member_id else None
    if action == "complete" and row.direction == "to_member" and not errors:
        if member is None:
            found = _members_named(session, row.party_org_id, row.person_name, PARTY_STATUSES)
            member = found[0] if len(found) == 1 else None
        if member is None or member.status not in PARTY_STATUSES:
            errors["action"] = (f"「{row.person_name}」在台账中尚未成为预备党员或正式党员，"
                                "请先在党员台账中办理发展程序")
    if errors:
        raise FormErrors(errors)
    row.status = new
    row.finished_on = finished if action == "complete" else None
    if note:
        row.notes = (row.notes + "\n" if row.notes else "") + ("中止原因：" if action == "stop" else "完成情况：") + note
    if action == "complete" and member is not None:
        row.member_id = member.id
        mark_backbone(session, member.id)
    session.flush()
    return row


def cultivation_select(visible: set[int] | None, direction: str = "", status: str = "", q: str = "",
                       party_org_id: int | None = None) -> Select:
    stmt = select(Cultivation)
    if visible is not None:
        stmt = stmt.where(Cultivation.party_org_id.in_(visible or [0]))
    if direction in DIRECTIONS:
        stmt = stmt.where(Cultivation.direction == direction)
    if status in CULTIVATION_STATUSES:
        stmt = stmt.where(Cultivation.status == status)
    if q:
        stmt = stmt.where(search.matches(q, Cultivation.person_name, Cultivation.mentor))
    if party_org_id:
        stmt = stmt.where(Cultivation.party_org_id == party_org_id)
    return stmt.order_by(Cultivation.status != "ongoing", Cultivation.started_on.desc(), Cultivation.id.desc())


def cultivation_counts(session: Session, visible: set[int] | None) -> dict[tuple[str, str], int]:
    stmt = select(Cultivation.direction, Cultivation.status, func.count()).group_by(
        Cultivation.direction, Cultivation.status)
    if visible is not None:
        stmt = stmt.where(Cultivation.party_org_id.in_(visible or [0]))
    return {(d, s): int(n) for d, s, n in session.execute(stmt)}


def overdue_cultivation(row: Cultivation, today: dt.date) -> bool:
    return row.status == "ongoing" and row.target_on is not None and row.target_on < today


CULTIVATION_HEADERS = ["培养对象", "方向", "党组织", "培养联系人", "开始日期", "计划完成", "完成日期", "状态", "培养措施"]


def party_org_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = list({i for i in ids if i})
    if not ids:
        return {}
    return dict(session.execute(select(PartyOrg.id, PartyOrg.name).where(PartyOrg.id.in_(ids))).all())


# --- cooperation / 共建 (活水, 合作保障) ------------------------------------------------------------

COOPERATION_FIELDS = [
    FieldSpec("held_on", "日期", "date", required=True),
    FieldSpec("content", "共建内容", "text", required=True, max_length=2000),
    FieldSpec("result", "成效", "text", max_length=2000),
]


def _group(session: Session, ref: Any) -> Cluster | None:
    ref = str(ref or "").strip()
    c = session.get(Cluster, row_id(ref)) if row_id(ref) else None
    return c if c is not None and c.cluster_type == svc.JOINT_GROUP else None


def add_cooperation(session: Session, raw: Mapping[str, Any], today: dt.date | None = None,
                    allowed_groups: set[int] | None = None) -> Cooperation:
    """A cooperation record. Every kind but 企业间合作 belongs to a joint group (``cluster_id``);
    联组间合作 names the other group (``partner_cluster_id``), the others a partner by name.
    ``allowed_groups``: the groups the user may record for (``None``: any)."""
    today = today or clock.today()
    values, errors = clean(COOPERATION_FIELDS, raw)
    kind = str(raw.get("kind") or "").strip()
    if kind not in COOPERATION_KINDS:
        errors["kind"] = "合作类型：请选择有效的类型"
    area = str(raw.get("area") or "").strip()
    if area not in COOPERATION_AREAS:
        errors["area"] = "合作方向：请选择资源共享、人才共培、事业共创或发展共赢"
    if values.get("held_on") and values["held_on"] > today:
        errors["held_on"] = "日期：不能晚于今天"
    group = None
    if str(raw.get("cluster_id") or "").strip():
        group = _group(session, raw.get("cluster_id"))
        if group is None or (allowed_groups is not None and group.id not in allowed_groups):
            errors["cluster_id"] = "联组：请选择有效的联组"
    elif kind and kind != "enterprise":
        errors["cluster_id"] = "联组：必填"
    elif allowed_groups is not None:
        errors["cluster_id"] = "联组：请选择您负责的联组"
    partner_group = None
    partner = str(raw.get("partner") or "").strip()
    if kind == "group":
        partner_group = _group(session, raw.get("partner_cluster_id"))
        if partner_group is None:
            errors["partner_cluster_id"] = "合作联组：请选择另一个联组"
        elif group is not None and partner_group.id == group.id:
            errors["partner_cluster_id"] = "合作联组：不能与本联组相同"
        else:
            partner = partner or partner_group.name
    elif not partner:
        errors["partner"] = {"community": "共建社区（村）党组织：必填"}.get(kind, "合作方：必填")
    if len(partner) > 200:
        errors["partner"] = "合作方：最多 200 个字符"
    if errors:
        raise FormErrors(errors)
    row = Cooperation(kind=kind, area=area, cluster_id=group.id if group else None,
                      partner_cluster_id=partner_group.id if partner_group else None, partner=partner,
                      held_on=values["held_on"], content=values["content"], result=values.get("result") or "")
    session.add(row)
    session.flush()
    return row


def cooperation_select(kinds: Iterable[str] = (), cluster_id: int | None = None, area: str = "", q: str = "",
                       year: int | None = None, groups: set[int] | None = None) -> Select:
    """Cooperation records, newest first. ``groups``: restrict to these groups (a 组长's view)."""
    stmt = select(Cooperation)
    kinds = [k for k in kinds if k in COOPERATION_KINDS]
    if kinds:
        stmt = stmt.where(Cooperation.kind.in_(kinds))
    if groups is not None:
        stmt = stmt.where(or_(Cooperation.cluster_id.in_(groups or [0]), Cooperation.partner_cluster_id.in_(groups or [0])))
    if cluster_id:
        stmt = stmt.where(or_(Cooperation.cluster_id == cluster_id, Cooperation.partner_cluster_id == cluster_id))
    if area in COOPERATION_AREAS:
        stmt = stmt.where(Cooperation.area == area)
    if q:
        stmt = stmt.where(search.matches(q, Cooperation.partner, Cooperation.content, Cooperation.result))
    if year:
        stmt = stmt.where(Cooperation.held_on >= dt.date(year, 1, 1), Cooperation.held_on <= dt.date(year, 12, 31))
    return stmt.order_by(Cooperation.held_on.desc(), Cooperation.id.desc())


COOPERATION_HEADERS = ["日期", "类型", "合作方向", "联组", "合作方", "内容", "成效"]


def cooperation_export_rows(rows: Iterable[Cooperation], group_names: Mapping[int, str]) -> list[list[Any]]:
    return [[r.held_on, COOPERATION_KINDS.get(r.kind, r.kind), COOPERATION_AREAS.get(r.area, r.area),
             group_names.get(r.cluster_id, "") if r.cluster_id else "", r.partner, r.content, r.result] for r in rows]


def community_partners(session: Session, groups: Iterable[Cluster]) -> list[str]:
    """The community party orgs the joint groups are linked with (platform.GroupLink), for suggestions."""
    from plugins.dongfanghong.platform import link_names

    return link_names(session, [g.id for g in groups])


# --- 活水: resource partners by sector (the lists engine's resource list) -------------------------


@dataclass
class SectorRow:
    key: str
    label: str
    active: int = 0
    total: int = 0
    resources: list[Any] = field(default_factory=list)


def resource_partners(session: Session, access: Any, today: dt.date, per_sector: int = 5) -> list[SectorRow]:
    """Per sector (政务、教育、医疗、金融、人才): how many resources of that provider kind the lists
    engine holds, how many can take a demand today, and the latest few (through the lists
    api, so the lists' own visibility rules apply)."""
    from plugins.lists import api as lists

    out = []
    for key, label in SECTORS.items():
        stmt = lists.resources(access, today, provider_kind=key)
        total = int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
        avail = lists.resources(access, today, provider_kind=key, available="1")
        active = int(session.scalar(select(func.count()).select_from(avail.order_by(None).subquery())) or 0)
        shown = list(session.scalars(avail.limit(per_sector)))
        out.append(SectorRow(key, label, active, total, shown))
    return out


def add_resource_partner(session: Session, access: Any, tenant, raw: Mapping[str, Any], today: dt.date):
    """Register a resource partner of one of the five sectors on the lists engine's resource list
    (``plugins.lists.api.create_resource``; its validation and permission rules apply)."""
    from plugins.lists import api as lists

    kind = str(raw.get("provider_kind") or "").strip()
    if kind in SECTORS:
        return lists.create_resource(session, access, tenant, raw, today)
    errors = {"provider_kind": "资源领域：请选择政务、教育、医疗、金融或人才"}
    try:
        lists.check_resource(session, access, tenant, {**raw, "provider_kind": next(iter(SECTORS))}, today)
    except FormErrors as exc:
        errors = {**exc.errors, **errors}
    raise FormErrors(errors)
