"""dongfanghong: venue acceptance moves onto the checklists block (DFH-5, issue 10).

Every row of ``dongfanghong_venue_checks`` becomes a checklist of the party org against the
template ``dongfanghong.venue_<class>`` (``na_allowed`` false): opened on the application date,
``applied`` → open, ``passed`` / ``failed`` → decided on the same date by the same 验收人 with the
same note. The applications carried no items, so each gets one item, 阵地验收（迁移前的验收记录）,
whose status follows the row (达标 / 未达标 with the note / 待检查). The registry's venue class
and date are left as they are. Then the table goes. The downgrade copies the venue checklists
back (class from the template key) and removes them.

The copy reads and writes every tenant's rows: on PostgreSQL the tables' row-level security is not
forced on the owner for its duration.

Revision ID: dongfanghong_0007
Revises: dongfanghong_0006
Create Date: 2026-12-07
"""
import datetime as dt
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "dongfanghong_0007"
down_revision = "dongfanghong_0006"
branch_labels = None
depends_on = "checklists_0002"

OLD = "dongfanghong_venue_checks"
CLASSES = {1: "一类阵地", 2: "二类阵地", 3: "三类阵地"}
TO_CHECKLIST = {"applied": "open", "passed": "passed", "failed": "failed"}
TO_ITEM = {"applied": "pending", "passed": "done", "failed": "failed"}
ITEM_LABEL = "阵地验收（迁移前的验收记录）"
TABLES = ("party_orgs", OLD, "checklists_checklists", "checklists_items", "checklists_evidence")


@contextmanager
def _unforced(tables):
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        for t in tables:
            op.execute(f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY")
    try:
        yield
    finally:
        if pg:
            for t in tables:
                op.execute(f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY")


def _tables():
    checklists = sa.table(
        "checklists_checklists", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
        sa.column("template_key", sa.String), sa.column("title", sa.String), sa.column("subject_kind", sa.String),
        sa.column("subject_id", sa.Integer), sa.column("subject_name", sa.String), sa.column("opened_on", sa.Date),
        sa.column("due_on", sa.Date), sa.column("status", sa.String), sa.column("decided_on", sa.Date),
        sa.column("decided_by", sa.String), sa.column("decision_note", sa.Text), sa.column("note", sa.Text),
        sa.column("na_allowed", sa.Boolean), sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)))
    items = sa.table(
        "checklists_items", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
        sa.column("checklist_id", sa.Integer), sa.column("position", sa.Integer), sa.column("key", sa.String),
        sa.column("chapter", sa.String), sa.column("label", sa.String), sa.column("evidence_required", sa.Boolean),
        sa.column("guidance", sa.Text), sa.column("status", sa.String), sa.column("note", sa.Text),
        sa.column("reviewed_by", sa.String), sa.column("reviewed_on", sa.Date),
        sa.column("created_at", sa.DateTime(timezone=True)), sa.column("updated_at", sa.DateTime(timezone=True)))
    old = sa.table(
        OLD, sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer), sa.column("party_org_id", sa.Integer),
        sa.column("target_class", sa.Integer), sa.column("applied_on", sa.Date), sa.column("status", sa.String),
        sa.column("decided_on", sa.Date), sa.column("inspector", sa.String), sa.column("note", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)), sa.column("updated_at", sa.DateTime(timezone=True)))
    return checklists, items, old


def upgrade() -> None:
    bind = op.get_bind()
    checklists, items, old = _tables()
    party_orgs = sa.table("party_orgs", sa.column("id", sa.Integer), sa.column("name", sa.String))
    with _unforced(TABLES):
        names = dict(bind.execute(sa.select(party_orgs.c.id, party_orgs.c.name)).all())
        for r in bind.execute(sa.select(old).order_by(old.c.id)).all():
            decided = r.status in ("passed", "failed")
            day = r.decided_on or r.applied_on
            label = CLASSES.get(r.target_class, f"{r.target_class}类阵地")
            cid = bind.execute(checklists.insert().values(
                tenant_id=r.tenant_id, template_key=f"dongfanghong.venue_{r.target_class}", title=f"{label}验收",
                subject_kind="party_org", subject_id=r.party_org_id, subject_name=names.get(r.party_org_id, ""),
                opened_on=r.applied_on, due_on=None, status=TO_CHECKLIST.get(r.status, "open"),
                decided_on=day if decided else None, decided_by=(r.inspector or "") if decided else "",
                decision_note=(r.note or "") if decided else "", note="" if decided else (r.note or ""),
                na_allowed=False, created_at=r.created_at, updated_at=r.updated_at,
            ).returning(checklists.c.id)).scalar_one()
            bind.execute(items.insert().values(
                tenant_id=r.tenant_id, checklist_id=cid, position=0, key="migrated", chapter="", label=ITEM_LABEL,
                evidence_required=False, guidance="", status=TO_ITEM.get(r.status, "pending"),
                note=(r.note or "") if r.status == "failed" else "",
                reviewed_by=(r.inspector or "") if decided else "", reviewed_on=day if decided else None,
                created_at=r.created_at, updated_at=r.updated_at))
    disable_tenant_rls(OLD)
    op.drop_table(OLD)


def downgrade() -> None:
    t = OLD
    op.create_table(
        t,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('party_org_id', sa.Integer(), nullable=False),
        sa.Column('target_class', sa.Integer(), nullable=False),
        sa.Column('applied_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('inspector', sa.String(length=50), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f(f'fk_{t}_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{t}')),
        sa.ForeignKeyConstraint(['party_org_id'], ['party_orgs.id'], name=op.f(f'fk_{t}_party_org_id_party_orgs'),
                                ondelete='CASCADE'),
    )
    op.create_index(op.f(f'ix_{t}_party_org_id'), t, ['party_org_id'], unique=False)
    op.create_index(op.f(f'ix_{t}_tenant_id'), t, ['tenant_id'], unique=False)
    enable_tenant_rls(t)
    bind = op.get_bind()
    checklists, items, old = _tables()
    evidence = sa.table("checklists_evidence", sa.column("item_id", sa.Integer))
    back = {v: k for k, v in TO_CHECKLIST.items()}
    now = dt.datetime.now(dt.timezone.utc)
    with _unforced(TABLES):
        rows = bind.execute(sa.select(checklists).where(checklists.c.template_key.like("dongfanghong.venue_%"),
                                                        checklists.c.subject_kind == "party_org")
                            .order_by(checklists.c.id)).all()
        for c in rows:
            tail = c.template_key.rsplit("_", 1)[-1]
            if not tail.isdigit():
                continue
            decided = c.status in ("passed", "failed")
            bind.execute(old.insert().values(
                tenant_id=c.tenant_id, party_org_id=c.subject_id, target_class=int(tail), applied_on=c.opened_on,
                status=back.get(c.status, "applied"), decided_on=c.decided_on if decided else None,
                inspector=(c.decided_by or "")[:50] if decided else "",
                note=((c.decision_note if decided else c.note) or "")[:500],
                created_at=c.created_at or now, updated_at=c.updated_at or now))
            item_ids = sa.select(items.c.id).where(items.c.checklist_id == c.id)
            bind.execute(evidence.delete().where(evidence.c.item_id.in_(item_ids)))  # the files stay in the store
            bind.execute(items.delete().where(items.c.checklist_id == c.id))
            bind.execute(checklists.delete().where(checklists.c.id == c.id))
