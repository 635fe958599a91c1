"""A live server and a headless Chromium for browser tests (Debian's chromium package)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server():
    """uvicorn serving the app on the test database (env inherited from the fixtures)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "core.asgi:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        env={**os.environ},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a loaded 2-core machine imports the app slowly
        while True:
            try:
                httpx.get(base + "/login", timeout=5)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("live server did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def app_server(app):
    """``app`` (e.g. built with a test's own clock) served by uvicorn in a thread of this process."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("app server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.set_default_timeout(30000)  # a loaded 2-core CI machine
            yield page
        finally:
            browser.close()


def choose(page, name: str, label: str) -> None:
    """Choose ``label`` in the field ``name`` as a user would: a plain ``<select>``, or — for a
    long list — the searchable picker it becomes (type the name, click the answer)."""
    page.wait_for_load_state()
    if page.locator(f"select[name={name}]").is_visible():
        page.select_option(f"select[name={name}]", label=label)
        return
    picker = page.locator(f".picker:has(select[name={name}])")
    box = picker.locator("input[role=combobox]")
    box.click()
    box.fill(label)
    picker.locator(".picker-list [role=option]", has_text=label).first.click()
    selected = page.eval_on_selector(f"select[name={name}]", "s => s.options[s.selectedIndex]?.text || ''")
    assert selected == label, (name, label, selected)
