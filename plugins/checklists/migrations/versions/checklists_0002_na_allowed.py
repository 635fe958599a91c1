"""checklists: a checklist may forbid 不适用 (na_allowed, copied from its template)

A template with ``na_allowed=False`` (dongfanghong's venue acceptance, DFH-5) passes only when
every item is 达标. Existing checklists keep allowing 不适用 (server default true).

Revision ID: checklists_0002
Revises: checklists_0001
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "checklists_0002"
down_revision = "checklists_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checklists_checklists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("na_allowed", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("checklists_checklists", schema=None) as batch_op:
        batch_op.drop_column("na_allowed")
