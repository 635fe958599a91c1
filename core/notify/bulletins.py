"""Bulletins (通报制, JH-4): a tenant publishes to tenants below it; readers confirm reading.

* Publishing needs ``bulletins:publish`` and a session over the publisher's subtree: the bulletin
  is the publisher's row; every person of each target tenant (holders of ``bulletins:read``
  through a role there) gets a notification in that tenant's inbox, and the publisher's channels
  that carry bulletins get one message each (on the queue).
* A target tenant reads the bulletins of its ancestors addressed to it through a session whose
  scope is the tenant and its ancestors (:func:`reader_session`), bulletins only.
* A receipt (:class:`BulletinReceipt`) is the reader's tenant's row: "确认已阅" is a POST.
* The publisher sees, per target tenant, who has read and who has not (:func:`receipts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.db import open_session
from core.forms import FormErrors, text, text_problem
from core.models import User
from core.notify import delivery
from core.notify.models import BULLETIN_CATEGORIES, Bulletin, BulletinReceipt, Notification
from core.notify.service import forget, notify
from core.permissions import authorizer
from core.tenancy import TenantInfo, tree

READ_PERMISSION = "bulletins:read"


def target_choices(tenant: TenantInfo) -> list[TenantInfo]:
    """Tenants a bulletin of ``tenant`` may be addressed to: its live descendants."""
    t = tree()
    return [t.by_id[i] for i in t.descendant_ids(tenant.id) if i != tenant.id and not t.by_id[i].archived]


def clean_bulletin(raw: Mapping[str, Any], tenant: TenantInfo) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = text(raw, "title")
    body = text(raw, "body")
    category = text(raw, "category", "work")
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > 200:
        errors["title"] = "标题不能超过200个字符"
    elif text_problem(title):
        errors["title"] = "标题" + text_problem(title)
    if not body:
        errors["body"] = "请填写正文"
    elif len(body) > 20000:
        errors["body"] = "正文不能超过20000个字符"
    elif text_problem(body):
        errors["body"] = "正文" + text_problem(body)
    if category not in BULLETIN_CATEGORIES:
        errors["category"] = "请选择通报类别"
    allowed = {t.id: t for t in target_choices(tenant)}
    raw_targets = raw.get("targets", [])
    raw_targets = [raw_targets] if isinstance(raw_targets, (str, int)) else list(raw_targets or [])
    targets: list[int] = []
    for value in raw_targets:
        value = str(value).strip()
        if value == "all":
            targets = list(allowed)
            break
        if not (value.isascii() and value.isdigit() and int(value) in allowed):
            errors["targets"] = "通报范围只能是本辖区以下的辖区"
            break
        targets.append(int(value))
    if not allowed:
        errors["targets"] = "本辖区没有下级辖区，无法发布通报"
    elif not targets and "targets" not in errors:
        errors["targets"] = "请选择通报范围"
    if errors:
        raise FormErrors(errors)
    return {"title": title, "body": body, "category": category, "targets": sorted(set(targets))}


def publish(session: Session, tenant: TenantInfo, user_id: int, raw: Mapping[str, Any]) -> Bulletin:
    """Publish (``session``: the publisher's subtree); notifications and deliveries included."""
    f = clean_bulletin(raw, tenant)
    b = Bulletin(tenant_id=tenant.id, title=f["title"], body=f["body"], category=f["category"],
                 target_tenant_ids=f["targets"], published_by_id=user_id, published_at=utcnow())
    session.add(b)
    session.flush()
    label = BULLETIN_CATEGORIES[b.category]
    for tid in f["targets"]:
        notify(session, tid, authorizer.holders(tid, READ_PERMISSION), kind="bulletin", key=f"bulletin:{b.id}",
               title=f"{tenant.name}{label}：{b.title}", link=f"bulletins/{b.id}")
    delivery.queue(session, "bulletins", f"bulletin:{b.id}", f"{tenant.name}{label}：{b.title}", b.body,
                   "")
    return b


def withdraw(session: Session, bulletin: Bulletin) -> Bulletin:
    if bulletin.withdrawn_at is None:
        bulletin.withdrawn_at = utcnow()
        session.flush()
    return bulletin


# --- reading ----------------------------------------------------------------------------------


def reader_session(tenant: TenantInfo, user_id: int) -> Session:
    """A session over ``tenant`` and its ancestors (whose bulletins it receives); writes go to
    ``tenant`` (receipts). Query bulletins only through it."""
    scope = [t.id for t in tree().ancestors(tenant.id)]
    return open_session(tenant.id, scope, user_id=user_id)


def received(session: Session, tenant: TenantInfo) -> list[Bulletin]:
    """Bulletins of ancestors addressed to ``tenant``, newest first (withdrawn ones left out)."""
    ancestors = [t.id for t in tree().ancestors(tenant.id) if t.id != tenant.id]
    if not ancestors:
        return []
    rows = session.scalars(select(Bulletin).where(Bulletin.tenant_id.in_(ancestors), Bulletin.withdrawn_at.is_(None))
                           .order_by(Bulletin.published_at.desc(), Bulletin.id.desc()))
    return [b for b in rows if tenant.id in (b.target_tenant_ids or [])]


def sent(session: Session, tenant: TenantInfo) -> list[Bulletin]:
    return list(session.scalars(select(Bulletin).where(Bulletin.tenant_id == tenant.id)
                                .order_by(Bulletin.published_at.desc(), Bulletin.id.desc())))


def get_for(session: Session, tenant: TenantInfo, bulletin_id: int) -> tuple[Bulletin, str] | None:
    """The bulletin and how ``tenant`` relates to it (``"sent"`` / ``"received"``), or None."""
    b = session.get(Bulletin, bulletin_id)
    if b is None:
        return None
    if b.tenant_id == tenant.id:
        return b, "sent"
    if b.withdrawn_at is None and tenant.id in (b.target_tenant_ids or []) and b.tenant_id in \
            {t.id for t in tree().ancestors(tenant.id)}:
        return b, "received"
    return None


def my_receipt(session: Session, bulletin_id: int, user_id: int) -> BulletinReceipt | None:
    return session.scalar(select(BulletinReceipt).where(BulletinReceipt.bulletin_id == bulletin_id,
                                                        BulletinReceipt.user_id == user_id))


def confirm_read(session: Session, tenant: TenantInfo, bulletin: Bulletin, user_id: int) -> BulletinReceipt:
    """The reader confirms (idempotent); their inbox notification of it is marked read too."""
    receipt = my_receipt(session, bulletin.id, user_id)
    if receipt is None:
        receipt = BulletinReceipt(tenant_id=tenant.id, bulletin_id=bulletin.id, user_id=user_id, read_at=utcnow())
        session.add(receipt)
    note = session.scalar(select(Notification).where(Notification.tenant_id == tenant.id,
                                                     Notification.recipient_id == user_id,
                                                     Notification.key == f"bulletin:{bulletin.id}"))
    if note is not None and note.read_at is None:
        note.read_at = utcnow()
        forget(user_id, tenant.id)
    session.flush()
    return receipt


# --- receipts (the publisher's view) ------------------------------------------------------------


@dataclass
class Reader:
    user_id: int
    name: str
    read_at: Any = None


@dataclass
class TenantReceipts:
    tenant: TenantInfo
    readers: list[Reader] = field(default_factory=list)

    @property
    def read(self) -> list[Reader]:
        return [r for r in self.readers if r.read_at is not None]

    @property
    def unread(self) -> list[Reader]:
        return [r for r in self.readers if r.read_at is None]


def receipts(session: Session, bulletin: Bulletin) -> list[TenantReceipts]:
    """Per target tenant: its people (holders of ``bulletins:read`` there) and who has read.
    ``session`` sees the publisher's subtree."""
    t = tree()
    got = {(r.tenant_id, r.user_id): r.read_at for r in session.scalars(
        select(BulletinReceipt).where(BulletinReceipt.bulletin_id == bulletin.id))}
    out = []
    people: dict[int, list[int]] = {tid: authorizer.holders(tid, READ_PERMISSION) for tid in bulletin.target_tenant_ids or []}
    ids = {u for us in people.values() for u in us} | {u for (_t, u) in got}
    rows = session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(ids))).all() if ids else []
    names = {uid: display or username for uid, display, username in rows}
    for tid in bulletin.target_tenant_ids or []:
        info = t.by_id.get(tid)
        if info is None:
            continue
        users = list(dict.fromkeys([*people[tid], *(u for (rt, u) in got if rt == tid)]))
        readers = [Reader(u, names.get(u, str(u)), got.get((tid, u))) for u in users]
        out.append(TenantReceipts(info, sorted(readers, key=lambda r: (r.read_at is not None, r.name))))
    return out


def read_counts(session: Session, bulletins: list[Bulletin]) -> dict[int, tuple[int, int]]:
    """Bulletin id → (readers who confirmed, people addressed)."""
    out = {}
    for b in bulletins:
        rs = receipts(session, b)
        out[b.id] = (sum(len(r.read) for r in rs), sum(len(r.readers) for r in rs))
    return out
