"""Photos of sites, kept in the ``sites`` :class:`core.uploads.FileStore`
(``LIANDONG_SITES_UPLOAD_DIR`` / ``_MAX_BYTES``); at most :data:`MAX_PER_SITE` per site."""

from __future__ import annotations

from core.uploads import ALLOWED, file_store  # noqa: F401  (ALLOWED: shown on the forms)

MAX_PER_SITE = 30
FILES = file_store("sites", "照片：")
