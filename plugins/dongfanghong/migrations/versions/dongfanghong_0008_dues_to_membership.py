"""dongfanghong: the dues handed in move to the membership block's dues ledger (DFH-5).

Every row of ``dongfanghong_dues`` (a party org's dues handed in for a year, the basis of
党费全额返还) becomes a 党费上缴 record in ``membership_dues_remittances`` (same party org, year,
amount, note, timestamps); a record the membership ledger already has for that party org and year
keeps its amount (it is the ledger's). Then the table goes. The downgrade copies the records back
(all of them: the table was the program's only ledger of these).

Revision ID: dongfanghong_0008
Revises: dongfanghong_0007
Create Date: 2026-12-07
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "dongfanghong_0008"
down_revision = "dongfanghong_0007"
branch_labels = None
depends_on = "membership_0002"

OLD, NEW = "dongfanghong_dues", "membership_dues_remittances"


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


def _table(name: str, *extra) -> sa.TableClause:
    return sa.table(name, sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                    sa.column("party_org_id", sa.Integer), sa.column("year", sa.Integer),
                    sa.column("amount_fen", sa.BigInteger), sa.column("note", sa.String),
                    sa.column("created_at", sa.DateTime(timezone=True)),
                    sa.column("updated_at", sa.DateTime(timezone=True)), *extra)


def upgrade() -> None:
    bind = op.get_bind()
    old, new = _table(OLD), _table(NEW, sa.column("remitted_on", sa.Date))
    with _unforced((OLD, NEW)):
        have = {(r.tenant_id, r.party_org_id, r.year) for r in bind.execute(
            sa.select(new.c.tenant_id, new.c.party_org_id, new.c.year)).all()}
        for r in bind.execute(sa.select(old).order_by(old.c.id)).all():
            if (r.tenant_id, r.party_org_id, r.year) in have:
                continue
            bind.execute(new.insert().values(tenant_id=r.tenant_id, party_org_id=r.party_org_id, year=r.year,
                                             amount_fen=r.amount_fen, note=r.note or "", remitted_on=None,
                                             created_at=r.created_at, updated_at=r.updated_at))
    disable_tenant_rls(OLD)
    op.drop_table(OLD)


def downgrade() -> None:
    t = OLD
    op.create_table(
        t,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('party_org_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f(f'fk_{t}_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{t}')),
        sa.ForeignKeyConstraint(['party_org_id'], ['party_orgs.id'], name=op.f(f'fk_{t}_party_org_id_party_orgs'),
                                ondelete='CASCADE'),
        sa.UniqueConstraint('tenant_id', 'party_org_id', 'year', name=op.f(f'uq_{t}_tenant_id_party_org_id_year')),
    )
    op.create_index(op.f(f'ix_{t}_party_org_id'), t, ['party_org_id'], unique=False)
    op.create_index(op.f(f'ix_{t}_tenant_id'), t, ['tenant_id'], unique=False)
    op.create_index(op.f(f'ix_{t}_year'), t, ['year'], unique=False)
    enable_tenant_rls(t)
    bind = op.get_bind()
    old, new = _table(OLD), _table(NEW)
    with _unforced((OLD, NEW)):
        for r in bind.execute(sa.select(new).order_by(new.c.id)).all():
            bind.execute(old.insert().values(tenant_id=r.tenant_id, party_org_id=r.party_org_id, year=r.year,
                                             amount_fen=r.amount_fen, note=r.note or "", created_at=r.created_at,
                                             updated_at=r.updated_at))
