"""dongfanghong program: member profiles, 双向培养, cooperation records, venue checks, dues.

Revision ID: dongfanghong_0002
Revises: dongfanghong_0001
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "dongfanghong_0002"
down_revision = "dongfanghong_0001"
branch_labels = None
depends_on = None

TABLES = ("dongfanghong_member_profiles", "dongfanghong_cultivations", "dongfanghong_cooperations",
          "dongfanghong_venue_checks", "dongfanghong_dues")


def _common(table: str) -> list:
    return [
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f(f'fk_{table}_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


def upgrade() -> None:
    t = "dongfanghong_member_profiles"
    op.create_table(t,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('is_manager', sa.Boolean(), nullable=False),
    sa.Column('is_backbone', sa.Boolean(), nullable=False),
    sa.Column('job_title', sa.String(length=50), nullable=False),
    *_common(t),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f(f'fk_{t}_member_id_members'), ondelete='CASCADE'),
    sa.UniqueConstraint('tenant_id', 'member_id', name=op.f(f'uq_{t}_tenant_id_member_id'))
    )
    op.create_index(op.f(f'ix_{t}_member_id'), t, ['member_id'], unique=False)
    op.create_index(op.f(f'ix_{t}_tenant_id'), t, ['tenant_id'], unique=False)

    t = "dongfanghong_cultivations"
    op.create_table(t,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=20), nullable=False),
    sa.Column('person_name', sa.String(length=50), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('party_org_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('mentor', sa.String(length=50), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=True),
    sa.Column('finished_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    *_common(t),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f(f'fk_{t}_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f(f'fk_{t}_organization_id_organizations'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['party_org_id'], ['party_orgs.id'], name=op.f(f'fk_{t}_party_org_id_party_orgs'),
                            ondelete='CASCADE'),
    )
    op.create_index(op.f(f'ix_{t}_party_org_id'), t, ['party_org_id'], unique=False)
    op.create_index(op.f(f'ix_{t}_status'), t, ['status'], unique=False)
    op.create_index(op.f(f'ix_{t}_tenant_id'), t, ['tenant_id'], unique=False)

    t = "dongfanghong_cooperations"
    op.create_table(t,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('area', sa.String(length=20), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=True),
    sa.Column('partner_cluster_id', sa.Integer(), nullable=True),
    sa.Column('partner', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    *_common(t),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f(f'fk_{t}_cluster_id_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_cluster_id'], ['clusters.id'], name=op.f(f'fk_{t}_partner_cluster_id_clusters'),
                            ondelete='SET NULL'),
    )
    op.create_index(op.f(f'ix_{t}_cluster_id'), t, ['cluster_id'], unique=False)
    op.create_index(op.f(f'ix_{t}_held_on'), t, ['held_on'], unique=False)
    op.create_index(op.f(f'ix_{t}_kind'), t, ['kind'], unique=False)
    op.create_index(op.f(f'ix_{t}_tenant_id'), t, ['tenant_id'], unique=False)

    t = "dongfanghong_venue_checks"
    op.create_table(t,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_org_id', sa.Integer(), nullable=False),
    sa.Column('target_class', sa.Integer(), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('inspector', sa.String(length=50), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    *_common(t),
    sa.ForeignKeyConstraint(['party_org_id'], ['party_orgs.id'], name=op.f(f'fk_{t}_party_org_id_party_orgs'),
                            ondelete='CASCADE'),
    )
    op.create_index(op.f(f'ix_{t}_party_org_id'), t, ['party_org_id'], unique=False)
    op.create_index(op.f(f'ix_{t}_tenant_id'), t, ['tenant_id'], unique=False)

    t = "dongfanghong_dues"
    op.create_table(t,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_org_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    *_common(t),
    sa.ForeignKeyConstraint(['party_org_id'], ['party_orgs.id'], name=op.f(f'fk_{t}_party_org_id_party_orgs'),
                            ondelete='CASCADE'),
    sa.UniqueConstraint('tenant_id', 'party_org_id', 'year', name=op.f(f'uq_{t}_tenant_id_party_org_id_year'))
    )
    op.create_index(op.f(f'ix_{t}_party_org_id'), t, ['party_org_id'], unique=False)
    op.create_index(op.f(f'ix_{t}_tenant_id'), t, ['tenant_id'], unique=False)
    op.create_index(op.f(f'ix_{t}_year'), t, ['year'], unique=False)

    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TABLES:
        disable_tenant_rls(table)
    for table in reversed(TABLES):
        op.drop_table(table)
