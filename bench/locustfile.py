"""The persona pages under load: the locustfile ``bench/suite.py`` runs headless against gunicorn.

    BENCH_LOCUST_PERSONAS=personas.json BENCH_LOCUST_THINK=1,5 \\
        .venv/bin/locust -f bench/locustfile.py --headless --host http://127.0.0.1:8000 -u 50 -t 60s

``BENCH_LOCUST_PERSONAS`` names a JSON list of ``{"label", "path", "cookie"}``: a persona's page
and the ``Cookie`` header of a session of that persona. The users are dealt out to the personas
in turn (user i gets persona i mod n, as the suite's 50 users are 10 per page), each keeps its
session and asks for its one page again and again, named by the label in locust's statistics.
``BENCH_LOCUST_THINK`` is ``MIN,MAX``: each user waits a random time between the two (seconds)
after every answer; ``0,0`` asks again at once. Anything but a 200 (a redirect to the login page
included) is a failure. FastHttpUser (geventhttpclient) keeps the generator's own CPU use low.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from locust import FastHttpUser, between, constant, task

PERSONAS: list[dict[str, str]] = json.loads(Path(os.environ["BENCH_LOCUST_PERSONAS"]).read_text())
THINK_MIN, THINK_MAX = (float(x) for x in os.environ.get("BENCH_LOCUST_THINK", "1,5").split(","))
_turn = itertools.count()


class Persona(FastHttpUser):
    wait_time = between(THINK_MIN, THINK_MAX) if THINK_MAX > 0 else constant(0)

    def on_start(self) -> None:
        self.persona = PERSONAS[next(_turn) % len(PERSONAS)]

    @task
    def page(self) -> None:
        persona = self.persona
        with self.client.get(
            persona["path"],
            name=persona["label"],
            headers={"Cookie": persona["cookie"]},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
