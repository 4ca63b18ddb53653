"""Intake to the station's live channel, over HTTP on the real stack.

    .venv/bin/python bench/live_bench.py [--rates 5 20 50] [--seconds 10]

Needs PostgreSQL and Redis on localhost. Seeds the demo county into a scratch database
(``rongzhi_bench_live``), starts gunicorn (2 threaded workers) and one Celery worker beside it,
opens the demo officer's station live channel (Server-Sent Events) like a dashboard does, and
posts alerts to the intake API (token auth, distinct addresses so none is merged) at a steady
rate. For each alert: the intake API's own time, and the time from its answer to the order's
event on the live channel (an event that arrives before the HTTP answer has finished counts 0).
Prints a table and saves JSON in bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import percentiles, recreate_and_migrate, use_scratch_database  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/12"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, seconds: float = 30) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)  # pacing the start-up probe of a process we launched, not a test
    raise SystemExit(f"the server at {url} did not start")


class Listener(threading.Thread):
    """A dashboard's live channel: remembers when each new order's event arrived."""

    def __init__(self, url: str, cookies: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.url, self.cookies = url, cookies
        self.arrived: dict[int, float] = {}
        self.connected = threading.Event()
        self.stop = False

    def run(self) -> None:
        import requests

        while not self.stop:
            with requests.get(self.url, cookies=self.cookies, stream=True, timeout=(5, 30)) as response:
                response.raise_for_status()
                for line in response.iter_lines(decode_unicode=True):
                    if line.startswith(": connected"):
                        self.connected.set()
                    elif line.startswith("data: "):
                        message = json.loads(line[6:])
                        if message.get("new"):
                            self.arrived.setdefault(int(message["order"]), time.perf_counter())
                    if self.stop:
                        return


class Run:
    """The alerts of one rate: when each answer came, and the intake API's own times."""

    def __init__(self, session: object, base: str, villages: list[str]) -> None:
        self.session, self.base, self.villages = session, base, villages
        self.answered: dict[int, float] = {}
        self.sent: dict[int, float] = {}
        self.intake_ms: list[float] = []
        self.failures = 0
        self.lock = threading.Lock()

    def post(self, i: int, due: float) -> None:
        time.sleep(max(0.0, due - time.perf_counter()))  # the load's own schedule
        sent = time.perf_counter()
        r = self.session.post(  # type: ignore[attr-defined]
            f"{self.base}/api/v1/alerts/",
            json={"channel": "110", "category": "public_order", "summary": f"压测警情{i}",
                  "address": f"压测地址{i}号", "village_code": self.villages[i % len(self.villages)]},
            timeout=30,
        )  # fmt: skip
        done = time.perf_counter()
        with self.lock:
            if r.status_code != 201:
                self.failures += 1
                return
            self.intake_ms.append((done - sent) * 1000)
            self.answered[int(r.json()["id"])] = done
            self.sent[int(r.json()["id"])] = sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", type=int, nargs="+", default=[5, 20, 50])
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    os.environ["REDIS_URL"] = REDIS_URL
    use_scratch_database("rongzhi_bench_live")
    import django

    django.setup()
    from unittest import mock

    import requests
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from governance.demo import demo_seed
    from governance.models import Region
    from stations.demo import seed_demo_history
    from stations.selectors import stations_staffed_by, villages_covered_by

    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise SystemExit("this benchmark needs PostgreSQL on 127.0.0.1:5432")
    recreate_and_migrate()
    with mock.patch("celery.app.task.Task.delay"):
        demo_seed(seed=2026)
        seed_demo_history(seed=2026)
    officer = User.objects.get(username="officer")
    station = stations_staffed_by(officer).order_by("pk").first()
    assert station is not None
    villages = [v.code for v in villages_covered_by(station).filter(level=Region.Level.VILLAGE)]
    token = Token.objects.get_or_create(user=officer)[0].key
    client = Client()
    client.force_login(officer)
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}

    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "governance.settings.local"}
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "governance.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--worker-class", "gthread", "--threads", "16", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    worker = subprocess.Popen(
        [str(bin_dir / "celery"), "-A", "governance", "worker", "--queues", "dispatch,default",
         "--concurrency", "1", "--loglevel", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    results: dict[str, dict[str, float]] = {}
    try:
        _wait_for(f"{base}/healthz")
        session = requests.Session()
        session.headers.update({"Authorization": f"Token {token}"})
        session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=32))
        serial = 0
        for rate in args.rates:
            listener = Listener(f"{base}/stations/{station.pk}/live/", cookies)
            listener.start()
            if not listener.connected.wait(10):
                raise SystemExit("the live channel did not answer")
            run = Run(session, base, villages)
            count = int(rate * args.seconds)
            begin = time.perf_counter() + 0.5
            with ThreadPoolExecutor(max_workers=32) as pool:
                for k in range(count):
                    pool.submit(run.post, serial + k, begin + k / rate)
            answered, intake_ms, failures = run.answered, run.intake_ms, run.failures
            serial += count
            settle = time.monotonic() + 5
            while time.monotonic() < settle and not set(answered) <= set(listener.arrived):
                time.sleep(0.05)  # let the last events arrive before counting
            listener.stop = True
            latency = [
                max(0.0, listener.arrived[o] - t) * 1000 for o, t in answered.items() if o in listener.arrived
            ]
            from_sending = [
                (listener.arrived[o] - t) * 1000 for o, t in run.sent.items() if o in listener.arrived
            ]
            missing = len(set(answered) - set(listener.arrived))
            results[f"{rate}/s intake API"] = {**percentiles(intake_ms), "failed": failures}
            results[f"{rate}/s answer to live event"] = {**percentiles(latency), "missing": missing}
            results[f"{rate}/s request sent to live event"] = percentiles(from_sending)
    finally:
        for proc in (server, worker):
            proc.send_signal(signal.SIGTERM)
        for proc in (server, worker):
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

    print(
        f"\nIntake to the live channel, {datetime.now(UTC):%Y-%m-%d}, gunicorn 2x16 threads, PostgreSQL, Redis\n"
    )
    print(f"{'measure':40} {'p50 ms':>9} {'p95 ms':>9} {'n':>6}  other")
    for name, r in results.items():
        other = ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("p50_ms", "p95_ms", "n"))
        print(f"{name:40} {r['p50_ms']:>9.1f} {r['p95_ms']:>9.1f} {r['n']:>6}  {other}")
    out = ROOT / "bench" / "results" / f"live-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nSaved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
