"""Coverage summaries: a tenant's coverage figures as of a day, kept current by the writes.

The district and city dashboards read one row per tenant of their subtree instead of counting
every organization (bench P2d; ``core/registry/services/coverage_summary.py``). Rows are
derived: ``liandong coverage rebuild`` recomputes them. Row-level security like every table
with a ``tenant_id``.

Revision ID: 0012_coverage_summaries
Revises: 0011_registry_extra
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = '0012_coverage_summaries'
down_revision = '0011_registry_extra'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'coverage_summaries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_coverage_summaries_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_coverage_summaries')),
        sa.UniqueConstraint('tenant_id', name=op.f('uq_coverage_summaries_tenant_id')),
    )
    with op.batch_alter_table('coverage_summaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coverage_summaries_tenant_id'), ['tenant_id'], unique=False)
    enable_tenant_rls('coverage_summaries')


def downgrade() -> None:
    disable_tenant_rls('coverage_summaries')
    with op.batch_alter_table('coverage_summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coverage_summaries_tenant_id'))
    op.drop_table('coverage_summaries')
