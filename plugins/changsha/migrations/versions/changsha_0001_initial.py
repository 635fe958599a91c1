"""changsha: the program's own records (points, census, associations, platforms and their units).

Revision ID: changsha_0001
Revises:
Create Date: 2026-12-07 18:50:00
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "changsha_0001"
down_revision = None
branch_labels = ("changsha",)
depends_on = ("0002_registry", "sites_0001", "units_0001")


def upgrade() -> None:
    op.create_table(
        "changsha_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("existing", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("centre_site_id", sa.Integer(), nullable=True),
        sa.Column("target_year", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"], name=op.f("fk_changsha_points_cluster_id_clusters"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["centre_site_id"], ["sites_sites.id"], name=op.f("fk_changsha_points_centre_site_id_sites_sites"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_changsha_points_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changsha_points")),
        sa.UniqueConstraint("tenant_id", "cluster_id", name=op.f("uq_changsha_points_tenant_id_cluster_id")),
    )
    op.create_index(op.f("ix_changsha_points_cluster_id"), "changsha_points", ["cluster_id"], unique=False)
    op.create_index(op.f("ix_changsha_points_tenant_id"), "changsha_points", ["tenant_id"], unique=False)
    enable_tenant_rls("changsha_points")
    op.create_table(
        "changsha_group_census",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("group_key", sa.String(length=20), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("party_members", sa.Integer(), nullable=False),
        sa.Column("platform_ids", sa.JSON(), nullable=False),
        sa.Column("department_unit_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["department_unit_id"], ["units_units.id"], name=op.f("fk_changsha_group_census_department_unit_id_units_units"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_changsha_group_census_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changsha_group_census")),
        sa.UniqueConstraint("tenant_id", "year", "group_key", name=op.f("uq_changsha_group_census_tenant_id_year_group_key")),
    )
    op.create_index(op.f("ix_changsha_group_census_tenant_id"), "changsha_group_census", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_changsha_group_census_year"), "changsha_group_census", ["year"], unique=False)
    enable_tenant_rls("changsha_group_census")
    op.create_table(
        "changsha_associations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("group_key", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], name=op.f("fk_changsha_associations_organization_id_organizations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_changsha_associations_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changsha_associations")),
        sa.UniqueConstraint("tenant_id", "organization_id", name=op.f("uq_changsha_associations_tenant_id_organization_id")),
    )
    op.create_index(op.f("ix_changsha_associations_organization_id"), "changsha_associations", ["organization_id"], unique=False)
    op.create_index(op.f("ix_changsha_associations_tenant_id"), "changsha_associations", ["tenant_id"], unique=False)
    enable_tenant_rls("changsha_associations")
    op.create_table(
        "changsha_platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("hq_local", sa.Boolean(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("hq_city", sa.String(length=50), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], name=op.f("fk_changsha_platforms_organization_id_organizations"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_changsha_platforms_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changsha_platforms")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_changsha_platforms_tenant_id_name")),
    )
    op.create_index(op.f("ix_changsha_platforms_tenant_id"), "changsha_platforms", ["tenant_id"], unique=False)
    enable_tenant_rls("changsha_platforms")
    op.create_table(
        "changsha_platform_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("unit_kind", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["changsha_platforms.id"], name=op.f("fk_changsha_platform_units_platform_id_changsha_platforms"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], name=op.f("fk_changsha_platform_units_organization_id_organizations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_changsha_platform_units_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changsha_platform_units")),
        sa.UniqueConstraint("tenant_id", "platform_id", "organization_id", name=op.f("uq_changsha_platform_units_tenant_id_platform_id_organization_id")),
    )
    op.create_index(op.f("ix_changsha_platform_units_organization_id"), "changsha_platform_units", ["organization_id"], unique=False)
    op.create_index(op.f("ix_changsha_platform_units_platform_id"), "changsha_platform_units", ["platform_id"], unique=False)
    op.create_index(op.f("ix_changsha_platform_units_tenant_id"), "changsha_platform_units", ["tenant_id"], unique=False)
    enable_tenant_rls("changsha_platform_units")


def downgrade() -> None:
    disable_tenant_rls("changsha_platform_units")
    op.drop_index(op.f("ix_changsha_platform_units_organization_id"), table_name="changsha_platform_units")
    op.drop_index(op.f("ix_changsha_platform_units_platform_id"), table_name="changsha_platform_units")
    op.drop_index(op.f("ix_changsha_platform_units_tenant_id"), table_name="changsha_platform_units")
    op.drop_table("changsha_platform_units")
    disable_tenant_rls("changsha_platforms")
    op.drop_index(op.f("ix_changsha_platforms_tenant_id"), table_name="changsha_platforms")
    op.drop_table("changsha_platforms")
    disable_tenant_rls("changsha_associations")
    op.drop_index(op.f("ix_changsha_associations_organization_id"), table_name="changsha_associations")
    op.drop_index(op.f("ix_changsha_associations_tenant_id"), table_name="changsha_associations")
    op.drop_table("changsha_associations")
    disable_tenant_rls("changsha_group_census")
    op.drop_index(op.f("ix_changsha_group_census_tenant_id"), table_name="changsha_group_census")
    op.drop_index(op.f("ix_changsha_group_census_year"), table_name="changsha_group_census")
    op.drop_table("changsha_group_census")
    disable_tenant_rls("changsha_points")
    op.drop_index(op.f("ix_changsha_points_cluster_id"), table_name="changsha_points")
    op.drop_index(op.f("ix_changsha_points_tenant_id"), table_name="changsha_points")
    op.drop_table("changsha_points")
