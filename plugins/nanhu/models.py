"""Tables only the nanhu program keeps (all tenant-owned, prefixed ``nanhu_``).

Everything another program shares — units and pairings, designations and the blacklist (清廉民企
creations are designations since nanhu_0002),
checklists, targets, clusters, demands, activities, assessments — lives in the building
blocks and engines; these are the records that exist only in 南湖新区's four projects.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantOwned, Timestamps


class Talent(TenantOwned, Timestamps, Base):
    """NH-2 人才招引: one recruitment entry — a named person (headcount 1) or a batch (headcount n)."""

    __tablename__ = "nanhu_talents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    person_name: Mapped[str] = mapped_column(String(50), default="")
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    category: Mapped[str] = mapped_column(String(20))  # service.TALENT_CATEGORIES
    method: Mapped[str] = mapped_column(String(20))  # service.TALENT_METHODS
    position: Mapped[str] = mapped_column(String(100), default="")
    recruited_on: Mapped[dt.date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text, default="")


class ThemeDay(TenantOwned, Timestamps, Base):
    """NH-4 廉政文化主题党日「一月一课一片一实践」: the three parts checked per party org per month."""

    __tablename__ = "nanhu_theme_days"
    __table_args__ = (UniqueConstraint("tenant_id", "party_org_id", "month"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_org_id: Mapped[int] = mapped_column(ForeignKey("party_orgs.id", ondelete="CASCADE"), index=True)
    month: Mapped[dt.date] = mapped_column(Date, index=True)  # first day of the month
    lesson_done: Mapped[bool] = mapped_column(Boolean, default=False)
    lesson_topic: Mapped[str] = mapped_column(String(200), default="")
    film_done: Mapped[bool] = mapped_column(Boolean, default=False)
    film_title: Mapped[str] = mapped_column(String(200), default="")
    practice_done: Mapped[bool] = mapped_column(Boolean, default=False)
    practice_note: Mapped[str] = mapped_column(String(500), default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Disclosure(TenantOwned, Timestamps, Base):
    """NH-4 党务公开 / 企务公开 record of an organization on one channel."""

    __tablename__ = "nanhu_disclosures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # service.DISCLOSURE_KINDS
    channel: Mapped[str] = mapped_column(String(20))  # service.DISCLOSURE_CHANNELS
    disclosed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, default="")


class ResultUse(TenantOwned, Timestamps, Base):
    """NH-3 两新组织党建考核结果运用: a year's result linked to 证照年审、争资争项 or 行业评优."""

    __tablename__ = "nanhu_result_uses"
    __table_args__ = (UniqueConstraint("tenant_id", "organization_id", "year", "use_kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    use_kind: Mapped[str] = mapped_column(String(20))  # service.USE_KINDS
    grade: Mapped[str] = mapped_column(String(20), default="")  # 党建考核等次
    outcome: Mapped[str] = mapped_column(String(20))  # service.USE_OUTCOMES
    department: Mapped[str] = mapped_column(String(100), default="")  # the unit that applies it
    note: Mapped[str] = mapped_column(Text, default="")


MODELS = [Talent, ThemeDay, Disclosure, ResultUse]
