"""Attachments of demands, kept in the ``lists`` :class:`core.uploads.FileStore`
(``LIANDONG_LISTS_UPLOAD_DIR`` / ``_MAX_BYTES``); at most :data:`MAX_PER_DEMAND` per demand."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.uploads import ALLOWED, file_store  # noqa: F401  (ALLOWED: shown on the forms)
from plugins.lists.models import ListAttachment, ListDemand

MAX_PER_DEMAND = 10
FILES = file_store("lists")
check, max_bytes, upload_dir, read, discard = FILES.check, FILES.max_bytes, FILES.directory, FILES.read, FILES.discard


def store(session: Session, demand: ListDemand, filename: str, data: bytes, user_id: int | None) -> ListAttachment:
    """Check and save one file for ``demand``; the caller commits (the file is removed if it does not)."""
    name, content_type = check(filename, data)
    count = session.scalar(select(func.count(ListAttachment.id)).where(ListAttachment.demand_id == demand.id)) or 0
    if count >= MAX_PER_DEMAND:
        raise FormErrors({"file": f"每条需求最多 {MAX_PER_DEMAND} 个附件"})
    stored, digest = FILES.save(demand.tenant_id, name, data)
    att = ListAttachment(tenant_id=demand.tenant_id, demand_id=demand.id, filename=name, content_type=content_type,
                         size=len(data), sha256=digest, stored_name=stored, uploaded_by_id=user_id)
    return FILES.add(session, att)
