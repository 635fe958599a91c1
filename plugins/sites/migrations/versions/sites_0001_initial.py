"""sites: places and their photos

Revision ID: sites_0001
Revises:
Create Date: 2026-12-07 16:19:12.929237
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = 'sites_0001'
down_revision = None
branch_labels = ('sites',)
depends_on = '0002_registry'


def upgrade() -> None:
    op.create_table('sites_sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('grade', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('community', sa.String(length=100), nullable=False),
    sa.Column('opening_hours', sa.String(length=100), nullable=False),
    sa.Column('manager_kind', sa.String(length=16), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('manager_name', sa.String(length=200), nullable=False),
    sa.Column('services', sa.Text(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sites_sites_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites_sites')),
    sa.UniqueConstraint('tenant_id', 'kind', 'name', name=op.f('uq_sites_sites_tenant_id_kind_name'))
    )
    with op.batch_alter_table('sites_sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_sites_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_sites_sites_tenant_kind', ['tenant_id', 'kind', 'active'], unique=False)

    op.create_table('sites_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites_sites.id'], name=op.f('fk_sites_photos_site_id_sites_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sites_photos_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_sites_photos_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites_photos'))
    )
    with op.batch_alter_table('sites_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_photos_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sites_photos_tenant_id'), ['tenant_id'], unique=False)
    enable_tenant_rls('sites_sites')
    enable_tenant_rls('sites_photos')


def downgrade() -> None:
    disable_tenant_rls('sites_photos')
    disable_tenant_rls('sites_sites')
    with op.batch_alter_table('sites_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_photos_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_sites_photos_site_id'))

    op.drop_table('sites_photos')
    with op.batch_alter_table('sites_sites', schema=None) as batch_op:
        batch_op.drop_index('ix_sites_sites_tenant_kind')
        batch_op.drop_index(batch_op.f('ix_sites_sites_tenant_id'))

    op.drop_table('sites_sites')
