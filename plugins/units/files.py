"""Files of visits (photos, minutes), kept in the ``units`` :class:`core.uploads.FileStore`
(``LIANDONG_UNITS_UPLOAD_DIR`` / ``_MAX_BYTES``), served only to those who may see the visit."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.uploads import ALLOWED, file_store  # noqa: F401  (ALLOWED: shown on the form)
from plugins.units.models import Visit, VisitAttachment

MAX_PER_VISIT = 10
FILES = file_store("units", "附件：")
read, discard = FILES.read, FILES.discard


def store(session: Session, visit: Visit, filename: str, data: bytes, user_id: int | None) -> VisitAttachment:
    """Check and save one file of ``visit``; the caller commits (or calls :func:`discard`)."""
    name, content_type = FILES.check(filename, data)
    count = session.scalar(select(func.count(VisitAttachment.id)).where(VisitAttachment.visit_id == visit.id)) or 0
    if count >= MAX_PER_VISIT:
        raise FormErrors({"file": f"每次走访最多上传 {MAX_PER_VISIT} 个附件"})
    stored, digest = FILES.save(visit.tenant_id, name, data)
    att = VisitAttachment(tenant_id=visit.tenant_id, visit_id=visit.id, filename=name, content_type=content_type,
                          size=len(data), sha256=digest, stored_name=stored, uploaded_by_id=user_id)
    return FILES.add(session, att)
