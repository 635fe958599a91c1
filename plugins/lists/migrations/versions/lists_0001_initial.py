"""lists (清单工作法): stations, demands, resources, work items and their links, comments, attachments.

Revision ID: lists_0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "lists_0001"
down_revision = None
branch_labels = ("lists",)
depends_on = "0002_registry"


def upgrade() -> None:
    op.create_table('lists_stations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('community', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lists_stations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lists_stations')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_lists_stations_tenant_id_name'))
    )
    op.create_index(op.f('ix_lists_stations_tenant_id'), 'lists_stations', ['tenant_id'], unique=False)
    op.create_table('lists_demands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('org_name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('urgency', sa.String(length=32), nullable=False),
    sa.Column('action_tag', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('triage_level', sa.String(length=32), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=False),
    sa.Column('rated_by_id', sa.Integer(), nullable=True),
    sa.Column('rated_on', sa.Date(), nullable=True),
    sa.Column('escalated_to_id', sa.Integer(), nullable=True),
    sa.Column('escalated_on', sa.Date(), nullable=True),
    sa.Column('escalation_reason', sa.Text(), nullable=False),
    sa.Column('escalation_status', sa.String(length=16), nullable=False),
    sa.Column('escalation_reply', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['escalated_to_id'], ['tenants.id'], name=op.f('fk_lists_demands_escalated_to_id_tenants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_lists_demands_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rated_by_id'], ['users.id'], name=op.f('fk_lists_demands_rated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['station_id'], ['lists_stations.id'], name=op.f('fk_lists_demands_station_id_lists_stations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_lists_demands_submitted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lists_demands_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lists_demands'))
    )
    op.create_index(op.f('ix_lists_demands_escalated_to_id'), 'lists_demands', ['escalated_to_id'], unique=False)
    op.create_index(op.f('ix_lists_demands_organization_id'), 'lists_demands', ['organization_id'], unique=False)
    op.create_index(op.f('ix_lists_demands_tenant_id'), 'lists_demands', ['tenant_id'], unique=False)
    op.create_index('ix_lists_demands_tenant_status', 'lists_demands', ['tenant_id', 'status'], unique=False)
    op.create_table('lists_resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('provider_kind', sa.String(length=32), nullable=False),
    sa.Column('provider_name', sa.String(length=200), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('provider_user_id', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone_enc', sa.String(length=128), nullable=True),
    sa.Column('contact_phone_hash', sa.String(length=64), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_lists_resources_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_user_id'], ['users.id'], name=op.f('fk_lists_resources_provider_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lists_resources_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lists_resources'))
    )
    op.create_index(op.f('ix_lists_resources_contact_phone_hash'), 'lists_resources', ['contact_phone_hash'], unique=False)
    op.create_index(op.f('ix_lists_resources_provider_user_id'), 'lists_resources', ['provider_user_id'], unique=False)
    op.create_index(op.f('ix_lists_resources_tenant_id'), 'lists_resources', ['tenant_id'], unique=False)
    op.create_table('lists_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['demand_id'], ['lists_demands.id'], name=op.f('fk_lists_attachments_demand_id_lists_demands'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lists_attachments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_lists_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lists_attachments'))
    )
    op.create_index(op.f('ix_lists_attachments_demand_id'), 'lists_attachments', ['demand_id'], unique=False)
    op.create_index(op.f('ix_lists_attachments_tenant_id'), 'lists_attachments', ['tenant_id'], unique=False)
    op.create_table('lists_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=100), nullable=False),
    sa.Column('author_tenant_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_lists_comments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_tenant_id'], ['tenants.id'], name=op.f('fk_lists_comments_author_tenant_id_tenants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['demand_id'], ['lists_demands.id'], name=op.f('fk_lists_comments_demand_id_lists_demands'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lists_comments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lists_comments'))
    )
    op.create_index(op.f('ix_lists_comments_demand_id'), 'lists_comments', ['demand_id'], unique=False)
    op.create_index(op.f('ix_lists_comments_tenant_id'), 'lists_comments', ['tenant_id'], unique=False)
    op.create_table('lists_works',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('owner_name', sa.String(length=50), nullable=False),
    sa.Column('owner_role', sa.String(length=32), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('triage_level', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claim_side', sa.String(length=16), nullable=False),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['users.id'], name=op.f('fk_lists_works_claimed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['demand_id'], ['lists_demands.id'], name=op.f('fk_lists_works_demand_id_lists_demands'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_lists_works_owner_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lists_works_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lists_works'))
    )
    op.create_index(op.f('ix_lists_works_demand_id'), 'lists_works', ['demand_id'], unique=False)
    op.create_index(op.f('ix_lists_works_tenant_id'), 'lists_works', ['tenant_id'], unique=False)
    op.create_table('lists_work_resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['lists_resources.id'], name=op.f('fk_lists_work_resources_resource_id_lists_resources'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_lists_work_resources_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_id'], ['lists_works.id'], name=op.f('fk_lists_work_resources_work_id_lists_works'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lists_work_resources')),
    sa.UniqueConstraint('work_id', 'resource_id', name=op.f('uq_lists_work_resources_work_id_resource_id'))
    )
    op.create_index(op.f('ix_lists_work_resources_resource_id'), 'lists_work_resources', ['resource_id'], unique=False)
    op.create_index(op.f('ix_lists_work_resources_tenant_id'), 'lists_work_resources', ['tenant_id'], unique=False)
    op.create_index(op.f('ix_lists_work_resources_work_id'), 'lists_work_resources', ['work_id'], unique=False)
    enable_tenant_rls("lists_stations")
    enable_tenant_rls("lists_demands")
    enable_tenant_rls("lists_resources")
    enable_tenant_rls("lists_attachments")
    enable_tenant_rls("lists_comments")
    enable_tenant_rls("lists_works")
    enable_tenant_rls("lists_work_resources")


def downgrade() -> None:
    disable_tenant_rls("lists_work_resources")
    op.drop_table("lists_work_resources")
    disable_tenant_rls("lists_works")
    op.drop_table("lists_works")
    disable_tenant_rls("lists_comments")
    op.drop_table("lists_comments")
    disable_tenant_rls("lists_attachments")
    op.drop_table("lists_attachments")
    disable_tenant_rls("lists_resources")
    op.drop_table("lists_resources")
    disable_tenant_rls("lists_demands")
    op.drop_table("lists_demands")
    disable_tenant_rls("lists_stations")
    op.drop_table("lists_stations")
