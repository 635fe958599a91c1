"""The checklists block's public API for program plugins (评估清单).

Programs reach checklists only through this module and the block's hooks
(``register_checklist_templates``, ``register_checklist_subject_kinds``) — never
``plugins.checklists.service``. Every function takes a SQLAlchemy session scoped to one tenant;
writes flush and leave the commit to the caller, and raise :class:`core.forms.FormErrors` (field →
Chinese message) before anything is written.

Fields of a checklist (:func:`create_checklist`)
    ``template_key`` (required: a registered template or ``tenant.<id>``) · ``subject_kind`` +
    ``subject_id`` (required; ``cluster`` | ``organization`` | ``party_org`` | what programs add,
    e.g. ``site``) · ``title`` (default: the template's label) · ``opened_on`` (default today) ·
    ``due_on`` · ``note``.

Fields of an item check (:func:`check_item`)
    ``status`` (``pending`` | ``done`` | ``failed`` | ``na``) · ``note`` (required for ``failed``) ·
    ``reviewed_on`` (default today). ``done`` is refused (key ``status``) for an item that
    requires evidence and has no file: upload it first with :func:`add_evidence`.

Decisions (:func:`decide`): ``pass`` (every applicable item ``done``), ``fail`` (``note``
required), ``reopen``; fields ``note``, ``decided_on``.

Example (a program registering 六专 and starting one for an alliance)::

    from plugins.checklists import api as checklists

    @hookimpl
    def register_checklist_templates(tenant):
        return [checklists.LIUZHUAN]

    c = checklists.create_checklist(session, tenant, {"template_key": "checklists.liuzhuan",
                                                      "subject_kind": "cluster", "subject_id": alliance.id},
                                    today)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from core.tenancy import TenantInfo
from plugins.checklists import service as _svc
from plugins.checklists.library import LIUGEYOU, LIUZHUAN, SANXIANG
from plugins.checklists.models import Checklist, ChecklistEvidence, ChecklistItem
from plugins.checklists.types import ChecklistTemplate, ItemSpec, SubjectKind, model_kind

__all__ = [
    "ITEM_STATUSES", "LIUGEYOU", "LIUZHUAN", "SANXIANG", "STATUSES", "Checklist", "ChecklistEvidence",
    "ChecklistItem", "ChecklistTemplate", "ItemSpec", "Progress", "SubjectKind", "add_evidence", "check_item",
    "checklists_of", "create_checklist", "decide", "model_kind", "progress", "rollup", "subject_kinds",
    "templates",
]

#: item states, key → label: pending 待检查 · done 达标 · failed 未达标 · na 不适用
ITEM_STATUSES = _svc.ITEM_STATUSES
#: checklist states, key → label: open 检查中 · passed 验收通过 · failed 验收未通过
STATUSES = _svc.STATUSES
Progress = _svc.Progress


def templates(session: Session, tenant: TenantInfo) -> dict[str, ChecklistTemplate]:
    """key → template: the programs' and the tenant's own active ones."""
    return _svc.templates(session, tenant)


def subject_kinds(tenant: TenantInfo) -> dict[str, SubjectKind]:
    """key → subject kind for ``tenant`` (the block's and its programs')."""
    return _svc.subject_kinds(tenant)


def checklists_of(session: Session, subject_kind: str = "", subject_id: int | None = None, template_key: str = "",
                  status: str = "") -> list[Checklist]:
    """The tenant's checklists (newest first), filtered."""
    return list(session.scalars(_svc.checklist_select("", template_key, subject_kind, status, subject_id)))


def progress(checklist: Checklist) -> Progress:
    """done / applicable items of a checklist (``.share``, ``.percent``, ``.complete``)."""
    return _svc.progress_of(checklist)


def rollup(session: Session, tenant_ids: Iterable[int], template_key: str = "", subject_kind: str = ""):
    """(per-tenant rows, total): checklists, passed, failed, complete, items done / applicable.
    ``session`` must see ``tenant_ids`` (a permission-checked roll-up session for a subtree)."""
    return _svc.rollup(session, tenant_ids, template_key, subject_kind)


def create_checklist(session: Session, tenant: TenantInfo, fields: Mapping[str, Any], today: dt.date) -> Checklist:
    """Start a checklist of a subject from a template (fields: see the module docstring)."""
    return _svc.create_checklist(session, tenant, fields, today)


def check_item(session: Session, checklist: Checklist, item: ChecklistItem, fields: Mapping[str, Any],
               today: dt.date, reviewer: str) -> ChecklistItem:
    """Record the check of one item (fields: see the module docstring)."""
    return _svc.check_item(session, checklist, item, fields, today, reviewer)


def add_evidence(session: Session, checklist: Checklist, item: ChecklistItem, filename: str, data: bytes,
                 description: str = "", user_id: int | None = None) -> ChecklistEvidence:
    """Check and store one evidence file (JPG, PNG, PDF, .docx, .xlsx); refused with key ``file``."""
    return _svc.add_evidence(session, checklist, item, filename, data, description, user_id)


def decide(session: Session, checklist: Checklist, action: str, fields: Mapping[str, Any], today: dt.date,
           reviewer: str) -> Checklist:
    """``pass`` | ``fail`` | ``reopen`` a checklist (fields ``note``, ``decided_on``)."""
    return _svc.decide(session, checklist, action, fields, today, reviewer)
