"""checklists: templates, checklists, items, evidence

Revision ID: checklists_0001
Revises:
Create Date: 2026-12-07 15:55:31.182713
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = 'checklists_0001'
down_revision = None
branch_labels = ('checklists',)
depends_on = '0002_registry'


def upgrade() -> None:
    op.create_table('checklists_checklists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_key', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('subject_kind', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_checklists_checklists_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklists_checklists'))
    )
    with op.batch_alter_table('checklists_checklists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklists_checklists_status'), ['status'], unique=False)
        batch_op.create_index('ix_checklists_checklists_subject', ['tenant_id', 'subject_kind', 'subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklists_checklists_template_key'), ['template_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklists_checklists_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('checklists_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('subject_kinds', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_checklists_templates_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklists_templates')),
    sa.UniqueConstraint('tenant_id', 'label', name=op.f('uq_checklists_templates_tenant_id_label'))
    )
    with op.batch_alter_table('checklists_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklists_templates_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('checklists_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('chapter', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('evidence_required', sa.Boolean(), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=64), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklists_checklists.id'], name=op.f('fk_checklists_items_checklist_id_checklists_checklists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_checklists_items_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklists_items'))
    )
    with op.batch_alter_table('checklists_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklists_items_checklist_id'), ['checklist_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklists_items_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('checklists_template_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('chapter', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('evidence_required', sa.Boolean(), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['checklists_templates.id'], name=op.f('fk_checklists_template_items_template_id_checklists_templates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_checklists_template_items_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklists_template_items'))
    )
    with op.batch_alter_table('checklists_template_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklists_template_items_template_id'), ['template_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklists_template_items_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('checklists_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
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
    sa.ForeignKeyConstraint(['item_id'], ['checklists_items.id'], name=op.f('fk_checklists_evidence_item_id_checklists_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_checklists_evidence_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_checklists_evidence_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklists_evidence'))
    )
    with op.batch_alter_table('checklists_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklists_evidence_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklists_evidence_tenant_id'), ['tenant_id'], unique=False)
    enable_tenant_rls('checklists_checklists')
    enable_tenant_rls('checklists_templates')
    enable_tenant_rls('checklists_items')
    enable_tenant_rls('checklists_template_items')
    enable_tenant_rls('checklists_evidence')


def downgrade() -> None:
    disable_tenant_rls('checklists_evidence')
    disable_tenant_rls('checklists_template_items')
    disable_tenant_rls('checklists_items')
    disable_tenant_rls('checklists_templates')
    disable_tenant_rls('checklists_checklists')
    with op.batch_alter_table('checklists_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklists_evidence_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_checklists_evidence_item_id'))

    op.drop_table('checklists_evidence')
    with op.batch_alter_table('checklists_template_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklists_template_items_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_checklists_template_items_template_id'))

    op.drop_table('checklists_template_items')
    with op.batch_alter_table('checklists_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklists_items_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_checklists_items_checklist_id'))

    op.drop_table('checklists_items')
    with op.batch_alter_table('checklists_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklists_templates_tenant_id'))

    op.drop_table('checklists_templates')
    with op.batch_alter_table('checklists_checklists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklists_checklists_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_checklists_checklists_template_key'))
        batch_op.drop_index('ix_checklists_checklists_subject')
        batch_op.drop_index(batch_op.f('ix_checklists_checklists_status'))

    op.drop_table('checklists_checklists')
