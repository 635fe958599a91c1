"""P2 (pages with 1,000 tenants / 1M organizations ÷ 1 tenant / 1k) and P7 (RLS on ÷ off).

``python -m bench.scale p2 --small APP_URL --big APP_URL [--quick]``
``python -m bench.scale p7 --big APP_URL --big-owner OWNER_URL [--quick]``

Both databases are prepared by ``run.py`` with ``bench.prepare --scale`` (district ``scale``
with streets ``scale-0001``…, every street the same size) and a platform administrator
``bench``.

P2 serves each database with one uvicorn worker and requests, one after the other, as
``bench``: the organization list of a street, the coverage dashboard of that street, and the
coverage dashboard of the district (a roll-up over every street). Median latency big ÷ small.

P7 runs the queries of the organization list page (count + page, covering party orgs, member
counts, filter options) for a street, and the district coverage roll-up, in-process through
``core.db`` sessions: as the application role (row-level security applies) and as the owner
— a superuser, which bypasses RLS — with the same tenant scope, alternating, median of each.
"""

from __future__ import annotations

import argparse
import time

from bench.common import Row, Server, app_env, emit, log, median, sequential_latency

USER = ("bench", "demo1234")
PAGES = [
    ("P2", "organization list of a street", "/t/scale-0001/organizations", "压测"),
    ("P2c", "coverage dashboard of a street", "/t/scale-0001/coverage", "两个覆盖"),
    ("P2d", "coverage dashboard of the district (roll-up of every street)", "/t/scale/coverage", "两个覆盖"),
]


def p2(args) -> None:
    n, budget = (8, 20.0) if args.quick else (30, 60.0)
    lat: dict[str, dict[str, float]] = {}
    for label, url in (("small", args.small), ("big", args.big)):
        with Server(app_env(url), 1) as server:
            for pid, _what, path, mark in PAGES:
                values = sequential_latency(server.port, path, login=USER, n=n, warmup=2, budget=budget,
                                            expect=mark.encode())
                lat.setdefault(pid, {})[label] = median(values)
                log(f"{label} {path}: median {median(values) * 1000:.1f} ms over {len(values)}")
    rows = [Row(pid, f"{what}: {args.big_desc} ÷ {args.small_desc}", lat[pid]["big"] * 1000,
                lat[pid]["small"] * 1000, "ms") for pid, what, _p, _m in PAGES]
    emit(rows)


def _org_page(session, user_id: int) -> int:
    from core.registry.services import organizations as svc

    access = svc.Access(user_id, True, False)
    f = svc.OrgFilter()
    result = svc.list_organizations(session, access, f, 1)
    ids = [o.id for o in result.items]
    svc.covering_party_orgs(session, ids)
    svc.member_counts(session, ids)
    svc.filter_options(session, access)
    return result.total


def _rollup(session, tenant) -> int:
    from core.registry.services import coverage as cov
    from core.tenancy import tree

    board = cov.dashboard(session, tenant, tree())
    return board.figures["all"]["total"]


def p7(args) -> None:
    from bench.common import use_env

    use_env(app_env(args.big, args.big_owner))
    from sqlalchemy import select, text

    from core.db import open_session
    from core.models import User
    from core.plugins import registry
    from core.tenancy import tree

    registry().pm.hook.register_models()
    t = tree()
    street, district = t.by_slug["scale-0001"], t.by_slug["scale"]
    subtree = t.descendant_ids(district.id)
    with open_session() as s:
        uid = s.scalar(select(User.id).where(User.username == "bench"))
    # the owner really bypasses RLS, the app role really does not
    for url, expect_rows in ((args.big, False), (args.big_owner, True)):
        with open_session(None, url=url) as s:
            n = s.execute(text("SELECT count(*) FROM (SELECT 1 FROM organizations LIMIT 10) x")).scalar()
            assert (n > 0) == expect_rows, (url, n)
    work = [  # (id, what, tenant, scope, function, rounds)
        ("P7", "organization list page queries of a street", street.id, None, lambda s: _org_page(s, uid),
         15 if args.quick else 40),
        ("P7d", "coverage roll-up of the district", district.id, subtree, lambda s: _rollup(s, district),
         5 if args.quick else 15),
    ]
    budget = 20.0 if args.quick else 60.0
    rows = []
    for pid, what, tid, scope, fn, reps in work:
        times: dict[str, list[float]] = {"on": [], "off": []}
        results = {}
        deadline = time.monotonic() + budget
        for i in range(reps + 1):
            modes = [("on", args.big), ("off", args.big_owner)]
            for mode, url in modes if i % 2 else modes[::-1]:  # alternate which goes first
                with open_session(tid, scope, user_id=uid, url=url) as s:
                    t0 = time.perf_counter()
                    results[mode] = fn(s)
                    dt = time.perf_counter() - t0
                if i > 0:  # the first round warms caches
                    times[mode].append(dt)
            if time.monotonic() > deadline and i >= 2:
                break
        assert results["on"] == results["off"], (pid, results)
        on, off = median(times["on"]), median(times["off"])
        log(f"{pid}: RLS on {on * 1000:.1f} ms, off {off * 1000:.1f} ms ({len(times['on'])} rounds, "
            f"{results['on']} rows in scope)")
        rows.append(Row(pid, f"{what}: RLS on (app role) ÷ off (owner, bypasses RLS)", on * 1000, off * 1000,
                        "ms", note=f"{results['on']:,} organizations counted"))
    emit(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("which", choices=["p2", "p7"])
    ap.add_argument("--small")
    ap.add_argument("--big", required=True)
    ap.add_argument("--big-owner")
    ap.add_argument("--small-desc", default="1 tenant / 1k orgs")
    ap.add_argument("--big-desc", default="1,000 tenants / 1M orgs")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    (p2 if args.which == "p2" else p7)(args)


if __name__ == "__main__":
    main()
