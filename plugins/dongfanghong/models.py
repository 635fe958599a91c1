"""Tables of the dongfanghong program (all tenant-owned, prefixed ``dongfanghong_``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantOwned, Timestamps


class GroupStaff(TenantOwned, Timestamps, Base):
    """The street 专干 assigned one-to-one to a joint group (联组)."""

    __tablename__ = "dongfanghong_group_staff"
    __table_args__ = (
        UniqueConstraint("tenant_id", "cluster_id"),
        UniqueConstraint("tenant_id", "user_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_on: Mapped[dt.date | None] = mapped_column(Date)


class DutyEntry(TenantOwned, Timestamps, Base):
    """One entry of a 专干's duty record: 会议活动必到 / 过程动态必报 / 企业困难必帮."""

    __tablename__ = "dongfanghong_duty_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # service.DUTY_KINDS
    occurred_on: Mapped[dt.date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Butler(TenantOwned, Timestamps, Base):
    """A member of the 金品牌 service-butler team (专职党务工作者 / 党建指导员 / 联企专员)."""

    __tablename__ = "dongfanghong_butlers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))  # the person's name (kept as it was for an unlinked row)
    role: Mapped[str] = mapped_column(String(20))  # service.BUTLER_ROLES
    unit: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # who the butler is (dongfanghong_0009): a member, an instructor or a user of the tenant; "" for a
    # row the migration could not match by name (shown as a gap until someone picks the person)
    person_kind: Mapped[str] = mapped_column(String(16), default="", server_default="")
    person_id: Mapped[int | None] = mapped_column(Integer)
    services: Mapped[str] = mapped_column(String(200), default="", server_default="")  # service.BUTLER_SERVICES keys


class ButlerOrganization(TenantOwned, Base):
    """Which organizations a butler serves."""

    __tablename__ = "dongfanghong_butler_orgs"
    __table_args__ = (UniqueConstraint("butler_id", "organization_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    butler_id: Mapped[int] = mapped_column(ForeignKey("dongfanghong_butlers.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)


class Nomination(TenantOwned, Timestamps, Base):
    """A nomination (选树典型): 优秀党员 / 优秀党务工作者 / 支持党建工作优秀企业家, with review."""

    __tablename__ = "dongfanghong_nominations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(20))  # service.NOMINATION_CATEGORIES
    nominee: Mapped[str] = mapped_column(String(50))  # the record's name (kept as it was for an unlinked row)
    # the record nominated (dongfanghong_0010): member | instructor | user, or organization for an
    # entrepreneur (named by its legal representative); "" for an old row not matched by name
    nominee_kind: Mapped[str] = mapped_column(String(16), default="", server_default="")
    nominee_id: Mapped[int | None] = mapped_column(Integer)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    review_note: Mapped[str] = mapped_column(String(500), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)


MODELS = [GroupStaff, DutyEntry, Butler, ButlerOrganization, Nomination]


# --- dongfanghong_0002: 强基 / 活水 / 阵地 / 经费 / 合作 ----------------------------------------


class Cultivation(TenantOwned, Timestamps, Base):
    """A 双向培养 record: a party member trained into a business backbone (``to_backbone``) or a
    business backbone trained into a party member (``to_member``), with a mentor (培养联系人)."""

    __tablename__ = "dongfanghong_cultivations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(20))  # projects.DIRECTIONS
    person_name: Mapped[str] = mapped_column(String(50))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    party_org_id: Mapped[int] = mapped_column(ForeignKey("party_orgs.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    mentor: Mapped[str] = mapped_column(String(50))
    started_on: Mapped[dt.date] = mapped_column(Date)
    target_on: Mapped[dt.date | None] = mapped_column(Date)
    finished_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="ongoing", index=True)  # projects.CULTIVATION_STATUSES
    notes: Mapped[str] = mapped_column(Text, default="")

    @property
    def name(self) -> str:  # the audit log's summary
        return self.person_name


class Cooperation(TenantOwned, Timestamps, Base):
    """A co-building / cooperation record (活水 互联共建, 五大保障之合作): a joint group with a
    community (社区/村) party org, another group, an agency, a unit in the street, mass
    organizations, or enterprises among themselves."""

    __tablename__ = "dongfanghong_cooperations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # projects.COOPERATION_KINDS
    area: Mapped[str] = mapped_column(String(20))  # projects.COOPERATION_AREAS
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    partner_cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="SET NULL"))
    partner: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    content: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text, default="")

    @property
    def name(self) -> str:
        return self.partner


MODELS += [Cultivation, Cooperation]
# dongfanghong_0007: venue acceptance moved onto the checklists block (plugins/dongfanghong/venues.py);
# dongfanghong_0008: the dues handed in moved to the membership block (membership_dues_remittances)


# --- dongfanghong_0005: 双向进入 (DFH-3) --------------------------------------------------------


class CrossAppointment(TenantOwned, Timestamps, Base):
    """双向进入: a party member of a two-new party org's leadership (党组织班子) who also sits in the
    enterprise's management (管理层), or a manager who has entered the party org's leadership.
    ``member_id`` and ``party_org_id`` are references; ``direction`` says which way the person went."""

    __tablename__ = "dongfanghong_cross_appointments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_org_id: Mapped[int] = mapped_column(ForeignKey("party_orgs.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(20))  # quantified.CROSS_DIRECTIONS
    party_post: Mapped[str] = mapped_column(String(20))  # quantified.PARTY_POSTS
    management_post: Mapped[str] = mapped_column(String(50))  # the enterprise's title, e.g. 副总经理
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")


MODELS += [CrossAppointment]


# --- dongfanghong_0006: 联组 ↔ 社区（村）党组织 (DFH-1) ---------------------------------------------


class GroupLink(TenantOwned, Timestamps, Base):
    """A joint group's linked community (社区/村) party org: a reference to a party org of the
    street or of one of its community / village tenants (``party_org_tenant_id``). ``party_org_id``
    is empty for a name the migration from the former free text could not match (``name`` as written)."""

    __tablename__ = "dongfanghong_group_links"
    __table_args__ = (UniqueConstraint("cluster_id", "party_org_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="CASCADE"), index=True)
    party_org_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))


MODELS += [GroupLink]
