"""A fast large-scale registry generator for benchmarks: :func:`generate_scale` bulk-loads N street
tenants × M organizations with party orgs and members (``COPY`` on PostgreSQL, ``executemany`` on
SQLite), resumable and deterministic for a seed. Names and numbers come from the same
vocabularies as the demo data (:mod:`core.registry.demo`)."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from core import clock, crypto, validators
from core.registry.demo import HUNAN_ID_DIVISIONS, INDUSTRY_WORDS, TRADE_HEAD, TRADE_TAIL, add_years
from core.registry.models import (
    Organization,
)

__all__ = ["ScaleResult", "generate_scale"]


ORG_COLUMNS = ("id", "tenant_id", "name", "credit_code", "kind", "sub_kind", "industry", "address", "community",
               "community_tenant_id", "building", "employees", "investor", "legal_rep", "contact_name",
               "contact_phone_enc", "contact_phone_hash", "status", "has_union", "has_youth_league",
               "has_womens_federation", "is_internet_platform", "employs_new_groups", "party_work_active",
               "notes", "created_at", "updated_at")
PO_COLUMNS = ("id", "tenant_id", "name", "org_type", "parent_id", "formation_mode", "secretary_name",
              "founded_on", "term_ends_on", "venue_class", "venue_accepted_on", "is_weak", "is_model",
              "dissolved_on", "dissolved_reason", "created_at", "updated_at")
COVERAGE_COLUMNS = ("id", "tenant_id", "party_org_id", "organization_id")
MEMBER_COLUMNS = ("id", "tenant_id", "name", "gender", "birth_date", "ethnicity", "education", "id_number_enc",
                  "id_number_hash", "phone_enc", "phone_hash", "status", "applied_on", "activist_on",
                  "candidate_on", "probationary_on", "full_on", "party_org_id", "organization_id", "position",
                  "mobile", "mobile_counterpart", "transfer_rule", "transfer_state", "lost_contact", "points",
                  "created_at", "updated_at")
SCALE_TABLES = (("organizations", ORG_COLUMNS), ("party_orgs", PO_COLUMNS),
                ("party_org_coverage", COVERAGE_COLUMNS), ("members", MEMBER_COLUMNS))

_SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红辉婷玲鹏宇浩然梓涵子轩欣怡俊杰雨萱文博嘉怡晨"


@dataclass
class ScaleResult:
    tenants: int
    organizations: int
    party_orgs: int
    coverage: int
    members: int
    seconds: float
    tenant_ids: list[int]


class _ScalePool:
    """Expensive values made once per process and shared by every benchmark tenant.

    Credit codes, ID-card numbers with their ciphertext and keyed hashes, phone numbers: a
    tenant takes a contiguous run of the pool from its own offset, so values are unique within
    a tenant (the constraints are per tenant) while tenants reuse them.
    """

    _cache: dict[tuple[int, int, int, dt.date], _ScalePool] = {}

    def __init__(self, seed: int, n_orgs: int, n_members: int, today: dt.date):
        rng = random.Random(f"scale-pool:{seed}")
        self.orgs = []
        codes: set[str] = set()
        while len(self.orgs) < n_orgs:
            code = validators.generate_credit_code(rng)
            if code in codes:
                continue
            codes.add(code)
            kind = "enterprise" if rng.random() < 0.75 else "social"
            industry = rng.choice("IFLMEHKGCORQP")
            trade = rng.choice(TRADE_HEAD) + rng.choice(TRADE_TAIL)
            name = (f"{trade}{rng.choice(INDUSTRY_WORDS[industry][1])}有限公司" if kind == "enterprise"
                    else f"{trade}社会工作服务中心")
            employees = rng.randint(3, 300)
            self.orgs.append((name, code, kind, "llc" if kind == "enterprise" else "private_non_enterprise", industry,
                              employees, rng.choice(_SURNAMES) + rng.choice(_GIVEN), employees > 25, employees > 60))
        self.members = []
        ids: set[str] = set()
        while len(self.members) < n_members:
            male = rng.random() < 0.6
            birth = dt.date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28))
            idn = validators.generate_id_number(rng, birth, male, rng.choice(HUNAN_ID_DIVISIONS))
            if idn in ids:
                continue
            ids.add(idn)
            phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
            prob = add_years(birth, 23) + dt.timedelta(days=rng.randrange(2000))
            if prob > today - dt.timedelta(days=370):
                prob = today - dt.timedelta(days=370 + rng.randrange(300))
            name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.6 else "")
            self.members.append((name, "male" if male else "female", birth, crypto.encrypt(idn),
                                 crypto.blind_index(idn, "id_number"), crypto.encrypt(phone),
                                 crypto.blind_index(phone, "phone"), prob, add_years(prob, 1)))

    @classmethod
    def get(cls, seed: int, n_orgs: int, n_members: int, today: dt.date) -> _ScalePool:
        # sizes rounded up so that nearby requests share a pool
        key = (seed, -(-n_orgs // 1000) * 1000, -(-n_members // 1000) * 1000 + 1000, today)
        pool = cls._cache.get(key)
        if pool is None:
            pool = cls._cache[key] = cls(seed, *key[1:])
        return pool


class _ScaleTenant:
    """Rows of one benchmark tenant, with ids assigned by the caller."""

    def __init__(self, tenant_id: int, slug: str, n_orgs: int, seed: int, today: dt.date):
        rng = self.rng = random.Random(f"{seed}:{slug}")
        self.tenant_id = tenant_id
        self.n_orgs = n_orgs
        self.seed = seed
        self.today = today
        # structure: party org i covers organizations [start, start + n)
        self.branches: list[tuple[str, int, int]] = []  # (mode, first org, n)
        target = int(n_orgs * 0.85)
        pos = 0
        while pos < target:
            if rng.random() < 0.7:
                mode, n = "single", 1
            else:
                mode, n = "joint", min(rng.randint(2, 4), target - pos)
            self.branches.append((mode, pos, n))
            pos += n
        self.n_party_orgs = 1 + len(self.branches)
        # members: 3 in an organization with its own branch, 1 in each of a joint branch's
        self.member_orgs = [(b, o) for b, (_, first, n) in enumerate(self.branches)
                            for o in range(first, first + n) for _ in range(1 if n > 1 else 3)]
        self.n_members = len(self.member_orgs)
        self.n_coverage = pos

    def rows(self, org_ids: Sequence[int], po_ids: Sequence[int], cov_ids: Sequence[int],
             member_ids: Sequence[int], now: dt.datetime) -> dict[str, list[tuple]]:
        rng, tid, today = self.rng, self.tenant_id, self.today
        pool = _ScalePool.get(self.seed, self.n_orgs, self.n_members, today)
        n_pool_orgs, n_pool_members = len(pool.orgs), len(pool.members)
        org_offset, member_offset = rng.randrange(n_pool_orgs), rng.randrange(n_pool_members)
        randint = rng.randint
        orgs = []
        for i in range(self.n_orgs):
            name, code, kind, sub, industry, employees, legal, union, league = pool.orgs[
                (org_offset + i) % n_pool_orgs]
            orgs.append((
                org_ids[i], tid, f"{name}（{i + 1:05d}）", code, kind, sub, industry,
                f"压测市压测区压测路{randint(1, 999)}号", f"压测{randint(1, 12)}社区", None, "", employees, "",
                legal, "", None, None, "operating", union, league, False, False, False, i < self.n_coverage, "",
                now, now,
            ))
        root = po_ids[0]
        founded_root = today - dt.timedelta(days=3000)
        pos = [(root, tid, "压测街道两新综合党委", "committee", None, "area", "", founded_root,
                add_years(founded_root, 10), 1, founded_root, False, False, None, "", now, now)]
        coverage = []
        c = 0
        for b, (mode, first, n) in enumerate(self.branches):
            founded = today - dt.timedelta(days=randint(30, 4000))
            term = founded + dt.timedelta(days=1095 * (1 + (today - founded).days // 1095))
            weak = rng.random() < 0.03
            single = mode == "single"
            pos.append((po_ids[b + 1], tid, f"{orgs[first][2]}党支部" if single else f"压测联合党支部{b + 1:05d}",
                        "branch" if single else "joint_branch", root, mode, pool.orgs[b % n_pool_orgs][6],
                        founded, term, None, None, weak, not weak and rng.random() < 0.05, None, "", now, now))
            for o in range(first, first + n):
                coverage.append((cov_ids[c], tid, po_ids[b + 1], org_ids[o]))
                c += 1
        members = []
        for k, (b, o) in enumerate(self.member_orgs):
            name, gender, birth, id_enc, id_hash, phone_enc, phone_hash, prob, full = pool.members[
                (member_offset + k) % n_pool_members]
            members.append((
                member_ids[k], tid, name, gender, birth, "汉族", "bachelor", id_enc, id_hash, phone_enc, phone_hash,
                "full", None, None, None, prob, full, po_ids[b + 1], org_ids[o], "", "", "", "", "", False,
                randint(40, 100), now, now,
            ))
        return {"organizations": orgs, "party_orgs": pos, "party_org_coverage": coverage, "members": members}


def _engine_of(url_or_engine: str | Engine) -> Engine:
    if isinstance(url_or_engine, Engine):
        return url_or_engine
    from core.db import get_engine

    return get_engine(url_or_engine)


def _scale_tenants(conn: Connection, prefix: str, count: int) -> list[tuple[int, str]]:
    from core.models import Revision, Tenant

    table = Tenant.__table__
    now = dt.datetime.now(dt.timezone.utc)
    parent = conn.scalar(select(table.c.id).where(table.c.slug == prefix))
    if parent is None:
        parent = conn.execute(insert(table).returning(table.c.id), {
            "slug": prefix, "name": f"压测区（{prefix}）", "level": "district", "parent_id": None,
            "terms": {}, "created_at": now, "updated_at": now}).scalar_one()
    slugs = [f"{prefix}-{i:04d}" for i in range(1, count + 1)]
    existing = dict(conn.execute(select(table.c.slug, table.c.id).where(table.c.parent_id == parent)).all())
    missing = [s for s in slugs if s not in existing]
    if missing:
        conn.execute(insert(table), [
            {"slug": s, "name": f"压测街道{s.rsplit('-', 1)[1]}", "level": "street", "parent_id": parent,
             "terms": {}, "created_at": now, "updated_at": now} for s in missing])
        existing = dict(conn.execute(select(table.c.slug, table.c.id).where(table.c.parent_id == parent)).all())
        rev = Revision.__table__
        if conn.execute(update(rev).where(rev.c.key == "tenants").values(value=rev.c.value + 1)).rowcount == 0:
            conn.execute(insert(rev), {"key": "tenants", "value": 1})
    return [(existing[s], s) for s in slugs]


def _reserve_ids(conn: Connection, table: str, n: int) -> list[int]:
    if n == 0:
        return []
    if conn.dialect.name == "postgresql":
        seq = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table})
        return list(conn.execute(text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"),
                                 {"s": seq, "n": n}).scalars())
    start = (conn.scalar(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")) or 0) + 1  # noqa: S608
    return list(range(start, start + n))


def _bypasses_rls(conn: Connection) -> bool:
    return bool(conn.scalar(text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")))


def _pg_types(table: str, columns: Sequence[str]) -> list[str]:
    """PostgreSQL type names of ``columns`` for a binary COPY."""
    from sqlalchemy import Boolean, Date, DateTime, Integer

    import core.models  # noqa: F401  (the tenants table: foreign keys take their type from it)
    from core.db import Base

    cols = Base.metadata.tables[table].c
    out = []
    for name in columns:
        kind = cols[name].type
        if cols[name].foreign_keys:  # every key of the registry is an integer
            out.append("int4")
        elif isinstance(kind, Boolean):
            out.append("bool")
        elif isinstance(kind, DateTime):
            out.append("timestamptz")
        elif isinstance(kind, Date):
            out.append("date")
        elif isinstance(kind, Integer):
            out.append("int4")
        else:
            out.append("text")
    return out


def _write_pg(conn: Connection, table: str, columns: Sequence[str], rows: list[tuple], staged: bool) -> None:
    cols = ", ".join(columns)
    target = table
    if staged:  # COPY FROM is refused on tables under row-level security: stage, then INSERT
        target = f"_stage_{table}"
        conn.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {target} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"))
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(f"COPY {target} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_pg_types(table, columns))
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()
    if staged:
        conn.execute(text(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {target}"))  # noqa: S608
        conn.execute(text(f"TRUNCATE {target}"))


def _write_sqlite(conn: Connection, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    placeholders = ", ".join("?" for _ in columns)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
                           [tuple(_sqlite_value(v) for v in row) for row in rows])
    finally:
        cursor.close()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _load_batch(engine: Engine, batch: Sequence[tuple[int, str]], orgs_per_tenant: int, seed: int,
                today: dt.date, staged: bool) -> dict[str, int]:
    """One transaction: the rows of ``batch`` (tenant id, slug), with ``app.tenant_ids`` set to them."""
    pg = engine.dialect.name == "postgresql"
    plans = [_ScaleTenant(t, s, orgs_per_tenant, seed, today) for t, s in batch]
    now = dt.datetime.now(dt.timezone.utc)
    written = {}
    with engine.begin() as conn:
        if pg:
            conn.execute(text("SELECT set_config('app.tenant_ids', :s, true)"),
                         {"s": ",".join(str(t) for t, _ in batch)})
        sizes = [{"organizations": p.n_orgs, "party_orgs": p.n_party_orgs, "party_org_coverage": p.n_coverage,
                  "members": p.n_members} for p in plans]
        reserved = {table: _reserve_ids(conn, table, sum(sz[table] for sz in sizes)) for table, _ in SCALE_TABLES}
        offsets = dict.fromkeys(reserved, 0)
        rows: dict[str, list[tuple]] = {table: [] for table in reserved}
        for plan, size in zip(plans, sizes, strict=True):
            ids = {}
            for table, n in size.items():
                ids[table] = reserved[table][offsets[table]: offsets[table] + n]
                offsets[table] += n
            out = plan.rows(ids["organizations"], ids["party_orgs"], ids["party_org_coverage"], ids["members"], now)
            for table, lst in out.items():
                rows[table].extend(lst)
        for table, columns in SCALE_TABLES:
            if pg:
                _write_pg(conn, table, columns, rows[table], staged)
            else:
                _write_sqlite(conn, table, columns, rows[table])
            written[table] = len(rows[table])
        # the figures kept per tenant, in the same transaction (as the app's writes keep them)
        from sqlalchemy.orm import Session

        from core.registry.services.coverage_summary import refresh

        tenant_ids = [t for t, _ in batch]
        with Session(bind=conn, info={"tenant_id": None, "tenant_ids": tuple(tenant_ids)}) as session:
            refresh(session, tenant_ids, today)
    return written


def _scale_worker(url: str, batches: list[list[tuple[int, str]]], orgs_per_tenant: int, seed: int,
                  today: dt.date, staged: bool) -> dict[str, int]:
    """A worker process: its own engine, one transaction per batch."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    totals = dict.fromkeys(("organizations", "party_orgs", "party_org_coverage", "members"), 0)
    try:
        for batch in batches:
            for table, n in _load_batch(engine, batch, orgs_per_tenant, seed, today, staged).items():
                totals[table] += n
    finally:
        engine.dispose()
    return totals


def generate_scale(url_or_engine: str | Engine, tenants: int, orgs_per_tenant: int, seed: int = 0, *,
                   prefix: str = "scale", batch_orgs: int = 20_000, workers: int | None = None,
                   copy_mode: str = "auto", echo: Callable[[str], Any] | None = None) -> ScaleResult:
    """Create ``tenants`` street tenants ``<prefix>-0001``… under a district ``<prefix>`` and
    bulk-load ``orgs_per_tenant`` organizations each, with ~0.5 party orgs, ~0.85 coverage rows
    and ~1.6 members (encrypted ID-card and phone numbers) per organization.

    Run it with the owner/operator connection. Tenants that already have organizations are
    skipped, so re-running resumes. On PostgreSQL rows go in with a binary ``COPY``; each batch
    of ~``batch_orgs`` organizations is one transaction that sets ``app.tenant_ids`` to exactly
    its tenants, and ``workers`` processes (default: the CPU count, at most 8) load batches in
    parallel. When the role is subject to row-level security (``copy_mode="auto"`` checks;
    ``"staged"`` forces it) rows are copied into a temporary table and moved with
    ``INSERT … SELECT``, because PostgreSQL refuses ``COPY FROM`` into a table under RLS; a role
    with BYPASSRLS (or a superuser) copies directly and is about twice as fast.
    SQLite: ``executemany`` in one process. Each batch ends by counting its tenants' coverage
    figures (:mod:`core.registry.services.coverage_summary`).
    """
    import os

    started = time.monotonic()
    engine = _engine_of(url_or_engine)
    pg = engine.dialect.name == "postgresql"
    today = clock.today()
    with engine.begin() as conn:
        tenant_rows = _scale_tenants(conn, prefix, tenants)
    ids = [t for t, _ in tenant_rows]
    with engine.begin() as conn:
        if pg:
            conn.execute(text("SELECT set_config('app.tenant_ids', :s, true)"), {"s": ",".join(map(str, ids))})
        org_tenant = Organization.__table__.c.tenant_id
        done = set(conn.scalars(select(org_tenant).where(org_tenant.in_(ids)).distinct())) if ids else set()
        staged = pg and (copy_mode == "staged" or (copy_mode == "auto" and not _bypasses_rls(conn)))
    todo = [(t, s) for t, s in tenant_rows if t not in done]
    per_batch = max(1, batch_orgs // max(1, orgs_per_tenant))
    batches = [todo[b: b + per_batch] for b in range(0, len(todo), per_batch)]
    if workers is None:
        workers = min(os.cpu_count() or 1, 8)
    workers = max(1, min(workers, len(batches))) if pg else 1
    totals = dict.fromkeys(("organizations", "party_orgs", "party_org_coverage", "members"), 0)

    def report(n_tenants: int) -> None:
        if echo:
            echo(f"{n_tenants}/{len(todo)} tenants, {totals['organizations']} organizations, "
                 f"{totals['members']} members, {time.monotonic() - started:.1f}s")

    if workers == 1:
        loaded = 0
        for batch in batches:
            for table, n in _load_batch(engine, batch, orgs_per_tenant, seed, today, staged).items():
                totals[table] += n
            loaded += len(batch)
            report(loaded)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        url = engine.url.render_as_string(hide_password=False)
        # small chunks of batches per task, so progress shows and the workers stay busy
        chunks = [batches[i: i + 2] for i in range(0, len(batches), 2)]
        loaded = 0
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_scale_worker, url, chunk, orgs_per_tenant, seed, today, staged):
                       sum(len(b) for b in chunk) for chunk in chunks}
            for future in as_completed(futures):
                for table, n in future.result().items():
                    totals[table] += n
                loaded += futures[future]
                report(loaded)
    return ScaleResult(
        tenants=len(todo), organizations=totals["organizations"], party_orgs=totals["party_orgs"],
        coverage=totals["party_org_coverage"], members=totals["members"],
        seconds=time.monotonic() - started, tenant_ids=ids,
    )
