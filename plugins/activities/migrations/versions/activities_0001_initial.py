"""activities (组织活动): activities, speakers, participants and attendance, attachment metadata, follow-ups.

Revision ID: activities_0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "activities_0001"
down_revision = None
branch_labels = ("activities",)
depends_on = "0002_registry"

TABLES = ("activities_activities", "activities_attachments", "activities_follow_ups",
          "activities_participants", "activities_speakers")


def upgrade() -> None:
    op.create_table('activities_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_type', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('organizer_kind', sa.String(length=16), nullable=False),
    sa.Column('party_org_id', sa.Integer(), nullable=True),
    sa.Column('cluster_id', sa.Integer(), nullable=True),
    sa.Column('organizer_name', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('cancel_reason', sa.String(length=200), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_activities_activities_cluster_id_clusters'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_activities_activities_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['party_org_id'], ['party_orgs.id'], name=op.f('fk_activities_activities_party_org_id_party_orgs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_activities_activities_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities_activities'))
    )
    op.create_index(op.f('ix_activities_activities_cluster_id'), 'activities_activities', ['cluster_id'], unique=False)
    op.create_index(op.f('ix_activities_activities_party_org_id'), 'activities_activities', ['party_org_id'], unique=False)
    op.create_index(op.f('ix_activities_activities_starts_at'), 'activities_activities', ['starts_at'], unique=False)
    op.create_index(op.f('ix_activities_activities_tenant_id'), 'activities_activities', ['tenant_id'], unique=False)
    op.create_index('ix_activities_activities_tenant_type_start', 'activities_activities', ['tenant_id', 'activity_type', 'starts_at'], unique=False)
    op.create_table('activities_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities_activities.id'], name=op.f('fk_activities_attachments_activity_id_activities_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_activities_attachments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities_attachments'))
    )
    op.create_index(op.f('ix_activities_attachments_activity_id'), 'activities_attachments', ['activity_id'], unique=False)
    op.create_index(op.f('ix_activities_attachments_tenant_id'), 'activities_attachments', ['tenant_id'], unique=False)
    op.create_table('activities_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities_activities.id'], name=op.f('fk_activities_follow_ups_activity_id_activities_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_activities_follow_ups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities_follow_ups'))
    )
    op.create_index(op.f('ix_activities_follow_ups_activity_id'), 'activities_follow_ups', ['activity_id'], unique=False)
    op.create_index(op.f('ix_activities_follow_ups_tenant_id'), 'activities_follow_ups', ['tenant_id'], unique=False)
    op.create_table('activities_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('attendance', sa.String(length=16), nullable=False),
    sa.Column('leave_reason', sa.String(length=200), nullable=False),
    sa.Column('leave_approved', sa.Boolean(), nullable=True),
    sa.Column('leave_decided_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities_activities.id'], name=op.f('fk_activities_participants_activity_id_activities_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['leave_decided_by_id'], ['users.id'], name=op.f('fk_activities_participants_leave_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_activities_participants_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_activities_participants_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities_participants')),
    sa.UniqueConstraint('activity_id', 'member_id', name=op.f('uq_activities_participants_activity_id_member_id'))
    )
    op.create_index(op.f('ix_activities_participants_activity_id'), 'activities_participants', ['activity_id'], unique=False)
    op.create_index(op.f('ix_activities_participants_member_id'), 'activities_participants', ['member_id'], unique=False)
    op.create_index(op.f('ix_activities_participants_tenant_id'), 'activities_participants', ['tenant_id'], unique=False)
    op.create_table('activities_speakers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities_activities.id'], name=op.f('fk_activities_speakers_activity_id_activities_activities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_activities_speakers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities_speakers'))
    )
    op.create_index(op.f('ix_activities_speakers_activity_id'), 'activities_speakers', ['activity_id'], unique=False)
    op.create_index(op.f('ix_activities_speakers_tenant_id'), 'activities_speakers', ['tenant_id'], unique=False)
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TABLES:
        disable_tenant_rls(table)
    op.drop_index(op.f('ix_activities_speakers_tenant_id'), table_name='activities_speakers')
    op.drop_index(op.f('ix_activities_speakers_activity_id'), table_name='activities_speakers')
    op.drop_table('activities_speakers')
    op.drop_index(op.f('ix_activities_participants_tenant_id'), table_name='activities_participants')
    op.drop_index(op.f('ix_activities_participants_member_id'), table_name='activities_participants')
    op.drop_index(op.f('ix_activities_participants_activity_id'), table_name='activities_participants')
    op.drop_table('activities_participants')
    op.drop_index(op.f('ix_activities_follow_ups_tenant_id'), table_name='activities_follow_ups')
    op.drop_index(op.f('ix_activities_follow_ups_activity_id'), table_name='activities_follow_ups')
    op.drop_table('activities_follow_ups')
    op.drop_index(op.f('ix_activities_attachments_tenant_id'), table_name='activities_attachments')
    op.drop_index(op.f('ix_activities_attachments_activity_id'), table_name='activities_attachments')
    op.drop_table('activities_attachments')
    op.drop_index('ix_activities_activities_tenant_type_start', table_name='activities_activities')
    op.drop_index(op.f('ix_activities_activities_tenant_id'), table_name='activities_activities')
    op.drop_index(op.f('ix_activities_activities_starts_at'), table_name='activities_activities')
    op.drop_index(op.f('ix_activities_activities_party_org_id'), table_name='activities_activities')
    op.drop_index(op.f('ix_activities_activities_cluster_id'), table_name='activities_activities')
    op.drop_table('activities_activities')
