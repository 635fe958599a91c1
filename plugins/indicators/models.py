"""Tables of the indicators block: targets a tenant set, and actuals it entered with evidence.

An indicator itself is not stored: plugins register it (``register_indicators``); rows carry its
key. Values are exact decimals with two places, stored as integers (× 100)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantOwned, Timestamps


class Hundredths(TypeDecorator):
    """A Decimal with two places, stored as an integer number of hundredths."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value, dialect):
        return None if value is None else (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class IndicatorTarget(TenantOwned, Timestamps, Base):
    __tablename__ = "indicators_targets"
    __table_args__ = (UniqueConstraint("tenant_id", "indicator", "period_kind", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(80), index=True)
    indicator_label: Mapped[str] = mapped_column(String(100))
    period_kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    value: Mapped[Decimal] = mapped_column(Hundredths())
    note: Mapped[str] = mapped_column(Text, default="")


class IndicatorActual(TenantOwned, Timestamps, Base):
    __tablename__ = "indicators_actuals"
    __table_args__ = (UniqueConstraint("tenant_id", "indicator", "period_kind", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(80), index=True)
    indicator_label: Mapped[str] = mapped_column(String(100))
    period_kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    value: Mapped[Decimal] = mapped_column(Hundredths())
    evidence: Mapped[str] = mapped_column(Text)
    entered_on: Mapped[dt.date] = mapped_column(Date)
    entered_by: Mapped[str] = mapped_column(String(64), default="")


MODELS = [IndicatorTarget, IndicatorActual]
