"""Users get a position (职务: 专干, 党建指导员, 党支部书记 …) shown with their name (issue 19).

Revision ID: 0015_user_position
Revises: 0014_cluster_member_kinds
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_user_position'
down_revision = '0014_cluster_member_kinds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("position", sa.String(length=50), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("position")
