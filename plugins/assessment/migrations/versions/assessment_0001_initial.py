"""Assessment engine: templates (versions), criteria, rounds, sheets, scores, appeals.

Revision ID: assessment_0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "assessment_0001"
down_revision = None
branch_labels = ("assessment",)
depends_on = "0002_registry"

TABLES = ["assessment_templates", "assessment_criteria", "assessment_rounds", "assessment_sheets",
          "assessment_scores", "assessment_appeals"]


def _tenant(table: str) -> list:
    return [
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants"),
                                ondelete="CASCADE"),
    ]


def _stamps() -> list:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "assessment_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("cluster_type", sa.String(length=50), nullable=False),
        sa.Column("period_kind", sa.String(length=20), nullable=False),
        sa.Column("scoring", sa.String(length=20), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column("rating_max", sa.Integer(), nullable=False),
        sa.Column("precision", sa.Integer(), nullable=False),
        sa.Column("self_assessment", sa.Boolean(), nullable=False),
        sa.Column("grade_bands", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        *_tenant("assessment_templates"),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_templates")),
        sa.UniqueConstraint("tenant_id", "key", "version",
                            name=op.f("uq_assessment_templates_tenant_id_key_version")),
    )
    op.create_index(op.f("ix_assessment_templates_key"), "assessment_templates", ["key"], unique=False)
    op.create_index(op.f("ix_assessment_templates_tenant_id"), "assessment_templates", ["tenant_id"], unique=False)

    op.create_table(
        "assessment_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("section_key", sa.String(length=100), nullable=False),
        sa.Column("section_label", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("max_points", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *_tenant("assessment_criteria"),
        sa.ForeignKeyConstraint(["template_id"], ["assessment_templates.id"],
                                name=op.f("fk_assessment_criteria_template_id_assessment_templates"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_criteria")),
        sa.UniqueConstraint("template_id", "key", name=op.f("uq_assessment_criteria_template_id_key")),
    )
    op.create_index(op.f("ix_assessment_criteria_template_id"), "assessment_criteria", ["template_id"], unique=False)
    op.create_index(op.f("ix_assessment_criteria_tenant_id"), "assessment_criteria", ["tenant_id"], unique=False)

    op.create_table(
        "assessment_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("template_key", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("cluster_type", sa.String(length=50), nullable=False),
        sa.Column("period_kind", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        *_tenant("assessment_rounds"),
        *_stamps(),
        sa.ForeignKeyConstraint(["template_id"], ["assessment_templates.id"],
                                name=op.f("fk_assessment_rounds_template_id_assessment_templates"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_rounds")),
    )
    for col in ("template_id", "template_key", "period", "state", "tenant_id"):
        op.create_index(op.f(f"ix_assessment_rounds_{col}"), "assessment_rounds", [col], unique=False)

    op.create_table(
        "assessment_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("target_name", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("self_comment", sa.Text(), nullable=False),
        sa.Column("self_submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("self_total", sa.Integer(), nullable=True),
        sa.Column("grade", sa.String(length=50), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        *_tenant("assessment_sheets"),
        *_stamps(),
        sa.ForeignKeyConstraint(["round_id"], ["assessment_rounds.id"],
                                name=op.f("fk_assessment_sheets_round_id_assessment_rounds"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_sheets")),
        sa.UniqueConstraint("round_id", "target_id", name=op.f("uq_assessment_sheets_round_id_target_id")),
    )
    for col in ("round_id", "target_id", "tenant_id"):
        op.create_index(op.f(f"ix_assessment_sheets_{col}"), "assessment_sheets", [col], unique=False)

    op.create_table(
        "assessment_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("scored_by_id", sa.Integer(), nullable=True),
        sa.Column("scored_by", sa.String(length=64), nullable=False),
        *_tenant("assessment_scores"),
        *_stamps(),
        sa.ForeignKeyConstraint(["sheet_id"], ["assessment_sheets.id"],
                                name=op.f("fk_assessment_scores_sheet_id_assessment_sheets"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["criterion_id"], ["assessment_criteria.id"],
                                name=op.f("fk_assessment_scores_criterion_id_assessment_criteria"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["scored_by_id"], ["users.id"],
                                name=op.f("fk_assessment_scores_scored_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_scores")),
        sa.UniqueConstraint("sheet_id", "criterion_id", "kind",
                            name=op.f("uq_assessment_scores_sheet_id_criterion_id_kind")),
    )
    for col in ("sheet_id", "criterion_id", "tenant_id"):
        op.create_index(op.f(f"ix_assessment_scores_{col}"), "assessment_scores", [col], unique=False)

    op.create_table(
        "assessment_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("resolved_by", sa.String(length=64), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant("assessment_appeals"),
        *_stamps(),
        sa.ForeignKeyConstraint(["round_id"], ["assessment_rounds.id"],
                                name=op.f("fk_assessment_appeals_round_id_assessment_rounds"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sheet_id"], ["assessment_sheets.id"],
                                name=op.f("fk_assessment_appeals_sheet_id_assessment_sheets"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"],
                                name=op.f("fk_assessment_appeals_submitted_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_appeals")),
    )
    for col in ("round_id", "sheet_id", "status", "tenant_id"):
        op.create_index(op.f(f"ix_assessment_appeals_{col}"), "assessment_appeals", [col], unique=False)

    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
