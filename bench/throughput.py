"""P1 (authenticated page ÷ hello world) and P6 (2 workers ÷ 1 worker), over HTTP.

``python -m bench.throughput p1|p6 --db URL [--owner URL] [--quick]``

The server is ``uvicorn bench.asgi:app`` (the app plus a bare ``/__bench/hello``), the load a
closed loop of keep-alive loopback connections from :func:`bench.common.load`, logged in as
``dfh_admin`` (sessions in Redis when it is reachable, as in production). The two sides of
each ratio are measured alternately, in ``rounds`` rounds, and summed, so that a change in
the machine's background load hits both. Besides requests per second, the server's own CPU
time per request (all its processes, from /proc) is reported: unlike throughput it does not
depend on what else runs on the machine.
"""

from __future__ import annotations

import argparse
import os

from bench.common import LoadResult, Row, Server, app_env, emit, load, log, redis_available

PAGE = "/t/dongfanghong/example/"
USER = ("dfh_admin", "demo1234")
MARK = "东方红街道".encode()


def _measure(server: Server, path: str, args, *, login: bool) -> LoadResult:
    r = load(server.port, path, connections=args.connections, duration=args.duration, warmup=args.warmup,
             login=USER if login else None, expect=MARK if login else None, server=server,
             shared_sessions="LIANDONG_REDIS_URL" in server.env)
    log(f"{path} on {server.workers} worker(s): {r.summary()}")
    if r.errors:
        raise RuntimeError(f"{r.errors} failed requests on {path}")
    return r


def _total(results: list[LoadResult]) -> tuple[float, float]:
    """(requests per second, server CPU ms per request) over several rounds."""
    n = sum(r.requests for r in results)
    secs = sum(r.seconds for r in results)
    cpu = sum(r.cpu_per_request * r.requests for r in results) / max(1, n)
    return n / secs, cpu * 1000


def p1(args, env) -> None:
    workers = args.workers or os.cpu_count() or 2
    hello, page = [], []
    with Server(env, workers) as server:
        for _ in range(args.rounds):
            hello.append(_measure(server, "/__bench/hello", args, login=False))
            page.append(_measure(server, PAGE, args, login=True))
    (h_rps, h_cpu), (p_rps, p_cpu) = _total(hello), _total(page)
    emit([Row("P1", f"GET {PAGE} logged in ÷ bare ASGI hello, same {workers} workers, {args.connections} conns",
              p_rps, h_rps, "req/s",
              note=f"server CPU per request {p_cpu:.2f} ms vs {h_cpu:.3f} ms ({p_cpu / h_cpu:.0f}×)")],
         extra={"sessions": "redis" if "LIANDONG_REDIS_URL" in env else "memory"})


def p6(args, env) -> None:
    results: dict[int, list[LoadResult]] = {1: [], 2: []}
    with Server(env, 1) as one, Server(env, 2) as two:
        for _ in range(args.rounds):
            results[1].append(_measure(one, PAGE, args, login=True))
            results[2].append(_measure(two, PAGE, args, login=True))
    (r1, c1), (r2, c2) = _total(results[1]), _total(results[2])
    emit([Row("P6", f"GET {PAGE}: 2 workers ÷ 1 worker, {args.connections} conns", r2, r1, "req/s",
              note=f"server CPU per request {c1:.2f} → {c2:.2f} ms")])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("which", choices=["p1", "p6"])
    ap.add_argument("--db", required=True)
    ap.add_argument("--owner")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--connections", type=int, default=16)
    args = ap.parse_args()
    args.duration, args.warmup, args.rounds = (3.0, 1.0, 2) if args.quick else (8.0, 2.0, 3)
    env = app_env(args.db, args.owner, redis=True)
    if not redis_available():
        log("Redis not reachable: in-memory sessions (each connection logs in on its own worker)")
    (p1 if args.which == "p1" else p6)(args, env)


if __name__ == "__main__":
    main()
