"""The benchmark suite runs green on a tiny city: every measure is taken once, none is judged
(shared CI machines are too noisy for thresholds). Runs ``bench/suite.py`` in a process of its
own, against a scratch database of its own (``rongzhi_citysmoke``, dropped afterwards)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from governance.citygen import SCALES, _mix, _split

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_the_suite_runs_on_a_tiny_city(tmp_path: Path) -> None:
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false"}
    env.pop("REDIS_URL", None)  # the live channel falls back to the in-process bus
    done = subprocess.run(
        [sys.executable, "bench/suite.py", "--scale", "tiny", "--database", "rongzhi_citysmoke", "--drop",
         "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [saved] = list(tmp_path.glob("suite-tiny-*.json"))
    report = json.loads(saved.read_text())
    tiny = SCALES["tiny"]
    assert report["rows"]["alerts"] == tiny.alerts
    assert report["rows"]["disputes"] == tiny.disputes
    assert report["rows"]["volunteers"] == tiny.volunteers
    results = report["results"]
    assert results["alert intake (service)"]["n"] == 30
    assert results["dispatch transitions"]["per_second"] > 0
    assert results["peace index full recomputation"]["villages"] == tiny.villages
    assert results["SLA sweep"]["breaches"] == 3 * 500  # every clock of every open order, once
    pages = {k: v for k, v in results.items() if k.startswith("page: ")}
    assert len(pages) == 5
    assert {v["status"] for v in pages.values()} == {200}
    assert all(v["queries"] > 0 for v in pages.values())


def test_a_mix_is_a_hundred_values_in_proportion() -> None:
    mix = _mix({"110": 55, "12345": 20, "grid": 25})
    values = mix.removeprefix("(ARRAY[").removesuffix("])").split(",")
    assert len(values) == 100
    assert values.count("'110'") == 55


def test_a_split_shares_the_whole_and_leaves_nobody_empty() -> None:
    import random

    shares = _split(2_000, 100, random.Random(1), spread=0.5)
    assert sum(shares) == 2_000
    assert min(shares) >= 1
    assert shares == _split(2_000, 100, random.Random(1), spread=0.5)
