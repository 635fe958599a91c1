"""funds (经费保障): budget lines and disbursements (money in fen).

Revision ID: funds_0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "funds_0001"
down_revision = None
branch_labels = ("funds",)
depends_on = "0002_registry"


def upgrade() -> None:
    op.create_table('funds_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('target_kind', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('target_name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_funds_lines_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds_lines'))
    )
    op.create_index(op.f('ix_funds_lines_tenant_id'), 'funds_lines', ['tenant_id'], unique=False)
    op.create_index(op.f('ix_funds_lines_year'), 'funds_lines', ['year'], unique=False)
    op.create_table('funds_disbursements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('payee', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['funds_lines.id'], name=op.f('fk_funds_disbursements_line_id_funds_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_funds_disbursements_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds_disbursements'))
    )
    op.create_index(op.f('ix_funds_disbursements_line_id'), 'funds_disbursements', ['line_id'], unique=False)
    op.create_index(op.f('ix_funds_disbursements_source_key'), 'funds_disbursements', ['source_key'], unique=False)
    op.create_index(op.f('ix_funds_disbursements_status'), 'funds_disbursements', ['status'], unique=False)
    op.create_index(op.f('ix_funds_disbursements_tenant_id'), 'funds_disbursements', ['tenant_id'], unique=False)
    enable_tenant_rls('funds_lines')
    enable_tenant_rls('funds_disbursements')


def downgrade() -> None:
    disable_tenant_rls('funds_disbursements')
    op.drop_index(op.f('ix_funds_disbursements_tenant_id'), table_name='funds_disbursements')
    op.drop_index(op.f('ix_funds_disbursements_status'), table_name='funds_disbursements')
    op.drop_index(op.f('ix_funds_disbursements_source_key'), table_name='funds_disbursements')
    op.drop_index(op.f('ix_funds_disbursements_line_id'), table_name='funds_disbursements')
    op.drop_table('funds_disbursements')
    disable_tenant_rls('funds_lines')
    op.drop_index(op.f('ix_funds_lines_year'), table_name='funds_lines')
    op.drop_index(op.f('ix_funds_lines_tenant_id'), table_name='funds_lines')
    op.drop_table('funds_lines')
