"""Tables of the cadences block: recurrences a tenant set up (what to create, how often, from which
period) and the occurrences the job created — one per recurrence and period, never two."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantOwned, Timestamps


class Recurrence(TenantOwned, Timestamps, Base):
    __tablename__ = "cadences_recurrences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # assessment_round | campaign
    title: Mapped[str] = mapped_column(String(100))
    template_key: Mapped[str] = mapped_column(String(100))
    template_label: Mapped[str] = mapped_column(String(200), default="")
    period_kind: Mapped[str] = mapped_column(String(16))  # core.periods kind
    start_period: Mapped[str] = mapped_column(String(16))
    offset_days: Mapped[int] = mapped_column(Integer, default=0)
    owners: Mapped[str] = mapped_column(String(16), default="self")  # self | children (campaigns)
    auto_open: Mapped[bool] = mapped_column(Boolean, default=False)  # assessment rounds
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Occurrence(TenantOwned, Timestamps, Base):
    __tablename__ = "cadences_occurrences"
    __table_args__ = (UniqueConstraint("recurrence_id", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recurrence_id: Mapped[int] = mapped_column(ForeignKey("cadences_recurrences.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    created_on: Mapped[dt.date] = mapped_column(Date)
    ref_kind: Mapped[str] = mapped_column(String(32))  # assessment_round | campaign
    ref_id: Mapped[int | None] = mapped_column(Integer)
    ref_title: Mapped[str] = mapped_column(String(200), default="")


MODELS = [Recurrence, Occurrence]
