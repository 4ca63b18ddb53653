"""Intake to the station's live channel, over HTTP on the real stack.

    .venv/bin/python bench/live_bench.py [--rates 5 20 50] [--seconds 10] [--redis-url URL]

Needs PostgreSQL and Redis on localhost. Seeds the demo county into a scratch database
(``rongzhi_bench_live`` unless ``DATABASE_URL`` names one; Redis database 12 unless
``--redis-url``, emptied first), starts the stack (gunicorn with 2 threaded workers, DEBUG off,
and one Celery worker beside it), opens the demo officer's station live channel (Server-Sent
Events) like a dashboard does, and posts alerts to the intake API (token auth, an
Idempotency-Key each, distinct addresses so none is merged) at a steady rate. For each alert: the
intake API's own time, the time from sending the request to the order's event on the live
channel, and from the API's answer to that event (an event that arrives before the answer has
finished counts 0); an answered alert whose event never arrives is lost. Prints a table and
saves JSON in bench/results/.

``bench/suite.py`` measures the same on its generated city with the parts defined here:
``stack`` (gunicorn and a Celery worker, always stopped), ``Listener`` (a dashboard's live
channel), ``Run`` (the alerts of one rate) and ``live_rates`` (the steady-rate loop).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from urllib3.util.retry import Retry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import quantiles, recreate_and_migrate, use_scratch_database  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/12"
# Alerts in flight at most: a rate's worth of this many seconds (at least 32), so that a slow
# answer holds back no later alert's schedule (the load is open: it does not wait for the server).
IN_FLIGHT_SECONDS = 4
# A kept-alive connection that gunicorn closed while idle fails the next request sent on it
# before the server reads it: sent again, under the same Idempotency-Key, so that it never makes
# a second alert. Answers (any status) are never retried.
RETRY = Retry(total=2, connect=2, read=2, status=0, other=0, allowed_methods=None, raise_on_status=False)
# How long the last events of a rate may take to arrive before they count as lost.
SETTLE_SECONDS = 5.0


def redis_flush(url: str) -> None:
    """Empty the benchmark's own Redis database: no stale Celery task or cache entry of an
    earlier run (whose database was dropped) reaches the new one."""
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=5).flushdb()
    except redis.RedisError as exc:
        raise SystemExit(f"Redis does not answer at {url}: {exc}") from None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    """The running stack: gunicorn's address, its shape, and the processes' log files."""

    base: str
    workers: int
    threads: int
    logs: dict[str, Path] = field(default_factory=dict)

    @property
    def shape(self) -> str:
        return f"gunicorn {self.workers} workers x {self.threads} threads (gthread), 1 Celery worker"

    def tail(self, chars: int = 2000) -> str:
        return "\n".join(
            f"--- {name}:\n{path.read_text(errors='replace')[-chars:]}" for name, path in self.logs.items()
        )


@contextmanager
def stack(
    *, env: dict[str, str], workers: int, threads: int, queues: str = "dispatch,default"
) -> Iterator[Stack]:
    """gunicorn (``workers`` gthread workers of ``threads`` threads, DEBUG off) and one Celery
    worker on ``queues``, both on ``env`` (``DATABASE_URL``, ``REDIS_URL``). Both processes are
    stopped on the way out, also when the body fails; their logs go to a temporary folder, and
    their tails into the error when gunicorn does not start."""
    env = {**env, "DEBUG": "false", "LOG_FORMAT": "plain", "PYTHONUNBUFFERED": "1"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings.local")
    port = _free_port()
    running: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="rongzhi-stack-") as folder:
        shape = Stack(
            base=f"http://127.0.0.1:{port}",
            workers=workers,
            threads=threads,
            logs={"gunicorn": Path(folder) / "gunicorn.log", "celery": Path(folder) / "celery.log"},
        )
        commands = {
            "gunicorn": [sys.executable, "-m", "gunicorn", "governance.wsgi:application", "--bind", f"127.0.0.1:{port}",
                         "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
                         "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"],
            "celery": [sys.executable, "-m", "celery", "-A", "governance", "worker", "--queues", queues,
                       "--concurrency", "1", "--loglevel", "warning"],
        }  # fmt: skip
        try:
            for name, command in commands.items():
                with shape.logs[name].open("wb") as log:
                    running.append(
                        subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
                    )
            _wait_for(shape, running[0])
            yield shape
        finally:
            for process in running:
                process.send_signal(signal.SIGTERM)
            for process in running:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)


def _wait_for(shape: Stack, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(f"{shape.base}/healthz", timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)  # pacing the start-up probe of a process we launched, not a test
    raise RuntimeError(f"gunicorn did not start at {shape.base}\n{shape.tail()}")


class Listener(threading.Thread):
    """A dashboard's live channel: remembers when each new order's event arrived.

    One connection for one rate: the server ends a stream after ``LIVE_STREAM_SECONDS`` (55 s)
    and does not replay what was published while a client reconnects, so a rate must be shorter
    than that. ``close`` shuts the socket, which frees the listener at once."""

    def __init__(self, base: str, path: str, cookie: str) -> None:
        super().__init__(daemon=True)
        self.address = urlsplit(base)
        self.path, self.cookie = path, cookie
        self.arrived: dict[int, float] = {}
        self.connected = threading.Event()
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._connection: http.client.HTTPConnection | None = None
        self._closing = False

    def run(self) -> None:
        # Keep-alive comments come every 15 s: a read that waits twice that long means trouble.
        connection = http.client.HTTPConnection(self.address.hostname or "", self.address.port, timeout=30)
        self._connection = connection
        try:
            connection.request(
                "GET", self.path, headers={"Cookie": self.cookie, "Accept": "text/event-stream"}
            )
            response = connection.getresponse()
            if response.status != 200:
                raise RuntimeError(f"the live channel answered HTTP {response.status}")
            while line := response.readline():
                text = line.decode().rstrip("\r\n")
                if text.startswith(": connected"):
                    self.connected.set()
                elif text.startswith("data: "):
                    message = json.loads(text[6:])
                    if message.get("new"):
                        with self._changed:
                            self.arrived.setdefault(int(message["order"]), time.perf_counter())
                            self._changed.notify_all()
        except (OSError, http.client.HTTPException, ValueError, RuntimeError) as exc:
            if not self._closing:
                self.error = exc
        finally:
            connection.close()

    def wait_for(self, orders: set[int], timeout: float) -> None:
        """Until every one of ``orders`` has arrived, or ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: orders <= self.arrived.keys(), timeout=timeout)

    def close(self) -> None:
        self._closing = True
        sock = self._connection.sock if self._connection is not None else None
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.join(5)


class Run:
    """The alerts of one rate: when each was sent and answered, the intake API's own times, and
    why the failed ones failed."""

    def __init__(self, session: Any, base: str, villages: Sequence[str]) -> None:
        self.session, self.base, self.villages = session, base, villages
        self.answered: dict[int, float] = {}
        self.sent: dict[int, float] = {}
        self.intake_ms: list[float] = []
        self.failures: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.key = f"bench-{time.time_ns()}"

    def post(self, i: int, due: float) -> None:
        import requests

        time.sleep(max(0.0, due - time.perf_counter()))  # the load's own schedule
        sent = time.perf_counter()
        created, reason = None, ""
        try:
            r = self.session.post(
                f"{self.base}/api/v1/alerts/",
                json={"channel": "110", "category": "public_order", "summary": f"压测警情{i}",
                      "address": f"压测地址{i}号", "village_code": self.villages[i % len(self.villages)]},
                headers={"Idempotency-Key": f"{self.key}-{i}"}, timeout=30,
            )  # fmt: skip
            # 200: a retried request whose first attempt had been saved after all (same key).
            if r.status_code in (200, 201):
                created = int(r.json()["id"])
            else:
                reason = f"HTTP {r.status_code}: {r.text[:200]}"
        except (requests.RequestException, ValueError, KeyError) as exc:
            reason = f"{type(exc).__name__}: {str(exc)[:200]}"
        done = time.perf_counter()
        with self.lock:
            if created is None:
                self.failures[reason] += 1
                return
            self.intake_ms.append((done - sent) * 1000)
            self.answered[created] = done
            self.sent[created] = sent


@dataclass
class RateResult:
    """One rate's figures; the lists are milliseconds, one per alert whose event arrived."""

    rate: float
    alerts: int
    seconds: float  # from the first alert sent to the last
    failures: dict[str, int]  # reason: count
    lost: int
    intake_ms: list[float]
    sent_to_event_ms: list[float]
    answer_to_event_ms: list[float]

    def summary(self) -> dict[str, Any]:
        """The suite's and this script's JSON: request sent to live event first."""
        return {
            **quantiles(self.sent_to_event_ms or [0.0]),
            "alerts": self.alerts,
            "achieved_per_second": round((self.alerts - 1) / self.seconds, 1) if self.seconds else 0.0,
            "failures": sum(self.failures.values()),
            "failure_reasons": self.failures,
            "lost": self.lost,
            "events": len(self.sent_to_event_ms),
            "intake_api": quantiles(self.intake_ms or [0.0]),
            "answer_to_event": quantiles(self.answer_to_event_ms or [0.0]),
        }


def live_rates(
    *,
    base: str,
    station_id: int,
    token: str,
    cookie: str,
    villages: Sequence[str],
    rates: Sequence[float],
    seconds: float,
) -> list[RateResult]:
    """For each rate, a fresh live-channel listener on the station and ``rate * seconds`` alerts
    posted at a steady pace to villages the station covers, each on its schedule whatever the
    answers before it took (up to ``IN_FLIGHT_SECONDS`` of the rate in flight); the answered
    alerts whose event has not arrived ``SETTLE_SECONDS`` after the last answer are lost."""
    import requests

    results, serial = [], 0
    for rate in rates:
        in_flight = max(32, math.ceil(rate * IN_FLIGHT_SECONDS))
        listener = Listener(base, f"/stations/{station_id}/live/", cookie)
        listener.start()
        try:
            if not listener.connected.wait(10):
                raise RuntimeError(f"the live channel did not answer: {listener.error}")
            with requests.Session() as session:
                session.headers.update({"Authorization": f"Token {token}"})
                session.mount(
                    "http://", requests.adapters.HTTPAdapter(pool_maxsize=in_flight, max_retries=RETRY)
                )
                run = Run(session, base, villages)
                count = max(1, round(rate * seconds))
                begin = time.perf_counter() + 0.5
                with ThreadPoolExecutor(max_workers=in_flight) as pool:
                    for future in [pool.submit(run.post, serial + k, begin + k / rate) for k in range(count)]:
                        future.result()
            sending = max(run.sent.values(), default=begin) - min(run.sent.values(), default=begin)
            serial += count
            listener.wait_for(set(run.answered), SETTLE_SECONDS)
        finally:
            listener.close()
        arrived = dict(listener.arrived)
        results.append(
            RateResult(
                rate=rate,
                alerts=count,
                seconds=sending,
                failures=dict(run.failures),
                lost=len(set(run.answered) - set(arrived)),
                intake_ms=run.intake_ms,
                sent_to_event_ms=[(arrived[o] - t) * 1000 for o, t in run.sent.items() if o in arrived],
                answer_to_event_ms=[
                    max(0.0, arrived[o] - t) * 1000 for o, t in run.answered.items() if o in arrived
                ],
            )
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", type=float, nargs="+", default=[5, 20, 50])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--redis-url", default=REDIS_URL, help="a Redis database of the benchmark's own (emptied first)"
    )
    args = parser.parse_args()
    os.environ["REDIS_URL"] = args.redis_url
    use_scratch_database("rongzhi_bench_live")
    import django

    django.setup()
    from unittest import mock

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    from governance.demo import demo_seed
    from governance.models import Region
    from governance.services.tokens import api_token_issue
    from stations.demo import seed_demo_history
    from stations.selectors import stations_staffed_by, villages_covered_by

    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise SystemExit("this benchmark needs PostgreSQL on 127.0.0.1:5432")
    redis_flush(args.redis_url)
    recreate_and_migrate()
    with mock.patch("celery.app.task.Task.delay"):
        demo_seed(seed=2026)
        seed_demo_history(seed=2026)
    officer = User.objects.get(username="officer")
    station = stations_staffed_by(officer).order_by("pk").first()
    assert station is not None
    villages = [v.code for v in villages_covered_by(station).filter(level=Region.Level.VILLAGE)]
    token = api_token_issue(user=officer)[1]
    client = Client()
    client.force_login(officer)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    with stack(env=dict(os.environ), workers=2, threads=16) as running:
        measured = live_rates(
            base=running.base, station_id=station.pk, token=token, cookie=cookie, villages=villages,
            rates=args.rates, seconds=args.seconds,
        )  # fmt: skip
    results: dict[str, dict[str, Any]] = {}
    for r in measured:
        results[f"{r.rate:g}/s intake API"] = {
            **quantiles(r.intake_ms or [0.0]), "failed": sum(r.failures.values()), "why": r.failures,
        }  # fmt: skip
        results[f"{r.rate:g}/s request sent to live event"] = {
            **quantiles(r.sent_to_event_ms or [0.0]),
            "lost": r.lost,
        }
        results[f"{r.rate:g}/s answer to live event"] = quantiles(r.answer_to_event_ms or [0.0])

    print(f"\nIntake to the live channel, {datetime.now(UTC):%Y-%m-%d}, {running.shape}, PostgreSQL, Redis\n")
    print(f"{'measure':40} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'n':>6}  other")
    for name, f in results.items():
        other = ", ".join(f"{k} {v}" for k, v in f.items() if k not in ("p50_ms", "p95_ms", "p99_ms", "n"))
        print(f"{name:40} {f['p50_ms']:>9.1f} {f['p95_ms']:>9.1f} {f['p99_ms']:>9.1f} {f['n']:>6}  {other}")
    out = ROOT / "bench" / "results" / f"live-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nSaved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
