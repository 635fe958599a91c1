"""Example plugin: notices.

Revision ID: example_0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "example_0001"
down_revision = None
branch_labels = ("example",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "example_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_example_notices_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_example_notices")),
    )
    op.create_index(op.f("ix_example_notices_tenant_id"), "example_notices", ["tenant_id"], unique=False)
    enable_tenant_rls("example_notices")


def downgrade() -> None:
    disable_tenant_rls("example_notices")
    op.drop_index(op.f("ix_example_notices_tenant_id"), table_name="example_notices")
    op.drop_table("example_notices")
