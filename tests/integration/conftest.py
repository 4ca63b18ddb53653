"""Real worker processes: a Celery worker (with beat) started as a subprocess of the test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection

from governance.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], object], *, timeout: float = 60.0, what: str = "condition") -> object:
    """Poll an external process's effect until it shows (this waits for another process, not for
    time to pass: nothing in the code under test depends on the clock here)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def start_worker(
    env: dict[str, str], log: Path, *, beat: bool = True, pool: str = "solo"
) -> subprocess.Popen:
    args = [
        sys.executable, "-m", "celery", "-A", "governance", "worker",
        "--queues", "dispatch,default,scores", "--pool", pool, "--loglevel", "INFO",
        "--without-mingle", "--without-gossip", "--hostname", f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
    ]  # fmt: skip
    if pool != "solo":
        args += ["--concurrency", "2"]
    if beat:
        args += ["--beat", "--schedule", str(log.with_suffix(".beat"))]
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def clean_env() -> dict[str, str]:
    drop = {"DATABASE_URL", "REDIS_URL", "RONGZHI_VAR_DIR", "CELERY_TASK_ALWAYS_EAGER"}
    return {k: v for k, v in os.environ.items() if k not in drop} | {
        "DJANGO_SETTINGS_MODULE": "governance.settings.local",
        "CELERY_HEARTBEAT_SECONDS": "1",
        "NOTIFY_RETRY_BACKOFF_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def worker_log(tmp_path: Path) -> Iterator[Path]:
    log = tmp_path / "worker.log"
    yield log


@pytest.fixture
def worker(transactional_db, clean_env, worker_log) -> Iterator[None]:
    """A real worker with beat on Redis and the test's PostgreSQL database; the test process
    enqueues to Redis instead of running tasks in-process."""
    redis_url = os.environ["REDIS_URL"]
    redis.Redis.from_url(redis_url).flushdb()  # the suite's own Redis database: no stale tasks
    db = connection.settings_dict
    env = clean_env | {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
    }
    celery_app.conf.task_always_eager = False
    process = start_worker(env, worker_log, pool="prefork")
    try:
        yield
    finally:
        stop(process)
        celery_app.conf.task_always_eager = True
