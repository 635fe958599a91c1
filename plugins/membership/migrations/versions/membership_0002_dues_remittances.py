"""membership: 党费上缴 per party org and year (membership_dues_remittances)

What a party org handed in for a year as a total — the basis of 东方红's 党费全额返还, until now
kept in ``dongfanghong_dues`` (moved here by ``dongfanghong_0008``).

Revision ID: membership_0002
Revises: membership_0001
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "membership_0002"
down_revision = "membership_0001"
branch_labels = None
depends_on = None

T = "membership_dues_remittances"


def upgrade() -> None:
    op.create_table(
        T,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_org_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("remitted_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["party_org_id"], ["party_orgs.id"], name=op.f(f"fk_{T}_party_org_id_party_orgs"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{T}_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{T}")),
        sa.UniqueConstraint("tenant_id", "party_org_id", "year", name=op.f(f"uq_{T}_tenant_id_party_org_id_year")),
    )
    op.create_index(op.f(f"ix_{T}_party_org_id"), T, ["party_org_id"], unique=False)
    op.create_index(op.f(f"ix_{T}_tenant_id"), T, ["tenant_id"], unique=False)
    op.create_index(op.f(f"ix_{T}_year"), T, ["year"], unique=False)
    enable_tenant_rls(T)


def downgrade() -> None:
    disable_tenant_rls(T)
    op.drop_table(T)
