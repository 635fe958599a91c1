"""Import column mapping (issue 13): the mapping and mode of a job, its error workbook, and
each tenant's last mapping per file layout.

Revision ID: 0007_import_mapping
Revises: 0006_visit_attachments
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = '0007_import_mapping'
down_revision = '0006_visit_attachments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.alter_column('entity', existing_type=sa.String(length=20), type_=sa.String(length=40),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('columns', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('valid_only', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('error_file', sa.LargeBinary(), nullable=True))
    op.create_table('import_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_import_mappings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mappings')),
    sa.UniqueConstraint('tenant_id', 'entity', 'signature', name='uq_import_mappings_layout'),
    )
    op.create_index(op.f('ix_import_mappings_tenant_id'), 'import_mappings', ['tenant_id'], unique=False)
    enable_tenant_rls('import_mappings')


def downgrade() -> None:
    disable_tenant_rls('import_mappings')
    op.drop_index(op.f('ix_import_mappings_tenant_id'), table_name='import_mappings')
    op.drop_table('import_mappings')
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('error_file')
        batch_op.drop_column('valid_only')
        batch_op.drop_column('columns')
        batch_op.alter_column('entity', existing_type=sa.String(length=40), type_=sa.String(length=20),
                              existing_nullable=False)
