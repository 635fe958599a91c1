"""dongfanghong: a butler is a person of the system (DFH-4).

``dongfanghong_butlers`` gains ``person_kind`` (member | instructor | user), ``person_id`` and
``services`` (the seed's service kinds). Each existing butler's free-text name is matched within
its tenant, exactly: a member of that name, else an instructor, else a user with a role in the
tenant whose display name it is — only when exactly one row matches. Rows without a match keep
their name with ``person_kind = ''``: the butlers page lists them as 未关联 until someone picks the
person, and the migration logs them (``alembic`` logger). No row is removed. The downgrade drops
the three columns (the names stay).

Revision ID: dongfanghong_0009
Revises: dongfanghong_0008
Create Date: 2026-12-07
"""
import logging
from collections import defaultdict
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "dongfanghong_0009"
down_revision = "dongfanghong_0008"
branch_labels = None
depends_on = None

T = "dongfanghong_butlers"
log = logging.getLogger("alembic.runtime.migration")


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
        batch_op.add_column(sa.Column("person_kind", sa.String(length=16), server_default="", nullable=False))
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("services", sa.String(length=200), server_default="", nullable=False))
    bind = op.get_bind()
    butlers = sa.table(T, sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer), sa.column("name", sa.String),
                       sa.column("person_kind", sa.String), sa.column("person_id", sa.Integer))
    members = sa.table("members", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                       sa.column("name", sa.String))
    instructors = sa.table("instructors", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                           sa.column("name", sa.String))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("display_name", sa.String))
    rules = sa.table("casbin_rule", sa.column("ptype", sa.String), sa.column("v0", sa.String),
                     sa.column("v2", sa.String))
    with _unforced((T, "members", "instructors")):
        rows = bind.execute(sa.select(butlers).order_by(butlers.c.id)).all()
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
            name = (r.name or "").strip()
            for kind in ("member", "instructor", "user"):
                hits = found.get((kind, r.tenant_id, name), [])
                if len(hits) == 1:
                    bind.execute(butlers.update().where(butlers.c.id == r.id)
                                 .values(person_kind=kind, person_id=hits[0]))
                    break
            else:
                unmatched.append(f"{r.tenant_id}:{r.id} {name}")
        if unmatched:
            log.warning("dongfanghong_0009: %d butler(s) not matched to a person (tenant:id name): %s",
                        len(unmatched), "; ".join(unmatched))


def downgrade() -> None:
    with op.batch_alter_table(T, schema=None) as batch_op:
        batch_op.drop_column("services")
        batch_op.drop_column("person_id")
        batch_op.drop_column("person_kind")
