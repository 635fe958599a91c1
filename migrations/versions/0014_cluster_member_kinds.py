"""Cross-tenant clusters and cluster members of kinds plugins register.

``cluster_members`` gains ``member_tenant_id`` (the tenant the member belongs to: a district's
cluster may group its streets' organizations; a street then sees it read-only), and
``member_kind`` / ``ref_id`` for members of a kind registered with
``register_cluster_member_kinds`` (units …). Rows written before keep ``member_tenant_id``
empty: they belong to the cluster's own tenant.

Revision ID: 0014_cluster_member_kinds
Revises: 0013_notifications
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_cluster_member_kinds'
down_revision = '0013_notifications'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cluster_members") as batch:
        batch.add_column(sa.Column("member_kind", sa.String(length=40), server_default="", nullable=False))
        batch.add_column(sa.Column("ref_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("member_tenant_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_cluster_members_member_tenant_id_tenants"), "tenants",
                                 ["member_tenant_id"], ["id"], ondelete="SET NULL")
        batch.create_index(batch.f("ix_cluster_members_member_tenant_id"), ["member_tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cluster_members") as batch:
        batch.drop_index(batch.f("ix_cluster_members_member_tenant_id"))
        batch.drop_constraint(batch.f("fk_cluster_members_member_tenant_id_tenants"), type_="foreignkey")
        batch.drop_column("member_tenant_id")
        batch.drop_column("ref_id")
        batch.drop_column("member_kind")
