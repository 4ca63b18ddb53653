"""Real worker processes: a Celery worker (with beat) started as a subprocess of the test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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
