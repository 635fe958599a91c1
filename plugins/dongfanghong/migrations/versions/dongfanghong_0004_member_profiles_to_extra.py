"""dongfanghong: member profiles move onto the registry's extra fields.

管理层 / 业务骨干 / 职务 were kept in ``dongfanghong_member_profiles``; they are now the program's
extra member fields (``register_extra_fields``: ``dongfanghong.is_manager``,
``dongfanghong.is_backbone``, ``dongfanghong.job_title``) in ``members.extra``. Every profile row
is copied into its member's ``extra`` (only values that say something: a false flag or an empty
title is the absence of the key), then the table goes. The downgrade moves them back.

The copy reads and writes every tenant's rows: on PostgreSQL the two tables' row-level security
is not forced on the owner for its duration (as ``0008_audit_chain`` does).

Revision ID: dongfanghong_0004
Revises: dongfanghong_0003
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "dongfanghong_0004"
down_revision = "dongfanghong_0003"
branch_labels = None
depends_on = "0011_registry_extra"

PROFILES = "dongfanghong_member_profiles"
KEYS = {"is_manager": "dongfanghong.is_manager", "is_backbone": "dongfanghong.is_backbone",
        "job_title": "dongfanghong.job_title"}


def _members() -> sa.Table:
    return sa.table("members", sa.column("id", sa.Integer), sa.column("extra", sa.JSON))


def _unforced(tables):
    """Context: the owner reads and writes every tenant's rows of ``tables`` (PostgreSQL)."""
    from contextlib import contextmanager

    @contextmanager
    def cm():
        pg = op.get_bind().dialect.name == "postgresql"
        if pg:
            for t in tables:
                op.execute(f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY")
        try:
            yield
        finally:
            if pg:
                for t in tables:
                    op.execute(f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY")
    return cm()


def upgrade() -> None:
    bind = op.get_bind()
    profiles = sa.table(PROFILES, sa.column("member_id", sa.Integer), sa.column("is_manager", sa.Boolean),
                        sa.column("is_backbone", sa.Boolean), sa.column("job_title", sa.String))
    members = _members()
    with _unforced(("members", PROFILES)):
        rows = bind.execute(sa.select(profiles)).all()
        ids = [r.member_id for r in rows]
        extras = {}
        for start in range(0, len(ids), 1000):
            part = ids[start:start + 1000]
            extras.update({i: dict(e or {}) for i, e in bind.execute(
                sa.select(members.c.id, members.c.extra).where(members.c.id.in_(part)))})
        for r in rows:
            extra = extras.get(r.member_id)
            if extra is None:
                continue
            for column, key in KEYS.items():
                value = getattr(r, column)
                if value:
                    extra[key] = bool(value) if column != "job_title" else value
            bind.execute(members.update().where(members.c.id == r.member_id).values(extra=extra))
    disable_tenant_rls(PROFILES)
    op.drop_table(PROFILES)


def downgrade() -> None:
    t = PROFILES
    op.create_table(
        t,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('is_manager', sa.Boolean(), nullable=False),
        sa.Column('is_backbone', sa.Boolean(), nullable=False),
        sa.Column('job_title', sa.String(length=50), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f(f'fk_{t}_member_id_members'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f(f'fk_{t}_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{t}')),
        sa.UniqueConstraint('tenant_id', 'member_id', name=op.f(f'uq_{t}_tenant_id_member_id')),
    )
    op.create_index(op.f(f'ix_{t}_member_id'), t, ['member_id'], unique=False)
    op.create_index(op.f(f'ix_{t}_tenant_id'), t, ['tenant_id'], unique=False)
    enable_tenant_rls(t)
    bind = op.get_bind()
    members = sa.table("members", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                       sa.column("extra", sa.JSON))
    profiles = sa.table(t, sa.column("member_id", sa.Integer), sa.column("tenant_id", sa.Integer),
                        sa.column("is_manager", sa.Boolean), sa.column("is_backbone", sa.Boolean),
                        sa.column("job_title", sa.String), sa.column("created_at", sa.DateTime(timezone=True)),
                        sa.column("updated_at", sa.DateTime(timezone=True)))
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    with _unforced(("members", t)):
        for mid, tenant_id, extra in bind.execute(sa.select(members.c.id, members.c.tenant_id, members.c.extra)).all():
            extra = dict(extra or {})
            if not any(k in extra for k in KEYS.values()):
                continue
            bind.execute(profiles.insert().values(
                member_id=mid, tenant_id=tenant_id, is_manager=bool(extra.pop(KEYS["is_manager"], False)),
                is_backbone=bool(extra.pop(KEYS["is_backbone"], False)),
                job_title=str(extra.pop(KEYS["job_title"], ""))[:50], created_at=now, updated_at=now))
            bind.execute(members.update().where(members.c.id == mid).values(extra=extra))
