"""Tables of the designations block: designations (称号), the supervision blacklist (监管黑名单) and
their evidence files. A designation's subject is a reference ``(subject_kind, subject_id)`` to a
row (organization, party org, member, or a kind another plugin registers); ``subject_name`` only
keeps the name it had, for a subject that is gone."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantOwned, Timestamps
from core.uploads import StoredFile


class Designation(TenantOwned, Timestamps, Base):
    """A title given to one subject: applied (待审核) → active (有效) or returned (退回); proposed
    (待确认, from an assessment) → active or dismissed (未采纳); active → revoked (撤销, 动态管理).
    An active designation past ``expires_on`` reads 已到期."""

    __tablename__ = "designations_designations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    kind_label: Mapped[str] = mapped_column(String(100))
    subject_kind: Mapped[str] = mapped_column(String(32), index=True)
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    subject_name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    awarded_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    plaque_on: Mapped[dt.date | None] = mapped_column(Date)
    awarded_by: Mapped[str] = mapped_column(String(100), default="")
    basis: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="applied", index=True)
    applied_by: Mapped[str] = mapped_column(String(64), default="")
    reviewed_by: Mapped[str] = mapped_column(String(64), default="")
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    review_note: Mapped[str] = mapped_column(Text, default="")
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revoked_by: Mapped[str] = mapped_column(String(64), default="")
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    #: the blacklist entry whose listing revoked it (动态管理), if that is why
    revoked_by_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("designations_blacklist.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(32), default="manual")
    source_key: Mapped[str] = mapped_column(String(200), default="", index=True)

    @property
    def name(self) -> str:  # the audit log's summary
        return f"{self.subject_name}：{self.kind_label}"


class BlacklistEntry(TenantOwned, Timestamps, Base):
    """An organization on the supervision blacklist (监管黑名单) from ``listed_on`` for ``reason``
    until lifted (``lifted_on``, with ``lift_reason``)."""

    __tablename__ = "designations_blacklist"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(50))
    detail: Mapped[str] = mapped_column(Text, default="")
    listed_on: Mapped[dt.date] = mapped_column(Date)
    listed_by: Mapped[str] = mapped_column(String(64), default="")
    lifted_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    lifted_by: Mapped[str] = mapped_column(String(64), default="")
    lift_reason: Mapped[str] = mapped_column(Text, default="")

    @property
    def name(self) -> str:
        return self.reason


class DesignationFile(StoredFile, TenantOwned, Timestamps, Base):
    """An evidence file of a designation (命名文件、牌匾照片、事迹材料); the bytes live in the
    ``designations`` file store."""

    __tablename__ = "designations_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    designation_id: Mapped[int] = mapped_column(
        ForeignKey("designations_designations.id", ondelete="CASCADE"), index=True)


class BlacklistFile(StoredFile, TenantOwned, Timestamps, Base):
    """An evidence file of a blacklist entry (处罚决定、违法线索、整改材料), in the same store."""

    __tablename__ = "designations_blacklist_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("designations_blacklist.id", ondelete="CASCADE"), index=True)


MODELS = [Designation, BlacklistEntry, DesignationFile, BlacklistFile]
