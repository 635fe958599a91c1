"""dongfanghong program: group staff, duty entries, butlers, nominations.

Revision ID: dongfanghong_0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "dongfanghong_0001"
down_revision = None
branch_labels = ("dongfanghong",)
depends_on = "0002_registry"


def upgrade() -> None:
    op.create_table('dongfanghong_butlers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_dongfanghong_butlers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dongfanghong_butlers'))
    )
    op.create_index(op.f('ix_dongfanghong_butlers_tenant_id'), 'dongfanghong_butlers', ['tenant_id'], unique=False)
    op.create_table('dongfanghong_butler_orgs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('butler_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['butler_id'], ['dongfanghong_butlers.id'], name=op.f('fk_dongfanghong_butler_orgs_butler_id_dongfanghong_butlers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_dongfanghong_butler_orgs_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_dongfanghong_butler_orgs_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dongfanghong_butler_orgs')),
    sa.UniqueConstraint('butler_id', 'organization_id', name=op.f('uq_dongfanghong_butler_orgs_butler_id_organization_id'))
    )
    op.create_index(op.f('ix_dongfanghong_butler_orgs_butler_id'), 'dongfanghong_butler_orgs', ['butler_id'], unique=False)
    op.create_index(op.f('ix_dongfanghong_butler_orgs_organization_id'), 'dongfanghong_butler_orgs', ['organization_id'], unique=False)
    op.create_index(op.f('ix_dongfanghong_butler_orgs_tenant_id'), 'dongfanghong_butler_orgs', ['tenant_id'], unique=False)
    op.create_table('dongfanghong_duty_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_dongfanghong_duty_entries_cluster_id_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_dongfanghong_duty_entries_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_dongfanghong_duty_entries_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_dongfanghong_duty_entries_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dongfanghong_duty_entries'))
    )
    op.create_index(op.f('ix_dongfanghong_duty_entries_cluster_id'), 'dongfanghong_duty_entries', ['cluster_id'], unique=False)
    op.create_index(op.f('ix_dongfanghong_duty_entries_occurred_on'), 'dongfanghong_duty_entries', ['occurred_on'], unique=False)
    op.create_index(op.f('ix_dongfanghong_duty_entries_tenant_id'), 'dongfanghong_duty_entries', ['tenant_id'], unique=False)
    op.create_table('dongfanghong_group_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assigned_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_dongfanghong_group_staff_cluster_id_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_dongfanghong_group_staff_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_dongfanghong_group_staff_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dongfanghong_group_staff')),
    sa.UniqueConstraint('tenant_id', 'cluster_id', name=op.f('uq_dongfanghong_group_staff_tenant_id_cluster_id')),
    sa.UniqueConstraint('tenant_id', 'user_id', name=op.f('uq_dongfanghong_group_staff_tenant_id_user_id'))
    )
    op.create_index(op.f('ix_dongfanghong_group_staff_cluster_id'), 'dongfanghong_group_staff', ['cluster_id'], unique=False)
    op.create_index(op.f('ix_dongfanghong_group_staff_tenant_id'), 'dongfanghong_group_staff', ['tenant_id'], unique=False)
    op.create_index(op.f('ix_dongfanghong_group_staff_user_id'), 'dongfanghong_group_staff', ['user_id'], unique=False)
    op.create_table('dongfanghong_nominations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('nominee', sa.String(length=50), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('cluster_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('review_note', sa.String(length=500), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_dongfanghong_nominations_cluster_id_clusters'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_dongfanghong_nominations_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_dongfanghong_nominations_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_dongfanghong_nominations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dongfanghong_nominations'))
    )
    op.create_index(op.f('ix_dongfanghong_nominations_tenant_id'), 'dongfanghong_nominations', ['tenant_id'], unique=False)
    enable_tenant_rls("dongfanghong_butlers")
    enable_tenant_rls("dongfanghong_butler_orgs")
    enable_tenant_rls("dongfanghong_duty_entries")
    enable_tenant_rls("dongfanghong_group_staff")
    enable_tenant_rls("dongfanghong_nominations")


def downgrade() -> None:
    disable_tenant_rls("dongfanghong_butlers")
    disable_tenant_rls("dongfanghong_butler_orgs")
    disable_tenant_rls("dongfanghong_duty_entries")
    disable_tenant_rls("dongfanghong_group_staff")
    disable_tenant_rls("dongfanghong_nominations")
    op.drop_index(op.f('ix_dongfanghong_nominations_tenant_id'), table_name='dongfanghong_nominations')
    op.drop_table('dongfanghong_nominations')
    op.drop_index(op.f('ix_dongfanghong_group_staff_user_id'), table_name='dongfanghong_group_staff')
    op.drop_index(op.f('ix_dongfanghong_group_staff_tenant_id'), table_name='dongfanghong_group_staff')
    op.drop_index(op.f('ix_dongfanghong_group_staff_cluster_id'), table_name='dongfanghong_group_staff')
    op.drop_table('dongfanghong_group_staff')
    op.drop_index(op.f('ix_dongfanghong_duty_entries_tenant_id'), table_name='dongfanghong_duty_entries')
    op.drop_index(op.f('ix_dongfanghong_duty_entries_occurred_on'), table_name='dongfanghong_duty_entries')
    op.drop_index(op.f('ix_dongfanghong_duty_entries_cluster_id'), table_name='dongfanghong_duty_entries')
    op.drop_table('dongfanghong_duty_entries')
    op.drop_index(op.f('ix_dongfanghong_butler_orgs_tenant_id'), table_name='dongfanghong_butler_orgs')
    op.drop_index(op.f('ix_dongfanghong_butler_orgs_organization_id'), table_name='dongfanghong_butler_orgs')
    op.drop_index(op.f('ix_dongfanghong_butler_orgs_butler_id'), table_name='dongfanghong_butler_orgs')
    op.drop_table('dongfanghong_butler_orgs')
    op.drop_index(op.f('ix_dongfanghong_butlers_tenant_id'), table_name='dongfanghong_butlers')
    op.drop_table('dongfanghong_butlers')
