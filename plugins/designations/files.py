"""Evidence files of designations (命名文件、牌匾照片) and blacklist entries (处罚决定、违法线索),
kept in the ``designations`` :class:`core.uploads.FileStore` (``LIANDONG_DESIGNATIONS_UPLOAD_DIR``
/ ``_MAX_BYTES``) and served back only to the owner tenant; at most :data:`MAX_PER_ROW` per row."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.uploads import ALLOWED, file_store  # noqa: F401  (ALLOWED: shown on the forms)
from plugins.designations.models import BlacklistEntry, BlacklistFile, Designation, DesignationFile

MAX_PER_ROW = 20
FILES = file_store("designations")
check, max_bytes, read, discard = FILES.check, FILES.max_bytes, FILES.read, FILES.discard


def _model(owner: Designation | BlacklistEntry):
    """(file model, its owner column) for ``owner``."""
    if isinstance(owner, Designation):
        return DesignationFile, DesignationFile.designation_id
    return BlacklistFile, BlacklistFile.entry_id


def files_of(session: Session, owner: Designation | BlacklistEntry) -> list:
    model, column = _model(owner)
    return list(session.scalars(select(model).where(column == owner.id).order_by(model.id)))


def store(session: Session, owner: Designation | BlacklistEntry, filename: str, data: bytes, user_id: int | None):
    """Check and save one file for ``owner``; the caller commits (and discards on rollback)."""
    name, content_type = check(filename, data)
    model, column = _model(owner)
    count = session.scalar(select(func.count(model.id)).where(column == owner.id))
    if (count or 0) >= MAX_PER_ROW:
        raise FormErrors({"file": f"每条记录最多上传 {MAX_PER_ROW} 个佐证文件"})
    stored, digest = FILES.save(owner.tenant_id, name, data)
    row = model(tenant_id=owner.tenant_id, filename=name, content_type=content_type, size=len(data), sha256=digest,
                stored_name=stored, uploaded_by_id=user_id, **{column.key: owner.id})
    return FILES.add(session, row)


def get(session: Session, owner: Designation | BlacklistEntry, file_id: int):
    model, column = _model(owner)
    row = session.get(model, file_id)
    return row if row is not None and getattr(row, column.key) == owner.id else None
