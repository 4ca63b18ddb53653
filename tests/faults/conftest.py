"""Fault injection on a stack of our own: a PostgreSQL cluster (initdb in a temporary directory, on
a free port), a Redis server, Celery workers and beats, and a gunicorn web process, all real
processes that the scenarios stop, kill and restart. The machine's PostgreSQL and Redis, which
other test runs share, are never touched."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
import requests

from tests.integration.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), "")
REDIS_SERVER = shutil.which("redis-server") or ""
TEMPLATE_DB = "rongzhi_template"

# Counters of the faults injected in this run, printed at the end (README figures).
FIGURES: dict[str, int] = {
    "faults injected": 0, "alerts sent": 0, "alerts lost": 0, "duplicates": 0, "requests fuzzed": 0,
}  # fmt: skip


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES["faults injected"] or FIGURES["requests fuzzed"]:
        terminalreporter.write_line(
            "faults and fuzzing: " + ", ".join(f"{k}: {v}" for k, v in FIGURES.items())
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and the server refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PostgresCluster:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.data = base / "data"
        self.port = free_port()

    def initdb(self) -> None:
        subprocess.run(
            _as_postgres([f"{PG_BIN}/initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"]),
            check=True, capture_output=True,
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100 "
            # A backend whose client was SIGKILLed notices within a second and rolls back.
            "-c client_connection_check_interval=1000"
        )
        subprocess.run(
            _as_postgres([f"{PG_BIN}/pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"),
                          "-w", "-t", "60", "-o", options, "start"]),
            check=True, capture_output=True,
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres([f"{PG_BIN}/pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"]),
            check=False, capture_output=True,
        )  # fmt: skip

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def sql(self, db: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url(db), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(query, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []


class RedisServer:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # Append-only file on, as in production: queued tasks survive a restart of the broker.
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.base)],
            stdout=(self.base / "redis.log").open("a"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        wait_for(lambda: _pings(client), timeout=20, what="redis-server to answer")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=2)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    if not PG_BIN or (not shutil.which("runuser") and os.geteuid() == 0):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    base = Path(tempfile.mkdtemp(prefix="rongzhi-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    cluster = PostgresCluster(base)
    cluster.initdb()
    cluster.start()
    try:
        cluster.sql("postgres", f"CREATE DATABASE {TEMPLATE_DB}")
        env = _clean_env() | {"DATABASE_URL": cluster.url(TEMPLATE_DB)}
        done = subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0", "--skip-checks"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"migrate failed:\n{done.stderr[-3000:]}"
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    if not REDIS_SERVER:
        pytest.skip("redis-server is not installed")
    base = Path(tempfile.mkdtemp(prefix="rongzhi-redis-"))
    server = RedisServer(base)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def _clean_env() -> dict[str, str]:
    drop = {
        "DATABASE_URL",
        "REDIS_URL",
        "RONGZHI_VAR_DIR",
        "CELERY_TASK_ALWAYS_EAGER",
        "DJANGO_SETTINGS_MODULE",
    }
    return {k: v for k, v in os.environ.items() if k not in drop} | {
        "DJANGO_SETTINGS_MODULE": "governance.settings.local",
        "PYTHONUNBUFFERED": "1",
    }


_databases = iter(range(1, 10_000))


@dataclass
class Stack:
    """One scenario's processes and database."""

    cluster: PostgresCluster
    redis: RedisServer
    db: str
    dir: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    web_url: str = ""

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.cluster.sql(self.db, query, params)

    def count(self, query: str, params: tuple[Any, ...] = ()) -> int:
        return int(self.sql(query, params)[0][0])

    def seed(self, *args: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "tests/faults/seed.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        seeded: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return seeded

    def log(self, name: str) -> str:
        path = self.dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _spawn(
        self, name: str, args: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        # A session of its own, so that a SIGKILL reaches the process group (a worker and its children).
        process = subprocess.Popen(
            args, cwd=ROOT, env=env or self.env, stdout=(self.dir / f"{name}.log").open("a"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.processes[name] = process
        return process

    def start_worker(self, name: str, *, queues: str = "dispatch,default,scores", beat: bool = False) -> None:
        args = [
            sys.executable, "-m", "celery", "-A", "governance", "worker", "--queues", queues,
            "--pool", "solo", "--loglevel", "INFO", "--without-mingle", "--without-gossip",
            "--hostname", f"{name}-{self.db}@%h",
        ]  # fmt: skip
        if beat:
            args += ["--beat", "--schedule", str(self.dir / f"{name}.beat")]
        self._spawn(name, args)
        wait_for(
            lambda: "ready." in self.log(name),
            timeout=60,
            what=f"worker {name} ready\n{self.log(name)[-2000:]}",
        )

    def start_beat(self, name: str) -> None:
        args = [sys.executable, "-m", "celery", "-A", "governance", "beat", "--loglevel", "INFO",
                "--schedule", str(self.dir / f"{name}.beat")]  # fmt: skip
        self._spawn(name, args)
        wait_for(lambda: "beat: Starting" in self.log(name), timeout=60, what=f"beat {name}")

    def start_web(self) -> None:
        port = free_port()
        self.web_url = f"http://127.0.0.1:{port}"
        # The production entry point: pages in a pool of 8 threads, live streams on the event loop.
        args = [sys.executable, "-m", "gunicorn", "governance.asgi:application", "--bind", f"127.0.0.1:{port}",
                "--workers", "1", "--worker-class", "uvicorn_worker.UvicornWorker", "--timeout", "60",
                "--graceful-timeout", "2"]  # fmt: skip
        self._spawn("web", args, env=self.env | {"WEB_THREADS": "8"})
        wait_for(
            lambda: _answers(f"{self.web_url}/healthz"),
            timeout=60,
            what=f"gunicorn\n{self.log('web')[-2000:]}",
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        FIGURES["faults injected"] += 1
        os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()

    def post_alert(
        self, token: str, key: str, village_code: str, *, timeout: float = 30
    ) -> requests.Response:
        return requests.post(
            f"{self.web_url}/api/v1/alerts/",
            json={"channel": "110", "category": "criminal", "summary": f"入室盗窃 {key}",
                  "address": f"新塘社区{key}号", "village_code": village_code},
            headers={"Authorization": f"Token {token}", "Idempotency-Key": key, "Accept-Language": "en"},
            timeout=timeout,
        )  # fmt: skip


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.RequestException:
        return False
    return True


@pytest.fixture
def stack(postgres_cluster: PostgresCluster, redis_server: RedisServer, tmp_path: Path) -> Iterator[Stack]:
    db = f"fault_{os.getpid()}_{next(_databases)}"
    postgres_cluster.sql("postgres", f"CREATE DATABASE {db} TEMPLATE {TEMPLATE_DB}")
    redis_server.client().flushall()
    env = _clean_env() | {
        "DATABASE_URL": postgres_cluster.url(db),
        "REDIS_URL": redis_server.url,
        "RONGZHI_VAR_DIR": str(tmp_path / "var"),
        "DEBUG": "false",
        "LOG_FORMAT": "json",
        "CONN_MAX_AGE": "60",
        "CELERY_HEARTBEAT_SECONDS": "1",
        # A dead worker's unacknowledged task is handed to another after 4 s (production: an hour).
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_UNACKED_RESTORE_SECONDS": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "CELERY_OUTBOX_SWEEP_SECONDS": "1",
        "CELERY_NOTIFY_SWEEP_SECONDS": "1",
        "NOTIFY_SENDING_LEASE_SECONDS": "3",
        "NOTIFY_RETRY_BACKOFF_SECONDS": "1",
        "NOTIFY_HTTP_TIMEOUT_SECONDS": "1",
    }
    s = Stack(cluster=postgres_cluster, redis=redis_server, db=db, dir=tmp_path, env=env)
    try:
        yield s
    finally:
        s.stop_all()
        if redis_server.process is None:
            redis_server.start()


@dataclass
class Gateway:
    """A local SMS gateway: records every request with its Idempotency-Key; answers ``status``
    (500 to fail) and, while ``hold`` is set, keeps requests waiting until ``release()``."""

    url: str
    requests: list[tuple[str, float]] = field(default_factory=list)
    status: int = 200
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def hold(self) -> None:
        self.released.clear()
        self.holding.set()

    def release(self) -> None:
        self.holding.clear()
        self.released.set()

    def keys(self) -> list[str]:
        return [key for key, _ in self.requests]

    @property
    def delivered(self) -> int:
        """What a gateway that drops a repeated Idempotency-Key delivers (answered 2xx, once a key)."""
        return len(set(self.keys()))


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state: Gateway

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append((self.headers.get("Idempotency-Key", ""), time.monotonic()))
            if state.holding.is_set():
                state.released.wait(60)
            body = json.dumps({"ok": state.status < 400}).encode()
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client was killed while we held its request

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state = Gateway(url=f"http://127.0.0.1:{server.server_address[1]}/sms")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release()
    server.shutdown()
    server.server_close()
