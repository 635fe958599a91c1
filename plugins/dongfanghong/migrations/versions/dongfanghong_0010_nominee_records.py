"""dongfanghong: a nomination names a record (DFH-6).

``dongfanghong_nominations`` gains ``nominee_kind`` (member | instructor | user | organization)
and ``nominee_id``. Existing rows are matched within their tenant: an entrepreneur nomination
(支持党建工作优秀企业家) with an organization names that organization; 优秀党员 a member of the
nominee's exact name; 优秀党务工作者 a member, else an instructor, else a user with a role in the
tenant — only when exactly one row matches. Unmatched rows keep their text with ``nominee_kind =
''`` (the page marks them 未关联) and are logged. No row is removed; the downgrade drops the two
columns.

Revision ID: dongfanghong_0010
Revises: dongfanghong_0009
Create Date: 2026-12-07
"""
import logging
from collections import defaultdict
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "dongfanghong_0010"
down_revision = "dongfanghong_0009"
branch_labels = None
depends_on = None

T = "dongfanghong_nominations"
log = logging.getLogger("alembic.runtime.migration")
KINDS = {"member": ("member",), "worker": ("member", "instructor", "user")}


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


def upgrade() -> None:
    with op.batch_alter_table(T, schema=None) as batch_op:
        batch_op.add_column(sa.Column("nominee_kind", sa.String(length=16), server_default="", nullable=False))
        batch_op.add_column(sa.Column("nominee_id", sa.Integer(), nullable=True))
    bind = op.get_bind()
    rows_t = sa.table(T, sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                      sa.column("category", sa.String), sa.column("nominee", sa.String),
                      sa.column("organization_id", sa.Integer), sa.column("nominee_kind", sa.String),
                      sa.column("nominee_id", sa.Integer))
    members = sa.table("members", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                       sa.column("name", sa.String))
    instructors = sa.table("instructors", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                           sa.column("name", sa.String))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("display_name", sa.String))
    rules = sa.table("casbin_rule", sa.column("ptype", sa.String), sa.column("v0", sa.String),
                     sa.column("v2", sa.String))
    with _unforced((T, "members", "instructors")):
        rows = bind.execute(sa.select(rows_t).order_by(rows_t.c.id)).all()
        if not rows:
            return
        tenants = {r.tenant_id for r in rows}
        found: dict[tuple[str, int, str], list[int]] = defaultdict(list)
        for kind, table in (("member", members), ("instructor", instructors)):
            for pid, tid, name in bind.execute(sa.select(table.c.id, table.c.tenant_id, table.c.name)
                                               .where(table.c.tenant_id.in_(tenants))):
                found[(kind, tid, (name or "").strip())].append(pid)
        names = dict(bind.execute(sa.select(users.c.id, users.c.display_name)).all())
        for uid, tid in bind.execute(sa.select(rules.c.v0, rules.c.v2).where(rules.c.ptype == "g")).all():
            if str(uid).isdigit() and str(tid).isdigit() and int(tid) in tenants and int(uid) in names:
                key = ("user", int(tid), (names[int(uid)] or "").strip())
                if int(uid) not in found[key]:
                    found[key].append(int(uid))
        unmatched = []
        for r in rows:
            hit = None
            if r.category == "entrepreneur" and r.organization_id:
                hit = ("organization", r.organization_id)
            for kind in KINDS.get(r.category, ()):
                ids = found.get((kind, r.tenant_id, (r.nominee or "").strip()), [])
                if len(ids) == 1:
                    hit = (kind, ids[0])
                    break
            if hit:
                bind.execute(rows_t.update().where(rows_t.c.id == r.id).values(nominee_kind=hit[0], nominee_id=hit[1]))
            else:
                unmatched.append(f"{r.tenant_id}:{r.id} {r.nominee}")
        if unmatched:
            log.warning("dongfanghong_0010: %d nomination(s) not matched to a record (tenant:id name): %s",
                        len(unmatched), "; ".join(unmatched))


def downgrade() -> None:
    with op.batch_alter_table(T, schema=None) as batch_op:
        batch_op.drop_column("nominee_id")
        batch_op.drop_column("nominee_kind")
