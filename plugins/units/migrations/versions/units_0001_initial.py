"""units (单位与结对): units, pairings, visits and their attachments.

Revision ID: units_0001
Revises:
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "units_0001"
down_revision = None
branch_labels = ("units",)
depends_on = "0002_registry"

TABLES = ("units_units", "units_pairings", "units_visits", "units_visit_attachments")


def _common() -> list:
    return [
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "units_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("duties", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(length=50), nullable=False),
        sa.Column("contact_member_id", sa.Integer(), nullable=True),
        sa.Column("contact_user_id", sa.Integer(), nullable=True),
        sa.Column("contact_phone_enc", sa.String(length=128), nullable=True),
        sa.Column("contact_phone_hash", sa.String(length=64), nullable=True),
        sa.Column("party_org_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("archived_on", sa.Date(), nullable=True),
        *_common(),
        sa.ForeignKeyConstraint(["contact_member_id"], ["members.id"],
                                name=op.f("fk_units_units_contact_member_id_members"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["contact_user_id"], ["users.id"],
                                name=op.f("fk_units_units_contact_user_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["party_org_id"], ["party_orgs.id"],
                                name=op.f("fk_units_units_party_org_id_party_orgs"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_units_units_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units_units")),
        sa.UniqueConstraint("tenant_id", "kind", "name", name=op.f("uq_units_units_tenant_id_kind_name")),
    )
    op.create_index("ix_units_units_tenant_name", "units_units", ["tenant_id", "name", "id"], unique=False)
    for column in ("kind", "contact_member_id", "contact_user_id", "contact_phone_hash", "party_org_id",
                   "tenant_id"):
        op.create_index(op.f(f"ix_units_units_{column}"), "units_units", [column], unique=False)

    op.create_table(
        "units_pairings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("holder_type", sa.String(length=10), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("party_org_id", sa.Integer(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        *_common(),
        sa.ForeignKeyConstraint(["unit_id"], ["units_units.id"], name=op.f("fk_units_pairings_unit_id_units_units"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_units_pairings_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_units_pairings_member_id_members"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_units_pairings_organization_id_organizations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["party_org_id"], ["party_orgs.id"],
                                name=op.f("fk_units_pairings_party_org_id_party_orgs"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_units_pairings_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units_pairings")),
    )
    for column in ("kind", "unit_id", "user_id", "member_id", "organization_id", "party_org_id", "tenant_id"):
        op.create_index(op.f(f"ix_units_pairings_{column}"), "units_pairings", [column], unique=False)

    op.create_table(
        "units_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("visitor", sa.String(length=100), nullable=False),
        sa.Column("visitor_user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        *_common(),
        sa.ForeignKeyConstraint(["pairing_id"], ["units_pairings.id"],
                                name=op.f("fk_units_visits_pairing_id_units_pairings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["visitor_user_id"], ["users.id"], name=op.f("fk_units_visits_visitor_user_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_units_visits_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units_visits")),
    )
    for column in ("pairing_id", "visited_on", "tenant_id"):
        op.create_index(op.f(f"ix_units_visits_{column}"), "units_visits", [column], unique=False)

    op.create_table(
        "units_visit_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        *_common(),
        sa.ForeignKeyConstraint(["visit_id"], ["units_visits.id"],
                                name=op.f("fk_units_visit_attachments_visit_id_units_visits"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"],
                                name=op.f("fk_units_visit_attachments_uploaded_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_units_visit_attachments_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units_visit_attachments")),
    )
    for column in ("visit_id", "tenant_id"):
        op.create_index(op.f(f"ix_units_visit_attachments_{column}"), "units_visit_attachments", [column],
                        unique=False)
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
