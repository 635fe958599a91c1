"""P4: the cost of one permission check with 10,000 tenants ÷ with 1 tenant.

``python -m bench.permissions --tenants N [--quick]`` (run.py runs N = 10000 and N = 1)

A temporary SQLite database gets the migrations, the role → permission rows, a tenant tree of
N tenants (province > cities > districts > streets > communities, like a province-wide
install) and two role assignments (``g`` rules) per tenant. Measured in-process:

* ``authorizer.effective_permissions(user, tenant)`` — what the guard calls once per request —
  for users with a role at a district and checks at the communities below (the deepest case);
* P4l: what a worker pays after a policy change (on start and after every role change) before it
  answers a user — the ``p`` rules and that user's ``g`` rules; the complete casbin enforcer
  (every rule, role links), built only for callers of ``authorizer.enforcer()``, is logged too.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, text

from bench.common import app_env, emit, log, timeit, use_env


def build_tree(n: int) -> list[tuple[int, str, str, int | None]]:
    """(id, slug, level, parent id) for ``n`` tenants, widest at the bottom."""
    out: list[tuple[int, str, str, int | None]] = [(1, "p", "province", None)]
    if n == 1:
        return out
    fanout = [("city", 14), ("district", 10), ("street", 10), ("community", 10 ** 9)]
    level_nodes = [1]
    next_id = 2
    for level, k in fanout:
        new = []
        for parent in level_nodes:
            for _ in range(k):
                if next_id > n:
                    break
                out.append((next_id, f"t{next_id}", level, parent))
                new.append(next_id)
                next_id += 1
        if level == "street":  # communities: spread the rest evenly over the streets
            per = max(1, (n - next_id + 1) // max(1, len(new)))
            for parent in new:
                for _ in range(per):
                    if next_id > n:
                        break
                    out.append((next_id, f"t{next_id}", "community", parent))
                    next_id += 1
            while next_id <= n:
                out.append((next_id, f"t{next_id}", "community", new[next_id % len(new)]))
                next_id += 1
            break
        level_nodes = new
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tenants", type=int, required=True)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="liandong-bench-p4-"))
    url = f"sqlite:///{tmp / 'p4.db'}"
    use_env(app_env(url))
    from core import migrate, revisions
    from core.db import get_engine, scoped_session
    from core.models import CasbinRule, Tenant
    from core.permissions import authorizer, build_catalog, sync_role_permissions
    from core.plugins import registry
    from core.tenancy import tree

    migrate.upgrade(url)
    with scoped_session() as s:
        sync_role_permissions(s, build_catalog(registry().pm))
    tenants = build_tree(args.tenants)
    rng = random.Random(4)
    with get_engine(url).begin() as conn:
        conn.execute(insert(Tenant.__table__), [
            {"id": i, "slug": slug, "name": slug, "level": level, "parent_id": parent, "terms": {}}
            for i, slug, level, parent in tenants])
        rules = []
        uid = 1000
        for i, _slug, _level, _parent in tenants:
            rules.append({"ptype": "g", "v0": str(uid), "v1": "tenant_admin", "v2": str(i)})
            rules.append({"ptype": "g", "v0": str(uid + 1), "v1": "staff", "v2": str(i)})
            uid += 2
        conn.execute(insert(CasbinRule.__table__), rules)
        conn.execute(text("UPDATE revisions SET value = value + 1"))
    revisions.poll(force=True)
    t = tree()
    assert len(t.by_id) == args.tenants
    # subjects: the admins of a few districts (or the root), checked at the deepest tenants below
    districts = [i for i, _s, level, _p in tenants if level == "district"] or [1]
    deepest = max(len(t.ancestors(i)) for i, *_ in tenants)
    pairs = []
    for d in rng.sample(districts, min(20, len(districts))):
        admin = 1000 + 2 * (d - 1)
        below = [x for x in t.descendant_ids(d) if len(t.ancestors(x)) == deepest] or [d]
        pairs += [(admin, x) for x in rng.sample(below, min(10, len(below)))]
    for admin, target in pairs:
        assert "tenant:view" in authorizer.effective_permissions(admin, target)
    n = len(pairs)

    def checks() -> None:
        for admin, target in pairs:
            authorizer.effective_permissions(admin, target)

    budget = 0.5 if args.quick else 2.0
    per_check = timeit(checks, min_time=budget, max_time=budget * 6) / n
    loads, fulls = [], []
    rounds = 3 if args.quick else 5
    for i in range(rounds):
        # what a worker pays after a policy change before it answers a user: the p rules and
        # that user's g rules (every rule with role links only for authorizer.enforcer())
        authorizer.invalidate()
        admin, target = pairs[i % n]
        t0 = time.process_time()
        authorizer.effective_permissions(admin, target)
        loads.append(time.process_time() - t0)
    for _ in range(rounds):  # after the loads: the garbage of a full enforcer is not theirs to collect
        authorizer.invalidate()
        t0 = time.process_time()
        authorizer.enforcer()
        fulls.append(time.process_time() - t0)
    load_s = sorted(loads)[len(loads) // 2]
    full_s = sorted(fulls)[len(fulls) // 2]
    log(f"{args.tenants} tenants, {len(rules)} g rules, depth {deepest}: {per_check * 1e6:.1f} µs per check, "
        f"policy reload + first check {load_s * 1000:.2f} ms, full casbin enforcer {full_s * 1000:.1f} ms")
    from core.db import reset_engines

    reset_engines()
    shutil.rmtree(tmp, ignore_errors=True)
    emit([], extra={"tenants": args.tenants, "rules": len(rules), "depth": deepest,
                    "check_us": per_check * 1e6, "load_ms": load_s * 1000, "full_ms": full_s * 1000})


if __name__ == "__main__":
    main()
