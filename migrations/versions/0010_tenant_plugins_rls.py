"""Row-level security on ``tenant_plugins``: a tenant's plugin settings only within its scope.

Every table with a ``tenant_id`` column carries the ``tenant_isolation`` policy;
``tests/test_rls_tables.py`` lists them and fails on one without it. No-op on SQLite.

Revision ID: 0010_tenant_plugins_rls
Revises: 0009_mfa
Create Date: 2026-12-07
"""
from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = '0010_tenant_plugins_rls'
down_revision = '0009_mfa'
branch_labels = None
depends_on = None


def upgrade() -> None:
    enable_tenant_rls("tenant_plugins")


def downgrade() -> None:
    disable_tenant_rls("tenant_plugins")
