"""P5: importing a 100k-row organizations workbook ÷ openpyxl's read-only parse of the same file.

``python -m bench.importer all --db APP_URL --owner OWNER_URL --rows N``

The workbook is written with openpyxl's write-only mode in the import template's layout
(Chinese headers, valid credit codes and mobile numbers). Then, each in a fresh process so
that peak memory is its own:

* ``parse``: ``load_workbook(read_only=True)`` and every row's values — the floor;
* ``import``: :mod:`core.registry.importer` exactly as a confirmed import job runs it —
  ``open_table`` + ``ImportRun(commit=True)`` in one transaction as the application role
  (cleaning, uniqueness checks, encryption of phone numbers, audit entries), then commit.

Peak memory = the process's peak RSS minus its RSS just before the work.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    PY,
    REPO,
    Row,
    app_env,
    cpu_seconds,
    emit,
    log,
    peak_rss_kib,
    rss_now_kib,
    use_env,
)


def write_workbook(path: Path, n: int) -> None:
    from openpyxl import Workbook

    from core import validators
    from core.registry.importer import ENTITIES

    entity = ENTITIES["organizations"]
    keys = [s.key for s in entity.fields]
    base = {k: entity.example.get(k, "") for k in keys}
    rng = random.Random(5)
    codes: set[str] = set()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("两新组织")
    ws.append(entity.headers)
    kinds = ["非公企业", "社会组织"]
    for i in range(n):
        code = validators.generate_credit_code(rng, "430104")
        while code in codes:
            code = validators.generate_credit_code(rng, "430104")
        codes.add(code)
        row = dict(base, name=f"压测导入组织{i:06d}", credit_code=code, kind=kinds[i % 2],
                   sub_kind="有限责任公司" if i % 2 == 0 else "", employees=rng.randint(1, 500),
                   contact_phone=f"139{rng.randint(0, 99_999_999):08d}", address=f"岳麓区某某路 {i} 号")
        if row["kind"] == "社会组织":
            row["sub_kind"] = ""
        ws.append([row[k] for k in keys])
    wb.save(path)


def do_parse(path: Path) -> dict:
    from openpyxl import load_workbook

    rss0 = rss_now_kib()
    t, c = time.perf_counter(), cpu_seconds()
    wb = load_workbook(path, read_only=True, data_only=True)
    n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True)) - 1
    wb.close()
    return {"seconds": time.perf_counter() - t, "cpu": cpu_seconds() - c, "rows": n,
            "peak_mib": (peak_rss_kib() - rss0) / 1024}


def do_import(path: Path, tenant_id: int) -> dict:
    from core.db import open_session
    from core.registry import importer

    entity = importer.ENTITIES["organizations"]
    known = {s.label for s in entity.fields} | {s.key for s in entity.fields}
    content = path.read_bytes()
    rss0 = rss_now_kib()
    t, c = time.perf_counter(), cpu_seconds()
    session = open_session(tenant_id, user_id=None)
    session.info["username"] = "bench"
    table = importer.open_table(content, "xlsx", "", known)
    run = importer.ImportRun(session, entity, commit=True)
    report = run.execute(table)
    table.close()
    if report.has_errors or report.message:
        session.rollback()
        raise SystemExit(f"import refused: {report.message} {report.problems[:5]}")
    session.commit()
    session.close()
    return {"seconds": time.perf_counter() - t, "cpu": cpu_seconds() - c, "rows": report.created,
            "peak_mib": (peak_rss_kib() - rss0) / 1024}


def child(mode: str, path: Path, env: dict, tenant_id: int, timeout: float) -> dict:
    out = subprocess.run([PY, "-m", "bench.importer", mode, "--file", str(path), "--tenant", str(tenant_id)],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{mode} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["all", "parse", "import"])
    ap.add_argument("--db")
    ap.add_argument("--owner")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--file")
    ap.add_argument("--tenant", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=1200)
    args = ap.parse_args()
    if args.mode == "parse":
        print(json.dumps(do_parse(Path(args.file))))
        return
    if args.mode == "import":
        from core.plugins import registry

        registry().pm.hook.register_models()
        print(json.dumps(do_import(Path(args.file), args.tenant)))
        return

    env = app_env(args.db, args.owner)
    use_env(env)
    from sqlalchemy import text

    from core.db import get_engine

    with get_engine(args.owner).begin() as conn:
        tenant_id = conn.execute(text(
            "INSERT INTO tenants (slug, name, level, terms, created_at, updated_at) VALUES "
            "(:s, '导入压测街道', 'street', '{}', now(), now()) RETURNING id"), {"s": f"imp{int(time.time())}"}).scalar()
    tmp = Path(tempfile.mkdtemp(prefix="liandong-bench-p5-"))
    path = tmp / "orgs.xlsx"
    t = time.perf_counter()
    write_workbook(path, args.rows)
    log(f"wrote {args.rows} rows ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f}s")
    parse = child("parse", path, env, tenant_id, args.timeout)
    log(f"parse: {parse}")
    imp = child("import", path, env, tenant_id, args.timeout)
    log(f"import: {imp}")
    with get_engine(args.owner).connect() as conn:
        conn.execute(text("SELECT set_config('app.tenant_ids', :t, false)"), {"t": str(tenant_id)})
        stored = conn.execute(text("SELECT count(*) FROM organizations WHERE tenant_id = :t"),
                              {"t": tenant_id}).scalar()
    if stored != args.rows or imp["rows"] != args.rows or parse["rows"] != args.rows:
        raise SystemExit(f"row counts differ: file {args.rows}, parsed {parse['rows']}, imported {imp['rows']}, "
                         f"stored {stored}")
    path.unlink()
    tmp.rmdir()
    rps = args.rows / imp["seconds"]
    emit([
        Row("P5", f"import {args.rows:,} organizations from .xlsx ÷ openpyxl read-only parse of it",
            imp["seconds"], parse["seconds"], "s",
            note=f"import {rps:,.0f} rows/s vs parse {args.rows / parse['seconds']:,.0f} rows/s (wall); "
                 f"CPU {imp['cpu']:.1f} s vs {parse['cpu']:.1f} s"),
        Row("P5m", "peak memory (RSS growth) of that import ÷ of the parse", imp["peak_mib"],
            max(parse["peak_mib"], 0.1), "MiB"),
    ], extra={"rows": args.rows, "import_rows_per_s": rps})


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    main()
