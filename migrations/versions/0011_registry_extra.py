"""Registry extension points: an ``extra`` JSON column on organizations, party orgs and members.

JSONB on PostgreSQL (a ``json`` column has no equality: ``SELECT DISTINCT`` of a row fails). Holds the values of the fields plugins declare with ``register_extra_fields`` (see
``core/registry/extensions.py`` for why one JSON column rather than side tables).

Revision ID: 0011_registry_extra
Revises: 0010_tenant_plugins_rls
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0011_registry_extra'
down_revision = '0010_tenant_plugins_rls'
branch_labels = None
depends_on = None

TABLES = ("organizations", "party_orgs", "members")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("extra", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), server_default=sa.text("'{}'"), nullable=False))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "extra")
