"""Tables of the activities engine. Every row belongs to a tenant (filtered, row-level security).

Times are stored in UTC (``starts_at``/``ends_at``) and shown in Asia/Shanghai. The organizer is
a party org, a cluster or the tenant itself (``organizer_kind``); its name is kept as a snapshot
so an activity still reads well after its organizer is deleted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantOwned, Timestamps


class Activity(TenantOwned, Timestamps, Base):
    """One meeting, training, salon or theme day (组织活动)."""

    __tablename__ = "activities_activities"
    __table_args__ = (Index("ix_activities_activities_tenant_type_start", "tenant_id", "activity_type", "starts_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_type: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    organizer_kind: Mapped[str] = mapped_column(String(16))  # party_org | cluster | tenant
    party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="SET NULL"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="SET NULL"), index=True)
    organizer_name: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled | held | cancelled
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    speakers: Mapped[list[ActivitySpeaker]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ActivitySpeaker.position")
    participants: Mapped[list[ActivityParticipant]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ActivityParticipant.id")
    attachments: Mapped[list[ActivityAttachment]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ActivityAttachment.id")
    follow_ups: Mapped[list[ActivityFollowUp]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ActivityFollowUp.id")
    co_organizers: Mapped[list[ActivityCoOrganizer]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ActivityCoOrganizer.id")

    @property
    def name(self) -> str:  # the audit log's summary
        return self.title

    @property
    def organizer_id(self) -> int | None:
        """The organizer's id: party org id, cluster id or the tenant's id."""
        if self.organizer_kind == "party_org":
            return self.party_org_id
        if self.organizer_kind == "cluster":
            return self.cluster_id
        return self.tenant_id


class ActivityCoOrganizer(TenantOwned, Base):
    """Another party org or cluster that organizes the activity together with its organizer
    (联合开展: 001's 理论知识联学、组织生活联过 …). The activity counts for it as for the organizer
    (``count_by_organizer``, what is due) and its people see the activity; only the organizer's
    side edits it. The name is kept as a snapshot like the organizer's."""

    __tablename__ = "activities_co_organizers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities_activities.id", ondelete="CASCADE"), index=True)
    organizer_kind: Mapped[str] = mapped_column(String(16))  # party_org | cluster
    party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="SET NULL"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="SET NULL"), index=True)
    organizer_name: Mapped[str] = mapped_column(String(200), default="")

    activity: Mapped[Activity] = relationship(back_populates="co_organizers")

    @property
    def name(self) -> str:
        return self.organizer_name

    @property
    def organizer_id(self) -> int | None:
        return self.party_org_id if self.organizer_kind == "party_org" else self.cluster_id


class ActivitySpeaker(TenantOwned, Base):
    """A speaker (主讲人 / 讲课人) of an activity whose type has speakers."""

    __tablename__ = "activities_speakers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities_activities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(100), default="")  # 单位、职务
    topic: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    activity: Mapped[Activity] = relationship(back_populates="speakers")


class ActivityParticipant(TenantOwned, Base):
    """Someone expected at an activity — a registry member or another person (free text) — and
    their attendance: pending (未登记), present, absent or leave (with reason and approval)."""

    __tablename__ = "activities_participants"
    __table_args__ = (UniqueConstraint("activity_id", "member_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities_activities.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(100), default="")
    attendance: Mapped[str] = mapped_column(String(16), default="pending")
    leave_reason: Mapped[str] = mapped_column(String(200), default="")
    leave_approved: Mapped[bool | None] = mapped_column(Boolean)  # None: not decided
    leave_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(200), default="")

    activity: Mapped[Activity] = relationship(back_populates="participants")


class ActivityAttachment(TenantOwned, Timestamps, Base):
    """A photo, sign-in sheet, record or material of an activity: either an uploaded file
    (``stored_name`` set, bytes under the upload directory, see :mod:`plugins.activities.files`)
    or only registered with the place where it is kept (``stored_name == ""``)."""

    __tablename__ = "activities_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities_activities.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="photo")
    filename: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(300), default="")  # where the file is kept
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    stored_name: Mapped[str] = mapped_column(String(80), default="")  # "" = not uploaded, kept elsewhere
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    activity: Mapped[Activity] = relationship(back_populates="attachments")

    @property
    def name(self) -> str:
        return self.filename

    @property
    def stored(self) -> bool:
        """The file itself was uploaded and can be downloaded."""
        return bool(self.stored_name)

    @property
    def is_image(self) -> bool:
        return self.stored and self.content_type in ("image/jpeg", "image/png")


class ActivityFollowUp(TenantOwned, Timestamps, Base):
    """Something to do after the activity (会后落实事项), with a due date and a done flag."""

    __tablename__ = "activities_follow_ups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities_activities.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_on: Mapped[dt.date | None] = mapped_column(Date)

    activity: Mapped[Activity] = relationship(back_populates="follow_ups")

    @property
    def name(self) -> str:
        return self.text[:60]


MODELS = [Activity, ActivitySpeaker, ActivityParticipant, ActivityAttachment, ActivityFollowUp, ActivityCoOrganizer]
