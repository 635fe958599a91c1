"""Tables of the checklists block: the tenant's own templates (their items), checklists attached
to a subject (a copy of the template's items each), and the evidence files of the items."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantOwned, Timestamps
from core.uploads import StoredFile


class ChecklistTemplateRow(TenantOwned, Timestamps, Base):
    """A template a tenant defined in the UI (or imported); programs' templates come from the
    ``register_checklist_templates`` hook and are not stored. Its key is ``tenant.<id>``."""

    __tablename__ = "checklists_templates"
    __table_args__ = (UniqueConstraint("tenant_id", "label"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    subject_kinds: Mapped[str] = mapped_column(String(200), default="")  # comma-separated keys; "" = any
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    items: Mapped[list[ChecklistTemplateItem]] = relationship(
        back_populates="template", cascade="all, delete-orphan", order_by="ChecklistTemplateItem.position")

    @property
    def key(self) -> str:
        return f"tenant.{self.id}"


class ChecklistTemplateItem(TenantOwned, Timestamps, Base):
    __tablename__ = "checklists_template_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklists_templates.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    chapter: Mapped[str] = mapped_column(String(100), default="")
    label: Mapped[str] = mapped_column(String(200))
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False)
    guidance: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[ChecklistTemplateRow] = relationship(back_populates="items")


class Checklist(TenantOwned, Timestamps, Base):
    """A checklist of one subject (cluster, organization, party org, site …) against a template,
    with the template's items copied in; ``status`` is the reviewer's overall decision
    (``open`` → ``passed`` | ``failed``; a failed one may be reopened)."""

    __tablename__ = "checklists_checklists"
    __table_args__ = (Index("ix_checklists_checklists_subject", "tenant_id", "subject_kind", "subject_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_key: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(200))
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    subject_name: Mapped[str] = mapped_column(String(200), default="")  # kept if the subject goes
    opened_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decision_note: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # False: every item must be 达标 (the template forbids 不适用), copied from the template
    na_allowed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="checklist", cascade="all, delete-orphan", order_by="ChecklistItem.position")


class ChecklistItem(TenantOwned, Timestamps, Base):
    """One item of a checklist: status ``pending`` (待检查) | ``done`` (达标) | ``failed`` (未达标)
    | ``na`` (不适用), with the reviewer and date of the last check."""

    __tablename__ = "checklists_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists_checklists.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    key: Mapped[str] = mapped_column(String(40))
    chapter: Mapped[str] = mapped_column(String(100), default="")
    label: Mapped[str] = mapped_column(String(200))
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False)
    guidance: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(64), default="")
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    checklist: Mapped[Checklist] = relationship(back_populates="items")
    evidence: Mapped[list[ChecklistEvidence]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ChecklistEvidence.id")


class ChecklistEvidence(StoredFile, TenantOwned, Timestamps, Base):
    """An evidence file (佐证材料) of an item, kept in the ``checklists`` FileStore."""

    __tablename__ = "checklists_evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklists_items.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    item: Mapped[ChecklistItem] = relationship(back_populates="evidence")


MODELS = [ChecklistTemplateRow, ChecklistTemplateItem, Checklist, ChecklistItem, ChecklistEvidence]
