"""``liandong serve --reload``: the development server starts, answers, and watches core/ and plugins/."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
from click.testing import CliRunner

from core.cli import cli
from core.config import REPO_ROOT


def test_reload_watches_core_and_plugins(monkeypatch):
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    result = CliRunner().invoke(cli, ["serve", "--reload", "--workers", "4"])
    assert result.exit_code == 0, result.output
    assert seen["app"] == "core.asgi:app" and seen["reload"] is True and seen["workers"] == 1
    assert {str(REPO_ROOT / "core"), str(REPO_ROOT / "plugins")} <= set(seen["reload_dirs"])
    assert "*.jinja" in seen["reload_includes"]


def test_serve_reload_answers(database, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, LIANDONG_DATABASE_URL=database["app_url"],
               LIANDONG_MIGRATION_DATABASE_URL=database["owner_url"])
    proc = subprocess.Popen(
        [sys.executable, "-c", "from core.cli import main; main()", "serve", "--reload", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        answer = None
        for _ in range(240):  # a bound on waiting for start-up, not a speed assertion
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    break
                time.sleep(0.5)
        assert answer is not None and answer.status_code == 200, proc.stdout.read().decode() if proc.poll() else ""
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
