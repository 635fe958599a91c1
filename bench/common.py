"""Shared pieces of the benchmarks: databases, uvicorn servers, a load generator, results.

Everything is bounded: servers are started and stopped here (process groups we created),
the load generator runs for a fixed time on a fixed number of loopback connections, and each
benchmark runs in its own subprocess with a timeout (see ``run.py``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
RESULT_PREFIX = "BENCH_RESULT "
PG_ADMIN = os.environ.get("LIANDONG_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("LIANDONG_BENCH_REDIS", "redis://127.0.0.1:6379/14")
APP_ROLE, APP_PW = "liandong_bench_app", "bench-app-pw"
#: a fixed field key so that every process of a run encrypts the same way
FIELD_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"liandong-bench-field-key").digest()).decode()
SECRET = os.environ.get("LIANDONG_BENCH_SECRET") or secrets.token_hex(16)


def _terminate(signum, _frame) -> None:
    raise SystemExit(128 + signum)  # unwinds: servers started here are stopped by their `with`


if __import__("threading").current_thread() is __import__("threading").main_thread():
    signal.signal(signal.SIGTERM, _terminate)


def log(*parts: Any) -> None:
    print("  ·", *parts, file=sys.stderr, flush=True)


# --- results ----------------------------------------------------------------------------------


@dataclass
class Row:
    id: str
    what: str
    value: float
    baseline: float
    unit: str
    note: str = ""
    #: ratio = value ÷ baseline unless given (e.g. when "lower is better" is inverted)
    ratio: float | None = None

    def as_dict(self) -> dict[str, Any]:
        ratio = self.ratio if self.ratio is not None else (self.value / self.baseline if self.baseline else float("nan"))
        return {"id": self.id, "what": self.what, "value": self.value, "baseline": self.baseline,
                "unit": self.unit, "ratio": ratio, "note": self.note}


def emit(rows: list[Row], notes: list[str] | None = None, extra: dict | None = None) -> None:
    """The last line of a benchmark's stdout, parsed by run.py."""
    print(RESULT_PREFIX + json.dumps({"rows": [r.as_dict() for r in rows], "notes": notes or [],
                                      "extra": extra or {}}, ensure_ascii=False), flush=True)


# --- environment and databases ----------------------------------------------------------------


def app_env(database_url: str, owner_url: str | None = None, *, redis: bool = False,
            extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANDONG_")}
    env.update({
        "LIANDONG_DATABASE_URL": database_url,
        "LIANDONG_MIGRATION_DATABASE_URL": owner_url or database_url,
        "LIANDONG_SECRET_KEY": SECRET,
        "LIANDONG_FIELD_KEY": FIELD_KEY,
        "LIANDONG_LOGIN_ATTEMPTS_PER_IP": "100000",
        "LIANDONG_LOGIN_ATTEMPTS": "100000",
        "LIANDONG_MFA_REQUIRED_ROLES": "",  # the bench admin signs in with a password only
        "PYTHONPATH": str(REPO),
    })
    if redis and redis_available():
        env["LIANDONG_REDIS_URL"] = REDIS
    env.update(extra or {})
    return env


def use_env(env: dict[str, str]) -> None:
    """Apply ``env`` to this process (benchmarks that run the app's code in-process)."""
    for k in [k for k in os.environ if k.startswith("LIANDONG_")]:
        del os.environ[k]
    os.environ.update(env)
    from core.config import get_settings

    get_settings.cache_clear()


def pg_available() -> bool:
    try:
        import psycopg

        psycopg.connect(_dsn(PG_ADMIN), connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001
        return False


def redis_available() -> bool:
    try:
        u = urllib.parse.urlparse(REDIS)
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _dsn(url: str) -> str:
    return url.replace("+psycopg", "")


def pg_url(dbname: str, *, app: bool = False) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(PG_ADMIN).set(database=dbname)
    if app:
        url = url.set(username=APP_ROLE, password=APP_PW)
    return url.render_as_string(hide_password=False)


def create_pg_database(prefix: str) -> str:
    import psycopg

    name = f"liandong_bench_{prefix}_{os.getpid()}_{secrets.token_hex(2)}"
    with psycopg.connect(_dsn(PG_ADMIN), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(_dsn(PG_ADMIN), autocommit=True) as c:
        c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')


def run_py(args: list[str], env: dict[str, str], timeout: float) -> str:
    """Run ``python <args>`` in the repo with ``env``; its stdout (raises on failure)."""
    proc = subprocess.run([PY, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def rss_now_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# --- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``uvicorn bench.asgi:app`` with ``workers`` processes on a loopback port."""

    def __init__(self, env: dict[str, str], workers: int = 1, app: str = "bench.asgi:app"):
        self.env, self.workers, self.app = env, workers, app
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.logfile = Path(os.environ.get("TMPDIR", "/tmp")) / f"liandong-bench-{self.port}.log"

    def __enter__(self) -> Server:
        try:
            self.start()
        except RuntimeError as exc:  # e.g. a module being rewritten in the tree right now: once more
            log(f"server did not start ({str(exc).strip().splitlines()[-1][:200]}); retrying in 5 s")
            time.sleep(5)
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 90) -> None:
        out = open(self.logfile, "w")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [PY, "-m", "uvicorn", self.app, "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers), "--no-access-log", "--log-level", "warning"],
            cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {self.logfile.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /__bench/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            self._stop()
            raise RuntimeError(f"uvicorn did not become ready (log: {self.logfile})")
        if self.workers > 1:  # let every worker finish importing the app
            time.sleep(1.0 + 0.5 * self.workers)

    def pids(self) -> list[int]:
        """The server process and its children (uvicorn's workers)."""
        if self.proc is None:
            return []
        out = [self.proc.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                out.append(int(stat.parent.name))
        return out

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the server's processes."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    def stop(self) -> None:
        self._stop()
        if self.proc is not None and self.proc.returncode in (0, -signal.SIGTERM):
            self.logfile.unlink(missing_ok=True)  # kept when the server failed

    def _stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own process group (start_new_session)
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        except ProcessLookupError:
            pass


# --- a small HTTP/1.1 keep-alive client on asyncio streams ------------------------------------


class HttpError(RuntimeError):
    pass


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return v
        return None


class Conn:
    """One keep-alive connection with its own cookie jar (so it can log in on its worker)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def _request(self, method: str, path: str, body: bytes = b"", ctype: str = "") -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept: text/html"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body or method == "POST":
            lines += [f"Content-Type: {ctype}", f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    async def request(self, method: str, path: str, body: bytes = b"", ctype: str = "") -> Response:
        if self.writer is None:
            await self.open()
        self.writer.write(self._request(method, path, body, ctype))
        resp = await self._read()
        for k, v in resp.headers:
            if k == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if value and "max-age=0" not in v.lower():
                    self.cookies[name.strip()] = value
                else:
                    self.cookies.pop(name.strip(), None)
        if (resp.header("connection") or "").lower() == "close":
            self.close()
        return resp

    async def _read(self) -> Response:
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = []
        for line in lines[1:]:
            if line:
                k, _, v = line.partition(":")
                headers.append((k.strip().lower(), v.strip()))
        hmap = dict(headers)
        if "content-length" in hmap:
            body = await self.reader.readexactly(int(hmap["content-length"]))
        elif hmap.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = b""
        return Response(status, headers, body)

    async def login(self, username: str, password: str) -> None:
        await self.request("GET", "/login")
        token = self.cookies.get("ld_csrf", "")
        form = urllib.parse.urlencode({"username": username, "password": password, "_csrf_token": token})
        r = await self.request("POST", "/login", form.encode(), "application/x-www-form-urlencoded")
        if r.status != 303 or "ld_session" not in self.cookies:
            raise HttpError(f"login as {username} failed: {r.status} {r.body[:200]!r}")


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    latencies: list[float] = field(repr=False)
    #: server CPU seconds (all its processes) per completed request
    cpu_per_request: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        s = sorted(self.latencies)
        return s[min(len(s) - 1, int(p / 100 * len(s)))]

    def summary(self) -> str:
        return (f"{self.rps:.0f} req/s, p50 {self.pct(50) * 1000:.1f} ms, p99 {self.pct(99) * 1000:.1f} ms, "
                f"server CPU {self.cpu_per_request * 1000:.2f} ms/req, {self.requests} requests, {self.errors} errors")


def _loop_runner(coro):
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:  # pragma: no cover
        return asyncio.run(coro)


def load(port: int, path: str, *, connections: int, server: Server | None = None, duration: float, warmup: float = 1.0,
         login: tuple[str, str] | None = None, expect: bytes | None = None,
         max_requests: int = 2_000_000, shared_sessions: bool = False) -> LoadResult:
    """Closed-loop load: ``connections`` keep-alive connections request ``path`` back to back.

    With ``shared_sessions`` (Redis) one login's cookies serve every connection; otherwise
    every connection logs in first (its cookie then belongs to the worker that accepted it,
    so this works with in-memory sessions too). Only requests that finish within the
    measuring window after ``warmup`` count; non-200 answers are errors.
    """

    async def main() -> LoadResult:
        conns = [Conn("127.0.0.1", port) for _ in range(connections)]
        for c in conns:
            await c.open()
        if login and shared_sessions:
            await conns[0].login(*login)
            for c in conns[1:]:
                c.cookies = dict(conns[0].cookies)
        elif login:
            await asyncio.gather(*(c.login(*login) for c in conns))
        first = await conns[0].request("GET", path)
        if first.status != 200 or (expect is not None and expect not in first.body):
            raise HttpError(f"GET {path} → {first.status}: {first.body[:300]!r}")
        t0 = time.perf_counter()
        start, stop = t0 + warmup, t0 + warmup + duration
        lat: list[float] = []

        async def worker(c: Conn) -> None:
            while True:
                t = time.perf_counter()
                if t >= stop or counts["n"] >= max_requests:
                    return
                r = await c.request("GET", path)
                done = time.perf_counter()
                counts["all"] += 1
                if r.status != 200:
                    counts["err"] += 1
                if start <= done <= stop:  # completed within the measuring window
                    counts["n"] += 1
                    lat.append(done - t)

        counts = {"n": 0, "err": 0, "all": 0}
        cpu0 = server.cpu_seconds() if server else 0.0
        await asyncio.gather(*(worker(c) for c in conns))
        cpu = (server.cpu_seconds() - cpu0) if server else 0.0
        for c in conns:
            c.close()
        return LoadResult(counts["n"], duration, counts["err"], lat, cpu / max(1, counts["all"]))

    return _loop_runner(main())


def sequential_latency(port: int, path: str, *, login: tuple[str, str], n: int, warmup: int = 3,
                       budget: float = 60.0, expect: bytes | None = None) -> list[float]:
    """Latencies of ``n`` requests one after the other (stops early when ``budget`` s are used)."""

    async def main() -> list[float]:
        c = Conn("127.0.0.1", port)
        await c.login(*login)
        out: list[float] = []
        t0 = time.perf_counter()
        deadline = t0 + budget
        warm = 0
        while len(out) < n:
            t = time.perf_counter()
            r = await c.request("GET", path)
            dt = time.perf_counter() - t
            if r.status != 200 or (expect is not None and expect not in r.body):
                raise HttpError(f"GET {path} → {r.status}: {r.body[:300]!r}")
            if warm < warmup and t - t0 < budget / 4:  # slow pages: one warm-up request is enough
                warm += 1
            else:
                out.append(dt)
            if time.perf_counter() > deadline and len(out) >= 3:
                break
        c.close()
        return out

    return _loop_runner(main())


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def timeit(fn: Callable[[], Any], *, min_time: float = 1.0, max_time: float = 10.0, repeat: int = 5,
           min_loops: int = 1, clock: Callable[[], float] = time.process_time) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` rounds of ≥ ``min_time`` each (bounded).

    The default clock is this process's CPU time: pure-CPU benchmarks then do not depend on
    what else the machine runs at the same time (wall time is bounded by ``max_time``).
    """
    fn()  # warm
    t = clock()
    fn()
    one = max(clock() - t, 1e-7)
    loops = max(min_loops, int(min_time / one))
    results = []
    deadline = time.perf_counter() + max_time
    for _ in range(repeat):
        t = clock()
        for _ in range(loops):
            fn()
        results.append((clock() - t) / loops)
        if time.perf_counter() > deadline:
            break
    return statistics.median(results)


def cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def strip_ws(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()
