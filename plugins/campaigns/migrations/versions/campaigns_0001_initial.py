"""campaigns (推进计划): campaigns, phases, tasks, report obligations and reports.

Revision ID: campaigns_0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "campaigns_0001"
down_revision = None
branch_labels = ("campaigns",)
depends_on = "0002_registry"


def upgrade() -> None:
    op.create_table('campaigns_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('template_key', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_campaigns_campaigns_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns_campaigns'))
    )
    op.create_index(op.f('ix_campaigns_campaigns_tenant_id'), 'campaigns_campaigns', ['tenant_id'], unique=False)
    op.create_index(op.f('ix_campaigns_campaigns_year'), 'campaigns_campaigns', ['year'], unique=False)
    op.create_table('campaigns_obligations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('cadence', sa.String(length=16), nullable=False),
    sa.Column('due_day', sa.Integer(), nullable=False),
    sa.Column('figure_labels', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_campaigns_obligations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns_obligations'))
    )
    op.create_index(op.f('ix_campaigns_obligations_tenant_id'), 'campaigns_obligations', ['tenant_id'], unique=False)
    op.create_table('campaigns_phases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns_campaigns.id'], name=op.f('fk_campaigns_phases_campaign_id_campaigns_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_campaigns_phases_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns_phases'))
    )
    op.create_index(op.f('ix_campaigns_phases_campaign_id'), 'campaigns_phases', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_campaigns_phases_tenant_id'), 'campaigns_phases', ['tenant_id'], unique=False)
    op.create_table('campaigns_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('obligation_title', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['obligation_id'], ['campaigns_obligations.id'], name=op.f('fk_campaigns_reports_obligation_id_campaigns_obligations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_campaigns_reports_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns_reports')),
    sa.UniqueConstraint('obligation_id', 'tenant_id', 'period', name=op.f('uq_campaigns_reports_obligation_id_tenant_id_period'))
    )
    op.create_index(op.f('ix_campaigns_reports_obligation_id'), 'campaigns_reports', ['obligation_id'], unique=False)
    op.create_index(op.f('ix_campaigns_reports_tenant_id'), 'campaigns_reports', ['tenant_id'], unique=False)
    op.create_table('campaigns_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=False),
    sa.Column('campaign_tenant_id', sa.Integer(), nullable=False),
    sa.Column('campaign_title', sa.String(length=100), nullable=False),
    sa.Column('phase_title', sa.String(length=100), nullable=False),
    sa.Column('phase_position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns_campaigns.id'], name=op.f('fk_campaigns_tasks_campaign_id_campaigns_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['phase_id'], ['campaigns_phases.id'], name=op.f('fk_campaigns_tasks_phase_id_campaigns_phases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_campaigns_tasks_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns_tasks'))
    )
    op.create_index(op.f('ix_campaigns_tasks_campaign_id'), 'campaigns_tasks', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_campaigns_tasks_campaign_tenant_id'), 'campaigns_tasks', ['campaign_tenant_id'], unique=False)
    op.create_index(op.f('ix_campaigns_tasks_deadline'), 'campaigns_tasks', ['deadline'], unique=False)
    op.create_index(op.f('ix_campaigns_tasks_phase_id'), 'campaigns_tasks', ['phase_id'], unique=False)
    op.create_index(op.f('ix_campaigns_tasks_status'), 'campaigns_tasks', ['status'], unique=False)
    op.create_index(op.f('ix_campaigns_tasks_tenant_id'), 'campaigns_tasks', ['tenant_id'], unique=False)
    enable_tenant_rls('campaigns_campaigns')
    enable_tenant_rls('campaigns_obligations')
    enable_tenant_rls('campaigns_phases')
    enable_tenant_rls('campaigns_reports')
    enable_tenant_rls('campaigns_tasks')


def downgrade() -> None:
    disable_tenant_rls('campaigns_tasks')
    op.drop_index(op.f('ix_campaigns_tasks_tenant_id'), table_name='campaigns_tasks')
    op.drop_index(op.f('ix_campaigns_tasks_status'), table_name='campaigns_tasks')
    op.drop_index(op.f('ix_campaigns_tasks_phase_id'), table_name='campaigns_tasks')
    op.drop_index(op.f('ix_campaigns_tasks_deadline'), table_name='campaigns_tasks')
    op.drop_index(op.f('ix_campaigns_tasks_campaign_tenant_id'), table_name='campaigns_tasks')
    op.drop_index(op.f('ix_campaigns_tasks_campaign_id'), table_name='campaigns_tasks')
    op.drop_table('campaigns_tasks')
    disable_tenant_rls('campaigns_reports')
    op.drop_index(op.f('ix_campaigns_reports_tenant_id'), table_name='campaigns_reports')
    op.drop_index(op.f('ix_campaigns_reports_obligation_id'), table_name='campaigns_reports')
    op.drop_table('campaigns_reports')
    disable_tenant_rls('campaigns_phases')
    op.drop_index(op.f('ix_campaigns_phases_tenant_id'), table_name='campaigns_phases')
    op.drop_index(op.f('ix_campaigns_phases_campaign_id'), table_name='campaigns_phases')
    op.drop_table('campaigns_phases')
    disable_tenant_rls('campaigns_obligations')
    op.drop_index(op.f('ix_campaigns_obligations_tenant_id'), table_name='campaigns_obligations')
    op.drop_table('campaigns_obligations')
    disable_tenant_rls('campaigns_campaigns')
    op.drop_index(op.f('ix_campaigns_campaigns_year'), table_name='campaigns_campaigns')
    op.drop_index(op.f('ix_campaigns_campaigns_tenant_id'), table_name='campaigns_campaigns')
    op.drop_table('campaigns_campaigns')
