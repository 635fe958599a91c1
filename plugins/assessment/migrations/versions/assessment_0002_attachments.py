"""assessment: uploaded evidence files of score sheets (assessors' and self-assessment's).

Revision ID: assessment_0002
Revises: assessment_0001
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "assessment_0002"
down_revision = "assessment_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assessment_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sheet_id'], ['assessment_sheets.id'], name=op.f('fk_assessment_attachments_sheet_id_assessment_sheets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_assessment_attachments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_assessment_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_attachments'))
    )
    op.create_index(op.f('ix_assessment_attachments_sheet_id'), 'assessment_attachments', ['sheet_id'], unique=False)
    op.create_index(op.f('ix_assessment_attachments_tenant_id'), 'assessment_attachments', ['tenant_id'], unique=False)
    enable_tenant_rls("assessment_attachments")


def downgrade() -> None:
    disable_tenant_rls("assessment_attachments")
    op.drop_table("assessment_attachments")
