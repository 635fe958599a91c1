"""Tables of the campaigns engine.

A campaign and its phases belong to the tenant that runs it (e.g. a district). Each task row
belongs to its OWNER tenant (the district itself or one of its streets), so a street sees and
updates its own tasks in its own scope, and the district sees all of them through a roll-up
session over its subtree. Tasks keep the campaign's and phase's titles so the owner can show
them without reading its parent's rows. Report obligations belong to the tenant that sets
them; each submitted report belongs to the submitting tenant.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantOwned, Timestamps
from core.uploads import StoredFile


class Campaign(TenantOwned, Timestamps, Base):
    __tablename__ = "campaigns_campaigns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer, index=True)
    template_key: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    start_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")


class CampaignPhase(TenantOwned, Timestamps, Base):
    __tablename__ = "campaigns_phases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns_campaigns.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))


class CampaignTask(TenantOwned, Timestamps, Base):
    __tablename__ = "campaigns_tasks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns_campaigns.id", ondelete="CASCADE"), index=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("campaigns_phases.id", ondelete="CASCADE"), index=True)
    campaign_tenant_id: Mapped[int] = mapped_column(Integer, index=True)
    campaign_title: Mapped[str] = mapped_column(String(100))
    phase_title: Mapped[str] = mapped_column(String(100))
    phase_position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="todo", index=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    completed_on: Mapped[dt.date | None] = mapped_column(Date)


class ReportObligation(TenantOwned, Timestamps, Base):
    __tablename__ = "campaigns_obligations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    cadence: Mapped[str] = mapped_column(String(16))
    due_day: Mapped[int] = mapped_column(Integer)
    figure_labels: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CampaignReport(TenantOwned, Timestamps, Base):
    __tablename__ = "campaigns_reports"
    __table_args__ = (UniqueConstraint("obligation_id", "tenant_id", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("campaigns_obligations.id", ondelete="CASCADE"),
                                               index=True)
    obligation_title: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    submitted_by_id: Mapped[int | None] = mapped_column(Integer)
    late: Mapped[bool] = mapped_column(Boolean, default=False)


class CampaignAttachment(StoredFile, TenantOwned, Timestamps, Base):
    """A file backing a task's evidence (photo, PDF, Word/Excel), owned like its task; the bytes
    live in the ``campaigns`` file store as ``stored_name``."""

    __tablename__ = "campaigns_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("campaigns_tasks.id", ondelete="CASCADE"), index=True)


MODELS = [Campaign, CampaignPhase, CampaignTask, ReportObligation, CampaignReport, CampaignAttachment]
