"""Tables of the membership building block: relation transfers (组织关系转接), mobile members
(流动党员), dues (党费) and points (积分). Money is integer fen (分) everywhere.

A transfer between two tenants of the instance is two rows, one per side, each owned by its
tenant (so row-level security and the ORM filter hold on both): ``side="out"`` in the sending
tenant, ``side="in"`` in the receiving tenant's inbox, linked by ``counterpart_id``. Both sides
carry the same steps (:class:`TransferStep`), written by the service in one transaction
through an explicit two-tenant session (see :mod:`plugins.membership.transfers`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantOwned, Timestamps, utcnow


class Transfer(TenantOwned, Timestamps, Base):
    """One side of an organization-relation transfer (组织关系转接)."""

    __tablename__ = "membership_transfers"
    __sensitive__ = ("member_data",)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    side: Mapped[str] = mapped_column(String(4), default="out")  # out | in
    scope: Mapped[str] = mapped_column(String(10))  # internal | instance | external
    counterpart_id: Mapped[int | None] = mapped_column(Integer)
    counterpart_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    member_name: Mapped[str] = mapped_column(String(50))
    #: the member's registry values carried to the receiving tenant (ciphertexts stay encrypted)
    member_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    location: Mapped[str] = mapped_column(String(20), default="")  # LOCATION_RULES key
    kind: Mapped[str] = mapped_column(String(10))  # must | mobilize | consult
    state: Mapped[str] = mapped_column(String(12), default="applied", index=True)
    from_party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="SET NULL"))
    from_party_org_name: Mapped[str] = mapped_column(String(200), default="")
    to_party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="SET NULL"))
    to_party_org_name: Mapped[str] = mapped_column(String(200), default="")
    destination: Mapped[str] = mapped_column(String(200), default="")  # outside the instance
    reason: Mapped[str] = mapped_column(Text, default="")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)  # 征求意见转: the member agreed
    letter_no: Mapped[str] = mapped_column(String(50), default="", index=True)
    letter_issued_on: Mapped[dt.date | None] = mapped_column(Date)
    letter_expires_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    reported_on: Mapped[dt.date | None] = mapped_column(Date)

    @property
    def name(self) -> str:  # the audit log's summary
        return f"{self.member_name}的组织关系转接"


class TransferStep(TenantOwned, Base):
    """A step of a transfer as both sides read it (申请, 审核通过, 开具介绍信, 接收, 退回, 报到)."""

    __tablename__ = "membership_transfer_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("membership_transfers.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64), default="")
    actor_tenant: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")


class MobileCard(TenantOwned, Timestamps, Base):
    """流动党员活动证 and where a mobile member attends party life while away."""

    __tablename__ = "membership_mobile_cards"
    __table_args__ = (UniqueConstraint("tenant_id", "member_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    card_no: Mapped[str] = mapped_column(String(50), default="")
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    #: the party org attended while away: one of this tenant's, or a named one elsewhere
    attending_party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="SET NULL"))
    attending_party_org_name: Mapped[str] = mapped_column(String(200), default="")
    away_place: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(100), default="")

    @property
    def name(self) -> str:
        return f"流动党员活动证 {self.card_no}".strip()


class MobileCheck(TenantOwned, Timestamps, Base):
    """One periodic check (排查) of a mobile member: reached or not, and what was learned."""

    __tablename__ = "membership_mobile_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    checked_on: Mapped[dt.date] = mapped_column(Date, index=True)
    reached: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    checked_by: Mapped[str] = mapped_column(String(64), default="")


TRANSFER_MODELS: list[type] = [Transfer, TransferStep, MobileCard, MobileCheck]


class DuesRateTable(TenantOwned, Timestamps, Base):
    """The tenant's dues rate table (党费标准) from ``effective_from`` (first day of a month) on."""

    __tablename__ = "membership_dues_rates"
    __table_args__ = (UniqueConstraint("tenant_id", "effective_from"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    table: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(String(200), default="")

    @property
    def name(self) -> str:
        return f"党费标准（{self.effective_from:%Y年%m月}起）"


class DuesProfile(TenantOwned, Timestamps, Base):
    """What a member's dues follow: category (在职/离退休/学生…) and monthly base in fen."""

    __tablename__ = "membership_dues_profiles"
    __table_args__ = (UniqueConstraint("tenant_id", "member_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(12), default="employed")
    base_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    fixed_fen: Mapped[int] = mapped_column(Integer, default=0)  # 学生/下岗/依靠救济: 0.2–1 元
    member_class: Mapped[str] = mapped_column(String(12), default="")  # points class (长沙分类积分)


class DuesRecord(TenantOwned, Timestamps, Base):
    """A member's dues for one month: base, rate, due, paid, date, method (fen)."""

    __tablename__ = "membership_dues"
    __table_args__ = (UniqueConstraint("tenant_id", "member_id", "month"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_orgs.id", ondelete="SET NULL"), index=True)
    month: Mapped[dt.date] = mapped_column(Date, index=True)  # first day of the month
    category: Mapped[str] = mapped_column(String(12))
    base_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    rate_bp: Mapped[int] = mapped_column(Integer, default=0)  # basis points: 50 = 0.5 %
    due_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(12), default="")
    back_payment: Mapped[bool] = mapped_column(Boolean, default=False)  # 补缴 (paid after its month)
    note: Mapped[str] = mapped_column(String(200), default="")

    @property
    def arrears_fen(self) -> int:
        return max(self.due_fen - self.paid_fen, 0)

    @property
    def name(self) -> str:
        return f"{self.month:%Y年%m月}党费"


class DuesRemittance(TenantOwned, Timestamps, Base):
    """党费上缴: what a party org handed in for a year, as a total (a ledger kept outside the
    monthly records, e.g. 东方红's 党费收缴台账 — the basis of its 党费全额返还). One row per party org
    and year; registering again replaces the amount."""

    __tablename__ = "membership_dues_remittances"
    __table_args__ = (UniqueConstraint("tenant_id", "party_org_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_org_id: Mapped[int] = mapped_column(ForeignKey("party_orgs.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    remitted_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")

    @property
    def name(self) -> str:
        return f"{self.year}年党费上缴"


DUES_MODELS: list[type] = [DuesRateTable, DuesProfile, DuesRecord, DuesRemittance]


class PointsEntry(TenantOwned, Timestamps, Base):
    """One line of a member's points ledger (积分): rule, ± points, date, evidence, appeal."""

    __tablename__ = "membership_points"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_key: Mapped[str] = mapped_column(String(64))
    rule_label: Mapped[str] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(Integer)
    on: Mapped[dt.date] = mapped_column(Date, index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    appeal_state: Mapped[str] = mapped_column(String(10), default="")  # "" | pending | upheld | granted
    appeal_text: Mapped[str] = mapped_column(Text, default="")
    appeal_reply: Mapped[str] = mapped_column(Text, default="")

    @property
    def name(self) -> str:
        return f"{self.rule_label}（{self.points:+d}分）"


POINTS_MODELS: list[type] = [PointsEntry]

MODELS: list[type] = [*TRANSFER_MODELS, *DUES_MODELS, *POINTS_MODELS]
