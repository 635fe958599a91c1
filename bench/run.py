"""Run every benchmark and print a table of ratios, each against a baseline of the same run.

    .venv/bin/python bench/run.py [--quick] [--only P1,P3] [--json results.json] [--keep]

See bench/README.md. Each benchmark runs in its own subprocess with a time limit; the
PostgreSQL databases it needs are created on ``LIANDONG_BENCH_PG`` (default the local
cluster, user postgres) and dropped at the end (``--keep`` keeps them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LIANDONG_BENCH_SECRET", secrets.token_hex(16))

from bench.common import (  # noqa: E402
    PY,
    REPO,
    RESULT_PREFIX,
    app_env,
    create_pg_database,
    drop_pg_database,
    pg_available,
    pg_url,
    redis_available,
)

SIZES = {
    # name: (P2 big tenants, orgs per tenant, P5 rows)
    "quick": (100, 1000, 10_000),
    "full": (1000, 1000, 100_000),
}


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    pg = ""
    if pg_available():
        import psycopg

        from bench.common import PG_ADMIN

        with psycopg.connect(PG_ADMIN.replace("+psycopg", "")) as c:
            pg = c.execute("SHOW server_version").fetchone()[0]
    return {"date": dt.datetime.now().astimezone().isoformat(timespec="minutes"), "cpu": cpu,
            "cores": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "postgresql": pg, "redis": redis_available(), "load_start": os.getloadavg()}


class Runner:
    def __init__(self, quick: bool):
        self.quick = quick
        self.rows: list[dict] = []
        self.notes: list[str] = []
        self.timings: dict[str, float] = {}

    def run(self, name: str, args: list[str], timeout: float, env: dict | None = None,
            result: bool = True) -> dict | None:
        print(f"\n▶ {name}: python {' '.join(a if len(a) < 60 else a[:57] + '…' for a in args)}",
              file=sys.stderr, flush=True)
        started = time.monotonic()
        load0 = os.getloadavg()[0]
        proc = subprocess.Popen([PY, *args], cwd=REPO, env=env or app_env("sqlite://"), stdout=subprocess.PIPE,
                                text=True, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)  # the child stops its own servers on SIGTERM
            try:
                proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
            self.notes.append(f"{name}: stopped after the {timeout:.0f} s limit")
            return None
        finally:
            self.timings[name] = time.monotonic() - started
        if proc.returncode != 0:
            self.notes.append(f"{name}: failed (exit {proc.returncode}); see the output above")
            return None
        if not result:
            return {"stdout": out}
        for line in reversed(out.splitlines()):
            if line.startswith(RESULT_PREFIX):
                result = json.loads(line[len(RESULT_PREFIX):])
                for row in result["rows"]:
                    row["load"] = round((load0 + os.getloadavg()[0]) / 2, 1)
                self.rows.extend(result["rows"])
                self.notes.extend(f"{name}: {n}" for n in result["notes"])
                return result
        self.notes.append(f"{name}: no result line")
        return None


def ratio(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}" if v >= 0.1 else f"{v:.3g}"


def table(rows: list[dict]) -> str:
    out = ["| # | measured | value | baseline | ratio | notes |", "|---|---|---:|---:|---:|---|"]

    def fmt(v: float) -> str:
        return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"

    for r in rows:
        note = "; ".join(filter(None, [r["note"], f"load avg {r['load']}" if r.get("load") is not None else ""]))
        out.append(f"| {r['id']} | {r['what']} | {fmt(r['value'])} {r['unit']} | {fmt(r['baseline'])} {r['unit']} "
                   f"| **{ratio(r['ratio'])}×** | {note} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes; the whole run in a few minutes")
    ap.add_argument("--only", default="", help="comma-separated: P1,P2,P3,P4,P5,P6,P7")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    args = ap.parse_args()
    only = {x.strip().upper() for x in args.only.split(",") if x.strip()}
    want = lambda p: not only or p in only  # noqa: E731
    mode = "quick" if args.quick else "full"
    big_tenants, big_orgs, p5_rows = SIZES[mode]
    q = ["--quick"] if args.quick else []
    k = 1 if args.quick else 4  # time limits scale with the sizes
    info = machine()
    r = Runner(args.quick)
    pg = pg_available()
    if not pg:
        r.notes.append("PostgreSQL not reachable: P2, P5, P7 skipped; P1/P6 on SQLite")
    databases: list[str] = []

    def new_db(prefix: str, prepare: list[str], timeout: float) -> tuple[str, str] | None:
        name = create_pg_database(prefix)
        databases.append(name)
        owner, app = pg_url(name), pg_url(name, app=True)
        ok = r.run(f"prepare {prefix}", ["-m", "bench.prepare", "--owner", owner, "--app-role", *prepare],
                   timeout, env=app_env(app, owner), result=False)
        if ok is None:
            return None
        try:
            info = json.loads(ok["stdout"].strip().splitlines()[-1])
        except (ValueError, IndexError):
            info = {}
        if "scale" in info:
            sc = info["scale"]
            r.notes.append(f"data for {prefix}: {sc.get('organizations', 0):,} organizations"
                           + (f", {sc['party_orgs']:,} party orgs, {sc['members']:,} members" if "members" in sc else "")
                           + f" by {sc['generator']} in {sc['seconds']} s (+ VACUUM ANALYZE)"
                           + (f" — {sc['problem']}" if sc.get("problem") else ""))
        return owner, app

    started = time.monotonic()
    try:
        if want("P3"):
            r.run("P3", ["-m", "bench.render", *q], 120 * k)
        if want("P4"):
            per = {}
            for n in (1, 10_000):
                res = r.run(f"P4 ({n} tenants)", ["-m", "bench.permissions", "--tenants", str(n), *q], 240 * k)
                per[n] = res["extra"] if res else None
            if per[1] and per[10_000]:
                a, b = per[10_000], per[1]
                load = round(os.getloadavg()[0], 1)
                r.rows.append({"id": "P4", "what": f"effective_permissions() per request: {a['tenants']:,} tenants "
                               f"({a['rules']:,} g rules, depth {a['depth']}) ÷ 1 tenant", "value": a["check_us"],
                               "baseline": b["check_us"], "unit": "µs", "ratio": a["check_us"] / b["check_us"],
                               "note": "CPU time, checks at the deepest tenants", "load": load})
                r.rows.append({"id": "P4l", "what": "policy (re)load per worker + a user's first check: same ÷ 1 tenant",
                               "value": a["load_ms"], "baseline": b["load_ms"], "unit": "ms",
                               "ratio": a["load_ms"] / b["load_ms"],
                               "note": f"on start and after every role/policy change; full casbin enforcer {a.get('full_ms', 0):.1f} ms",
                               "load": load})
        if want("P1") or want("P6"):
            if pg:
                dbs = new_db("app", ["--demo"], 300 * k)
                owner, app = dbs if dbs else (None, None)
            else:
                path = Path(os.environ.get("TMPDIR", "/tmp")) / f"liandong-bench-{os.getpid()}.db"
                owner = app = f"sqlite:///{path}"
                r.run("prepare app (SQLite)", ["-m", "bench.prepare", "--owner", owner, "--demo"], 300 * k,
                      env=app_env(app), result=False)
            if app:
                for p in ("P1", "P6"):
                    if want(p):
                        r.run(p, ["-m", "bench.throughput", p.lower(), "--db", app, "--owner", owner, *q],
                              300 * k, env=app_env(app, owner))
        if pg and want("P5"):
            dbs = new_db("import", [], 120 * k)
            if dbs:
                r.run("P5", ["-m", "bench.importer", "all", "--db", dbs[1], "--owner", dbs[0],
                             "--rows", str(p5_rows)], 900 * k, env=app_env(dbs[1], dbs[0]))
        if pg and (want("P2") or want("P7")):
            big = new_db("big", ["--bench-user", "--scale", str(big_tenants), str(big_orgs)], 900 * k)
            small = new_db("small", ["--bench-user", "--scale", "1", "1000"], 300 * k) if want("P2") else None
            big_desc = f"{big_tenants:,} tenants / {big_tenants * big_orgs:,} orgs"
            if want("P2") and big and small:
                r.run("P2", ["-m", "bench.scale", "p2", "--small", small[1], "--big", big[1],
                             "--big-desc", big_desc, *q], 600 * k)
            if want("P7") and big:
                r.run("P7", ["-m", "bench.scale", "p7", "--big", big[1], "--big-owner", big[0], *q], 600 * k)
    finally:
        if redis_available():  # the benchmark's sessions (its own Redis database, see README)
            try:
                import redis

                from bench.common import REDIS

                client = redis.Redis.from_url(REDIS)
                for key in client.scan_iter("liandong*", count=1000):
                    client.delete(key)
            except Exception as exc:  # noqa: BLE001
                r.notes.append(f"could not clear the benchmark's Redis keys: {exc}")
        if not args.keep:
            for name in databases:
                try:
                    drop_pg_database(name)
                except Exception as exc:  # noqa: BLE001
                    r.notes.append(f"could not drop {name}: {exc}")
        elif databases:
            r.notes.append("kept databases: " + ", ".join(databases))
    info["load_end"] = os.getloadavg()
    info["seconds"] = round(time.monotonic() - started)
    order = {f"P{i}": i for i in range(1, 8)}
    r.rows.sort(key=lambda row: (order.get(row["id"][:2], 9), row["id"]))
    print(f"\nLiandong benchmarks ({mode}) — {info['date']}, {info['cpu']}, {info['cores']} cores, "
          f"{info['memory']}, Python {info['python']}, PostgreSQL {info['postgresql'] or '-'}, "
          f"sessions in {'Redis' if info['redis'] else 'memory'}; "
          f"load avg {info['load_start'][0]:.1f} → {info['load_end'][0]:.1f}; {info['seconds']} s\n")
    print(table(r.rows))
    for note in r.notes:
        print(f"\n- {note}")
    print("\nstep times: " + ", ".join(f"{k} {v:.0f}s" for k, v in r.timings.items()))
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "mode": mode, "rows": r.rows, "notes": r.notes,
                                               "timings": r.timings}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
