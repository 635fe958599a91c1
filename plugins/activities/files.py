"""Files of activities (photos, sign-in sheets, minutes, materials): checked, stored on disk
under a configurable directory, served back only to those who may see the activity.

* Directory: ``LIANDONG_ACTIVITIES_UPLOAD_DIR`` (default ``./uploads/activities`` in the working
  directory), one sub-directory per tenant id; files are named by a random id, never by the
  uploaded name.
* Size: ``LIANDONG_ACTIVITIES_UPLOAD_MAX_BYTES`` (default 10 MB) per file, at most
  :data:`MAX_PER_ACTIVITY` stored files per activity.
* Types: JPEG, PNG, PDF, Word (.docx) and Excel (.xlsx) — the extension and the first bytes
  must agree; the served content type comes from this table, not from the browser.

Back the directory up together with the database. Attachment rows without a stored file
(``stored_name == ""``) are registered materials kept elsewhere (a paper sign-in sheet in the
archive cabinet).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from plugins.activities.models import Activity, ActivityAttachment

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PER_ACTIVITY = 30
#: extension → (content type, magic prefixes)
TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}
IMAGE_TYPES = ("image/jpeg", "image/png")
ALLOWED = "JPG、PNG、PDF、Word（.docx）、Excel（.xlsx）"


def upload_dir() -> Path:
    return Path(os.environ.get("LIANDONG_ACTIVITIES_UPLOAD_DIR") or Path.cwd() / "uploads" / "activities")


def max_bytes() -> int:
    try:
        return int(os.environ.get("LIANDONG_ACTIVITIES_UPLOAD_MAX_BYTES") or DEFAULT_MAX_BYTES)
    except ValueError:
        return DEFAULT_MAX_BYTES


def check(filename: str, data: bytes) -> tuple[str, str]:
    """(clean file name, content type), or FormErrors on ``file``."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    if not name:
        raise FormErrors({"file": "请选择要上传的文件"})
    if len(name) > 200:
        name = name[-200:]
    ext = os.path.splitext(name)[1].lower()
    if ext not in TYPES:
        raise FormErrors({"file": f"不支持的文件类型，仅限 {ALLOWED}"})
    if not data:
        raise FormErrors({"file": "文件是空的"})
    limit = max_bytes()
    if len(data) > limit:
        raise FormErrors({"file": f"文件超过 {limit // (1024 * 1024) or 1} MB 的上限"})
    content_type, magics = TYPES[ext]
    if not data.startswith(magics):
        raise FormErrors({"file": f"文件内容与扩展名「{ext}」不符"})
    return name, content_type


def _path(tenant_id: int, stored_name: str) -> Path:
    return upload_dir() / str(tenant_id) / stored_name


def stored_count(session: Session, activity_id: int) -> int:
    return session.scalar(select(func.count(ActivityAttachment.id)).where(
        ActivityAttachment.activity_id == activity_id, ActivityAttachment.stored_name != "")) or 0


def store(session: Session, activity: Activity, filename: str, data: bytes, kind: str, description: str,
          user_id: int | None) -> ActivityAttachment:
    """Check and save one file for ``activity``; the caller commits (and calls :func:`discard`
    if it does not). Rights and ``kind``/``description`` are checked by the service first."""
    name, content_type = check(filename, data)
    if stored_count(session, activity.id) >= MAX_PER_ACTIVITY:
        raise FormErrors({"file": f"每项活动最多上传 {MAX_PER_ACTIVITY} 个文件"})
    stored = secrets.token_hex(16) + os.path.splitext(name)[1].lower()
    path = _path(activity.tenant_id, stored)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    att = ActivityAttachment(tenant_id=activity.tenant_id, kind=kind, filename=name, location="",
                             size_bytes=len(data), description=description, content_type=content_type,
                             sha256=hashlib.sha256(data).hexdigest(), stored_name=stored, uploaded_by_id=user_id)
    activity.attachments.append(att)
    try:
        session.flush()
    except Exception:
        discard(att)
        raise
    return att


def read(att: ActivityAttachment) -> bytes:
    if not att.stored_name:
        raise FileNotFoundError(att.filename)
    path = _path(att.tenant_id, att.stored_name)
    if not path.is_file():
        raise FileNotFoundError(att.stored_name)
    return path.read_bytes()


def discard(att: ActivityAttachment) -> None:
    """Remove the stored bytes (after a rollback, or once the row's deletion is committed)."""
    if not att.stored_name:
        return
    try:
        _path(att.tenant_id, att.stored_name).unlink()
    except (FileNotFoundError, OSError):
        pass
