"""Evidence files of tasks (photos, PDFs, Word/Excel), kept in the ``campaigns``
:class:`core.uploads.FileStore` (``LIANDONG_CAMPAIGNS_UPLOAD_DIR`` / ``_MAX_BYTES``) and served
back only to the task's owner tenant; at most :data:`MAX_PER_TASK` files per task."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.uploads import ALLOWED, file_store  # noqa: F401  (ALLOWED: shown on the forms)
from plugins.campaigns.models import CampaignAttachment, CampaignTask

MAX_PER_TASK = 20
FILES = file_store("campaigns")
check, max_bytes, upload_dir, read, discard = FILES.check, FILES.max_bytes, FILES.directory, FILES.read, FILES.discard


def attachments_of(session: Session, task: CampaignTask) -> list[CampaignAttachment]:
    return list(session.scalars(select(CampaignAttachment).where(CampaignAttachment.task_id == task.id)
                                .order_by(CampaignAttachment.id)))


def store(session: Session, task: CampaignTask, filename: str, data: bytes, user_id: int | None
          ) -> CampaignAttachment:
    """Check and save one file for ``task``; the caller commits (and calls :func:`discard` if it does not)."""
    name, content_type = check(filename, data)
    count = session.scalar(select(func.count(CampaignAttachment.id)).where(CampaignAttachment.task_id == task.id))
    if (count or 0) >= MAX_PER_TASK:
        raise FormErrors({"file": f"每项任务最多上传 {MAX_PER_TASK} 个佐证文件"})
    stored, digest = FILES.save(task.tenant_id, name, data)
    att = CampaignAttachment(tenant_id=task.tenant_id, task_id=task.id, filename=name, content_type=content_type,
                             size=len(data), sha256=digest, stored_name=stored, uploaded_by_id=user_id)
    return FILES.add(session, att)


def get(session: Session, task: CampaignTask, attachment_id: int) -> CampaignAttachment | None:
    att = session.get(CampaignAttachment, attachment_id)
    return att if att is not None and att.task_id == task.id else None
