"""Tables only the jinhua program keeps (tenant-owned, prefixed ``jinhua_``).

An alliance *is* a cluster of the registry (one of the four types in :mod:`plugins.jinhua.program`);
its members, leaders (联盟书记、联络员 with their accounts) and cross-tenant membership are the
core's. What 金华's 党建联盟 adds lives here: the alliance's founding (发起单位, 牵头单位, the
principles), 契约化 contracts per member, 组团制 teams, the 轮值制 rota and 议事制 agenda items.
Bulletins (通报制) are the core's, linked to the alliance by :class:`AllianceBulletin`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantOwned, Timestamps


class Alliance(TenantOwned, Timestamps, Base):
    """JH-1 the founding of one alliance (its cluster row holds name, members and leaders)."""

    __tablename__ = "jinhua_alliances"
    __table_args__ = (UniqueConstraint("cluster_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    founded_on: Mapped[dt.date] = mapped_column(Date)
    principles: Mapped[list[str]] = mapped_column(JSON, default=list)  # program.PRINCIPLES keys
    rota_period: Mapped[str] = mapped_column(String(16), default="quarter")  # core.periods kind


class Founder(TenantOwned, Base):
    """A founding unit (发起单位) of an alliance — a unit of the units block; one is the lead (牵头单位)."""

    __tablename__ = "jinhua_founders"
    __table_args__ = (UniqueConstraint("alliance_id", "unit_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("jinhua_alliances.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units_units.id", ondelete="CASCADE"), index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)


class Contract(TenantOwned, Timestamps, Base):
    """契约化: the contract of one member (a cluster member row) with its term and obligations.
    Renewing ends it (``renewed``) and starts the next term as a new row (``renewed_from_id``)."""

    __tablename__ = "jinhua_contracts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("jinhua_alliances.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("cluster_members.id", ondelete="CASCADE"), index=True)
    signed_on: Mapped[dt.date] = mapped_column(Date)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date, index=True)
    obligations: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="in_force")  # service.CONTRACT_STATUSES
    renewed_from_id: Mapped[int | None] = mapped_column(ForeignKey("jinhua_contracts.id", ondelete="SET NULL"))


class Team(TenantOwned, Timestamps, Base):
    """组团制: a service team of member units within an alliance."""

    __tablename__ = "jinhua_teams"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("jinhua_alliances.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(500), default="")  # 服务内容
    member_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # cluster member row ids


class RotaSlot(TenantOwned, Base):
    """轮值制: the member that holds the rotating chair (轮值主席单位) in one period."""

    __tablename__ = "jinhua_rota"
    __table_args__ = (UniqueConstraint("alliance_id", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("jinhua_alliances.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(10))  # core.periods key: 2026-Q1, 2026-03, 2026-H1
    member_id: Mapped[int] = mapped_column(ForeignKey("cluster_members.id", ondelete="CASCADE"))


class AgendaItem(TenantOwned, Timestamps, Base):
    """议事制: an item raised → discussed → decided → followed up (or withdrawn)."""

    __tablename__ = "jinhua_agenda"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("jinhua_alliances.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    raised_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("cluster_members.id", ondelete="SET NULL"))
    raised_on: Mapped[dt.date] = mapped_column(Date)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("activities_activities.id", ondelete="SET NULL"))
    discussion: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    owner_member_id: Mapped[int | None] = mapped_column(ForeignKey("cluster_members.id", ondelete="SET NULL"))
    follow_up_due: Mapped[dt.date | None] = mapped_column(Date)
    follow_up: Mapped[str] = mapped_column(Text, default="")
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="raised")  # service.AGENDA_STATUSES


class AllianceBulletin(TenantOwned, Base):
    """通报制: a core bulletin published for an alliance (to the tenants its members belong to)."""

    __tablename__ = "jinhua_alliance_bulletins"
    __table_args__ = (UniqueConstraint("bulletin_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("jinhua_alliances.id", ondelete="CASCADE"), index=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"))


MODELS = [Alliance, Founder, Contract, Team, RotaSlot, AgendaItem, AllianceBulletin]
