"""Tables of the lists engine: demands, resources, work items (task/project/service), their links,
comments and attachments. Every table is tenant-owned; service stations are sites of the sites
block (kind ``lists.station``).

Vocabulary columns (category, urgency, triage level, roles, tags, work list) store the keys of
the tenant's :class:`~plugins.lists.types.EffectiveScheme`; labels come from the scheme.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantOwned, Timestamps
from core.uploads import StoredFile


class ListDemand(TenantOwned, Timestamps, Base):
    """A demand (需求) of a two-new organization, and its way to a rated resolution."""

    __tablename__ = "lists_demands"
    __table_args__ = (Index("ix_lists_demands_tenant_status", "tenant_id", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    org_name: Mapped[str] = mapped_column(String(200), default="")  # kept if the organization goes
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(32))
    action_tag: Mapped[str] = mapped_column(String(32), default="")  # special action (专项行动)
    channel: Mapped[str] = mapped_column(String(16))  # secretary | staff | station
    station_id: Mapped[int | None] = mapped_column(ForeignKey("sites_sites.id", ondelete="SET NULL"))  # a lists.station site
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    triage_level: Mapped[str] = mapped_column(String(32), default="")
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    resolution: Mapped[str] = mapped_column(Text, default="")
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rated_on: Mapped[dt.date | None] = mapped_column(Date)
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"), index=True)
    escalated_on: Mapped[dt.date | None] = mapped_column(Date)
    escalation_reason: Mapped[str] = mapped_column(Text, default="")
    escalation_status: Mapped[str] = mapped_column(String(16), default="")  # "" | pending | answered
    escalation_reply: Mapped[str] = mapped_column(Text, default="")

    works: Mapped[list[ListWork]] = relationship(order_by="ListWork.id", viewonly=True)

    @property
    def name(self) -> str:  # the audit log's summary
        return self.title


class ListResource(TenantOwned, Timestamps, Base):
    """An offer (资源) from a department, an organization or a social body."""

    __tablename__ = "lists_resources"
    __sensitive__ = ("contact_phone_enc",)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32), default="")
    provider_kind: Mapped[str] = mapped_column(String(32))
    provider_name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    provider_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    capacity: Mapped[int | None] = mapped_column(Integer)  # how many demands it can serve; None = no limit
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone_enc: Mapped[str | None] = mapped_column(String(128))
    contact_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | withdrawn

    @property
    def name(self) -> str:
        return self.title


class ListWork(TenantOwned, Timestamps, Base):
    """A task / project / service item (任务、项目、服务清单) that meets a demand with resources."""

    __tablename__ = "lists_works"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("lists_demands.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # a key of the scheme's work_lists
    title: Mapped[str] = mapped_column(String(100))
    owner_name: Mapped[str] = mapped_column(String(50), default="")
    owner_role: Mapped[str] = mapped_column(String(32), default="")  # a claimer role (政企联络员 …)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    triage_level: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # claimed | open | done | cancelled
    claim_side: Mapped[str] = mapped_column(String(16), default="staff")  # staff | requester | provider
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    done_on: Mapped[dt.date | None] = mapped_column(Date)

    demand: Mapped[ListDemand] = relationship(viewonly=True)
    resources: Mapped[list[ListResource]] = relationship(secondary="lists_work_resources", viewonly=True,
                                                         order_by="ListResource.id")

    @property
    def name(self) -> str:
        return self.title


class ListWorkResource(TenantOwned, Base):
    """Which resources a work item uses (one or more)."""

    __tablename__ = "lists_work_resources"
    __table_args__ = (UniqueConstraint("work_id", "resource_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("lists_works.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("lists_resources.id", ondelete="CASCADE"), index=True)


class ListComment(TenantOwned, Timestamps, Base):
    """A comment on a demand; ``kind`` tells a district's escalation answer from a plain comment."""

    __tablename__ = "lists_comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("lists_demands.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(100), default="")
    author_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16), default="comment")  # comment | reply
    body: Mapped[str] = mapped_column(Text)


class ListAttachment(StoredFile, TenantOwned, Timestamps, Base):
    """A file attached to a demand; the bytes live under the upload directory as ``stored_name``."""

    __tablename__ = "lists_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("lists_demands.id", ondelete="CASCADE"), index=True)


MODELS = [ListDemand, ListResource, ListWork, ListWorkResource, ListComment, ListAttachment]
