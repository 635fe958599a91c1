"""DFH-5 阵地保障: the acceptance (验收) of a two-new party org's venue as 一/二/三类阵地, run on the
``checklists`` block (issue 10).

The seed says only "对标两新组织党员活动阵地建设标准，积极主动支持两新组织完成一、二、三类阵地验收": it
names no items and no order of the classes. So

* the items of each class are **tenant settings** (``venue_items_1/2/3``: items separated by
  “；”, ``*`` before an item: evidence required) — a class without items has no template and
  cannot be applied for (the page says so);
* which class is the highest is a setting (``venue_top_class``: 1 or 3, default 1);
* each class is a checklist template ``dongfanghong.venue_<n>`` of party orgs with
  ``na_allowed=False``: it passes only when **every** item is 达标 (an item requiring evidence
  needs its file first — the block's rule).

An application (申报) starts a checklist of the party org (``opened_on`` = the application date);
items, evidence and the decision (验收通过 / 不通过 with 整改意见) happen on the checklist's page
(``/t/<slug>/checklists/<id>``) or its API. When a venue checklist passes, the block's
``on_checklist_decided`` hook lets this module write the class and date to the registry
(``PartyOrg.venue_class`` / ``venue_accepted_on``) in the same transaction. Funds read passed
venue checklists through :mod:`plugins.checklists.api` (:func:`accepted`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.forms import FormErrors
from core.registry import choices
from core.registry.models import PartyOrg
from core.registry.schemas import FieldSpec, clean
from plugins.dongfanghong import service as svc

VENUE_CLASSES = choices.VENUE_CLASSES  # {1: 一类阵地, 2: 二类阵地, 3: 三类阵地}
CHECK_STATUSES = {"applied": "待验收", "passed": "已通过", "failed": "未通过"}
VENUE_STATES = {"accepted": "已验收", "pending": "待验收", "failed": "未通过待整改", "none": "未申报"}
#: an application waiting longer than this for its acceptance is a gap
PENDING_DAYS = 60
PREFIX = "dongfanghong.venue_"
_STATUS = {"open": "applied", "passed": "passed", "failed": "failed"}


def template_key(venue_class: int) -> str:
    return f"{PREFIX}{venue_class}"


def class_of(key: str) -> int | None:
    tail = key[len(PREFIX):] if key.startswith(PREFIX) else ""
    return int(tail) if tail in ("1", "2", "3") else None


def parse_items(text: str) -> list[tuple[str, bool]]:
    """(label, evidence required) of a setting's items: separated by “；”, “;” or new lines,
    ``*`` (or ＊) before an item marks evidence required."""
    out = []
    for part in re.split(r"[；;\n]+", text or ""):
        part = part.strip()
        required = part.startswith(("*", "＊"))
        label = part.lstrip("*＊ ").strip()[:200]
        if label:
            out.append((label, required))
    return out


def venue_templates(settings: Any) -> list:
    """The checklist templates of the classes whose items the tenant has set."""
    from plugins.checklists.api import ChecklistTemplate, ItemSpec

    out = []
    for n in (1, 2, 3):
        items = parse_items(getattr(settings, f"venue_items_{n}", ""))
        if not items:
            continue
        out.append(ChecklistTemplate(
            template_key(n), f"{VENUE_CLASSES[n]}验收",
            tuple(ItemSpec(f"item{i + 1}", label, required) for i, (label, required) in enumerate(items)),
            subject_kinds=("party_org",), order=50, na_allowed=False,
            description="两新组织党员活动阵地验收；验收事项由本辖区设置（原文未规定），全部事项达标方可通过。"))
    return out


def higher(a: int, b: int, top: int) -> bool:
    """Is class ``a`` higher than class ``b``? (``top``: the highest class, 1 or 3 — a setting.)"""
    return a < b if top == 1 else a > b


def order_text(top: int) -> str:
    return "一类最高" if top == 1 else "三类最高"


# --- reading the checklists -----------------------------------------------------------------------


@dataclass(frozen=True)
class VenueCheck:
    """One application: a venue checklist of a party org, read through ``plugins.checklists.api``."""

    id: int  # the checklist
    party_org_id: int
    target_class: int
    applied_on: dt.date
    status: str  # applied | passed | failed
    decided_on: dt.date | None
    decided_by: str
    note: str
    done: int
    total: int

    @classmethod
    def of(cls, c: Any) -> VenueCheck:
        from plugins.checklists import api as checklists

        p = checklists.progress(c)
        note = c.decision_note if c.status != "open" and c.decision_note else c.note
        return cls(c.id, c.subject_id, class_of(c.template_key) or 0, c.opened_on, _STATUS.get(c.status, c.status),
                   c.decided_on, c.decided_by, note, p.done, p.total)


def checks(session: Session, party_org_id: int | None = None, status: str = "") -> list[VenueCheck]:
    """Venue applications (every class), oldest first; ``status`` a key of :data:`CHECK_STATUSES`."""
    from plugins.checklists import api as checklists

    block = {v: k for k, v in _STATUS.items()}.get(status, "")
    out = []
    for n in (1, 2, 3):
        out += [VenueCheck.of(c) for c in checklists.checklists_of(session, "party_org", party_org_id,
                                                                  template_key(n), block)]
    return sorted(out, key=lambda c: (c.applied_on, c.id))


def latest_checks(session: Session, party_org_ids: Iterable[int]) -> dict[int, VenueCheck]:
    ids = set(party_org_ids)
    out: dict[int, VenueCheck] = {}
    for c in checks(session):
        if c.party_org_id in ids:
            out[c.party_org_id] = c
    return out


def pending_checks(session: Session, visible: set[int] | None) -> list[VenueCheck]:
    return [c for c in checks(session, status="applied") if visible is None or c.party_org_id in visible]


def accepted(session: Session, year: int) -> dict[int, VenueCheck]:
    """party org → its venue acceptance passed in ``year`` (the first that year)."""
    out: dict[int, VenueCheck] = {}
    for c in checks(session, status="passed"):
        if c.decided_on is not None and c.decided_on.year == year:
            out.setdefault(c.party_org_id, c)
    return out


# --- the venue register -------------------------------------------------------------------------


def venue_state(venue_class: int | None, accepted_on: dt.date | None, latest: VenueCheck | None,
                founded_on: dt.date | None, today: dt.date) -> tuple[str, list[str]]:
    """(state, gaps) of one party org's venue. Pure.

    pending: the latest application waits (a gap after :data:`PENDING_DAYS` days); accepted: the
    registry has a class (a gap when its acceptance date is missing, or when a later upgrade
    failed); failed: the latest application failed and no venue is accepted; none: nothing yet.
    """
    gaps: list[str] = []
    if latest is not None and latest.status == "applied":
        waited = (today - latest.applied_on).days
        if waited > PENDING_DAYS:
            gaps.append(f"申报{VENUE_CLASSES.get(latest.target_class, '')}已 {waited} 天未验收")
        return "pending", gaps
    if venue_class:
        if accepted_on is None:
            gaps.append("缺验收日期")
        if latest is not None and latest.status == "failed" and (accepted_on is None or latest.applied_on >= accepted_on):
            gaps.append(f"升级{VENUE_CLASSES.get(latest.target_class, '')}未通过，待整改")
        return "accepted", gaps
    if latest is not None and latest.status == "failed":
        return "failed", ["验收未通过，待整改"]
    if founded_on is not None and founded_on.year == today.year:
        return "none", ["新建党组织尚无验收阵地"]
    return "none", ["尚无验收阵地"]


@dataclass
class VenueRow:
    party_org_id: int
    name: str
    group: str
    venue_class: int | None
    accepted_on: dt.date | None
    founded_on: dt.date | None
    latest: VenueCheck | None
    state: str
    gaps: list[str]
    group_id: int | None = None


def venue_rows(session: Session, visible: set[int] | None, today: dt.date, q: str = "", venue_class: str = "",
               state: str = "", group_id: int | None = None, gaps_only: bool = False) -> list[VenueRow]:
    from plugins.dongfanghong.projects import group_of_party_orgs

    infos = svc.two_new_party_orgs(session)
    if visible is not None:
        infos = [p for p in infos if p.id in visible]
    ids = [p.id for p in infos]
    pos = {p.id: p for p in session.scalars(select(PartyOrg).where(PartyOrg.id.in_(ids or [0])))}
    groups = group_of_party_orgs(session)
    latest = latest_checks(session, ids)
    rows = []
    for info in infos:
        po = pos[info.id]
        st, gaps = venue_state(po.venue_class, po.venue_accepted_on, latest.get(po.id), po.founded_on, today)
        rows.append(VenueRow(po.id, po.name, groups[po.id].name if po.id in groups else "", po.venue_class,
                             po.venue_accepted_on, po.founded_on, latest.get(po.id), st, gaps,
                             groups[po.id].id if po.id in groups else None))
    if q:
        rows = [r for r in rows if q in r.name]
    if venue_class in ("1", "2", "3"):
        rows = [r for r in rows if r.venue_class == int(venue_class)]
    elif venue_class == "none":
        rows = [r for r in rows if not r.venue_class]
    if state in VENUE_STATES:
        rows = [r for r in rows if r.state == state]
    if group_id:
        rows = [r for r in rows if r.party_org_id in groups and groups[r.party_org_id].id == group_id]
    if gaps_only:
        rows = [r for r in rows if r.gaps]
    rows.sort(key=lambda r: (not r.gaps, r.venue_class or 9, r.group_id is None, r.group_id or 0, r.name,
                             r.party_org_id))
    return rows


def venue_summary(rows: Iterable[VenueRow]) -> dict[str, int]:
    out = {"1": 0, "2": 0, "3": 0, "none": 0, "pending": 0, "gaps": 0, "total": 0}
    for r in rows:
        out["total"] += 1
        out[str(r.venue_class) if r.venue_class in (1, 2, 3) else "none"] += 1
        out["pending"] += int(r.state == "pending")
        out["gaps"] += int(bool(r.gaps))
    return out


VENUE_HEADERS = ["党组织", "联组", "阵地类别", "验收日期", "最近申报", "申报日期", "申报状态", "达标事项", "状态", "缺口"]


def venue_export_rows(rows: Iterable[VenueRow]) -> list[list[Any]]:
    return [[r.name, r.group, VENUE_CLASSES.get(r.venue_class, "未评定") if r.venue_class else "未评定", r.accepted_on,
             VENUE_CLASSES.get(r.latest.target_class, "") if r.latest else "", r.latest.applied_on if r.latest else None,
             CHECK_STATUSES.get(r.latest.status, "") if r.latest else "",
             f"{r.latest.done}/{r.latest.total}" if r.latest else "", VENUE_STATES[r.state], "、".join(r.gaps)]
            for r in rows]


# --- applying and the decision ---------------------------------------------------------------------


CHECK_FIELDS = [
    FieldSpec("applied_on", "申报日期", "date", required=True),
    FieldSpec("note", "说明", "text", max_length=500),
]


def apply(session: Session, tenant: Any, settings: Any, raw: Mapping[str, Any], visible: set[int] | None = None,
          today: dt.date | None = None) -> VenueCheck:
    """Register an application for the acceptance of a party org's venue as class 1/2/3: starts the
    class's checklist of the party org. One waiting application per party org; an org with an
    accepted venue may only apply for a higher class (which is highest: ``venue_top_class``); a
    class whose items the tenant has not set cannot be applied for."""
    from plugins.checklists import api as checklists
    from plugins.dongfanghong.projects import party_org_field

    today = today or clock.today()
    values, errors = clean(CHECK_FIELDS, raw)
    po = party_org_field(session, raw.get("party_org_id"), visible, errors)
    ref = str(raw.get("target_class") or "").strip()
    target = int(ref) if ref in ("1", "2", "3") else None
    top = settings.venue_top_class
    if target is None:
        errors["target_class"] = "申报类别：请选择一类、二类或三类阵地"
    elif template_key(target) not in {t.key for t in venue_templates(settings)}:
        errors["target_class"] = (f"申报类别：本辖区尚未设置「{VENUE_CLASSES[target]}」的验收事项"
                                  "（在插件设置中填写，原文未规定）")
    if values.get("applied_on") and values["applied_on"] > today:
        errors["applied_on"] = "申报日期：不能晚于今天"
    if po is not None:
        waiting = checks(session, po.id, "applied")
        if waiting:
            errors["party_org_id"] = f"党组织：「{po.name}」已有待验收的申报，请先完成验收"
        elif target is not None and po.venue_class and not higher(target, po.venue_class, top):
            errors["target_class"] = (f"申报类别：「{po.name}」已是{VENUE_CLASSES[po.venue_class]}，"
                                      f"只能申报更高类别（{order_text(top)}）")
    if errors:
        raise FormErrors(errors)
    try:
        c = checklists.create_checklist(session, tenant, {
            "template_key": template_key(target), "subject_kind": "party_org", "subject_id": po.id,
            "opened_on": values["applied_on"].isoformat(), "note": values.get("note") or ""}, today)
    except FormErrors as exc:  # the block's own checks (e.g. a dissolved party org), under our field names
        names = {"subject_id": "party_org_id", "opened_on": "applied_on", "template_key": "target_class"}
        raise FormErrors({names.get(k, k): v for k, v in exc.errors.items()}) from exc
    return VenueCheck.of(c)


def on_decided(session: Session, tenant: Any, checklist: Any, action: str) -> None:
    """A venue checklist passed: the party org's venue class and acceptance date go to the registry
    (through its service, so the change is audited and announced). Reopening leaves the registry
    as it is; a later pass writes it again."""
    from core.registry.services import party_orgs as posvc
    from core.registry.services.organizations import Access

    n = class_of(checklist.template_key)
    if action != "pass" or n is None or checklist.subject_kind != "party_org":
        return
    po = session.get(PartyOrg, checklist.subject_id)
    if po is None:
        return
    # the checklist's reviewer (checklists:review) decides the acceptance; the registry write is its effect
    posvc.update_party_org(session, Access(None, write_all=True), po, {
        "venue_class": str(n), "venue_accepted_on": (checklist.decided_on or clock.today()).isoformat()},
        partial=True)
