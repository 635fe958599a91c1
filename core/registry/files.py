"""Files of instructor visits (photos, documents), kept in the ``registry``
:class:`core.uploads.FileStore` (``LIANDONG_REGISTRY_UPLOAD_DIR`` / ``_MAX_BYTES``) and served
back only to those who may see the visit; at most :data:`MAX_PER_VISIT` files per visit."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.registry.models import InstructorVisit, InstructorVisitAttachment
from core.uploads import ALLOWED, file_store  # noqa: F401  (ALLOWED: shown on the forms)

MAX_PER_VISIT = 10
FILES = file_store("registry", prefix="附件：")
check, max_bytes, upload_dir, read, discard = FILES.check, FILES.max_bytes, FILES.directory, FILES.read, FILES.discard


def store(session: Session, visit: InstructorVisit, filename: str, data: bytes,
          user_id: int | None) -> InstructorVisitAttachment:
    """Check and save one file for ``visit``; the caller commits (and calls :func:`discard`
    if it does not)."""
    name, content_type = check(filename, data)
    count = session.scalar(select(func.count(InstructorVisitAttachment.id))
                           .where(InstructorVisitAttachment.visit_id == visit.id)) or 0
    if count >= MAX_PER_VISIT:
        raise FormErrors({"file": f"附件：每条走访记录最多 {MAX_PER_VISIT} 个附件"})
    stored, digest = FILES.save(visit.tenant_id, name, data)
    att = InstructorVisitAttachment(tenant_id=visit.tenant_id, visit_id=visit.id, filename=name,
                                    content_type=content_type, size=len(data), sha256=digest,
                                    stored_name=stored, uploaded_by_id=user_id)
    return FILES.add(session, att)
