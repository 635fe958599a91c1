"""Files of activities (photos, sign-in sheets, minutes, materials), kept in the ``activities``
:class:`core.uploads.FileStore` (``LIANDONG_ACTIVITIES_UPLOAD_DIR`` / ``_MAX_BYTES``) and served
back only to those who may see the activity; at most :data:`MAX_PER_ACTIVITY` stored files per
activity. Attachment rows without a stored file (``stored_name == ""``) are registered
materials kept elsewhere (a paper sign-in sheet in the archive cabinet).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.uploads import ALLOWED, file_store  # noqa: F401  (ALLOWED: shown on the forms)
from plugins.activities.models import Activity, ActivityAttachment

MAX_PER_ACTIVITY = 30
FILES = file_store("activities")
check, max_bytes, upload_dir, read, discard = FILES.check, FILES.max_bytes, FILES.directory, FILES.read, FILES.discard


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
    stored, digest = FILES.save(activity.tenant_id, name, data)
    att = ActivityAttachment(tenant_id=activity.tenant_id, kind=kind, filename=name, location="",
                             size_bytes=len(data), description=description, content_type=content_type,
                             sha256=digest, stored_name=stored, uploaded_by_id=user_id)
    activity.attachments.append(att)
    return FILES.add(session, att)
