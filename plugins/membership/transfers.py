"""Organization-relation transfers (组织关系转接): 申请 → 转出审核 → 已开具介绍信 → 转入接收 (or 退回)
→ 已报到, inside a tenant, to another tenant of the instance, or to a place outside it.

The kind follows 003 §9 through :data:`core.registry.services.members.LOCATION_RULES` (where the
relation sits decides 必须转 / 动员转 / 征求意见转; elsewhere a 一般转接) and drives the workflow:

* 必须转: cannot be withdrawn — the relation has to move;
* 动员转: may be withdrawn when the member is not persuaded; the relation is then kept;
* 征求意见转: the member's consent must be recorded before the letter is issued; may be
  withdrawn (relation kept);
* 一般转接: may be withdrawn.

The member changes party org only when the receiving side accepts. A transfer to another
tenant is two rows, one per tenant (see :mod:`plugins.membership.models`); every step is
written to both, in one transaction of a session that sees exactly those two tenants — opened
by the caller after checking the permission in its own tenant (:func:`pair_session`). A third
tenant has no row and sees nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core import clock, search
from core.db import open_session
from core.forms import FormErrors, row_id, text
from core.plugins import registry
from core.registry.models import Member, PartyOrg
from core.registry.services.members import LOCATION_RULES, TRANSFER_LOCATIONS
from core.tenancy import TenantInfo, tree
from plugins.membership.models import Transfer, TransferStep
from plugins.membership.scope import Scope

KINDS = {"must": "必须转", "mobilize": "动员转", "consult": "征求意见转", "regular": "一般转接"}
SCOPES = {"internal": "本辖区内转接", "instance": "转往平台内其他辖区", "external": "转往平台外"}
STATES = {"applied": "申请", "reviewing": "转出审核", "issued": "已开具介绍信", "accepted": "转入接收",
          "returned": "退回", "reported": "已报到", "withdrawn": "已撤回"}
SIDES = {"out": "转出", "in": "转入"}
OPEN_STATES = ("applied", "reviewing", "issued", "accepted")
#: what each step is called in the steps list both sides read
STEP_LABELS = {"applied": "提出转接申请", "reviewing": "提交转出审核", "issued": "审核通过，开具介绍信",
               "renewed": "介绍信延期（重新开具）", "accepted": "转入党组织接收", "returned": "退回",
               "reported": "本人已报到", "withdrawn": "撤回转接申请"}
#: member fields carried to the receiving tenant
CARRIED = ("name", "gender", "birth_date", "ethnicity", "education", "id_number_enc", "id_number_hash",
           "phone_enc", "phone_hash", "status", "applied_on", "activist_on", "candidate_on", "probationary_on",
           "full_on")
DATE_FIELDS = ("birth_date", "applied_on", "activist_on", "candidate_on", "probationary_on", "full_on")


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def kind_for(location: str) -> str:
    """003 §9: the kind the relation's location demands (一般转接 when it names none)."""
    return LOCATION_RULES.get(location, "regular")


# --- the other tenant ---------------------------------------------------------------------------


def receiving_tenants(tenant: TenantInfo) -> list[TenantInfo]:
    """Tenants of the instance a transfer may go to: active, with this plugin enabled."""
    reg = registry()
    return sorted((t for t in tree().by_id.values()
                   if t.id != tenant.id and not t.archived and "membership" in reg.enabled(t.id)),
                  key=lambda t: (t.level != "street", t.name))


def pair_session(tenant: TenantInfo, other_id: int, user_id: int | None, username: str) -> Session:
    """A session that sees ``tenant`` and ``other_id`` only — the explicit cross-tenant query of
    a transfer. The caller has checked ``membership:transfer`` in ``tenant`` and taken
    ``other_id`` from a transfer row of ``tenant`` (or a validated choice of a receiving tenant)."""
    session = open_session(tenant.id, (tenant.id, other_id), user_id=user_id)
    session.info["username"] = username
    return session


# --- reading ------------------------------------------------------------------------------------


@dataclass
class TransferFilter:
    side: str = ""  # out | in | "" (both)
    state: str = ""  # a state, "open" or ""
    kind: str = ""
    q: str = ""

    def query(self) -> dict[str, str]:
        return {"side": self.side, "state": self.state, "kind": self.kind, "q": self.q}


def transfer_filter(params: Mapping[str, Any]) -> TransferFilter:
    f = TransferFilter(*(text(params, k) for k in ("side", "state", "kind", "q")))
    f.side = f.side if f.side in SIDES else ""
    f.state = f.state if f.state in STATES or f.state == "open" else ""
    f.kind = f.kind if f.kind in KINDS else ""
    return f


def transfer_query(f: TransferFilter, scope: Scope) -> Select:
    stmt = select(Transfer)
    if f.side:
        stmt = stmt.where(Transfer.side == f.side)
    if f.state == "open":
        stmt = stmt.where(Transfer.state.in_(OPEN_STATES))
    elif f.state:
        stmt = stmt.where(Transfer.state == f.state)
    if f.kind:
        stmt = stmt.where(Transfer.kind == f.kind)
    if f.q:
        stmt = stmt.where(search.matches(f.q, Transfer.member_name, Transfer.letter_no))
    ids = scope.member_ids()
    if ids is not None:
        stmt = stmt.where(Transfer.member_id.in_(ids))
    return stmt.order_by(Transfer.updated_at.desc(), Transfer.id.desc())


def get_transfer(session: Session, transfer_id: int, scope: Scope) -> Transfer | None:
    t = session.get(Transfer, transfer_id)
    if t is None:
        return None
    if scope.limited and not scope.sees_member(session.get(Member, t.member_id) if t.member_id else None):
        return None
    return t


def steps_of(session: Session, t: Transfer) -> list[TransferStep]:
    return list(session.scalars(select(TransferStep).where(TransferStep.transfer_id == t.id)
                                .order_by(TransferStep.at, TransferStep.id)))


def counterpart_name(t: Transfer) -> str:
    if t.scope == "external":
        return t.destination
    if t.scope == "internal":
        return ""
    other = tree().by_id.get(t.counterpart_tenant_id) if t.counterpart_tenant_id else None
    return other.name if other else "（辖区已删除）"


def expiring(session: Session, on: dt.date, warn_days: int, scope: Scope | None = None) -> list[Transfer]:
    """Issued letters not yet accepted whose validity ends within ``warn_days`` (or has ended)."""
    stmt = select(Transfer).where(Transfer.side == "out", Transfer.state == "issued",
                                  Transfer.letter_expires_on <= on + dt.timedelta(days=warn_days))
    if scope is not None and scope.member_ids() is not None:
        stmt = stmt.where(Transfer.member_id.in_(scope.member_ids()))
    return list(session.scalars(stmt.order_by(Transfer.letter_expires_on, Transfer.id)))


def inbox_count(session: Session) -> int:
    return session.scalar(select(func.count(Transfer.id)).where(Transfer.side == "in", Transfer.state == "issued")) or 0


# --- steps --------------------------------------------------------------------------------------


def _step(session: Session, t: Transfer, state: str, actor: str, actor_tenant: str, note: str = "") -> None:
    """The step on ``t`` and, when it has one, on its counterpart (the other tenant's row)."""
    rows = [t]
    if t.counterpart_id:
        other = session.get(Transfer, t.counterpart_id)
        if other is not None:
            rows.append(other)
    for row in rows:
        session.add(TransferStep(tenant_id=row.tenant_id, transfer_id=row.id, actor=actor,
                                 actor_tenant=actor_tenant, state=state, note=note))


def _both(session: Session, t: Transfer) -> list[Transfer]:
    rows = [t]
    if t.counterpart_id:
        other = session.get(Transfer, t.counterpart_id)
        if other is None:
            raise FormErrors({"__all__": "对方辖区的转接记录不可用，请联系平台管理员"})
        rows.append(other)
    return rows


def _refuse(t: Transfer, what: str) -> FormErrors:
    return FormErrors({"__all__": f"当前状态为「{STATES[t.state]}」，不能{what}"})


# --- the workflow -------------------------------------------------------------------------------


def apply(session: Session, tenant: TenantInfo, member: Member, raw: Mapping[str, Any], actor: str) -> Transfer:
    """申请: a new outgoing transfer of ``member``. ``raw``: scope (internal / instance /
    external), location (003 §9, optional), to_party_org (internal), to_tenant (instance: a
    tenant id), destination (external), reason, consent ("1")."""
    errors: dict[str, str] = {}
    scope = text(raw, "scope")
    location = text(raw, "location")
    if scope not in SCOPES:
        errors["scope"] = "转接去向：请选择"
    if location and location not in TRANSFER_LOCATIONS:
        errors["location"] = f"组织关系所在地：无效的选项「{location}」"
    if member.status not in ("probationary", "full"):
        errors["__all__"] = "只有预备党员和正式党员才能办理组织关系转接"
    if member.party_org_id is None:
        errors["__all__"] = "该党员没有所在党组织，请先在党员信息中登记"
    busy = session.scalar(select(Transfer.id).where(Transfer.member_id == member.id, Transfer.side == "out",
                                                    Transfer.state.in_(OPEN_STATES)).limit(1))
    if busy:
        errors["__all__"] = "该党员已有办理中的组织关系转接"
    t = Transfer(side="out", scope=scope, member_id=member.id, member_name=member.name, location=location,
                 kind=kind_for(location), state="applied", from_party_org_id=member.party_org_id,
                 reason=text(raw, "reason"), consent=text(raw, "consent") in ("1", "on", "true"))
    if len(t.reason) > 1000:
        errors["reason"] = "转接原因：最多 1000 个字符"
    if scope == "internal":
        po_id = text(raw, "to_party_org")
        po = session.get(PartyOrg, row_id(po_id)) if row_id(po_id) else None
        if po is None or po.dissolved_on is not None:
            errors["to_party_org"] = "转入党组织：请选择本辖区现有的党组织"
        elif po.id == member.party_org_id:
            errors["to_party_org"] = "转入党组织：与现所在党组织相同"
        else:
            t.to_party_org_id, t.to_party_org_name = po.id, po.name
    elif scope == "instance":
        tid = text(raw, "to_tenant")
        allowed = {x.id: x for x in receiving_tenants(tenant)}
        if not tid.isdigit() or int(tid) not in allowed:
            errors["to_tenant"] = "转入辖区：请选择平台内已启用党员管理的辖区"
        else:
            t.counterpart_tenant_id = int(tid)
            t.destination = allowed[int(tid)].name
    elif scope == "external":
        t.destination = text(raw, "destination")
        if not t.destination:
            errors["destination"] = "转往党组织：请填写接收党组织全称（平台外）"
        elif len(t.destination) > 200:
            errors["destination"] = "转往党组织：最多 200 个字符"
    if errors:
        raise FormErrors(errors)
    po = session.get(PartyOrg, member.party_org_id)
    t.from_party_org_name = po.name if po else ""
    session.add(t)
    member.transfer_rule = t.kind if t.kind != "regular" else member.transfer_rule
    member.transfer_state = "pending"
    session.flush()
    _step(session, t, "applied", actor, tenant.name, t.reason)
    session.flush()
    return t


def submit(session: Session, tenant: TenantInfo, t: Transfer, actor: str) -> Transfer:
    """申请 → 转出审核."""
    if t.side != "out" or t.state != "applied":
        raise _refuse(t, "提交转出审核")
    t.state = "reviewing"
    _step(session, t, "reviewing", actor, tenant.name)
    session.flush()
    return t


def next_letter_no(session: Session, tenant: TenantInfo, on: dt.date) -> str:
    count = session.scalar(select(func.count(Transfer.id)).where(
        Transfer.side == "out", Transfer.letter_issued_on >= dt.date(on.year, 1, 1),
        Transfer.letter_issued_on <= dt.date(on.year, 12, 31))) or 0
    return f"{tenant.name}组转〔{on.year}〕{count + 1}号"


def issue(session: Session, tenant: TenantInfo, t: Transfer, actor: str, valid_months: int,
          on: dt.date | None = None) -> Transfer:
    """转出审核 → 已开具介绍信: letter number and validity; for a transfer to another tenant of
    the instance the receiving tenant's inbox row is created (``session`` must see both)."""
    on = on or clock.today()
    if t.side != "out" or t.state != "reviewing":
        raise _refuse(t, "开具介绍信")
    if t.kind == "consult" and not t.consent:
        raise FormErrors({"consent": "征求意见转：须先征得党员本人同意（勾选「本人同意转接」）"})
    member = session.get(Member, t.member_id) if t.member_id else None
    if member is None:
        raise FormErrors({"__all__": "党员记录已不存在"})
    t.letter_no = next_letter_no(session, tenant, on)
    t.letter_issued_on = on
    t.letter_expires_on = add_months(on, valid_months)
    t.state = "issued"
    if t.scope == "instance":
        inbox = Transfer(tenant_id=t.counterpart_tenant_id, side="in", scope="instance", counterpart_id=t.id,
                         counterpart_tenant_id=tenant.id, member_name=t.member_name,
                         member_data={k: (v.isoformat() if isinstance(v, dt.date) else v)
                                      for k, v in ((k, getattr(member, k)) for k in CARRIED)},
                         location=t.location, kind=t.kind, state="issued",
                         from_party_org_name=f"{tenant.name} {t.from_party_org_name}", destination=tenant.name,
                         reason=t.reason, consent=t.consent, letter_no=t.letter_no, letter_issued_on=on,
                         letter_expires_on=t.letter_expires_on)
        session.add(inbox)
        session.flush()
        t.counterpart_id = inbox.id
        session.flush()
        steps = steps_of(session, t)  # the receiving side reads the whole story
        for s in steps:
            session.add(TransferStep(tenant_id=inbox.tenant_id, transfer_id=inbox.id, at=s.at, actor=s.actor,
                                     actor_tenant=s.actor_tenant, state=s.state, note=s.note))
    _step(session, t, "issued", actor, tenant.name, f"介绍信 {t.letter_no}，有效期至 {t.letter_expires_on.isoformat()}")
    session.flush()
    return t


def renew(session: Session, tenant: TenantInfo, t: Transfer, actor: str, valid_months: int,
          on: dt.date | None = None) -> Transfer:
    """A letter not yet accepted is issued again with a new validity (same number)."""
    on = on or clock.today()
    if t.side != "out" or t.state != "issued":
        raise _refuse(t, "延期介绍信")
    for row in _both(session, t):
        row.letter_issued_on, row.letter_expires_on = on, add_months(on, valid_months)
    _step(session, t, "renewed", actor, tenant.name, f"有效期至 {t.letter_expires_on.isoformat()}")
    session.flush()
    return t


def _move_out(session: Session, out: Transfer) -> None:
    """The sending tenant's member leaves its party org (the relation went elsewhere)."""
    member = session.get(Member, out.member_id) if out.member_id else None
    if member is not None:
        member.party_org_id = None
        member.transfer_state = "out"  # 已转出: shown so in the core member list
        member.mobile, member.mobile_counterpart = "", ""


def accept(session: Session, tenant: TenantInfo, t: Transfer, raw: Mapping[str, Any], actor: str,
           on: dt.date | None = None) -> Transfer:
    """转入接收: the receiving side accepts; the member moves to the receiving party org.

    * internal: ``t`` is the tenant's own row (its ``to_party_org`` was chosen at application);
    * instance: ``t`` is the inbox row; ``raw["to_party_org"]`` is one of this tenant's party
      orgs; the member is registered here (or found by ID-card number) and leaves the sender's
      party org (``session`` sees both tenants);
    * external: the sender records that the outside party org accepted the letter.
    """
    on = on or clock.today()
    if t.state != "issued" or (t.scope == "instance" and t.side != "in"):
        raise _refuse(t, "接收")
    if t.letter_expires_on and t.letter_expires_on < on:
        raise FormErrors({"__all__": f"介绍信已于 {t.letter_expires_on.isoformat()} 过期，请转出方延期后再接收"})
    if t.scope == "internal":
        member = session.get(Member, t.member_id) if t.member_id else None
        po = session.get(PartyOrg, t.to_party_org_id) if t.to_party_org_id else None
        if member is None or po is None:
            raise FormErrors({"__all__": "党员或转入党组织已不存在"})
        member.party_org_id = po.id
        member.transfer_state = "done"
    elif t.scope == "instance":
        po_id = text(raw, "to_party_org")
        po = session.get(PartyOrg, row_id(po_id)) if row_id(po_id) else None
        if po is None or po.tenant_id != tenant.id or po.dissolved_on is not None:
            raise FormErrors({"to_party_org": "接收党组织：请选择本辖区现有的党组织"})
        data = dict(t.member_data or {})
        for k in DATE_FIELDS:
            if data.get(k):
                data[k] = dt.date.fromisoformat(data[k])
        member = None
        if data.get("id_number_hash"):
            member = session.scalar(select(Member).where(Member.tenant_id == tenant.id,
                                                         Member.id_number_hash == data["id_number_hash"]))
        if member is None:
            member = Member(tenant_id=tenant.id, **{k: v for k, v in data.items() if k in CARRIED})
            session.add(member)
        member.party_org_id = po.id
        member.transfer_rule = t.kind if t.kind != "regular" else ""
        member.transfer_state = "done"
        session.flush()
        t.member_id = member.id
        t.to_party_org_id, t.to_party_org_name = po.id, po.name
        out = session.get(Transfer, t.counterpart_id) if t.counterpart_id else None
        if out is None:
            raise FormErrors({"__all__": "转出方的转接记录不可用，请联系平台管理员"})
        out.to_party_org_name = f"{tenant.name} {po.name}"
        _move_out(session, out)
    else:
        _move_out(session, t)
    for row in _both(session, t):
        row.state, row.accepted_on = "accepted", on
    _step(session, t, "accepted", actor, tenant.name, f"接收党组织：{t.to_party_org_name or t.destination}")
    session.flush()
    return t


def return_(session: Session, tenant: TenantInfo, t: Transfer, raw: Mapping[str, Any], actor: str) -> Transfer:
    """退回 with a reason: by the receiving tenant (inbox), or recorded by the sender for an
    internal or external letter that was refused. The member keeps their party org."""
    reason = text(raw, "reason")
    if t.state != "issued" or (t.scope == "instance" and t.side != "in"):
        raise _refuse(t, "退回")
    if not reason:
        raise FormErrors({"reason": "退回原因：必填"})
    if len(reason) > 1000:
        raise FormErrors({"reason": "退回原因：最多 1000 个字符"})
    rows = _both(session, t)
    for row in rows:
        row.state, row.returned_reason = "returned", reason
    out = next(r for r in rows if r.side == "out")
    member = session.get(Member, out.member_id) if out.member_id else None
    if member is not None:
        member.transfer_state = "pending" if member.transfer_rule else ""
    _step(session, t, "returned", actor, tenant.name, reason)
    session.flush()
    return t


def report(session: Session, tenant: TenantInfo, t: Transfer, raw: Mapping[str, Any], actor: str) -> Transfer:
    """已报到: the member reported to the receiving party org (recorded by the receiving side;
    by the sender for an external transfer)."""
    if t.state != "accepted" or (t.scope == "instance" and t.side != "in"):
        raise _refuse(t, "登记报到")
    on_text = text(raw, "on")
    try:
        on = dt.date.fromisoformat(on_text) if on_text else clock.today()
    except ValueError:
        raise FormErrors({"on": "报到日期：日期格式应为 2026-03-01"}) from None
    if on > clock.today():
        raise FormErrors({"on": "报到日期：不能晚于今天"})
    if t.accepted_on and on < t.accepted_on:
        raise FormErrors({"on": f"报到日期：不能早于接收日期 {t.accepted_on.isoformat()}"})
    for row in _both(session, t):
        row.state, row.reported_on = "reported", on
    _step(session, t, "reported", actor, tenant.name, on.isoformat())
    session.flush()
    return t


def withdraw(session: Session, tenant: TenantInfo, t: Transfer, raw: Mapping[str, Any], actor: str) -> Transfer:
    """撤回 before the letter is issued; refused for 必须转 (the relation has to move). For
    动员转 / 征求意见转 the relation is then kept where it is (保留原关系)."""
    if t.side != "out" or t.state not in ("applied", "reviewing"):
        raise _refuse(t, "撤回")
    if t.kind == "must":
        raise FormErrors({"__all__": "「必须转」的组织关系不能撤回转接，须按期转出"})
    reason = text(raw, "reason")
    if not reason:
        raise FormErrors({"reason": "撤回原因：必填"})
    t.state, t.returned_reason = "withdrawn", reason
    member = session.get(Member, t.member_id) if t.member_id else None
    if member is not None:
        member.transfer_state = "kept" if t.kind in ("mobilize", "consult") else ""
    _step(session, t, "withdrawn", actor, tenant.name, reason)
    session.flush()
    return t


def actions(t: Transfer) -> list[str]:
    """What can be done next on this side (the page shows these buttons)."""
    out: list[str] = []
    if t.side == "out":
        if t.state == "applied":
            out += ["submit"]
        if t.state == "reviewing":
            out += ["issue"]
        if t.state in ("applied", "reviewing") and t.kind != "must":
            out += ["withdraw"]
        if t.state == "issued":
            out += ["renew"]
            if t.scope != "instance":
                out += ["accept", "return"]
        if t.state == "accepted" and t.scope != "instance":
            out += ["report"]
    else:
        if t.state == "issued":
            out += ["accept", "return"]
        if t.state == "accepted":
            out += ["report"]
    return out


ACTION_LABELS = {"submit": "提交转出审核", "issue": "审核通过并开具介绍信", "withdraw": "撤回", "renew": "介绍信延期",
                 "accept": "接收", "return": "退回", "report": "登记报到"}
EXPORT_HEADERS = ["方向", "党员", "转接类型", "去向", "原党组织", "转入党组织/去向", "状态", "介绍信编号", "开具日期",
                  "有效期至", "接收日期", "报到日期", "退回/撤回原因"]


def export_rows(rows: list[Transfer]) -> list[list[Any]]:
    return [[SIDES[t.side], t.member_name, KINDS.get(t.kind, t.kind), SCOPES.get(t.scope, t.scope),
             t.from_party_org_name, t.to_party_org_name or t.destination, STATES.get(t.state, t.state), t.letter_no,
             t.letter_issued_on, t.letter_expires_on, t.accepted_on, t.reported_on, t.returned_reason]
            for t in rows]
