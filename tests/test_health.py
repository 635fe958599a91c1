"""Health, readiness and metrics endpoints; the deployment files stay consistent with the code."""

from __future__ import annotations

import asyncio
import configparser
import json
import os
import re
from pathlib import Path

import httpx
import pytest
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.testing import TestClient

from core.config import REPO_ROOT, Settings
from core.web import health
from core.web.health import HEALTH_ROUTES, METRICS, MetricsMiddleware, install_metrics

DEPLOY = REPO_ROOT / "deploy"
DEAD_PG = "postgresql+psycopg://x@127.0.0.1:1/x"
DEAD_REDIS = "redis://127.0.0.1:1/0"


@get("/t/{slug:str}/ping", sync_to_thread=False)
def tenant_ping(slug: str) -> str:
    return "pong"


@get("/api/t/{slug:str}/ping", sync_to_thread=False)
def api_ping(slug: str) -> dict:
    return {"pong": slug}


def health_app(settings: Settings | None = None) -> Litestar:
    """The health routes and the metrics middleware on their own (unit checks)."""
    return install_metrics(Litestar(route_handlers=[*HEALTH_ROUTES, tenant_ping, api_ping],
                                    state=State({"settings": settings} if settings else {})))


@pytest.fixture
def metrics_env(monkeypatch):
    monkeypatch.delenv("LIANDONG_METRICS_DIR", raising=False)
    monkeypatch.setenv("LIANDONG_METRICS_TOKEN", "metrics-secret-token")
    METRICS.reset()
    yield {"Authorization": "Bearer metrics-secret-token"}
    METRICS.reset()


def parse(exposition: str) -> dict[str, float]:
    """``{'name{labels}': value}`` for every sample line."""
    out = {}
    for line in exposition.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


def test_healthz_does_no_io(database, monkeypatch):
    def boom(*_a, **_k):
        raise AssertionError("healthz must not touch the database")

    monkeypatch.setattr("core.db.get_engine", boom)
    with TestClient(health_app(Settings(database_url=DEAD_PG))) as c:
        r = c.get("/healthz")
    assert r.status_code == 200 and r.text == "ok"
    assert r.headers["content-type"].startswith("text/plain")


def test_readyz_ok_and_which_dependency_failed(database):
    with TestClient(health_app()) as c:
        r = c.get("/readyz")
        assert r.status_code == 200
        assert r.json() == {"db": "ok", "redis": "disabled"}
        assert r.headers["cache-control"] == "no-store"
    with TestClient(health_app(Settings(database_url=DEAD_PG))) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json() == {"db": "error", "redis": "disabled"}
    with TestClient(health_app(Settings(redis_url=DEAD_REDIS))) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json() == {"db": "ok", "redis": "error"}
    with TestClient(health_app(Settings(database_url="sqlite:////nonexistent-dir/x.db", redis_url=DEAD_REDIS))) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json() == {"db": "error", "redis": "error"}


def test_readyz_with_live_redis(database):
    from tests.test_redis import redis_url_or_skip

    with TestClient(health_app(Settings(redis_url=redis_url_or_skip()))) as c:
        r = c.get("/readyz")
    assert r.status_code == 200 and r.json() == {"db": "ok", "redis": "ok"}


def test_readyz_times_out_instead_of_hanging(database, monkeypatch):
    import threading

    release = threading.Event()  # the check hangs until the answer is in
    monkeypatch.setattr(health, "CHECK_TIMEOUT", 0.3)
    monkeypatch.setattr(health, "_check_db", lambda url: release.wait(60))
    try:
        with TestClient(health_app()) as c:
            r = c.get("/readyz")
    finally:
        release.set()
    # a hanging check cannot have answered "timeout": only the timeout path says so
    assert r.status_code == 503 and r.json()["db"] == "timeout"


def test_metrics_needs_token_or_localhost(database, metrics_env):
    app = health_app()
    with TestClient(app) as c:  # the test client is neither 127.0.0.1 nor ::1
        assert c.get("/metrics").status_code == 403
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert c.get("/metrics", headers={"Authorization": "metrics-secret-token"}).status_code == 403
        r = c.get("/metrics", headers=metrics_env)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert "# TYPE liandong_requests_total counter" in r.text

    async def from_host(host: str) -> int:
        transport = httpx.ASGITransport(app=app, client=(host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as ac:
            return (await ac.get("/metrics")).status_code

    assert asyncio.run(from_host("127.0.0.1")) == 200
    assert asyncio.run(from_host("::1")) == 200
    assert asyncio.run(from_host("10.1.2.3")) == 403


def test_metrics_without_token_configured_is_local_only(database, monkeypatch):
    monkeypatch.delenv("LIANDONG_METRICS_TOKEN", raising=False)
    with TestClient(health_app()) as c:
        assert c.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 403
        assert c.get("/metrics").status_code == 403


def test_request_counts_per_tenant_with_bounded_labels(database, metrics_env):
    with TestClient(health_app()) as c:
        for _ in range(3):
            assert c.get("/t/dongfanghong/ping").status_code == 200
        assert c.get("/api/t/wangyuehu/ping").status_code == 200
        assert c.get("/t/no-such-tenant-xyz/ping").status_code == 200
        assert c.get('/t/evil"slug/ping').status_code == 200
        assert c.get("/t/dongfanghong/missing").status_code == 404
        assert c.post("/healthz").status_code == 405
        c.get("/healthz")
        samples = parse(c.get("/metrics", headers=metrics_env).text)
    assert samples['liandong_requests_total{tenant="dongfanghong",method="GET",status="200"}'] == 3
    assert samples['liandong_requests_total{tenant="dongfanghong",method="GET",status="404"}'] == 1
    assert samples['liandong_requests_total{tenant="wangyuehu",method="GET",status="200"}'] == 1
    assert samples['liandong_requests_total{tenant="unknown",method="GET",status="200"}'] == 2
    assert samples['liandong_requests_total{tenant="-",method="POST",status="405"}'] == 1
    assert samples['liandong_requests_total{tenant="-",method="GET",status="200"}'] == 1
    tenants = {m.group(1) for k in samples if (m := re.search(r'tenant="([^"]*)"', k))}
    assert tenants == {"dongfanghong", "wangyuehu", "unknown", "-"}  # made-up slugs never become labels
    # the histogram: cumulative buckets, +Inf equals the count
    page = {k: v for k, v in samples.items() if 'kind="page"' in k}
    assert page['liandong_request_duration_seconds_count{kind="page"}'] == 6
    assert page['liandong_request_duration_seconds_bucket{kind="page",le="+Inf"}'] == 6
    bounds = [v for k, v in page.items() if "_bucket" in k]
    assert bounds == sorted(bounds)
    assert samples['liandong_request_duration_seconds_count{kind="api"}'] == 1
    assert samples["liandong_requests_in_progress"] == 1  # the scrape itself


def test_metrics_sum_over_workers(database, metrics_env, monkeypatch, tmp_path):
    """With LIANDONG_METRICS_DIR every worker's numbers are summed, whoever answers the scrape."""
    monkeypatch.setenv("LIANDONG_METRICS_DIR", str(tmp_path))
    other = {
        "requests": [["dongfanghong", "GET", "200", 40]],
        "buckets": {"page": [0, 0, 10, 40, 40, 40, 40, 40, 40, 40, 40]},
        "sums": {"page": 1.5},
        "counts": {"page": 40},
        "in_progress": 2,
    }
    (tmp_path / "worker-999999.json").write_text(json.dumps(other))
    (tmp_path / "worker-999998.json").write_text("{not json")  # half-written: ignored
    with TestClient(health_app()) as c:
        c.get("/t/dongfanghong/ping")
        c.get("/t/dongfanghong/ping")
        samples = parse(c.get("/metrics", headers=metrics_env).text)
    assert samples['liandong_requests_total{tenant="dongfanghong",method="GET",status="200"}'] == 42
    assert samples['liandong_request_duration_seconds_count{kind="page"}'] == 42
    assert samples["liandong_requests_in_progress"] == 1  # the dead worker's gauge is not summed
    assert (tmp_path / f"worker-{os.getpid()}.json").exists()


def test_metrics_survive_a_failing_database(database, metrics_env, monkeypatch):
    """Counting must not need the database: a request still counts when the tree cannot load."""
    from core import tenancy

    monkeypatch.setattr(tenancy, "_tree", None)

    def down():
        raise RuntimeError("database down")

    monkeypatch.setattr(tenancy, "tree", down)
    with TestClient(health_app()) as c:
        assert c.get("/t/dongfanghong/ping").status_code == 200
        samples = parse(c.get("/metrics", headers=metrics_env).text)
    assert samples['liandong_requests_total{tenant="unknown",method="GET",status="200"}'] == 1


# --- the real app (once core/web/app.py wires HEALTH_ROUTES and MetricsMiddleware) ----------


def _wired(app) -> bool:
    return (any(getattr(r, "path", None) == "/healthz" for r in app.routes)
            and isinstance(app.asgi_handler, MetricsMiddleware))


@pytest.fixture
def full_app(app):
    """The app fixture when it is wired; until then the same app with the wiring done here."""
    if _wired(app):
        return app
    from core.web.app import create_app

    wired = create_app()
    for handler in HEALTH_ROUTES:
        wired.register(handler)
    return install_metrics(wired)


def test_the_full_app(full_app, metrics_env):
    from tests.helpers import login

    with TestClient(full_app, raise_server_exceptions=False) as client:
        r = client.get("/healthz")
        assert r.text == "ok" and r.headers["x-content-type-options"] == "nosniff"
        assert client.get("/readyz").json()["db"] == "ok"
        login(client, "dfh_staff")
        assert client.get("/t/dongfanghong/").status_code == 200
        assert client.get("/t/dongfanghong/no-such-page").status_code == 404
        assert client.get("/t/made-up-tenant/").status_code == 404
        samples = parse(client.get("/metrics", headers=metrics_env).text)
        assert "/metrics" not in client.get("/schema/openapi.json").json()["paths"]
    assert samples['liandong_requests_total{tenant="dongfanghong",method="GET",status="200"}'] == 1
    assert samples['liandong_requests_total{tenant="dongfanghong",method="GET",status="404"}'] == 1
    assert samples['liandong_requests_total{tenant="unknown",method="GET",status="404"}'] == 1
    assert samples['liandong_requests_total{tenant="-",method="POST",status="303"}'] == 1  # the login


# --- the deployment files ---------------------------------------------------------------------


def test_env_example_documents_every_setting():
    text = (DEPLOY / "env.example").read_text(encoding="utf-8")
    names = [f"LIANDONG_{n.upper()}" for n in Settings.model_fields]
    names += ["LIANDONG_METRICS_TOKEN", "LIANDONG_METRICS_DIR", "LIANDONG_IMPORT_MAX_BYTES", "FORWARDED_ALLOW_IPS"]
    missing = [n for n in names if not re.search(rf"^#?\s*{n}=", text, re.M)]
    assert not missing, f"deploy/env.example does not document {missing}"


def test_compose_file_is_valid():
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = doc["services"]
    assert {"postgres", "redis", "app", "nginx"} <= set(services)
    assert "--workers" in " ".join(services["app"]["command"])
    for name in ("postgres", "redis", "app", "nginx"):
        assert "test" in services[name]["healthcheck"], name
    image = services["postgres"]["image"]
    assert int(re.search(r":(\d+)", image).group(1)) >= 15
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    worker = services["worker"]  # the task queue (huey on Redis)
    assert worker["command"][:2] == ["liandong", "worker"] and "test" in worker["healthcheck"]
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"


def test_nginx_matches_the_app():
    from core.registry.upload_safety import DEFAULT_MAX_BYTES

    conf = (DEPLOY / "nginx" / "liandong.conf").read_text(encoding="utf-8")
    size = re.search(r"client_max_body_size\s+(\d+)m;", conf)
    assert size and int(size.group(1)) * 1024 * 1024 >= DEFAULT_MAX_BYTES  # the app answers in Chinese
    for needed in ("ssl_certificate ", "Strict-Transport-Security", "gzip on", "X-Forwarded-Proto",
                   "location /static/", "location = /metrics"):
        assert needed in conf, needed
    assert "$proxy_add_x_forwarded_for" not in conf  # the edge proxy must not trust client-sent XFF


def test_systemd_units():
    def unit(name):
        cp = configparser.ConfigParser(strict=False, interpolation=None)
        cp.optionxform = str
        cp.read_string((DEPLOY / "systemd" / name).read_text(encoding="utf-8"))
        return cp

    svc = unit("liandong.service")
    assert "liandong serve" in svc["Service"]["ExecStart"] and "--workers" in svc["Service"]["ExecStart"]
    assert svc["Service"]["User"] == "liandong"
    worker = unit("liandong-worker.service")
    assert "liandong worker" in worker["Service"]["ExecStart"] and worker["Service"]["User"] == "liandong"
    assert worker["Service"]["EnvironmentFile"] == svc["Service"]["EnvironmentFile"]
    backup = unit("liandong-backup.service")
    assert "liandong backup" in backup["Service"]["ExecStart"]
    timer = unit("liandong-backup.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"
    assert Path(DEPLOY / "logrotate" / "liandong").read_text().count("{") >= 1
