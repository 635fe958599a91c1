"""The organization list's order within a tenant: an index on (tenant_id, name, id).

``ORDER BY name, id LIMIT 25`` for one street otherwise walks ``ix_organizations_name``
across every tenant's rows, filtering on ``tenant_id`` (see bench/README.md, P7).

Revision ID: 0005_org_list_index
Revises: 0004_rls_hashed_scope
Create Date: 2026-12-04
"""
from alembic import op

revision = '0005_org_list_index'
down_revision = '0004_rls_hashed_scope'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_organizations_tenant_name', 'organizations', ['tenant_id', 'name', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_organizations_tenant_name', table_name='organizations')
