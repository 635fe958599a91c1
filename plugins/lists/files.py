"""Attachments of demands: checked, stored on disk under a configurable directory, served back.

* Directory: ``LIANDONG_LISTS_UPLOAD_DIR`` (default ``./uploads/lists`` in the working
  directory), one sub-directory per tenant id; files are named by a random id, never by the
  uploaded name.
* Size: ``LIANDONG_LISTS_UPLOAD_MAX_BYTES`` (default 10 MB) per file, at most
  :data:`MAX_PER_DEMAND` files per demand.
* Types: PDF, PNG, JPEG, Word (.docx) and Excel (.xlsx) — the extension and the first bytes
  must agree; the served content type comes from this table, not from the browser.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from plugins.lists.models import ListAttachment, ListDemand

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PER_DEMAND = 10
#: extension → (content type, magic prefixes)
TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}
ALLOWED = "PDF、PNG、JPG、Word（.docx）、Excel（.xlsx）"


def upload_dir() -> Path:
    return Path(os.environ.get("LIANDONG_LISTS_UPLOAD_DIR") or Path.cwd() / "uploads" / "lists")


def max_bytes() -> int:
    try:
        return int(os.environ.get("LIANDONG_LISTS_UPLOAD_MAX_BYTES") or DEFAULT_MAX_BYTES)
    except ValueError:
        return DEFAULT_MAX_BYTES


def check(filename: str, data: bytes) -> tuple[str, str]:
    """(clean file name, content type) or FormErrors on ``file``."""
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


def store(session: Session, demand: ListDemand, filename: str, data: bytes, user_id: int | None) -> ListAttachment:
    """Check and save one file for ``demand``; the caller commits (the file is removed if it does not)."""
    name, content_type = check(filename, data)
    count = session.scalar(select(func.count(ListAttachment.id)).where(ListAttachment.demand_id == demand.id)) or 0
    if count >= MAX_PER_DEMAND:
        raise FormErrors({"file": f"每条需求最多 {MAX_PER_DEMAND} 个附件"})
    stored = secrets.token_hex(16) + os.path.splitext(name)[1].lower()
    path = _path(demand.tenant_id, stored)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    att = ListAttachment(tenant_id=demand.tenant_id, demand_id=demand.id, filename=name, content_type=content_type,
                         size=len(data), sha256=hashlib.sha256(data).hexdigest(), stored_name=stored,
                         uploaded_by_id=user_id)
    session.add(att)
    try:
        session.flush()
    except Exception:
        discard(att)
        raise
    return att


def read(att: ListAttachment) -> bytes:
    path = _path(att.tenant_id, att.stored_name)
    if not path.is_file():
        raise FileNotFoundError(att.stored_name)
    return path.read_bytes()


def discard(att: ListAttachment) -> None:
    """Remove the stored bytes (after a rollback, or when the attachment is deleted)."""
    try:
        _path(att.tenant_id, att.stored_name).unlink()
    except (FileNotFoundError, OSError):
        pass
