"""dongfanghong: demonstration sites onto the designations block.

Until now a 示范性党群活动阵地 was only a result graded 三个一流 in a published round of the
``dongfanghong.demo_site`` assessment (no table of its own). Each such result becomes a
designation of kind ``dongfanghong.demo_site`` (in force, 街道级, awarded on the day the round was
published, valid for the tenant's ``demo_site_validity_months`` — default 36 — and keyed like the
block's own proposals, so the round is never proposed again). Rows the block already has are
left alone. Downgrade removes only the rows this revision wrote (``source = 'migration'``).

Revision ID: dongfanghong_0003
Revises: dongfanghong_0002
Create Date: 2026-12-07
"""
import calendar
import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "dongfanghong_0003"
down_revision = "dongfanghong_0002"
branch_labels = None
depends_on = ("designations_0001", "assessment_0001")

KIND, LABEL, GRADE = "dongfanghong.demo_site", "示范性党群活动阵地", "三个一流"


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # row-level security: see every tenant for this transaction
        ids = ",".join(str(i) for i in bind.execute(sa.text("SELECT id FROM tenants")).scalars())
        bind.execute(sa.text("SELECT set_config('app.tenant_ids', :ids, true)"), {"ids": ids})
    months = {}
    for tenant_id, settings in bind.execute(sa.text(
            "SELECT tenant_id, settings FROM tenant_plugins WHERE plugin = 'dongfanghong'")):
        data = settings if isinstance(settings, dict) else json.loads(settings or "{}")
        months[tenant_id] = int(data.get("demo_site_validity_months", 36) or 0)
    rows = bind.execute(sa.text(
        "SELECT r.tenant_id, r.id, r.title, r.published_at, s.target_kind, s.target_id, s.target_name, s.rank "
        "FROM assessment_rounds r JOIN assessment_sheets s ON s.round_id = r.id "
        "WHERE r.template_key = :key AND r.state = 'published' AND s.grade = :grade "
        "AND s.target_kind = 'party_org' ORDER BY r.id, s.id"), {"key": KIND, "grade": GRADE}).all()
    now = dt.datetime.now(dt.timezone.utc)
    table = sa.table("designations_designations", *[sa.column(c) for c in (
        "tenant_id", "kind", "kind_label", "subject_kind", "subject_id", "subject_name", "level", "title",
        "awarded_on", "expires_on", "plaque_on", "awarded_by", "basis", "status", "applied_by", "reviewed_by",
        "reviewed_on", "review_note", "revoked_on", "revoked_by", "revoke_reason", "revoked_by_entry_id", "source",
        "source_key", "created_at", "updated_at")])
    for tenant_id, round_id, title, published_at, target_kind, target_id, target_name, rank in rows:
        key = f"assessment:{round_id}:{KIND}:{target_kind}:{target_id}"
        if bind.execute(sa.text("SELECT 1 FROM designations_designations WHERE source_key = :k"), {"k": key}).first():
            continue
        awarded = _date(published_at) if published_at is not None else now.date()
        validity = months.get(tenant_id, 36)
        op.bulk_insert(table, [{
            "tenant_id": tenant_id, "kind": KIND, "kind_label": LABEL, "subject_kind": target_kind,
            "subject_id": target_id, "subject_name": (target_name or "")[:200], "level": "street", "title": "",
            "awarded_on": awarded, "expires_on": _add_months(awarded, validity) if validity else None,
            "plaque_on": None, "awarded_by": "", "basis": f"{title}：{GRADE}，第{rank}名", "status": "active",
            "applied_by": "数据迁移", "reviewed_by": "数据迁移", "reviewed_on": awarded,
            "review_note": "由示范阵地评选结果迁入", "revoked_on": None, "revoked_by": "", "revoke_reason": "",
            "revoked_by_entry_id": None, "source": "migration", "source_key": key, "created_at": now,
            "updated_at": now}])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        ids = ",".join(str(i) for i in bind.execute(sa.text("SELECT id FROM tenants")).scalars())
        bind.execute(sa.text("SELECT set_config('app.tenant_ids', :ids, true)"), {"ids": ids})
    bind.execute(sa.text("DELETE FROM designations_designations WHERE kind = :k AND source = 'migration'"), {"k": KIND})
