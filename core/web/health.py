"""Health and metrics endpoints for load balancers and monitoring.

* ``GET /healthz`` — the process is alive and serving; no I/O at all (liveness).
* ``GET /readyz`` — the database answers ``SELECT 1`` and, when ``LIANDONG_REDIS_URL`` is
  set, Redis answers ``PING`` (readiness): ``200 {"db": "ok", "redis": "ok"}``, or ``503``
  naming what failed. A load balancer takes a worker out of rotation on 503.
* ``GET /metrics`` — Prometheus text exposition (format 0.0.4), written by hand:

  - ``liandong_requests_total{tenant, method, status}`` — counter;
  - ``liandong_request_duration_seconds{kind}`` — histogram (kind: page, api, static, other);
  - ``liandong_requests_in_progress`` — gauge.

  The ``tenant`` label is the slug from ``/t/<slug>/…`` or ``/api/t/<slug>/…`` when that
  tenant exists, ``unknown`` for any other slug (label cardinality stays bounded by the
  number of tenants, whatever a client puts in the URL) and ``-`` outside tenants.

  Access: from ``127.0.0.1`` / ``::1`` only, or anywhere with
  ``Authorization: Bearer <LIANDONG_METRICS_TOKEN>``.

Several workers: the numbers are kept per process. When ``LIANDONG_METRICS_DIR`` names a
writable directory shared by the workers of one server (the systemd unit uses
``/run/liandong/metrics``, emptied at every start), each worker writes its numbers there
(at most every :data:`FLUSH_SECONDS`) and ``/metrics`` answers the sum over every worker —
whichever worker the scrape lands on. Without it, a scrape sees only the worker that
answered it; then scrape each worker on its own port instead.

Wiring (``core/web/app.py``): add ``*HEALTH_ROUTES`` to the route handlers and call
:func:`install_metrics` on the app. It wraps the whole ASGI handler, like litestar's own
OpenTelemetry plugin does, so that answers the router gives without reaching a route
(404, 405) are counted too; a route-level ``middleware=[MetricsMiddleware]`` would miss them.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import anyio
from litestar import Request, Response, get
from litestar.enums import MediaType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import text

log = logging.getLogger("liandong.health")

#: seconds a readiness check may take before the dependency counts as down
CHECK_TIMEOUT = 3.0
#: seconds between writes of this worker's numbers to LIANDONG_METRICS_DIR
FLUSH_SECONDS = 2.0
#: histogram buckets (seconds)
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})

TENANT_PATH = re.compile(r"^/(?:api/)?t/([^/]+)")


def _settings():
    from core.config import get_settings

    return get_settings()


def metrics_token() -> str:
    """``LIANDONG_METRICS_TOKEN`` (a setting once core/config.py has it, else the env)."""
    configured = getattr(_settings(), "metrics_token", None)
    return configured or os.environ.get("LIANDONG_METRICS_TOKEN", "") or ""


def metrics_dir() -> Path | None:
    configured = getattr(_settings(), "metrics_dir", None) or os.environ.get("LIANDONG_METRICS_DIR")
    return Path(configured) if configured else None


# --- the numbers ---------------------------------------------------------------------------


class Metrics:
    """Request counters and a duration histogram of one process (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = {}
        self.buckets: dict[str, list[int]] = {}
        self.sums: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.in_progress = 0
        self._last_flush = 0.0

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.buckets.clear()
            self.sums.clear()
            self.counts.clear()
            self.in_progress = 0

    def observe(self, tenant: str, method: str, status: int, kind: str, seconds: float) -> None:
        with self._lock:
            key = (tenant, method, str(status))
            self.requests[key] = self.requests.get(key, 0) + 1
            row = self.buckets.setdefault(kind, [0] * len(BUCKETS))
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    row[i] += 1
            self.sums[kind] = self.sums.get(kind, 0.0) + seconds
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": [[*k, v] for k, v in self.requests.items()],
                "buckets": {k: list(v) for k, v in self.buckets.items()},
                "sums": dict(self.sums),
                "counts": dict(self.counts),
                "in_progress": self.in_progress,
            }

    # -- several workers --

    def flush(self, directory: Path | None, force: bool = False) -> None:
        """Write this worker's numbers to ``directory/<pid>.json`` (atomically)."""
        if directory is None:
            return
        now = time.monotonic()
        if not force and now - self._last_flush < FLUSH_SECONDS:
            return
        self._last_flush = now
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w") as fh:
                json.dump(self.snapshot(), fh)
            os.replace(tmp, directory / f"worker-{os.getpid()}.json")
        except OSError as exc:  # monitoring must never break a request
            log.warning("cannot write metrics to %s: %s", directory, exc)


METRICS = Metrics()


def _merge(snapshots: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"requests": {}, "buckets": {}, "sums": {}, "counts": {}, "in_progress": 0}
    for snap in snapshots:
        for tenant, method, status, value in snap.get("requests", []):
            key = (tenant, method, status)
            out["requests"][key] = out["requests"].get(key, 0) + value
        for kind, row in snap.get("buckets", {}).items():
            acc = out["buckets"].setdefault(kind, [0] * len(BUCKETS))
            for i, v in enumerate(row[: len(BUCKETS)]):
                acc[i] += v
        for kind, v in snap.get("sums", {}).items():
            out["sums"][kind] = out["sums"].get(kind, 0.0) + v
        for kind, v in snap.get("counts", {}).items():
            out["counts"][kind] = out["counts"].get(kind, 0) + v
        out["in_progress"] += snap.get("in_progress", 0)
    return out


def collect(directory: Path | None = None) -> dict[str, Any]:
    """This worker's numbers, or the sum over every worker writing to ``directory``."""
    if directory is None:
        return _merge([METRICS.snapshot()])
    METRICS.flush(directory, force=True)
    snaps = []
    for path in sorted(directory.glob("worker-*.json")):
        try:
            snap = json.loads(path.read_text())
        except (OSError, ValueError):  # a worker replacing its file right now: skip it once
            continue
        if not _alive(path.stem.removeprefix("worker-")):
            snap["in_progress"] = 0  # a worker that died keeps its counts, not its gauge
        snaps.append(snap)
    if not any(p.name == f"worker-{os.getpid()}.json" for p in directory.glob("worker-*.json")):
        snaps.append(METRICS.snapshot())  # directory not writable: at least this worker
    return _merge(snaps)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _num(value: float) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


def exposition(data: dict[str, Any]) -> str:
    """Prometheus text format 0.0.4."""
    lines = [
        "# HELP liandong_requests_total HTTP requests answered, by tenant, method and status.",
        "# TYPE liandong_requests_total counter",
    ]
    for (tenant, method, status), value in sorted(data["requests"].items()):
        lines.append(
            f'liandong_requests_total{{tenant="{_label(tenant)}",method="{_label(method)}",'
            f'status="{_label(status)}"}} {value}'
        )
    lines += [
        "# HELP liandong_request_duration_seconds Time to answer a request, by kind of route.",
        "# TYPE liandong_request_duration_seconds histogram",
    ]
    for kind in sorted(data["buckets"]):
        row = data["buckets"][kind]
        for bound, value in zip(BUCKETS, row, strict=False):
            lines.append(f'liandong_request_duration_seconds_bucket{{kind="{kind}",le="{bound}"}} {value}')
        count = data["counts"].get(kind, 0)
        lines.append(f'liandong_request_duration_seconds_bucket{{kind="{kind}",le="+Inf"}} {count}')
        lines.append(f'liandong_request_duration_seconds_sum{{kind="{kind}"}} {_num(data["sums"].get(kind, 0.0))}')
        lines.append(f'liandong_request_duration_seconds_count{{kind="{kind}"}} {count}')
    lines += [
        "# HELP liandong_requests_in_progress Requests being answered right now.",
        "# TYPE liandong_requests_in_progress gauge",
        f"liandong_requests_in_progress {data['in_progress']}",
    ]
    return "\n".join(lines) + "\n"


# --- the middleware ------------------------------------------------------------------------


def _kind(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/static/"):
        return "static"
    if path.startswith("/t/"):
        return "page"
    return "other"


def _known_slugs():
    """The tenant tree if this worker has it loaded (no I/O here), else ``None``."""
    from core import tenancy

    return tenancy.loaded_tree()


async def tenant_label(scope: Scope) -> str:
    match = TENANT_PATH.match(scope.get("path", ""))
    if not match:
        return "-"
    slug = match.group(1)
    ctx = (scope.get("state") or {}).get("ctx")
    tenant = getattr(ctx, "tenant", None)
    if tenant is not None and tenant.slug == slug:
        return slug
    try:
        t = _known_slugs()
        if t is None:
            from core.tenancy import tree

            t = await anyio.to_thread.run_sync(tree)
    except Exception:  # noqa: BLE001 — database down: count it, but not by a made-up slug
        return "unknown"
    return slug if slug in t.by_slug else "unknown"


class MetricsMiddleware:
    """Counts every HTTP request and its duration; installed by :func:`install_metrics`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        with METRICS._lock:  # noqa: SLF001
            METRICS.in_progress += 1
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            with METRICS._lock:  # noqa: SLF001
                METRICS.in_progress -= 1
            method = scope.get("method", "GET").upper()
            METRICS.observe(
                await tenant_label(scope),
                method if method in METHODS else "other",
                status,
                _kind(scope.get("path", "")),
                elapsed,
            )
            METRICS.flush(metrics_dir())


def install_metrics(app):
    """Count every request ``app`` answers (wraps its ASGI handler; call once)."""
    if not isinstance(app.asgi_handler, MetricsMiddleware):
        app.asgi_handler = MetricsMiddleware(app.asgi_handler)
    return app


# --- the routes ----------------------------------------------------------------------------


@get("/healthz", include_in_schema=False, media_type=MediaType.TEXT)
async def healthz() -> str:
    """Liveness: answers as long as the worker's event loop runs. No database, no Redis."""
    return "ok"


def _check_db(url: str) -> None:
    from core.db import get_engine

    with get_engine(url).connect() as conn:
        conn.execute(text("SELECT 1")).scalar_one()


async def _check_redis(url: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT)
    try:
        if not await client.ping():
            raise ConnectionError("PING did not answer PONG")
    finally:
        await client.aclose()


async def _timed(check, *args) -> str:
    try:
        with anyio.fail_after(CHECK_TIMEOUT):
            await check(*args)
        return "ok"
    except TimeoutError:
        log.error("readiness: %s timed out", getattr(check, "__name__", check))
        return "timeout"
    except Exception as exc:  # noqa: BLE001 — any failure makes the worker not ready
        log.error("readiness: %s failed: %s", getattr(check, "__name__", check), exc)
        return "error"


async def _db_in_thread(url: str) -> None:
    await anyio.to_thread.run_sync(_check_db, url, abandon_on_cancel=True)


@get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> Response:
    """Readiness: the database and (when configured) Redis answer within a few seconds."""
    settings = getattr(request.app.state, "settings", None) or _settings()
    result = {"db": await _timed(_db_in_thread, settings.database_url)}
    result["redis"] = await _timed(_check_redis, settings.redis_url) if settings.redis_url else "disabled"
    ready = all(v in ("ok", "disabled") for v in result.values())
    return Response(content=result, status_code=200 if ready else 503, media_type=MediaType.JSON,
                    headers={"cache-control": "no-store"})


def metrics_allowed(scope: Scope, authorization: str) -> bool:
    client = scope.get("client")
    if client and client[0] in LOCAL_HOSTS:
        return True
    token = metrics_token()
    scheme, _, given = authorization.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus exposition; only from the local host or with the metrics bearer token."""
    if not metrics_allowed(request.scope, request.headers.get("authorization", "")):
        return Response(content="forbidden\n", status_code=403, media_type=MediaType.TEXT,
                        headers={"cache-control": "no-store"})
    directory = metrics_dir()
    body = await anyio.to_thread.run_sync(collect, directory) if directory else collect(None)
    return Response(content=exposition(body), status_code=200,
                    media_type="text/plain; version=0.0.4",
                    headers={"cache-control": "no-store"})


HEALTH_ROUTES = [healthz, readyz, metrics]
