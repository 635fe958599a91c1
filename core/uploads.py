"""Uploaded files (photos, documents): one checked, tenant-partitioned store per area.

The registry (visit photos), the lists plugin (demand attachments) and the activities plugin
(photos, minutes) each keep their files in a :class:`FileStore` made with :func:`file_store`;
the rows that point at the files are theirs. A store:

* keeps files in ``LIANDONG_<AREA>_UPLOAD_DIR`` (default ``./uploads/<area>`` in the working
  directory), one sub-directory per tenant id, each file named by a random id — never by the
  uploaded name;
* accepts at most ``LIANDONG_<AREA>_UPLOAD_MAX_BYTES`` (default 10 MB) per file;
* accepts JPEG, PNG, PDF, Word (.docx) and Excel (.xlsx) only when the extension and the first
  bytes agree; .docx/.xlsx packages must pass
  :func:`core.registry.upload_safety.check_ooxml` (no macros, zip bombs, encryption or DTDs).
  The served content type comes from :data:`TYPES`, never from the browser.

:func:`stores` lists every store, so backups find every directory to save.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Response
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.forms import FormErrors
from core.registry.upload_safety import OOXML_PARTS, UploadRejected, check_ooxml

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
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


class StoredFile:
    """Columns of a row that points at a file of a :class:`FileStore` (mixed into each area's
    attachment model, next to its own parent key)."""

    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(80))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def name(self) -> str:  # the audit log's summary
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


class FileStore:
    """The files of one area; ``prefix`` starts every error message (e.g. ``"附件："``)."""

    def __init__(self, area: str, prefix: str = "") -> None:
        self.area, self.prefix = area, prefix
        self._env = f"LIANDONG_{area.upper()}_UPLOAD"

    def directory(self) -> Path:
        return Path(os.environ.get(f"{self._env}_DIR") or Path.cwd() / "uploads" / self.area)

    def max_bytes(self) -> int:
        try:
            return int(os.environ.get(f"{self._env}_MAX_BYTES") or DEFAULT_MAX_BYTES)
        except ValueError:
            return DEFAULT_MAX_BYTES

    def _refuse(self, message: str) -> FormErrors:
        return FormErrors({"file": self.prefix + message})

    def check(self, filename: str, data: bytes) -> tuple[str, str]:
        """(clean file name, content type), or FormErrors on ``file``."""
        name = os.path.basename((filename or "").replace("\\", "/")).strip()
        if not name:
            raise self._refuse("请选择要上传的文件")
        if len(name) > 200:
            name = name[-200:]
        ext = os.path.splitext(name)[1].lower()
        if ext not in TYPES:
            raise self._refuse(f"不支持的文件类型，仅限 {ALLOWED}")
        if not data:
            raise self._refuse("文件是空的")
        limit = self.max_bytes()
        if len(data) > limit:
            raise self._refuse(f"文件超过 {limit // (1024 * 1024) or 1} MB 的上限")
        content_type, magics = TYPES[ext]
        if not data.startswith(magics):
            raise self._refuse(f"文件内容与扩展名「{ext}」不符")
        if ext in OOXML_PARTS:
            try:
                check_ooxml(data, ext)
            except UploadRejected as exc:
                raise self._refuse(exc.message) from None
        return name, content_type

    def path(self, tenant_id: int, stored_name: str) -> Path:
        return self.directory() / str(tenant_id) / stored_name

    def save(self, tenant_id: int, name: str, data: bytes) -> tuple[str, str]:
        """Write checked ``data`` under a new random name: (stored name, sha256 hex)."""
        stored = secrets.token_hex(16) + os.path.splitext(name)[1].lower()
        path = self.path(tenant_id, stored)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return stored, hashlib.sha256(data).hexdigest()

    def add(self, session: Any, row: StoredFile) -> StoredFile:
        """Insert ``row`` for bytes :meth:`save` wrote; if the insert fails the bytes go too.
        The caller commits, and calls :meth:`discard` if it rolls back instead."""
        session.add(row)
        try:
            session.flush()
        except Exception:
            self.discard(row)
            raise
        return row

    def read_upload(self, upload: Any) -> tuple[str, bytes]:
        """(file name, bytes) of a form's file field — at most one byte over the limit, so
        :meth:`check` can refuse it — or ``("", b"")`` when no file was chosen."""
        if not isinstance(upload, UploadFile) or not (upload.filename or "").strip():
            return "", b""
        upload.file.seek(0)
        return upload.filename, upload.file.read(self.max_bytes() + 1)

    def commit_new(self, session: Any, make: Callable[[], StoredFile]) -> StoredFile:
        """``make()`` stores a file and inserts its row; commit — or, on any failure, roll back,
        remove the bytes and re-raise."""
        row = None
        try:
            row = make()
            session.commit()
        except Exception:
            session.rollback()
            if row is not None:
                self.discard(row)
            raise
        return row

    def read(self, row: Any) -> bytes:
        """The bytes of ``row`` (tenant_id, stored_name); FileNotFoundError if gone or never stored."""
        path = self.path(row.tenant_id, row.stored_name) if row.stored_name else None
        if path is None or not path.is_file():
            raise FileNotFoundError(row.stored_name or getattr(row, "filename", ""))
        return path.read_bytes()

    def discard(self, row: Any) -> None:
        """Remove the bytes of ``row`` (after a rollback, or once its deletion is committed)."""
        if not row.stored_name:
            return
        try:
            self.path(row.tenant_id, row.stored_name).unlink()
        except OSError:
            pass


def file_response(att: Any, read: Callable[[Any], bytes]) -> Response:
    """The stored file of row ``att`` (``read(att)`` → bytes) as a download: images open in the
    browser, other types download, with the content type checked on upload; a file gone from
    disk answers 404."""
    try:
        content = read(att)
    except FileNotFoundError as exc:
        raise NotFoundException("附件文件已丢失") from exc
    disposition = "inline" if att.content_type in IMAGE_TYPES else "attachment"
    return Response(content=content, media_type=att.content_type, headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(att.filename)}",
        "Cache-Control": "private, max-age=3600"})  # nosniff comes from the core headers


_STORES: dict[str, FileStore] = {}


def file_store(area: str, prefix: str = "") -> FileStore:
    """Make and register the store of ``area`` — once, in the area's ``files`` module (a second
    registration of the area is a programming error)."""
    if area in _STORES:
        raise ValueError(f"file store {area!r} is already registered")
    _STORES[area] = FileStore(area, prefix)
    return _STORES[area]


def stores() -> list[FileStore]:
    """Every registered store (the backup saves each one's directory)."""
    return list(_STORES.values())
