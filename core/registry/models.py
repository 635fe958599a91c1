"""The registry (台账): organizations, party orgs, members, instructors, clusters (CORE-3…7).

Every table is tenant-owned: filtered by the session's scope and row-level security.
ID-card and phone numbers are stored encrypted (``*_enc``) with a keyed hash (``*_hash``)
for exact-match search; see :mod:`core.crypto`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantOwned, Timestamps

#: the ``extra`` column of organizations, party orgs and members: JSONB on PostgreSQL (``json``
#: has no equality, so a ``SELECT DISTINCT`` of the row would fail), JSON text on SQLite
EXTRA_JSON = JSON().with_variant(JSONB(), "postgresql")
from core.uploads import StoredFile


class Organization(TenantOwned, Timestamps, Base):
    """A two-new organization (两新组织)."""

    __tablename__ = "organizations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "credit_code"),
        Index("ix_organizations_tenant_kind", "tenant_id", "kind", "status"),
        Index("ix_organizations_tenant_name", "tenant_id", "name", "id"),  # the list's order
    )
    __sensitive__ = ("contact_phone_enc", "contact_phone_hash")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(20))  # choices.ORG_KINDS
    sub_kind: Mapped[str] = mapped_column(String(32), default="")
    industry: Mapped[str] = mapped_column(String(2), default="")  # GB/T 4754 section
    address: Mapped[str] = mapped_column(String(300), default="")
    community: Mapped[str] = mapped_column(String(100), default="")  # 社区/村 name
    community_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    building: Mapped[str] = mapped_column(String(100), default="")  # 楼宇/商圈
    employees: Mapped[int] = mapped_column(Integer, default=0)
    investor: Mapped[str] = mapped_column(String(100), default="")  # 出资人
    legal_rep: Mapped[str] = mapped_column(String(50), default="")
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone_enc: Mapped[str | None] = mapped_column(String(128))
    contact_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="operating")
    has_union: Mapped[bool] = mapped_column(Boolean, default=False)
    has_youth_league: Mapped[bool] = mapped_column(Boolean, default=False)
    has_womens_federation: Mapped[bool] = mapped_column(Boolean, default=False)
    is_internet_platform: Mapped[bool] = mapped_column(Boolean, default=False)
    employs_new_groups: Mapped[bool] = mapped_column(Boolean, default=False)
    #: party work reaches it (activities, instructor guidance) — "有作用" of 三有
    party_work_active: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: values of the fields plugins add (``register_extra_fields``), see :mod:`core.registry.extensions`
    extra: Mapped[dict[str, Any]] = mapped_column(EXTRA_JSON, default=dict, server_default=text("'{}'"))


class PartyOrgCoverage(TenantOwned, Base):
    """Which organizations a party org covers (a joint branch covers several)."""

    __tablename__ = "party_org_coverage"
    __table_args__ = (UniqueConstraint("party_org_id", "organization_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_org_id: Mapped[int] = mapped_column(ForeignKey("party_orgs.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)


class PartyOrg(TenantOwned, Timestamps, Base):
    """A party organization (党组织); a tree rooted in the street two-new committee."""

    __tablename__ = "party_orgs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    org_type: Mapped[str] = mapped_column(String(32))  # choices.PARTY_ORG_TYPES
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="RESTRICT"), index=True)
    formation_mode: Mapped[str] = mapped_column(String(20), default="single")
    secretary_name: Mapped[str] = mapped_column(String(50), default="")
    founded_on: Mapped[dt.date | None] = mapped_column(Date)
    term_ends_on: Mapped[dt.date | None] = mapped_column(Date)  # 换届
    venue_class: Mapped[int | None] = mapped_column(Integer)  # 1/2/3
    venue_accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    is_weak: Mapped[bool] = mapped_column(Boolean, default=False)  # 软弱涣散
    is_model: Mapped[bool] = mapped_column(Boolean, default=False)  # 示范
    dissolved_on: Mapped[dt.date | None] = mapped_column(Date)
    dissolved_reason: Mapped[str] = mapped_column(String(200), default="")
    #: values of the fields plugins add (``register_extra_fields``), see :mod:`core.registry.extensions`
    extra: Mapped[dict[str, Any]] = mapped_column(EXTRA_JSON, default=dict, server_default=text("'{}'"))

    covered: Mapped[list[Organization]] = relationship(
        secondary="party_org_coverage", viewonly=True, order_by="Organization.name"
    )


class Member(TenantOwned, Timestamps, Base):
    """A party member or someone in the pipeline (党员 / 发展对象 …)."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("tenant_id", "id_number_hash"),)
    __sensitive__ = ("id_number_enc", "id_number_hash", "phone_enc", "phone_hash")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    gender: Mapped[str] = mapped_column(String(10), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    ethnicity: Mapped[str] = mapped_column(String(20), default="汉族")
    education: Mapped[str] = mapped_column(String(20), default="")
    id_number_enc: Mapped[str | None] = mapped_column(String(128))
    id_number_hash: Mapped[str | None] = mapped_column(String(64))
    phone_enc: Mapped[str | None] = mapped_column(String(128))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="full")  # choices.MEMBER_STATUSES
    applied_on: Mapped[dt.date | None] = mapped_column(Date)
    activist_on: Mapped[dt.date | None] = mapped_column(Date)
    candidate_on: Mapped[dt.date | None] = mapped_column(Date)
    probationary_on: Mapped[dt.date | None] = mapped_column(Date)
    full_on: Mapped[dt.date | None] = mapped_column(Date)
    party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="SET NULL"), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[str] = mapped_column(String(20), default="")
    mobile: Mapped[str] = mapped_column(String(10), default="")  # "", "out", "in"
    mobile_counterpart: Mapped[str] = mapped_column(String(200), default="")
    transfer_rule: Mapped[str] = mapped_column(String(20), default="")
    transfer_state: Mapped[str] = mapped_column(String(20), default="")
    lost_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    points: Mapped[int] = mapped_column(Integer, default=0)
    #: values of the fields plugins add (``register_extra_fields``), see :mod:`core.registry.extensions`
    extra: Mapped[dict[str, Any]] = mapped_column(EXTRA_JSON, default=dict, server_default=text("'{}'"))


class Instructor(TenantOwned, Timestamps, Base):
    """A party-building instructor (党建指导员): a user of the platform or an external person."""

    __tablename__ = "instructors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    unit: Mapped[str] = mapped_column(String(100), default="")  # 派出单位
    phone_enc: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __sensitive__ = ("phone_enc",)


class InstructorAssignment(TenantOwned, Base):
    __tablename__ = "instructor_assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instructor_id: Mapped[int] = mapped_column(ForeignKey("instructors.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)

    @classmethod
    def running_on(cls, day: dt.date) -> ColumnElement[bool]:
        """SQL condition: the assignment runs on ``day``."""
        return and_(cls.start_on <= day, or_(cls.end_on.is_(None), cls.end_on >= day))


class InstructorVisit(TenantOwned, Timestamps, Base):
    __tablename__ = "instructor_visits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instructor_id: Mapped[int] = mapped_column(ForeignKey("instructors.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    follow_up_done: Mapped[bool] = mapped_column(Boolean, default=False)


class InstructorVisitAttachment(StoredFile, TenantOwned, Timestamps, Base):
    """A photo or document of a visit; the bytes live under the upload directory as
    ``stored_name`` (see :mod:`core.registry.files`)."""

    __tablename__ = "instructor_visit_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("instructor_visits.id", ondelete="CASCADE"), index=True)


class Cluster(TenantOwned, Timestamps, Base):
    """A grouping of organizations / party orgs whose type a plugin registers (联组, 党建联盟 …)."""

    __tablename__ = "clusters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_type: Mapped[str] = mapped_column(String(50), index=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(200), default="")
    lead_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    lead_party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text, default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # type-specific fields
    archived_on: Mapped[dt.date | None] = mapped_column(Date)


class ClusterLeader(TenantOwned, Base):
    """A leader of a cluster with a title the type declares (组长, 副组长 …)."""

    __tablename__ = "cluster_leaders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(32))
    person_name: Mapped[str] = mapped_column(String(50))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    appointed_on: Mapped[dt.date | None] = mapped_column(Date)
    letter_no: Mapped[str] = mapped_column(String(50), default="")  # 聘书编号
    ended_on: Mapped[dt.date | None] = mapped_column(Date)


class ClusterMember(TenantOwned, Base):
    __tablename__ = "cluster_members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="CASCADE"))
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    #: a member of a kind a plugin registers (``register_cluster_member_kinds``: units …): its key
    #: and id; "" for an organization / party org
    member_kind: Mapped[str] = mapped_column(String(40), default="", server_default="")
    ref_id: Mapped[int | None] = mapped_column(Integer)
    #: the tenant the member belongs to — a district's or city's cluster groups its streets'
    #: organizations, which then see it read-only; empty on rows written before (the cluster's own)
    member_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"), index=True)


class CoverageSnapshot(TenantOwned, Base):
    """Coverage figures of one tenant for one month, for trend lines (CORE-5)."""

    __tablename__ = "coverage_snapshots"
    __table_args__ = (UniqueConstraint("tenant_id", "month"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date)  # first day of the month
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CoverageSummary(TenantOwned, Base):
    """A tenant's coverage figures as of a day, kept current by the writes that change them
    (:mod:`core.registry.services.coverage_summary`), so that a district or city dashboard
    reads one row per tenant instead of counting every organization of its subtree."""

    __tablename__ = "coverage_summaries"
    __table_args__ = (UniqueConstraint("tenant_id"),)
    __audited__ = False  # counted from audited rows; recounted by every write that changes them
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


REGISTRY_TABLES = [
    Organization, PartyOrg, PartyOrgCoverage, Member, Instructor, InstructorAssignment,
    InstructorVisit, InstructorVisitAttachment, Cluster, ClusterLeader, ClusterMember, CoverageSnapshot,
    CoverageSummary,
]


class UserOrganization(TenantOwned, Base):
    """Links an org secretary's user account to the organization(s) they run (object-level rights)."""

    __tablename__ = "user_organizations"
    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)


REGISTRY_TABLES.append(UserOrganization)
