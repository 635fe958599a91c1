"""Photos and documents of instructor visits (CORE-6: "photos/attachments optional").

Revision ID: 0006_visit_attachments
Revises: 0005_org_list_index
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = '0006_visit_attachments'
down_revision = '0005_org_list_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('instructor_visit_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['instructor_visits.id'], name=op.f('fk_instructor_visit_attachments_visit_id_instructor_visits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_instructor_visit_attachments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_instructor_visit_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instructor_visit_attachments'))
    )
    op.create_index(op.f('ix_instructor_visit_attachments_visit_id'), 'instructor_visit_attachments', ['visit_id'], unique=False)
    op.create_index(op.f('ix_instructor_visit_attachments_tenant_id'), 'instructor_visit_attachments', ['tenant_id'], unique=False)
    enable_tenant_rls('instructor_visit_attachments')


def downgrade() -> None:
    disable_tenant_rls('instructor_visit_attachments')
    op.drop_index(op.f('ix_instructor_visit_attachments_tenant_id'), table_name='instructor_visit_attachments')
    op.drop_index(op.f('ix_instructor_visit_attachments_visit_id'), table_name='instructor_visit_attachments')
    op.drop_table('instructor_visit_attachments')
