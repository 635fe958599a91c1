"""nanhu: 清廉民企 creations move onto the designations block; ``nanhu_clean_enterprises`` goes.

A creation was a row of the program's own table (创建中 → 验收命名 / 撤销, the charter clause and its
evidence as text). It is now a designation of kind ``nanhu.clean_enterprise`` (the kind needs
review and an evidence file: 创建中 = 待审核, 验收命名 = 审核通过): every row becomes one designation
of the same tenant and organization —

* 创建中 → ``applied``, awarded_on = the start of the creation;
* 验收命名 → ``active``, awarded_on = reviewed_on = the acceptance date, expiring after the kind's
  24 months;
* 撤销 → ``returned`` (the enterprise may apply again), the note as the review note;

the clause, its evidence reference and the note are kept in ``basis`` (the evidence was a
document number, not a file: a creation still 创建中 needs its file uploaded before acceptance).
``source = 'migration'``, ``source_key = 'nanhu.clean:<old id>'``. Downgrade recreates the table
from the kind's designations (one per enterprise, the oldest; their evidence files are not kept)
and removes them.

Revision ID: nanhu_0002
Revises: nanhu_0001
Create Date: 2026-12-07
"""
import calendar
import datetime as dt

import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "nanhu_0002"
down_revision = "nanhu_0001"
branch_labels = None
depends_on = ("designations_0001",)

TABLE = "nanhu_clean_enterprises"
KIND, LABEL, VALIDITY_MONTHS = "nanhu.clean_enterprise", "清廉民企", 24
CLAUSE, EVIDENCE, NOTE, START = "清廉条款（写入企业章程）：", "章程佐证：", "备注：", "创建启动："
DESIGNATION_COLUMNS = (
    "tenant_id", "kind", "kind_label", "subject_kind", "subject_id", "subject_name", "level", "title",
    "awarded_on", "expires_on", "plaque_on", "awarded_by", "basis", "status", "applied_by", "reviewed_by",
    "reviewed_on", "review_note", "revoked_on", "revoked_by", "revoke_reason", "revoked_by_entry_id", "source",
    "source_key", "created_at", "updated_at")


def _all_tenants(bind) -> None:
    if bind.dialect.name == "postgresql":  # row-level security: see every tenant for this transaction
        ids = ",".join(str(i) for i in bind.execute(sa.text("SELECT id FROM tenants")).scalars()) or "0"
        bind.execute(sa.text("SELECT set_config('app.tenant_ids', :ids, true)"), {"ids": ids})


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def upgrade() -> None:
    bind = op.get_bind()
    _all_tenants(bind)
    rows = bind.execute(sa.text(
        f"SELECT c.id, c.tenant_id, c.organization_id, c.status, c.started_on, c.charter_clause, c.charter_text, "
        f"c.charter_evidence, c.accepted_on, c.note, c.created_at, c.updated_at, o.name "
        f"FROM {TABLE} c JOIN organizations o ON o.id = c.organization_id ORDER BY c.id")).all()
    table = sa.table("designations_designations", *[sa.column(c) for c in DESIGNATION_COLUMNS])
    now = dt.datetime.now(dt.timezone.utc)
    out = []
    for (old_id, tenant_id, org_id, status, started, clause, text, evidence, accepted, note, created, updated,
         name) in rows:
        started, accepted = _date(started), _date(accepted)
        basis = [f"{START}{started.isoformat()}"]
        if clause:
            basis.append(f"{CLAUSE}{text}")
        if evidence:
            basis.append(f"{EVIDENCE}{evidence}")
        if note and status != "withdrawn":
            basis.append(f"{NOTE}{note}")
        awarded = accepted if status == "accepted" and accepted else started
        out.append({
            "tenant_id": tenant_id, "kind": KIND, "kind_label": LABEL, "subject_kind": "organization",
            "subject_id": org_id, "subject_name": (name or "")[:200], "level": "district", "title": "",
            "awarded_on": awarded,
            "expires_on": _add_months(awarded, VALIDITY_MONTHS) if status == "accepted" else None,
            "plaque_on": None, "awarded_by": "", "basis": "\n".join(basis)[:5000],
            "status": {"accepted": "active", "withdrawn": "returned"}.get(status, "applied"),
            "applied_by": "数据迁移", "reviewed_by": "数据迁移" if status in ("accepted", "withdrawn") else "",
            "reviewed_on": accepted if status == "accepted" else (_date(updated) if status == "withdrawn" else None),
            "review_note": ("撤销创建" + (f"：{note}" if note else "")) if status == "withdrawn" else "",
            "revoked_on": None, "revoked_by": "", "revoke_reason": "", "revoked_by_entry_id": None,
            "source": "migration", "source_key": f"nanhu.clean:{old_id}", "created_at": created or now,
            "updated_at": updated or now})
    if out:
        op.bulk_insert(table, out)
    disable_tenant_rls(TABLE)
    op.drop_table(TABLE)


def downgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("charter_clause", sa.Boolean(), nullable=False),
        sa.Column("charter_text", sa.Text(), nullable=False),
        sa.Column("charter_evidence", sa.String(length=200), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_nanhu_clean_enterprises_organization_id_organizations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_nanhu_clean_enterprises_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nanhu_clean_enterprises")),
        sa.UniqueConstraint("tenant_id", "organization_id", name=op.f("uq_nanhu_clean_enterprises_tenant_id_organization_id")),
    )
    with op.batch_alter_table(TABLE) as batch:
        batch.create_index(batch.f("ix_nanhu_clean_enterprises_organization_id"), ["organization_id"], unique=False)
        batch.create_index(batch.f("ix_nanhu_clean_enterprises_tenant_id"), ["tenant_id"], unique=False)
    enable_tenant_rls(TABLE)
    bind = op.get_bind()
    _all_tenants(bind)
    rows = bind.execute(sa.text(
        "SELECT id, tenant_id, subject_id, status, awarded_on, reviewed_on, basis, review_note, created_at, "
        "updated_at FROM designations_designations WHERE kind = :k AND subject_kind = 'organization' "
        "AND status IN ('applied', 'returned', 'active', 'revoked') ORDER BY id"), {"k": KIND}).all()
    seen: set[tuple[int, int]] = set()
    back = []
    for _id, tenant_id, org_id, status, awarded, _reviewed, basis, review_note, created, updated in rows:
        if (tenant_id, org_id) in seen:  # the table kept one creation per enterprise: the first
            continue
        seen.add((tenant_id, org_id))
        parts = {p.split("：", 1)[0] + "：": p.split("：", 1)[1] for p in (basis or "").split("\n") if "：" in p}
        started = _date(parts.get(START)) if parts.get(START) else _date(awarded)
        clause = parts.get(CLAUSE, "")
        accepted = status == "active"
        note = parts.get(NOTE, "")
        if status in ("returned", "revoked") and review_note:
            note = review_note.removeprefix("撤销创建").lstrip("：")
        back.append({"tenant_id": tenant_id, "organization_id": org_id,
                     "status": "accepted" if accepted else ("creating" if status == "applied" else "withdrawn"),
                     "started_on": min(started, _date(awarded)) if started else _date(awarded),
                     "charter_clause": CLAUSE in parts, "charter_text": clause,
                     "charter_evidence": parts.get(EVIDENCE, "")[:200],
                     "accepted_on": _date(awarded) if accepted else None, "note": note,
                     "created_at": created, "updated_at": updated})
    if back:
        op.bulk_insert(sa.table(TABLE, *[sa.column(c) for c in back[0]]), back)
    bind.execute(sa.text("DELETE FROM designations_designations WHERE kind = :k"), {"k": KIND})
