"""Tables only the changsha program keeps (tenant-owned, prefixed ``changsha_``).

A 楼宇商圈党建点 itself is a registry cluster (its three sides are the cluster's leaders, its
enterprises and departments its members), its 党群服务中心 a site, its lists the lists engine's and
its 三项保障 a checklist; this program keeps what none of those knows: the point's 提质升级 state,
the new-employment census, the groups' associations and the platform enterprises' HQ rule.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantOwned, Timestamps


class Point(TenantOwned, Timestamps, Base):
    """CS-1: the program's record of one 楼宇商圈党建点 (a cluster of a ``program.POINT_TYPES`` type)."""

    __tablename__ = "changsha_points"
    __table_args__ = (UniqueConstraint("tenant_id", "cluster_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    #: one of the points already built when the 提质升级 began (the seed's 82)
    existing: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # service.POINT_STATUSES
    centre_site_id: Mapped[int | None] = mapped_column(ForeignKey("sites_sites.id", ondelete="SET NULL"))
    target_year: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")


class GroupCensus(TenantOwned, Timestamps, Base):
    """CS-2: one of the nine new-employment groups in one tenant and year (底数)."""

    __tablename__ = "changsha_group_census"
    __table_args__ = (UniqueConstraint("tenant_id", "year", "group_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    group_key: Mapped[str] = mapped_column(String(20))  # program.GROUPS
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    party_members: Mapped[int] = mapped_column(Integer, default=0)
    #: the platform enterprises the group mainly works through (changsha_platforms ids)
    platform_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: the responsible department as a unit of the units block; empty: the seed's department (text)
    department_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units_units.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")


class Association(TenantOwned, Timestamps, Base):
    """CS-2: a 协会 or 联盟 a group formed — an organization of the registry, whose party org is
    read from the registry's coverage (把党组织建在协会、联盟上)."""

    __tablename__ = "changsha_associations"
    __table_args__ = (UniqueConstraint("tenant_id", "organization_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    group_key: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16))  # service.ASSOCIATION_KINDS


class Platform(TenantOwned, Timestamps, Base):
    """CS-2: an internet platform enterprise the new-employment groups work through."""

    __tablename__ = "changsha_platforms"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: HQ in 长沙: its HQ is this registry organization (must have a 党委)
    hq_local: Mapped[bool] = mapped_column(Boolean, default=False)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    hq_city: Mapped[str] = mapped_column(String(50), default="")  # where the HQ is, when not 长沙
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)  # program.GROUPS keys
    note: Mapped[str] = mapped_column(Text, default="")


class PlatformUnit(TenantOwned, Timestamps, Base):
    """CS-2: a branch, team, outlet, partner, subsidiary, agent or labour-dispatch company of a
    platform — a registry organization that must have a party org of its own."""

    __tablename__ = "changsha_platform_units"
    __table_args__ = (UniqueConstraint("tenant_id", "platform_id", "organization_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("changsha_platforms.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    unit_kind: Mapped[str] = mapped_column(String(16))  # service.UNIT_KINDS_LOCAL / UNIT_KINDS_ELSEWHERE


MODELS = [Point, GroupCensus, Association, Platform, PlatformUnit]
