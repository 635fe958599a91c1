"""Evidence files of score sheets (photos, PDFs, Word/Excel), kept in the ``assessment``
:class:`core.uploads.FileStore` (``LIANDONG_ASSESSMENT_UPLOAD_DIR`` / ``_MAX_BYTES``).

One list per sheet and ``kind``: "assessor" files go with the assessors' scores (added and
removed while the round is in scoring, by assessors or staff), "self" files with the
self-assessment (while the round is open, by the target's secretary or staff) — the same rights
as entering those scores. Whoever sees the sheet may download its files; at most
:data:`MAX_PER_SHEET` files per sheet and kind.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.forms import FormErrors
from core.uploads import ALLOWED, file_store  # noqa: F401  (ALLOWED: shown on the forms)
from plugins.assessment import service as svc
from plugins.assessment.models import AssessmentAttachment, AssessmentSheet

KINDS = {"assessor": "评分佐证材料", "self": "自评佐证材料"}
MAX_PER_SHEET = 20
FILES = file_store("assessment")
check, max_bytes, upload_dir, read, discard = FILES.check, FILES.max_bytes, FILES.directory, FILES.read, FILES.discard


def editable_kinds(session: Session, access: svc.Access, sheet: AssessmentSheet) -> set[str]:
    """The kinds of files this principal may add to / remove from ``sheet`` now."""
    rnd = sheet.round
    kinds = set()
    if rnd.state == "scoring" and (access.score or access.manage):
        kinds.add("assessor")
    if rnd.state == "open" and rnd.template.self_assessment and (
            access.manage or (access.self_assess and svc.is_own_sheet(session, access, sheet))):
        kinds.add("self")
    return kinds


def attachments_of(session: Session, sheet: AssessmentSheet) -> dict[str, list[AssessmentAttachment]]:
    out: dict[str, list[AssessmentAttachment]] = {k: [] for k in KINDS}
    for att in session.scalars(select(AssessmentAttachment).where(AssessmentAttachment.sheet_id == sheet.id)
                               .order_by(AssessmentAttachment.id)):
        out.setdefault(att.kind, []).append(att)
    return out


def store(session: Session, sheet: AssessmentSheet, kind: str, filename: str, data: bytes, access: svc.Access
          ) -> AssessmentAttachment:
    """Check and save one file; the caller has checked the rights, commits (and calls
    :func:`discard` if it does not)."""
    name, content_type = check(filename, data)
    count = session.scalar(select(func.count(AssessmentAttachment.id)).where(
        AssessmentAttachment.sheet_id == sheet.id, AssessmentAttachment.kind == kind))
    if (count or 0) >= MAX_PER_SHEET:
        raise FormErrors({"file": f"每张考核表的{KINDS[kind]}最多 {MAX_PER_SHEET} 个文件"})
    stored, digest = FILES.save(sheet.tenant_id, name, data)
    att = AssessmentAttachment(tenant_id=sheet.tenant_id, sheet_id=sheet.id, kind=kind, filename=name,
                               content_type=content_type, size=len(data), sha256=digest, stored_name=stored,
                               uploaded_by_id=access.user_id, uploaded_by=access.username)
    return FILES.add(session, att)


def get(session: Session, sheet: AssessmentSheet, attachment_id: int) -> AssessmentAttachment | None:
    att = session.get(AssessmentAttachment, attachment_id)
    return att if att is not None and att.sheet_id == sheet.id else None
