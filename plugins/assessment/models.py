"""Tables of the assessment engine (all tenant-owned, prefixed ``assessment_``).

Points, weights and totals are exact decimals stored as integers (hundredths of a point,
ten-thousandths of a weight) through :class:`Fixed` — no floating point on SQLite.

A template row is one *version* of a template: a program's registered template is copied
into a row when a round is opened (a new version only when its definition changed), and a
custom template edited after a round used it becomes a new version. Rounds point at the
version they were opened with, so later changes never rewrite history.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from core.db import Base, TenantOwned, Timestamps
from core.forms import FormErrors
from core.uploads import StoredFile


class Fixed(TypeDecorator):
    """A Decimal with ``scale`` decimals, stored as an integer (value × 10^scale)."""

    impl = Integer
    cache_ok = True

    def __init__(self, scale: int = 2):
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) * (10 ** self.scale)).to_integral_value())

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / (10 ** self.scale)).quantize(Decimal(1).scaleb(-self.scale))


class AssessmentTemplateVersion(TenantOwned, Timestamps, Base):
    """One stored version of a template (registered by a program or built in the UI)."""

    __tablename__ = "assessment_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "key", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(20), default="custom")  # "program" | "custom"
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    target_kind: Mapped[str] = mapped_column(String(20))
    cluster_type: Mapped[str] = mapped_column(String(50), default="")
    period_kind: Mapped[str] = mapped_column(String(20))
    scoring: Mapped[str] = mapped_column(String(20), default="points")
    scale_max: Mapped[Decimal] = mapped_column(Fixed(2))
    rating_max: Mapped[Decimal] = mapped_column(Fixed(2))
    precision: Mapped[int] = mapped_column(Integer, default=2)
    self_assessment: Mapped[bool] = mapped_column(Boolean, default=False)
    grade_bands: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[label, "min"], …] high → low
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    criteria: Mapped[list[AssessmentCriterion]] = relationship(
        order_by="AssessmentCriterion.position", cascade="all, delete-orphan", back_populates="template"
    )

    @property
    def name(self) -> str:  # the audit log's summary
        return f"{self.label}（第 {self.version} 版）"


class AssessmentCriterion(TenantOwned, Base):
    __tablename__ = "assessment_criteria"
    __table_args__ = (UniqueConstraint("template_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("assessment_templates.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    section_key: Mapped[str] = mapped_column(String(100), default="")
    section_label: Mapped[str] = mapped_column(String(200), default="")
    key: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(300))
    max_points: Mapped[Decimal] = mapped_column(Fixed(2))
    weight: Mapped[Decimal] = mapped_column(Fixed(4))
    evidence: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")

    template: Mapped[AssessmentTemplateVersion] = relationship(back_populates="criteria")


class AssessmentRound(TenantOwned, Timestamps, Base):
    """One assessment of a target set for a period: draft → open → scoring → review → published."""

    __tablename__ = "assessment_rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("assessment_templates.id", ondelete="RESTRICT"), index=True)
    template_key: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(200))
    target_kind: Mapped[str] = mapped_column(String(20))
    cluster_type: Mapped[str] = mapped_column(String(50), default="")
    period_kind: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(10), index=True)  # "2026-07", "2026-Q3", "2026-H2", "2026"
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(64), default="")

    template: Mapped[AssessmentTemplateVersion] = relationship()

    @property
    def name(self) -> str:  # the audit log's summary
        return self.title


class AssessmentSheet(TenantOwned, Timestamps, Base):
    """The score sheet of one target in one round; ``total``/``grade``/``rank`` are set on publication."""

    __tablename__ = "assessment_sheets"
    __table_args__ = (UniqueConstraint("round_id", "target_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer, index=True)
    target_name: Mapped[str] = mapped_column(String(200))  # as it was when the round was opened
    comment: Mapped[str] = mapped_column(Text, default="")  # the assessors' overall remark
    self_comment: Mapped[str] = mapped_column(Text, default="")
    self_submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    total: Mapped[Decimal | None] = mapped_column(Fixed(2))
    self_total: Mapped[Decimal | None] = mapped_column(Fixed(2))
    grade: Mapped[str] = mapped_column(String(50), default="")
    rank: Mapped[int | None] = mapped_column(Integer)

    round: Mapped[AssessmentRound] = relationship()

    @property
    def name(self) -> str:  # the audit log's summary
        return self.target_name


class AssessmentScore(TenantOwned, Timestamps, Base):
    """One criterion's value on a sheet: ``kind`` "assessor" (counts) or "self" (self-assessment)."""

    __tablename__ = "assessment_scores"
    __table_args__ = (UniqueConstraint("sheet_id", "criterion_id", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("assessment_sheets.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("assessment_criteria.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="assessor")
    value: Mapped[Decimal] = mapped_column(Fixed(2))
    evidence: Mapped[str] = mapped_column(Text, default="")
    scored_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    scored_by: Mapped[str] = mapped_column(String(64), default="")

    sheet: Mapped[AssessmentSheet] = relationship()


class AssessmentAppeal(TenantOwned, Timestamps, Base):
    """A target's objection to a published result (申诉) and staff's resolution."""

    __tablename__ = "assessment_appeals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment_rounds.id", ondelete="CASCADE"), index=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("assessment_sheets.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_by: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending | resolved
    outcome: Mapped[str] = mapped_column(String(20), default="")  # APPEAL_OUTCOMES
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str] = mapped_column(String(64), default="")
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AssessmentAttachment(StoredFile, TenantOwned, Timestamps, Base):
    """A file backing a sheet's evidence: ``kind`` "assessor" (the assessors') or "self" (the
    self-assessment's); the bytes live in the ``assessment`` file store as ``stored_name``."""

    __tablename__ = "assessment_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("assessment_sheets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="assessor")
    uploaded_by: Mapped[str] = mapped_column(String(64), default="")


MODELS = [AssessmentTemplateVersion, AssessmentCriterion, AssessmentRound, AssessmentSheet, AssessmentScore,
          AssessmentAppeal, AssessmentAttachment]


# --- published rounds are immutable ------------------------------------------------------------

PUBLISHED_IS_FINAL = "考核结果已发布，不能修改"


def _was_published(rnd: AssessmentRound | None) -> bool:
    """The round was already published before this flush (its own publication is allowed)."""
    if rnd is None:
        return False
    hist = inspect(rnd).attrs.state.history
    if hist.has_changes():
        return bool(hist.deleted) and hist.deleted[0] == "published"
    return rnd.state == "published"


@event.listens_for(Session, "before_flush")
def _guard_published(session: Session, _ctx, _instances) -> None:
    """Refuse any change to a published round, its sheets, their scores and files — whatever the
    caller; the services check first and give the same message."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, AssessmentRound):
            rnd = obj if obj not in session.new else None
        elif isinstance(obj, AssessmentSheet):
            rnd = session.get(AssessmentRound, obj.round_id) if obj.round_id else None
        elif isinstance(obj, (AssessmentScore, AssessmentAttachment)):
            sheet = session.get(AssessmentSheet, obj.sheet_id) if obj.sheet_id else None
            rnd = session.get(AssessmentRound, sheet.round_id) if sheet is not None else None
        else:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if _was_published(rnd):
            raise FormErrors({"state": PUBLISHED_IS_FINAL})
