"""designations (称号与监管黑名单): designations, the supervision blacklist, evidence files.

Revision ID: designations_0001
Revises:
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "designations_0001"
down_revision = None
branch_labels = ("designations",)
depends_on = "0002_registry"


def _stamps():
    return [sa.Column('tenant_id', sa.Integer(), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
            sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table('designations_blacklist',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=50), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('listed_by', sa.String(length=64), nullable=False),
    sa.Column('lifted_on', sa.Date(), nullable=True),
    sa.Column('lifted_by', sa.String(length=64), nullable=False),
    sa.Column('lift_reason', sa.Text(), nullable=False),
    *_stamps(),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_designations_blacklist_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_designations_blacklist_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_designations_blacklist'))
    )
    op.create_index(op.f('ix_designations_blacklist_organization_id'), 'designations_blacklist', ['organization_id'], unique=False)
    op.create_index(op.f('ix_designations_blacklist_lifted_on'), 'designations_blacklist', ['lifted_on'], unique=False)
    op.create_index(op.f('ix_designations_blacklist_tenant_id'), 'designations_blacklist', ['tenant_id'], unique=False)
    op.create_table('designations_designations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('kind_label', sa.String(length=100), nullable=False),
    sa.Column('subject_kind', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('plaque_on', sa.Date(), nullable=True),
    sa.Column('awarded_by', sa.String(length=100), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('applied_by', sa.String(length=64), nullable=False),
    sa.Column('reviewed_by', sa.String(length=64), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revoked_by', sa.String(length=64), nullable=False),
    sa.Column('revoke_reason', sa.Text(), nullable=False),
    sa.Column('revoked_by_entry_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    *_stamps(),
    sa.ForeignKeyConstraint(['revoked_by_entry_id'], ['designations_blacklist.id'], name=op.f('fk_designations_designations_revoked_by_entry_id_designations_blacklist'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_designations_designations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_designations_designations'))
    )
    for col in ('kind', 'subject_kind', 'subject_id', 'level', 'expires_on', 'status', 'source_key',
                'revoked_by_entry_id', 'tenant_id'):
        op.create_index(op.f(f'ix_designations_designations_{col}'), 'designations_designations', [col], unique=False)
    op.create_table('designations_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('designation_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    *_stamps(),
    sa.ForeignKeyConstraint(['designation_id'], ['designations_designations.id'], name=op.f('fk_designations_files_designation_id_designations_designations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_designations_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_designations_files_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_designations_files'))
    )
    for col in ('designation_id', 'tenant_id'):
        op.create_index(op.f(f'ix_designations_files_{col}'), 'designations_files', [col], unique=False)
    op.create_table('designations_blacklist_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    *_stamps(),
    sa.ForeignKeyConstraint(['entry_id'], ['designations_blacklist.id'], name=op.f('fk_designations_blacklist_files_entry_id_designations_blacklist'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_designations_blacklist_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_designations_blacklist_files_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_designations_blacklist_files'))
    )
    for col in ('entry_id', 'tenant_id'):
        op.create_index(op.f(f'ix_designations_blacklist_files_{col}'), 'designations_blacklist_files', [col],
                        unique=False)
    for table in ('designations_blacklist', 'designations_designations', 'designations_files',
                  'designations_blacklist_files'):
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in ('designations_blacklist_files', 'designations_files', 'designations_designations',
                  'designations_blacklist'):
        disable_tenant_rls(table)
        op.drop_table(table)
