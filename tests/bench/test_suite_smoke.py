"""The benchmark suite runs green on a tiny city: every measure is taken once, none is judged
(shared CI machines are too noisy for thresholds), but the invariants that hold on any machine
are: no overbooked slot, no oversold unit, no lost live event, no failed page. Runs
``bench/suite.py`` in a process of its own (which starts gunicorn, a Celery worker and locust),
against a scratch database of its own (``rongzhi_citysmoke``, dropped afterwards) and Redis
database 11 (emptied first)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from governance.citygen import SCALES, _mix, split

ROOT = Path(__file__).resolve().parents[2]
SUITE_REDIS_URL = "redis://127.0.0.1:6379/11"
PAGES = {"station dashboard", "commander board", "township ranking", "volunteer task list", "dispute ledger"}


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.postgres
def test_the_suite_runs_on_a_tiny_city(tmp_path: Path) -> None:
    if not _redis_answers():
        pytest.skip("the suite's live channel and workers need Redis on 127.0.0.1:6379")
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false"}
    done = subprocess.run(
        [sys.executable, "bench/suite.py", "--scale", "tiny", "--database", "rongzhi_citysmoke", "--drop",
         "--redis-url", SUITE_REDIS_URL, "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [saved] = list(tmp_path.glob("suite-tiny-*.json"))
    report = json.loads(saved.read_text())
    tiny = SCALES["tiny"]
    assert report["rows"]["alerts"] == tiny.alerts
    assert report["rows"]["disputes"] == tiny.disputes
    assert report["rows"]["volunteers"] == tiny.volunteers
    assert report["machine"]["redis_live_channel"] is True
    results = report["results"]
    assert results["alert intake (service)"]["n"] == 30
    assert results["dispatch transitions"]["per_second"] > 0
    assert results["peace index full recomputation"]["villages"] == tiny.villages
    assert results["SLA sweep"]["breaches"] == 3 * 500  # every clock of every open order, once
    pages = {k: v for k, v in results.items() if k.startswith("page: ")}
    assert len(pages) == 5
    assert {v["status"] for v in pages.values()} == {200}
    assert all(v["queries"] > 0 for v in pages.values())

    # Alert intake to the station's live channel, two low rates: every answered alert's event arrives.
    live = {k: v for k, v in results.items() if k.startswith("live channel: ")}
    assert set(live) == {"live channel: 2 alerts/s", "live channel: 5 alerts/s"}
    assert [(v["alerts"], v["failures"], v["lost"], v["events"]) for v in live.values()] == [
        (4, 0, 0, 4),
        (10, 0, 0, 10),
    ]

    # 50 volunteers claim 5 slots at once; 20 redeem the last 3 units.
    claims = results["claim storm"]
    assert (claims["requests"], claims["slots"], claims["successes"]) == (50, 5, 5)
    assert claims["full_answers"] == 45
    assert claims["overbookings"] == 0
    assert claims["tasks_whose_count_drifted"] == 0
    assert claims["live_claims_in_database"] == 5
    redemptions = results["redemption storm"]
    assert (redemptions["requests"], redemptions["stock"], redemptions["successes"]) == (20, 3, 3)
    assert redemptions["out_of_stock_answers"] == 17
    assert redemptions["oversells"] == 0
    assert redemptions["stock_left"] == 0
    assert redemptions["balances_below_zero"] == 0

    # locust on the five persona pages, at a human pace and with no think time: no error.
    for key in ("HTTP load: human pace", "HTTP load: saturation"):
        run = results[key]
        assert run["users"] == 5
        assert run["errors"] == 0, run["failures"]
        assert set(run["pages"]) == PAGES
        assert all(page["requests"] > 0 and page["errors"] == 0 for page in run["pages"].values())
        assert run["requests"] == sum(page["requests"] for page in run["pages"].values())


def test_a_mix_is_a_hundred_values_in_proportion() -> None:
    mix = _mix({"110": 55, "12345": 20, "grid": 25})
    values = mix.removeprefix("(ARRAY[").removesuffix("])").split(",")
    assert len(values) == 100
    assert values.count("'110'") == 55


def test_a_split_shares_the_whole_and_leaves_nobody_empty() -> None:
    import random

    shares = split(2_000, 100, random.Random(1), spread=0.5)
    assert sum(shares) == 2_000
    assert min(shares) >= 1
    assert shares == split(2_000, 100, random.Random(1), spread=0.5)
