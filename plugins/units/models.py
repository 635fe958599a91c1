"""Tables of the units plugin: units that are not two-new organizations, pairings between a
unit or a person and organizations / party orgs, and the visits recorded on a pairing.

References are foreign keys, never names: a unit's contact person (a member or a user), its
party org; a pairing's holder (unit, user or member) and target (organization or party org).
The contact phone is encrypted at rest with a keyed hash (:mod:`core.crypto`), as the registry
keeps phones.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantOwned, Timestamps
from core.uploads import StoredFile


class Unit(TenantOwned, Timestamps, Base):
    """A unit (成员单位, 行业部门, 驻街单位, 商会 …) of a kind registered by a plugin."""

    __tablename__ = "units_units"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "name"),
                      Index("ix_units_units_tenant_name", "tenant_id", "name", "id"))
    __sensitive__ = ("contact_phone_enc", "contact_phone_hash")
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), index=True)
    name: Mapped[str] = mapped_column(String(200))
    duties: Mapped[str] = mapped_column(Text, default="")  # 工作分工、职能职责
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    contact_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    contact_phone_enc: Mapped[str | None] = mapped_column(String(128))
    contact_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="SET NULL"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    archived_on: Mapped[dt.date | None] = mapped_column(Date)


class Pairing(TenantOwned, Timestamps, Base):
    """结对 / 联点 / 帮扶: a holder (exactly one of unit, user, member) reaches a target (exactly
    one of organization, party org) from ``started_on`` until ``ended_on``."""

    __tablename__ = "units_pairings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), index=True)
    holder_type: Mapped[str] = mapped_column(String(10))  # unit | user | member
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units_units.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[str] = mapped_column(String(16))  # organization | party_org
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"),
                                                        index=True)
    party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="CASCADE"), index=True)
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text, default="")  # 共建内容


class Visit(TenantOwned, Timestamps, Base):
    """A visit (走访 / 联系) made on a pairing, counted against its kind's rule per period."""

    __tablename__ = "units_visits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("units_pairings.id", ondelete="CASCADE"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date, index=True)
    visitor: Mapped[str] = mapped_column(String(100))
    visitor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")


class VisitAttachment(StoredFile, TenantOwned, Timestamps, Base):
    """A photo or document of a visit, kept in the ``units`` file store (:mod:`plugins.units.files`)."""

    __tablename__ = "units_visit_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("units_visits.id", ondelete="CASCADE"), index=True)


MODELS = [Unit, Pairing, Visit, VisitAttachment]
