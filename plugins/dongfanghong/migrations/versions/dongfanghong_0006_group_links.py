"""dongfanghong: a 联组's linked community (社区/村) party orgs become references (DFH-1).

Until now they were the free-text cluster attribute ``community_party_orgs`` ("甲社区党委、乙社区党委").
Each joint group's text is split on 、，, and every name is matched against the party orgs of the
group's street and of the street's community / village tenants (same name, not dissolved):
exactly one match becomes a linked reference (``party_org_id``, ``party_org_tenant_id``); a name
with no match or several is kept as an unmatched row (``party_org_id`` NULL, the name as written),
shown on the group page to be resolved — nothing is lost. What could not be matched is reported
in the migration's log (alembic logger, WARNING). The attribute is removed from the cluster.

Downgrade writes the names (linked and unmatched) back into the attribute and drops the table.

The copy reads every tenant's clusters and party orgs: on PostgreSQL their row-level security is
not forced on the owner for its duration (as ``dongfanghong_0004`` does).

Revision ID: dongfanghong_0006
Revises: dongfanghong_0005
Create Date: 2026-12-07
"""
import datetime as dt
import logging
import re

import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "dongfanghong_0006"
down_revision = "dongfanghong_0005"
branch_labels = None
depends_on = None

T = "dongfanghong_group_links"
TYPE = "dongfanghong.joint_group"
ATTR = "community_party_orgs"
log = logging.getLogger("alembic.runtime.migration")


def _unforced(tables):
    from contextlib import contextmanager

    @contextmanager
    def cm():
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
    return cm()


def _tables():
    clusters = sa.table("clusters", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                        sa.column("cluster_type", sa.String), sa.column("name", sa.String),
                        sa.column("attributes", sa.JSON))
    party_orgs = sa.table("party_orgs", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                          sa.column("name", sa.String), sa.column("dissolved_on", sa.Date))
    tenants = sa.table("tenants", sa.column("id", sa.Integer), sa.column("parent_id", sa.Integer),
                       sa.column("level", sa.String))
    links = sa.table(T, sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                     sa.column("cluster_id", sa.Integer), sa.column("party_org_id", sa.Integer),
                     sa.column("party_org_tenant_id", sa.Integer), sa.column("name", sa.String),
                     sa.column("created_at", sa.DateTime(timezone=True)),
                     sa.column("updated_at", sa.DateTime(timezone=True)))
    return clusters, party_orgs, tenants, links


def split_names(text) -> list[str]:
    out: list[str] = []
    for name in re.split(r"[、，,;；\n]+", str(text or "")):
        name = name.strip()[:200]
        if name and name not in out:
            out.append(name)
    return out


def upgrade() -> None:
    op.create_table(
        T,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("party_org_id", sa.Integer(), nullable=True),
        sa.Column("party_org_tenant_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{T}_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"], name=op.f(f"fk_{T}_cluster_id_clusters"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["party_org_id"], ["party_orgs.id"], name=op.f(f"fk_{T}_party_org_id_party_orgs"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["party_org_tenant_id"], ["tenants.id"],
                                name=op.f(f"fk_{T}_party_org_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{T}")),
        sa.UniqueConstraint("cluster_id", "party_org_id", name=op.f(f"uq_{T}_cluster_id_party_org_id")),
    )
    for col in ("tenant_id", "cluster_id", "party_org_id"):
        op.create_index(op.f(f"ix_{T}_{col}"), T, [col], unique=False)
    enable_tenant_rls(T)
    bind = op.get_bind()
    clusters, party_orgs, tenants, links = _tables()
    now = dt.datetime.now(dt.timezone.utc)
    with _unforced(("clusters", "party_orgs", T)):
        rows = bind.execute(sa.select(clusters.c.id, clusters.c.tenant_id, clusters.c.name, clusters.c.attributes)
                            .where(clusters.c.cluster_type == TYPE).order_by(clusters.c.id)).all()
        for cid, tid, cname, attrs in rows:
            attrs = dict(attrs or {})
            if ATTR not in attrs:
                continue
            names = split_names(attrs.pop(ATTR))
            scope = [tid] + [i for (i,) in bind.execute(sa.select(tenants.c.id).where(
                tenants.c.parent_id == tid, tenants.c.level.in_(("community", "village"))))]
            unmatched = []
            for name in names:
                found = bind.execute(sa.select(party_orgs.c.id, party_orgs.c.tenant_id).where(
                    party_orgs.c.name == name, party_orgs.c.tenant_id.in_(scope),
                    party_orgs.c.dissolved_on.is_(None))).all()
                if len(found) == 1:
                    (pid, ptid), = found
                    bind.execute(links.insert().values(tenant_id=tid, cluster_id=cid, party_org_id=pid,
                                                       party_org_tenant_id=ptid, name=name, created_at=now,
                                                       updated_at=now))
                else:
                    unmatched.append(name + ("（同名党组织多个）" if found else ""))
                    bind.execute(links.insert().values(tenant_id=tid, cluster_id=cid, party_org_id=None,
                                                       party_org_tenant_id=None, name=name, created_at=now,
                                                       updated_at=now))
            if unmatched:
                log.warning("dongfanghong_0006: 联组「%s」(tenant %s) 未能匹配的联动社区（村）党组织：%s — "
                            "kept as unmatched links, to be resolved on the group page", cname, tid,
                            "、".join(unmatched))
            bind.execute(clusters.update().where(clusters.c.id == cid).values(attributes=attrs))


def downgrade() -> None:
    bind = op.get_bind()
    clusters, _party_orgs, _tenants, links = _tables()
    with _unforced(("clusters", T)):
        names: dict[int, list[str]] = {}
        for cid, name in bind.execute(sa.select(links.c.cluster_id, links.c.name).order_by(links.c.id)):
            names.setdefault(cid, []).append(name)
        for cid, attrs in bind.execute(sa.select(clusters.c.id, clusters.c.attributes)
                                       .where(clusters.c.id.in_(list(names) or [-1]))).all():
            attrs = dict(attrs or {})
            attrs[ATTR] = "、".join(names[cid])[:1000]
            bind.execute(clusters.update().where(clusters.c.id == cid).values(attributes=attrs))
    disable_tenant_rls(T)
    op.drop_table(T)
