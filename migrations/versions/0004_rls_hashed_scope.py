"""Row-level security: the tenant scope as a hashed sub-plan, not an array parsed per row.

Every ``tenant_isolation`` policy (core and plugin tables that exist now) becomes
``tenant_id IN (SELECT unnest(<app.tenant_ids as int[]>))`` — see
``core.migrate.tenant_condition``. Same rows visible, same rows refused on write; a district
roll-up over 1,000 tenants no longer re-parses the setting for every row. Tables created
later get the new form from ``enable_tenant_rls``. No-op on SQLite.

Revision ID: 0004_rls_hashed_scope
Revises: 0003_import_jobs
Create Date: 2026-11-22
"""
from core.migrate import legacy_tenant_condition, rewrite_tenant_policies, tenant_condition

revision = '0004_rls_hashed_scope'
down_revision = '0003_import_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    rewrite_tenant_policies(tenant_condition)


def downgrade() -> None:
    rewrite_tenant_policies(legacy_tenant_condition)
