"""dongfanghong: 双向进入 (DFH-3) — party-org leaders and management cross-appointed.

Revision ID: dongfanghong_0005
Revises: dongfanghong_0004
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "dongfanghong_0005"
down_revision = "dongfanghong_0004"
branch_labels = None
depends_on = None

T = "dongfanghong_cross_appointments"


def upgrade() -> None:
    op.create_table(
        T,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_org_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("party_post", sa.String(length=20), nullable=False),
        sa.Column("management_post", sa.String(length=50), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{T}_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["party_org_id"], ["party_orgs.id"], name=op.f(f"fk_{T}_party_org_id_party_orgs"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f(f"fk_{T}_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{T}")),
    )
    for col in ("tenant_id", "party_org_id", "member_id"):
        op.create_index(op.f(f"ix_{T}_{col}"), T, [col], unique=False)
    enable_tenant_rls(T)


def downgrade() -> None:
    disable_tenant_rls(T)
    op.drop_table(T)
