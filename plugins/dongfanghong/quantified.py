"""DFH-3 量化 and 强基's 双向进入.

- A published 示范性党群活动阵地评选 (``dongfanghong.demo_site``) records the designation of every
  party org graded 三个一流 through the designations block — in force from the day of publication,
  at 街道级 — and marks the party org as a model (``PartyOrg.is_model``). 挂牌 date, a higher level,
  expiry and revocation are kept on the designation (designations block pages).
- 标准化规范化党组织, 先进基层党组织 and 两新党建示范点 are designation kinds (program.py).
- 双向进入 (``CrossAppointment``): a member of a two-new party org's leadership in the enterprise's
  management, or a manager entered into the party org's leadership — both as references (party
  org, member).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import clock
from core.forms import FormErrors, row_id
from core.registry.models import Member, PartyOrg
from core.registry.schemas import FieldSpec, clean
from plugins.dongfanghong.models import CrossAppointment

DEMO_SITE = "dongfanghong.demo_site"
DEMO_SITE_GRADE = "三个一流"

CROSS_DIRECTIONS = {"party_to_management": "党组织班子成员进入管理层",
                    "management_to_party": "管理层人员进入党组织班子"}
PARTY_POSTS = {"secretary": "书记", "deputy": "副书记", "member": "委员"}


def record_demo_sites(session: Session, tenant, round: Any, today: dt.date | None = None) -> list:
    """The designations of a published ``dongfanghong.demo_site`` round: one in force per party
    org graded 三个一流 (a proposal the designations block made for it is confirmed), and the party
    org marked as a model. Idempotent; a subject the blacklist blocks is skipped."""
    from core.registry.services import party_orgs as posvc
    from core.registry.services.organizations import Access
    from plugins.designations import api as designations

    if round.template_key != DEMO_SITE:
        return []
    today = today or clock.today()
    awarded = clock.local(round.published_at).date() if round.published_at else today
    out = []
    for r in round.results:
        if r.grade != DEMO_SITE_GRADE or r.target_kind != "party_org":
            continue
        key = f"assessment:{round.id}:{DEMO_SITE}:party_org:{r.target_id}"
        found = [d for d in designations.designations(session, kind=DEMO_SITE, subject_kind="party_org",
                                                      subject_id=r.target_id, today=today) if d.source_key == key]
        try:
            if found:
                d = found[0]
                if d.status == "proposed":
                    designations.transition(session, tenant, d, "confirm", {"note": f"{round.title}结果公布"}, today,
                                            "系统（评选结果）")
            else:
                d = designations.create(session, tenant, {
                    "kind": DEMO_SITE, "subject_kind": "party_org", "subject_id": str(r.target_id), "level": "street",
                    "awarded_on": awarded.isoformat(), "awarded_by": round.title[:100],
                    "basis": f"{round.title}：{r.total}分，{r.grade}，第{r.rank}名"}, today, "系统（评选结果）",
                    source="assessment", source_key=key, status="active")
        except FormErrors:
            continue  # blacklisted or gone: nothing to record
        po = session.get(PartyOrg, r.target_id)
        if po is not None and not po.is_model:
            posvc.update_party_org(session, Access(None, write_all=True), po, {"is_model": "1"}, partial=True)
        out.append(d)
    session.flush()
    return out


# --- 双向进入 ----------------------------------------------------------------------------------

CROSS_FIELDS = [
    FieldSpec("management_post", "管理层职务", required=True, max_length=50),
    FieldSpec("started_on", "任职日期", "date", required=True),
    FieldSpec("note", "备注", max_length=500),
]


def save_cross_appointment(session: Session, party_org: PartyOrg, raw: Mapping[str, Any],
                           today: dt.date | None = None) -> CrossAppointment:
    """Record a 双向进入 of a member of ``party_org`` (``member_id``: a 预备/正式党员 of it),
    ``direction``, ``party_post``, ``management_post``, ``started_on``."""
    today = today or clock.today()
    values, errors = clean(CROSS_FIELDS, raw)
    direction = str(raw.get("direction") or "").strip()
    if direction not in CROSS_DIRECTIONS:
        errors["direction"] = "进入方向：请选择党组织班子成员进入管理层或管理层人员进入党组织班子"
    post = str(raw.get("party_post") or "").strip()
    if post not in PARTY_POSTS:
        errors["party_post"] = "党组织职务：请选择书记、副书记或委员"
    mid = row_id(str(raw.get("member_id") or "").strip())
    member = session.get(Member, mid) if mid else None
    if member is None or member.party_org_id != party_org.id or member.status not in ("probationary", "full"):
        errors["member_id"] = "党员：请选择本党组织的预备党员或正式党员"
    if values.get("started_on") and values["started_on"] > today:
        errors["started_on"] = "任职日期：不能晚于今天"
    if not errors and session.scalar(select(CrossAppointment.id).where(
            CrossAppointment.member_id == member.id, CrossAppointment.party_org_id == party_org.id,
            CrossAppointment.ended_on.is_(None))):
        errors["member_id"] = f"党员：「{member.name}」已有在任的双向进入记录，请先结束原记录"
    if errors:
        raise FormErrors(errors)
    row = CrossAppointment(party_org_id=party_org.id, member_id=member.id, direction=direction, party_post=post,
                           management_post=values["management_post"], started_on=values["started_on"],
                           note=values.get("note") or "")
    session.add(row)
    session.flush()
    return row


def end_cross_appointment(session: Session, row: CrossAppointment, raw: Mapping[str, Any],
                          today: dt.date | None = None) -> CrossAppointment:
    today = today or clock.today()
    values, errors = clean([FieldSpec("ended_on", "离任日期", "date", required=True)], raw)
    if row.ended_on is not None:
        errors["ended_on"] = "离任日期：该记录已结束"
    elif values.get("ended_on") and not row.started_on <= values["ended_on"] <= today:
        errors["ended_on"] = "离任日期：应在任职日期与今天之间"
    if errors:
        raise FormErrors(errors)
    row.ended_on = values["ended_on"]
    session.flush()
    return row


def cross_appointments(session: Session, party_org_ids: list[int] | None = None, current: bool = True,
                       on: dt.date | None = None) -> list[tuple[CrossAppointment, str]]:
    """(row, member name), current ones only unless ``current`` is false."""
    on = on or clock.today()
    stmt = select(CrossAppointment, Member.name).join(Member, Member.id == CrossAppointment.member_id)
    if party_org_ids is not None:
        stmt = stmt.where(CrossAppointment.party_org_id.in_(party_org_ids or [0]))
    if current:
        stmt = stmt.where(or_(CrossAppointment.ended_on.is_(None), CrossAppointment.ended_on > on))
    return [(r, n) for r, n in session.execute(stmt.order_by(CrossAppointment.party_org_id,
                                                             CrossAppointment.started_on, CrossAppointment.id))]
