"""Files of instructor visits (photos, documents): checked, stored on disk under a configurable
directory, served back only to those who may see the visit — the same way the activities and
lists plugins keep their attachments.

* Directory: ``LIANDONG_REGISTRY_UPLOAD_DIR`` (default ``./uploads/registry`` in the working
  directory), one sub-directory per tenant id; files are named by a random id, never by the
  uploaded name.
* Size: ``LIANDONG_REGISTRY_UPLOAD_MAX_BYTES`` (default 10 MB) per file, at most
  :data:`MAX_PER_VISIT` files per visit.
* Types: JPEG, PNG, PDF, Word (.docx) and Excel (.xlsx) — the extension and the first bytes
  must agree; .docx/.xlsx packages pass :func:`core.registry.upload_safety.check_ooxml` (no
  macros, zip bombs, encryption or DTDs). The served content type comes from this table.

Back the directory up together with the database.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.registry.models import InstructorVisit, InstructorVisitAttachment
from core.registry.upload_safety import OOXML_PARTS, UploadRejected, check_ooxml

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PER_VISIT = 10
#: extension → (content type, magic prefixes)
TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}
ALLOWED = "JPG、PNG、PDF、Word（.docx）、Excel（.xlsx）"


def upload_dir() -> Path:
    return Path(os.environ.get("LIANDONG_REGISTRY_UPLOAD_DIR") or Path.cwd() / "uploads" / "registry")


def max_bytes() -> int:
    try:
        return int(os.environ.get("LIANDONG_REGISTRY_UPLOAD_MAX_BYTES") or DEFAULT_MAX_BYTES)
    except ValueError:
        return DEFAULT_MAX_BYTES


def check(filename: str, data: bytes) -> tuple[str, str]:
    """(clean file name, content type), or FormErrors on ``file``."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    if not name:
        raise FormErrors({"file": "附件：请选择要上传的文件"})
    if len(name) > 200:
        name = name[-200:]
    ext = os.path.splitext(name)[1].lower()
    if ext not in TYPES:
        raise FormErrors({"file": f"附件：不支持的文件类型，仅限 {ALLOWED}"})
    if not data:
        raise FormErrors({"file": "附件：文件是空的"})
    limit = max_bytes()
    if len(data) > limit:
        raise FormErrors({"file": f"附件：文件超过 {limit // (1024 * 1024) or 1} MB 的上限"})
    content_type, magics = TYPES[ext]
    if not data.startswith(magics):
        raise FormErrors({"file": f"附件：文件内容与扩展名「{ext}」不符"})
    if ext in OOXML_PARTS:
        try:
            check_ooxml(data, ext)
        except UploadRejected as exc:
            raise FormErrors({"file": f"附件：{exc.message}"}) from None
    return name, content_type


def _path(tenant_id: int, stored_name: str) -> Path:
    return upload_dir() / str(tenant_id) / stored_name


def store(session: Session, visit: InstructorVisit, filename: str, data: bytes,
          user_id: int | None) -> InstructorVisitAttachment:
    """Check and save one file for ``visit``; the caller commits (and calls :func:`discard`
    if it does not)."""
    name, content_type = check(filename, data)
    count = session.scalar(select(func.count(InstructorVisitAttachment.id))
                           .where(InstructorVisitAttachment.visit_id == visit.id)) or 0
    if count >= MAX_PER_VISIT:
        raise FormErrors({"file": f"附件：每条走访记录最多 {MAX_PER_VISIT} 个附件"})
    stored = secrets.token_hex(16) + os.path.splitext(name)[1].lower()
    path = _path(visit.tenant_id, stored)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    att = InstructorVisitAttachment(tenant_id=visit.tenant_id, visit_id=visit.id, filename=name,
                                    content_type=content_type, size=len(data),
                                    sha256=hashlib.sha256(data).hexdigest(), stored_name=stored,
                                    uploaded_by_id=user_id)
    session.add(att)
    try:
        session.flush()
    except Exception:
        discard(att)
        raise
    return att


def read(att: InstructorVisitAttachment) -> bytes:
    path = _path(att.tenant_id, att.stored_name)
    if not path.is_file():
        raise FileNotFoundError(att.stored_name)
    return path.read_bytes()


def discard(att: InstructorVisitAttachment) -> None:
    """Remove the stored bytes (after a rollback, or once the row's deletion is committed)."""
    try:
        _path(att.tenant_id, att.stored_name).unlink()
    except (FileNotFoundError, OSError):
        pass
