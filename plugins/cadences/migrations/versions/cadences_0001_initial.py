"""cadences (周期安排): recurrences and the occurrences the job created (one per period).

Revision ID: cadences_0001
Revises:
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "cadences_0001"
down_revision = None
branch_labels = ("cadences",)
depends_on = "0002_registry"


def _owned(table: str) -> list:
    return [
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f(f'fk_{table}_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


def upgrade() -> None:
    op.create_table('cadences_recurrences',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('kind', sa.String(length=32), nullable=False),
                    sa.Column('title', sa.String(length=100), nullable=False),
                    sa.Column('template_key', sa.String(length=100), nullable=False),
                    sa.Column('template_label', sa.String(length=200), nullable=False),
                    sa.Column('period_kind', sa.String(length=16), nullable=False),
                    sa.Column('start_period', sa.String(length=16), nullable=False),
                    sa.Column('offset_days', sa.Integer(), nullable=False),
                    sa.Column('owners', sa.String(length=16), nullable=False),
                    sa.Column('auto_open', sa.Boolean(), nullable=False),
                    sa.Column('active', sa.Boolean(), nullable=False),
                    sa.Column('note', sa.Text(), nullable=False),
                    *_owned('cadences_recurrences'))
    op.create_index(op.f('ix_cadences_recurrences_tenant_id'), 'cadences_recurrences', ['tenant_id'], unique=False)
    op.create_table('cadences_occurrences',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('recurrence_id', sa.Integer(), nullable=False),
                    sa.Column('period', sa.String(length=16), nullable=False),
                    sa.Column('created_on', sa.Date(), nullable=False),
                    sa.Column('ref_kind', sa.String(length=32), nullable=False),
                    sa.Column('ref_id', sa.Integer(), nullable=True),
                    sa.Column('ref_title', sa.String(length=200), nullable=False),
                    sa.ForeignKeyConstraint(['recurrence_id'], ['cadences_recurrences.id'],
                                            name=op.f('fk_cadences_occurrences_recurrence_id_cadences_recurrences'),
                                            ondelete='CASCADE'),
                    sa.UniqueConstraint('recurrence_id', 'period',
                                        name=op.f('uq_cadences_occurrences_recurrence_id_period')),
                    *_owned('cadences_occurrences'))
    op.create_index(op.f('ix_cadences_occurrences_recurrence_id'), 'cadences_occurrences', ['recurrence_id'],
                    unique=False)
    op.create_index(op.f('ix_cadences_occurrences_tenant_id'), 'cadences_occurrences', ['tenant_id'], unique=False)
    enable_tenant_rls('cadences_recurrences')
    enable_tenant_rls('cadences_occurrences')


def downgrade() -> None:
    for table in ('cadences_occurrences', 'cadences_recurrences'):
        disable_tenant_rls(table)
        op.drop_table(table)
