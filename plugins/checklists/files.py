"""Evidence files of checklist items, kept in the ``checklists`` :class:`core.uploads.FileStore`
(``LIANDONG_CHECKLISTS_UPLOAD_DIR`` / ``_MAX_BYTES``); at most :data:`MAX_PER_ITEM` per item."""

from __future__ import annotations

from core.uploads import ALLOWED, file_store  # noqa: F401  (ALLOWED: shown on the forms)

MAX_PER_ITEM = 20
FILES = file_store("checklists", "佐证材料：")
