"""Core tables: tenants, users, API tokens, plugin enablement, policies, audit, revisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, utcnow

TENANT_LEVELS: dict[str, str] = {
    "province": "省",
    "city": "市",
    "district": "区县",
    "street": "街道",
    "town": "乡镇",
    "park": "园区",
    "community": "社区",
    "village": "村",
}


class Tenant(Timestamps, Base):
    """A jurisdiction. Not tenant-owned itself: it *is* the tenant."""

    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), index=True
    )
    host: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: terminology overrides {"cluster": "片区联组", ...}
    terms: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    parent: Mapped[Tenant | None] = relationship(remote_side=[id])


class User(Timestamps, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    #: what the person does (专干, 党建指导员, 党支部书记 …), shown with their name
    position: Mapped[str] = mapped_column(String(50), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TotpCredential(Base):
    """A user's TOTP secret (RFC 6238), encrypted at rest; one per user, stored once confirmed."""

    __tablename__ = "user_totp"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret_enc: Mapped[str] = mapped_column(String(128))
    #: the last time step a code was accepted for: each code signs in once
    last_step: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecoveryCode(Base):
    """A one-time code that replaces a TOTP code (lost phone); only its argon2 hash is kept."""

    __tablename__ = "user_recovery_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TenantPlugin(Timestamps, Base):
    """Per-tenant enablement of one plugin, with its settings. Disabling keeps the data."""

    __tablename__ = "tenant_plugins"
    __table_args__ = (UniqueConstraint("tenant_id", "plugin"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    plugin: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[str] = mapped_column(String(32), default="")


class CasbinRule(Base):
    """casbin policy rows: ``p, role, permission`` (shared) and ``g, user, role, tenant``."""

    __tablename__ = "casbin_rule"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ptype: Mapped[str] = mapped_column(String(8), index=True)
    v0: Mapped[str] = mapped_column(String(255), default="", index=True)
    v1: Mapped[str] = mapped_column(String(255), default="")
    v2: Mapped[str] = mapped_column(String(255), default="")
    v3: Mapped[str] = mapped_column(String(255), default="")
    v4: Mapped[str] = mapped_column(String(255), default="")
    v5: Mapped[str] = mapped_column(String(255), default="")


class AuditEntry(Base):
    """Who did what, where, when, with before/after values (CORE-10).

    ``tenant_id`` is the tenant the change concerns; ``NULL`` for platform-level changes
    (users). Row-level security shows a tenant's entries only inside its scope. Entries are
    chained by hash per tenant (``chain_seq``, ``prev_hash``, ``row_hash``: :mod:`core.audit_chain`)
    and kept at least six months: a tenant with entries cannot be deleted (RESTRICT; tenants
    are archived), and database triggers refuse changes and early deletes.
    """

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64), default="")
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    #: place in its tenant's chain (1, 2, …), the previous entry's hash and this entry's
    chain_seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


#: one entry per place in a chain (platform entries form chain 0): a fork cannot be stored
Index("uq_audit_log_chain", func.coalesce(AuditEntry.tenant_id, 0), AuditEntry.chain_seq, unique=True)


class Revision(Base):
    """Counters bumped when shared state changes, so every worker reloads its caches."""

    __tablename__ = "revisions"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
