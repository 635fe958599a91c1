"""Registry tables (台账): organizations, party orgs, members, instructors, clusters, snapshots.

Revision ID: 0002_registry
Revises: 0001_core
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

TABLES = [
    "organizations", "party_orgs", "party_org_coverage", "members", "instructors",
    "instructor_assignments", "instructor_visits", "clusters", "cluster_leaders",
    "cluster_members", "coverage_snapshots", "user_organizations",
]

revision = '0002_registry'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coverage_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_coverage_snapshots_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coverage_snapshots')),
    sa.UniqueConstraint('tenant_id', 'month', name=op.f('uq_coverage_snapshots_tenant_id_month'))
    )
    with op.batch_alter_table('coverage_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coverage_snapshots_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('instructors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('phone_enc', sa.String(length=128), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_instructors_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_instructors_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instructors'))
    )
    with op.batch_alter_table('instructors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instructors_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sub_kind', sa.String(length=32), nullable=False),
    sa.Column('industry', sa.String(length=2), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('community', sa.String(length=100), nullable=False),
    sa.Column('community_tenant_id', sa.Integer(), nullable=True),
    sa.Column('building', sa.String(length=100), nullable=False),
    sa.Column('employees', sa.Integer(), nullable=False),
    sa.Column('investor', sa.String(length=100), nullable=False),
    sa.Column('legal_rep', sa.String(length=50), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone_enc', sa.String(length=128), nullable=True),
    sa.Column('contact_phone_hash', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('has_union', sa.Boolean(), nullable=False),
    sa.Column('has_youth_league', sa.Boolean(), nullable=False),
    sa.Column('has_womens_federation', sa.Boolean(), nullable=False),
    sa.Column('is_internet_platform', sa.Boolean(), nullable=False),
    sa.Column('employs_new_groups', sa.Boolean(), nullable=False),
    sa.Column('party_work_active', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_tenant_id'], ['tenants.id'], name=op.f('fk_organizations_community_tenant_id_tenants'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_organizations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('tenant_id', 'credit_code', name=op.f('uq_organizations_tenant_id_credit_code'))
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_contact_phone_hash'), ['contact_phone_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_organizations_tenant_kind', ['tenant_id', 'kind', 'status'], unique=False)

    op.create_table('party_orgs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('org_type', sa.String(length=32), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('formation_mode', sa.String(length=20), nullable=False),
    sa.Column('secretary_name', sa.String(length=50), nullable=False),
    sa.Column('founded_on', sa.Date(), nullable=True),
    sa.Column('term_ends_on', sa.Date(), nullable=True),
    sa.Column('venue_class', sa.Integer(), nullable=True),
    sa.Column('venue_accepted_on', sa.Date(), nullable=True),
    sa.Column('is_weak', sa.Boolean(), nullable=False),
    sa.Column('is_model', sa.Boolean(), nullable=False),
    sa.Column('dissolved_on', sa.Date(), nullable=True),
    sa.Column('dissolved_reason', sa.String(length=200), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['party_orgs.id'], name=op.f('fk_party_orgs_parent_id_party_orgs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_party_orgs_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_orgs'))
    )
    with op.batch_alter_table('party_orgs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_orgs_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_party_orgs_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_party_orgs_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('clusters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_type', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('lead_organization_id', sa.Integer(), nullable=True),
    sa.Column('lead_party_org_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('archived_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lead_organization_id'], ['organizations.id'], name=op.f('fk_clusters_lead_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_party_org_id'], ['party_orgs.id'], name=op.f('fk_clusters_lead_party_org_id_party_orgs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_clusters_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clusters'))
    )
    with op.batch_alter_table('clusters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clusters_cluster_type'), ['cluster_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_clusters_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('instructor_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instructor_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instructor_id'], ['instructors.id'], name=op.f('fk_instructor_assignments_instructor_id_instructors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_instructor_assignments_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_instructor_assignments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instructor_assignments'))
    )
    with op.batch_alter_table('instructor_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instructor_assignments_instructor_id'), ['instructor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instructor_assignments_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instructor_assignments_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('instructor_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instructor_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('follow_up', sa.Text(), nullable=False),
    sa.Column('follow_up_done', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instructor_id'], ['instructors.id'], name=op.f('fk_instructor_visits_instructor_id_instructors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_instructor_visits_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_instructor_visits_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instructor_visits'))
    )
    with op.batch_alter_table('instructor_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instructor_visits_instructor_id'), ['instructor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instructor_visits_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instructor_visits_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('gender', sa.String(length=10), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('ethnicity', sa.String(length=20), nullable=False),
    sa.Column('education', sa.String(length=20), nullable=False),
    sa.Column('id_number_enc', sa.String(length=128), nullable=True),
    sa.Column('id_number_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_enc', sa.String(length=128), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=True),
    sa.Column('activist_on', sa.Date(), nullable=True),
    sa.Column('candidate_on', sa.Date(), nullable=True),
    sa.Column('probationary_on', sa.Date(), nullable=True),
    sa.Column('full_on', sa.Date(), nullable=True),
    sa.Column('party_org_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.String(length=20), nullable=False),
    sa.Column('mobile', sa.String(length=10), nullable=False),
    sa.Column('mobile_counterpart', sa.String(length=200), nullable=False),
    sa.Column('transfer_rule', sa.String(length=20), nullable=False),
    sa.Column('transfer_state', sa.String(length=20), nullable=False),
    sa.Column('lost_contact', sa.Boolean(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_members_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['party_org_id'], ['party_orgs.id'], name=op.f('fk_members_party_org_id_party_orgs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_members_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('tenant_id', 'id_number_hash', name=op.f('uq_members_tenant_id_id_number_hash'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_party_org_id'), ['party_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_phone_hash'), ['phone_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('party_org_coverage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('party_org_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_party_org_coverage_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_org_id'], ['party_orgs.id'], name=op.f('fk_party_org_coverage_party_org_id_party_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_party_org_coverage_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party_org_coverage')),
    sa.UniqueConstraint('party_org_id', 'organization_id', name=op.f('uq_party_org_coverage_party_org_id_organization_id'))
    )
    with op.batch_alter_table('party_org_coverage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_org_coverage_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_party_org_coverage_party_org_id'), ['party_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_party_org_coverage_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('user_organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_user_organizations_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_user_organizations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_organizations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_organizations')),
    sa.UniqueConstraint('user_id', 'organization_id', name=op.f('uq_user_organizations_user_id_organization_id'))
    )
    with op.batch_alter_table('user_organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_organizations_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_organizations_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_organizations_user_id'), ['user_id'], unique=False)

    op.create_table('cluster_leaders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=32), nullable=False),
    sa.Column('person_name', sa.String(length=50), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('appointed_on', sa.Date(), nullable=True),
    sa.Column('letter_no', sa.String(length=50), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_cluster_leaders_cluster_id_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_cluster_leaders_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_cluster_leaders_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_cluster_leaders_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cluster_leaders_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster_leaders'))
    )
    with op.batch_alter_table('cluster_leaders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cluster_leaders_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cluster_leaders_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('cluster_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('party_org_id', sa.Integer(), nullable=True),
    sa.Column('joined_on', sa.Date(), nullable=True),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_cluster_members_cluster_id_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_cluster_members_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_org_id'], ['party_orgs.id'], name=op.f('fk_cluster_members_party_org_id_party_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_cluster_members_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster_members'))
    )
    with op.batch_alter_table('cluster_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cluster_members_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cluster_members_tenant_id'), ['tenant_id'], unique=False)
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TABLES:
        disable_tenant_rls(table)
    with op.batch_alter_table('cluster_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cluster_members_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_cluster_members_cluster_id'))

    op.drop_table('cluster_members')
    with op.batch_alter_table('cluster_leaders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cluster_leaders_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_cluster_leaders_cluster_id'))

    op.drop_table('cluster_leaders')
    with op.batch_alter_table('user_organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_organizations_user_id'))
        batch_op.drop_index(batch_op.f('ix_user_organizations_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_user_organizations_organization_id'))

    op.drop_table('user_organizations')
    with op.batch_alter_table('party_org_coverage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_org_coverage_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_party_org_coverage_party_org_id'))
        batch_op.drop_index(batch_op.f('ix_party_org_coverage_organization_id'))

    op.drop_table('party_org_coverage')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_members_phone_hash'))
        batch_op.drop_index(batch_op.f('ix_members_party_org_id'))
        batch_op.drop_index(batch_op.f('ix_members_organization_id'))
        batch_op.drop_index(batch_op.f('ix_members_name'))

    op.drop_table('members')
    with op.batch_alter_table('instructor_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instructor_visits_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_instructor_visits_organization_id'))
        batch_op.drop_index(batch_op.f('ix_instructor_visits_instructor_id'))

    op.drop_table('instructor_visits')
    with op.batch_alter_table('instructor_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instructor_assignments_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_instructor_assignments_organization_id'))
        batch_op.drop_index(batch_op.f('ix_instructor_assignments_instructor_id'))

    op.drop_table('instructor_assignments')
    with op.batch_alter_table('clusters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clusters_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_clusters_cluster_type'))

    op.drop_table('clusters')
    with op.batch_alter_table('party_orgs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_orgs_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_party_orgs_parent_id'))
        batch_op.drop_index(batch_op.f('ix_party_orgs_name'))

    op.drop_table('party_orgs')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_organizations_tenant_kind')
        batch_op.drop_index(batch_op.f('ix_organizations_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_organizations_name'))
        batch_op.drop_index(batch_op.f('ix_organizations_contact_phone_hash'))

    op.drop_table('organizations')
    with op.batch_alter_table('instructors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instructors_tenant_id'))

    op.drop_table('instructors')
    with op.batch_alter_table('coverage_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coverage_snapshots_tenant_id'))

    op.drop_table('coverage_snapshots')
