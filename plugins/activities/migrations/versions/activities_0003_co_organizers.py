"""activities: co-organizers — an activity organized together by several party orgs or clusters.

Revision ID: activities_0003
Revises: activities_0002
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "activities_0003"
down_revision = "activities_0002"
branch_labels = None
depends_on = None

TABLE = "activities_co_organizers"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("organizer_kind", sa.String(length=16), nullable=False),
        sa.Column("party_org_id", sa.Integer(), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("organizer_name", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities_activities.id"],
                                name=op.f("fk_activities_co_organizers_activity_id_activities_activities"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["party_org_id"], ["party_orgs.id"],
                                name=op.f("fk_activities_co_organizers_party_org_id_party_orgs"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"],
                                name=op.f("fk_activities_co_organizers_cluster_id_clusters"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_activities_co_organizers_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities_co_organizers")),
    )
    for column in ("activity_id", "party_org_id", "cluster_id", "tenant_id"):
        op.create_index(op.f(f"ix_activities_co_organizers_{column}"), TABLE, [column], unique=False)
    enable_tenant_rls(TABLE)


def downgrade() -> None:
    disable_tenant_rls(TABLE)
    op.drop_table(TABLE)
