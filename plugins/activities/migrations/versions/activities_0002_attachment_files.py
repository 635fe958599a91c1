"""activities: uploaded files for attachments (photos, sign-in sheets, minutes, materials).

Revision ID: activities_0002
Revises: activities_0001
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "activities_0002"
down_revision = "activities_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities_attachments") as batch:
        batch.add_column(sa.Column("content_type", sa.String(length=100), nullable=False, server_default=""))
        batch.add_column(sa.Column("sha256", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("stored_name", sa.String(length=80), nullable=False, server_default=""))
        batch.add_column(sa.Column("uploaded_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_activities_attachments_uploaded_by_id_users"), "users",
                                 ["uploaded_by_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("activities_attachments") as batch:
        batch.drop_constraint(op.f("fk_activities_attachments_uploaded_by_id_users"), type_="foreignkey")
        batch.drop_column("uploaded_by_id")
        batch.drop_column("stored_name")
        batch.drop_column("sha256")
        batch.drop_column("content_type")
