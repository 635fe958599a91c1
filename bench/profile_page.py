"""cProfile of one page, served in-process with every handler run inline (one thread).

``python -m bench.profile_page --db URL [--path /t/dongfanghong/example/] [--user dfh_admin] [-n 50]``

Litestar runs sync handlers and the tenant guard in worker threads, which cProfile does not
follow; here ``anyio.to_thread.run_sync`` and litestar's executor hop are replaced by direct
calls (profiling only), so the profile covers session, guard, queries and rendering.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time


def _inline_threads() -> None:
    import anyio.to_thread
    import litestar.concurrency

    async def run_sync(fn, *args, **kwargs):  # noqa: ARG001 - same signature as anyio's
        return fn(*args)

    async def run_sync_asyncio(fn, *args, **kwargs):
        return fn(*args, **kwargs)

    anyio.to_thread.run_sync = run_sync
    litestar.concurrency._run_sync_asyncio = run_sync_asyncio


def profile(path: str, user: str, n: int, sort: str = "cumulative", limit: int = 40,
            cpu: bool = True) -> tuple[float, str]:
    import httpx

    from core.web.app import create_app

    _inline_threads()
    app = create_app()

    async def main() -> tuple[float, str]:
        transport = httpx.ASGITransport(app=app)
        async with app.lifespan() if hasattr(app, "lifespan") and callable(app.lifespan) else _null():
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
                r = await c.get("/login")
                token = c.cookies.get("ld_csrf")
                r = await c.post("/login", data={"username": user, "password": "demo1234", "_csrf_token": token})
                assert r.status_code == 303, r.text[:300]
                for _ in range(5):
                    r = await c.get(path)
                    assert r.status_code == 200, (r.status_code, r.text[:300])
                clock = time.process_time if cpu else time.perf_counter
                prof = cProfile.Profile(clock)
                t = clock()
                prof.enable()
                for _ in range(n):
                    await c.get(path)
                prof.disable()
                per = (clock() - t) / n
        out = io.StringIO()
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats(sort).print_stats(limit)
        return per, out.getvalue()

    return asyncio.run(main())


class _null:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--owner")
    ap.add_argument("--path", default="/t/dongfanghong/example/")
    ap.add_argument("--user", default="dfh_admin")
    ap.add_argument("-n", type=int, default=50)
    ap.add_argument("--sort", default="cumulative")
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--wall", action="store_true", help="wall-clock profile (default: this process's CPU time)")
    args = ap.parse_args()
    from bench.common import app_env, use_env

    use_env(app_env(args.db, args.owner))
    import logging

    logging.disable(logging.INFO)
    per, text = profile(args.path, args.user, args.n, args.sort, args.limit, cpu=not args.wall)
    print(f"{args.path}: {per * 1000:.1f} ms {'wall' if args.wall else 'CPU'} per request "
          f"(profiled, in-process, one thread)\n")
    print(text)


if __name__ == "__main__":
    main()
