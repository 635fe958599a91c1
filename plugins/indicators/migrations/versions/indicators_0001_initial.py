"""indicators (目标与实绩): targets and entered actuals per tenant, indicator and period.

Revision ID: indicators_0001
Revises:
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "indicators_0001"
down_revision = None
branch_labels = ("indicators",)
depends_on = "0002_registry"


def _common() -> list:
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('indicator', sa.String(length=80), nullable=False),
        sa.Column('indicator_label', sa.String(length=100), nullable=False),
        sa.Column('period_kind', sa.String(length=16), nullable=False),
        sa.Column('period', sa.String(length=16), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
    ]


def _owned(table: str) -> list:
    return [
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f(f'fk_{table}_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
        sa.UniqueConstraint('tenant_id', 'indicator', 'period_kind', 'period',
                            name=op.f(f'uq_{table}_tenant_id_indicator_period_kind_period')),
    ]


def upgrade() -> None:
    op.create_table('indicators_targets', *_common(),
                    sa.Column('note', sa.Text(), nullable=False),
                    *_owned('indicators_targets'))
    op.create_table('indicators_actuals', *_common(),
                    sa.Column('evidence', sa.Text(), nullable=False),
                    sa.Column('entered_on', sa.Date(), nullable=False),
                    sa.Column('entered_by', sa.String(length=64), nullable=False),
                    *_owned('indicators_actuals'))
    for table in ('indicators_targets', 'indicators_actuals'):
        op.create_index(op.f(f'ix_{table}_indicator'), table, ['indicator'], unique=False)
        op.create_index(op.f(f'ix_{table}_tenant_id'), table, ['tenant_id'], unique=False)
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in ('indicators_actuals', 'indicators_targets'):
        disable_tenant_rls(table)
        op.drop_table(table)
