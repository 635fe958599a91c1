"""campaigns: uploaded evidence files of tasks.

Revision ID: campaigns_0002
Revises: campaigns_0001
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "campaigns_0002"
down_revision = "campaigns_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaigns_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['campaigns_tasks.id'], name=op.f('fk_campaigns_attachments_task_id_campaigns_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_campaigns_attachments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_campaigns_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns_attachments'))
    )
    op.create_index(op.f('ix_campaigns_attachments_task_id'), 'campaigns_attachments', ['task_id'], unique=False)
    op.create_index(op.f('ix_campaigns_attachments_tenant_id'), 'campaigns_attachments', ['tenant_id'], unique=False)
    enable_tenant_rls("campaigns_attachments")


def downgrade() -> None:
    disable_tenant_rls("campaigns_attachments")
    op.drop_table("campaigns_attachments")
