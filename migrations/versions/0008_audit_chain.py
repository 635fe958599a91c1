"""Audit log: hash chain per tenant, kept at least six months (等保 level 3).

* ``chain_seq``, ``prev_hash``, ``row_hash`` and a unique index on (chain, ``chain_seq``);
  existing entries are chained here, in ``id`` order (core/audit_chain.py);
* ``tenant_id`` references tenants with RESTRICT instead of CASCADE: deleting a tenant no
  longer deletes its audit trail (tenants are archived, never deleted, by the application);
* triggers: an entry's content never changes (``user_id`` may still become NULL when its user
  row goes, and the chain columns are written once, from NULL); an entry younger than 183 days
  cannot be deleted. Dropping tables (downgrade, ``pg_restore --clean``) is not a delete.

Revision ID: 0008_audit_chain
Revises: 0007_import_mapping
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_audit_chain'
down_revision = '0007_import_mapping'
branch_labels = None
depends_on = None

RETENTION_DAYS = 183  # core.audit_chain.RETENTION_DAYS when this revision was written
CONTENT = ("tenant_id", "username", "action", "entity", "entity_id", "summary", "before", "after", "created_at")
FK = 'fk_audit_log_tenant_id_tenants'

PG_GUARD = f"""
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.created_at > now() - interval '{RETENTION_DAYS} days' THEN
            RAISE EXCEPTION 'audit_log entry % is kept until % (retention {RETENTION_DAYS} days)',
                OLD.id, OLD.created_at + interval '{RETENTION_DAYS} days'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF (NEW.id, NEW.tenant_id, NEW.username, NEW.action, NEW.entity, NEW.entity_id, NEW.summary,
        NEW.before::text, NEW.after::text, NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.tenant_id, OLD.username, OLD.action, OLD.entity, OLD.entity_id, OLD.summary,
        OLD.before::text, OLD.after::text, OLD.created_at)
       OR (OLD.row_hash IS NOT NULL AND (NEW.chain_seq, NEW.prev_hash, NEW.row_hash)
           IS DISTINCT FROM (OLD.chain_seq, OLD.prev_hash, OLD.row_hash)) THEN
        RAISE EXCEPTION 'audit_log entry % cannot be changed', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_guard BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
"""

_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in ("id", *CONTENT))
SQLITE_GUARD = [
    f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    WHEN {_CHANGED} OR (OLD.row_hash IS NOT NULL AND (NEW.chain_seq IS NOT OLD.chain_seq
         OR NEW.prev_hash IS NOT OLD.prev_hash OR NEW.row_hash IS NOT OLD.row_hash))
    BEGIN SELECT RAISE(ABORT, 'audit_log entries cannot be changed'); END""",
    f"""CREATE TRIGGER audit_log_retention BEFORE DELETE ON audit_log
    WHEN OLD.created_at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-{RETENTION_DAYS} days')
    BEGIN SELECT RAISE(ABORT, 'audit_log entries are kept {RETENTION_DAYS} days'); END""",
]


def _chain_existing(bind) -> None:
    from core.audit_chain import GENESIS, entry_digest

    t = sa.table("audit_log", sa.column("id"), sa.column("chain_seq"), sa.column("prev_hash"),
                 sa.column("row_hash"), sa.column("tenant_id"), sa.column("username"), sa.column("action"),
                 sa.column("entity"), sa.column("entity_id"), sa.column("summary"),
                 sa.column("before", sa.JSON()), sa.column("after", sa.JSON()),
                 sa.column("created_at", sa.DateTime(timezone=True)))
    heads: dict[int, tuple[int, str]] = {}
    rows = bind.execute(sa.select(t).order_by(t.c.id)).all()
    stmt = (sa.update(t).where(t.c.id == sa.bindparam("_id"))
            .values(chain_seq=sa.bindparam("_seq"), prev_hash=sa.bindparam("_prev"), row_hash=sa.bindparam("_hash")))
    params = []
    for row in rows:
        chain = row.tenant_id or 0
        seq, prev = heads.get(chain, (0, GENESIS))
        view = {**row._mapping, "chain_seq": seq + 1}
        digest = entry_digest(prev, _View(view))
        params.append({"_id": row.id, "_seq": seq + 1, "_prev": prev, "_hash": digest})
        heads[chain] = (seq + 1, digest)
    for start in range(0, len(params), 1000):
        bind.execute(stmt, params[start:start + 1000])


class _View:
    def __init__(self, mapping):
        self.__dict__.update(mapping)


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
        batch_op.drop_constraint(FK, type_='foreignkey')
        batch_op.create_foreign_key(FK, 'tenants', ['tenant_id'], ['id'], ondelete='RESTRICT')
    if pg:  # the owner reads every tenant's entries here (FORCE applies to it otherwise)
        op.execute("ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY")
    _chain_existing(bind)
    if pg:
        op.execute("ALTER TABLE audit_log FORCE ROW LEVEL SECURITY")
    op.create_index('uq_audit_log_chain', 'audit_log', [sa.text('coalesce(tenant_id, 0)'), 'chain_seq'],
                    unique=True)
    if pg:
        op.execute(PG_GUARD)
    else:
        for statement in SQLITE_GUARD:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_guard ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_retention")
    op.drop_index('uq_audit_log_chain', table_name='audit_log')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_='foreignkey')
        batch_op.create_foreign_key(FK, 'tenants', ['tenant_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('chain_seq')
