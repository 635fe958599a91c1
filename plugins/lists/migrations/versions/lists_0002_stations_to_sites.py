"""lists: service stations become sites of kind ``lists.station`` (the sites block); a demand taken
at a station references ``sites_sites``.

Every ``lists_stations`` row is copied to ``sites_sites`` (name, level → grade, community, address,
in use, timestamps) and the demands' ``station_id`` is mapped to the new ids; ``lists_stations``
goes. The downgrade puts the stations back from the sites of that kind (and removes those sites).
On PostgreSQL the tables' row-level security is relaxed for the owner while rows are copied
(``NO FORCE``) and forced again afterwards.

Revision ID: lists_0002
Revises: lists_0001
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

from core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "lists_0002"
down_revision = "lists_0001"
branch_labels = None
depends_on = "sites_0001"

KIND = "lists.station"
TABLES = ("sites_sites", "lists_demands", "lists_stations")

stations = sa.table("lists_stations", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                    sa.column("name", sa.String), sa.column("level", sa.String), sa.column("community", sa.String),
                    sa.column("address", sa.String), sa.column("active", sa.Boolean),
                    sa.column("created_at", sa.DateTime(timezone=True)),
                    sa.column("updated_at", sa.DateTime(timezone=True)))
sites = sa.table("sites_sites", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
                 sa.column("kind", sa.String), sa.column("name", sa.String), sa.column("grade", sa.String),
                 sa.column("address", sa.String), sa.column("community", sa.String),
                 sa.column("opening_hours", sa.String), sa.column("manager_kind", sa.String),
                 sa.column("manager_id", sa.Integer), sa.column("manager_name", sa.String),
                 sa.column("services", sa.Text), sa.column("opened_on", sa.Date), sa.column("active", sa.Boolean),
                 sa.column("note", sa.Text), sa.column("created_at", sa.DateTime(timezone=True)),
                 sa.column("updated_at", sa.DateTime(timezone=True)))
demands = sa.table("lists_demands", sa.column("station_id", sa.Integer))


def _relax(tables) -> None:
    """The owner sees every tenant's rows while this revision copies them (PostgreSQL)."""
    if op.get_bind().dialect.name == "postgresql":
        for t in tables:
            op.execute(f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY")


def _force(tables) -> None:
    if op.get_bind().dialect.name == "postgresql":
        for t in tables:
            op.execute(f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY")


def _remap(bind, mapping: dict[int, int]) -> None:
    """Demands' station ids old → new, through negative values so that ids shared by both sets
    never collide."""
    for old, new in mapping.items():
        bind.execute(demands.update().where(demands.c.station_id == old).values(station_id=-new))
    bind.execute(demands.update().where(demands.c.station_id < 0).values(station_id=-demands.c.station_id))


def upgrade() -> None:
    bind = op.get_bind()
    _relax(TABLES)
    with op.batch_alter_table("lists_demands", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_lists_demands_station_id_lists_stations"), type_="foreignkey")
    mapping: dict[int, int] = {}
    for row in bind.execute(sa.select(stations).order_by(stations.c.id)).mappings().all():
        new_id = bind.execute(sites.insert().values(
            tenant_id=row["tenant_id"], kind=KIND, name=row["name"], grade=row["level"] or "street",
            address=row["address"] or "", community=row["community"] or "", opening_hours="", manager_kind="",
            manager_id=None, manager_name="", services="", opened_on=None, active=bool(row["active"]), note="",
            created_at=row["created_at"], updated_at=row["updated_at"]).returning(sites.c.id)).scalar_one()
        mapping[row["id"]] = new_id
    _remap(bind, mapping)
    with op.batch_alter_table("lists_demands", schema=None) as batch_op:
        batch_op.create_foreign_key(op.f("fk_lists_demands_station_id_sites_sites"), "sites_sites", ["station_id"],
                                    ["id"], ondelete="SET NULL")
    disable_tenant_rls("lists_stations")
    with op.batch_alter_table("lists_stations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lists_stations_tenant_id"))
    op.drop_table("lists_stations")
    _force(TABLES[:2])


def downgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "lists_stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("community", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_lists_stations_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lists_stations")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_lists_stations_tenant_id_name")),
    )
    with op.batch_alter_table("lists_stations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lists_stations_tenant_id"), ["tenant_id"], unique=False)
    enable_tenant_rls("lists_stations")
    _relax(TABLES)
    with op.batch_alter_table("lists_demands", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_lists_demands_station_id_sites_sites"), type_="foreignkey")
    mapping: dict[int, int] = {}
    seen: set[tuple[int, str]] = set()
    for row in bind.execute(sa.select(sites).where(sites.c.kind == KIND).order_by(sites.c.id)).mappings().all():
        name = row["name"]
        if (row["tenant_id"], name) in seen:  # stations' names were unique per tenant
            name = f"{name[:90]}（{row['id']}）"
        seen.add((row["tenant_id"], name))
        new_id = bind.execute(stations.insert().values(
            tenant_id=row["tenant_id"], name=name,
            level=row["grade"] if row["grade"] in ("street", "community") else "street",
            community=row["community"] or "", address=row["address"] or "", active=bool(row["active"]),
            created_at=row["created_at"], updated_at=row["updated_at"]).returning(stations.c.id)).scalar_one()
        mapping[row["id"]] = new_id
    bind.execute(demands.update().where(demands.c.station_id.is_not(None),
                                        demands.c.station_id.not_in(list(mapping) or [0])).values(station_id=None))
    _remap(bind, mapping)
    if mapping:
        photos = sa.table("sites_photos", sa.column("site_id", sa.Integer))
        bind.execute(photos.delete().where(photos.c.site_id.in_(list(mapping))))
        bind.execute(sites.delete().where(sites.c.id.in_(list(mapping))))
    with op.batch_alter_table("lists_demands", schema=None) as batch_op:
        batch_op.create_foreign_key(op.f("fk_lists_demands_station_id_lists_stations"), "lists_stations",
                                    ["station_id"], ["id"], ondelete="SET NULL")
    _force(TABLES)
