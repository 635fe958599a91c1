"""Prepare a benchmark database (run in a subprocess whose environment points at it).

``python -m bench.prepare --owner URL [--app-role] [--demo] [--bench-user] [--scale T O]``

* migrations as the owner; on PostgreSQL the application role (no BYPASSRLS) is created;
* ``--demo``: the demo tenants, users and registry (``liandong demo``);
* ``--bench-user``: only the roles and a platform administrator ``bench`` (password demo1234);
* ``--scale T O``: ``core.registry.scale.generate_scale`` — T street tenants × O organizations
  under the district ``scale`` (or an equivalent SQL generator when that is missing), then ANALYZE.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import time

from sqlalchemy import select, text

BENCH_USER, BENCH_PASSWORD = "bench", "demo1234"


#: P1/P6's page is the example plugin's board of dongfanghong; the demo tenants no longer enable
#: that development-only plugin (467c631), so the bench world adds it as the test world does
#: (tests/conftest.py), with the same settings.
EXAMPLE_IN_BENCH_WORLD = {"dongfanghong": 'board_title = "街道公告栏"\nmax_notices = 200\n'}


def bench_tenants_dir() -> None:
    """The demo tenant specs plus the example plugin where P1 reads it, as ``LIANDONG_TENANTS_DIR``."""
    import os
    import tempfile
    from pathlib import Path

    from core.config import REPO_ROOT, get_settings

    target = Path(tempfile.mkdtemp(prefix="liandong-bench-tenants-"))
    for spec in (REPO_ROOT / "tenants").glob("*.toml"):
        text = spec.read_text(encoding="utf-8")
        if spec.stem in EXAMPLE_IN_BENCH_WORLD:
            text += "\n[plugins.example]\nenabled = true\n" + EXAMPLE_IN_BENCH_WORLD[spec.stem]
        (target / spec.name).write_text(text, encoding="utf-8")
    os.environ["LIANDONG_TENANTS_DIR"] = str(target)
    get_settings.cache_clear()


def bench_user() -> None:
    from core.demo import DEMO_PASSWORD
    from core.models import User
    from core.permissions import PLATFORM, build_catalog, sync_role_permissions
    from core.plugins import registry
    from core.services.users import create_user, grant_role
    from core.tenancy import operator_session

    assert DEMO_PASSWORD == BENCH_PASSWORD
    catalog = build_catalog(registry().pm)
    with operator_session("bench") as s:
        sync_role_permissions(s, catalog)
        user = s.scalar(select(User).where(User.username == BENCH_USER))
        if user is None:
            user = create_user(s, BENCH_USER, BENCH_PASSWORD, "压测管理员", seeded=True)
        grant_role(s, user, "platform_admin", PLATFORM, catalog.roles)


def scale(owner_url: str, tenants: int, orgs: int) -> dict:
    started = time.monotonic()
    echo = lambda m: print("    " + m, file=sys.stderr, flush=True)  # noqa: E731
    out: dict = {}
    try:
        from core.registry.scale import generate_scale
    except ImportError as exc:
        generate_scale = None
        out["problem"] = f"core.registry.scale.generate_scale missing ({exc})"
    if generate_scale is not None:
        attempts = [{}]
        if "workers" in inspect.signature(generate_scale).parameters:
            attempts.append({"workers": 1})  # the serial path, if the parallel one fails
        for extra in attempts:
            try:
                r = generate_scale(owner_url, tenants, orgs, prefix="scale", echo=echo, **extra)
            except Exception as exc:  # noqa: BLE001 - fall back, and say so
                msg = f"generate_scale({', '.join(f'{k}={v}' for k, v in extra.items())}) failed: " \
                      f"{type(exc).__name__}: {exc}"
                echo(msg)
                out["problem"] = "; ".join(filter(None, [out.get("problem"), msg]))
                continue
            out.update({"generator": "core.registry.scale.generate_scale" + (" (workers=1)" if extra else ""),
                        "organizations": r.organizations, "party_orgs": r.party_orgs, "coverage": r.coverage,
                        "members": r.members})
            break
    if "generator" not in out:
        out.update({"generator": "bench SQL fallback (tenants and organizations only)",
                    **sql_scale(owner_url, tenants, orgs)})
    from core.db import get_engine

    with get_engine(owner_url).connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        if conn.dialect.name == "postgresql":
            conn.execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    out["seconds"] = round(time.monotonic() - started, 1)
    return out


def sql_scale(owner_url: str, tenants: int, orgs: int) -> dict:
    """Tenants and organizations only, straight in SQL (used when generate_scale is missing)."""
    from core.db import get_engine

    with get_engine(owner_url).begin() as conn:  # remove what a failed generator left
        conn.execute(text("DELETE FROM tenants WHERE slug LIKE 'scale-%'"))
        conn.execute(text("DELETE FROM tenants WHERE slug = 'scale'"))
    with get_engine(owner_url).begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_ids', '', true)"))
        parent = conn.execute(text(
            "INSERT INTO tenants (slug, name, level, terms, created_at, updated_at) "
            "VALUES ('scale', '压测区', 'district', '{}', now(), now()) RETURNING id")).scalar()
        conn.execute(text(
            "INSERT INTO tenants (slug, name, level, parent_id, terms, created_at, updated_at) "
            "SELECT 'scale-' || lpad(i::text, 4, '0'), '压测街道' || i, 'street', :p, '{}', now(), now() "
            "FROM generate_series(1, :n) i"), {"p": parent, "n": tenants})
        ids = list(conn.execute(text("SELECT id FROM tenants WHERE parent_id = :p"), {"p": parent}).scalars())
        conn.execute(text("SELECT set_config('app.tenant_ids', :s, true)"), {"s": ",".join(map(str, ids))})
        conn.execute(text(
            "INSERT INTO organizations (tenant_id, name, kind, sub_kind, industry, address, community, "
            "building, employees, investor, legal_rep, contact_name, status, has_union, has_youth_league, "
            "has_womens_federation, is_internet_platform, employs_new_groups, party_work_active, notes, "
            "created_at, updated_at) "
            "SELECT t.id, '压测组织' || t.id || '-' || g, "
            "CASE WHEN g % 3 = 0 THEN 'social' ELSE 'enterprise' END, '', 'I', '', '社区' || (g % 20), "
            "'楼宇' || (g % 15), g % 200, '', '', '', 'operating', g % 2 = 0, false, false, false, false, "
            "g % 4 = 0, '', now(), now() FROM unnest(CAST(:ids AS int[])) t(id), generate_series(1, :o) g"),
            {"ids": ids, "o": orgs})
    return {"organizations": tenants * orgs}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--owner", required=True)
    ap.add_argument("--app-role", action="store_true")
    ap.add_argument("--demo", action="store_true")
    ap.add_argument("--bench-user", action="store_true")
    ap.add_argument("--scale", nargs=2, type=int, metavar=("TENANTS", "ORGS"))
    args = ap.parse_args()

    from core import migrate, revisions
    from core.db import get_engine

    migrate.upgrade(args.owner)
    if args.app_role and args.owner.startswith("postgresql"):
        from bench.common import APP_PW, APP_ROLE
        from core.pg import create_app_role

        with get_engine(args.owner).begin() as conn:
            create_app_role(conn, APP_ROLE, APP_PW)
    revisions.poll(force=True)
    if args.demo:
        from core.demo import load_demo

        bench_tenants_dir()
        load_demo(echo=lambda *_: None)
    if args.bench_user:
        bench_user()
    out = {}
    if args.scale:
        out["scale"] = scale(args.owner, *args.scale)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
