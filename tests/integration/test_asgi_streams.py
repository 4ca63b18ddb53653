"""Open dashboards do not take the pages' threads: the production entry point (``governance.asgi``
under uvicorn, as gunicorn's uvicorn worker runs it) holds 200 open live streams of 50 officers
while the pages and ``/healthz`` keep answering from a pool of only 8 threads, an order committed
meanwhile reaches the streams, and a person may not open more than his share of streams.

Under the former thread-per-stream server, 16 streams stopped a 2 x 8-thread server answering."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
from django.db import connection
from django.test import Client

from governance.models import Membership
from stations.services import alert_intake
from tests.faults.conftest import free_port
from tests.governance.factories import county
from tests.integration.conftest import ROOT, stop, wait_for
from tests.stations.factories import station_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
R = Membership.Role
STREAMS, PEOPLE, THREADS = 200, 50, 8
# Bounds for a loaded 2-core machine; an idle one answers in milliseconds.
ANSWER_SECONDS = 10


@pytest.fixture
def server(clean_env, tmp_path) -> Iterator[str]:
    db = connection.settings_dict
    port = free_port()
    env = clean_env | {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
        "WEB_THREADS": str(THREADS),
    }
    log = tmp_path / "uvicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "governance.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--no-access-log", "--timeout-graceful-shutdown", "1"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{url}/healthz", timeout=2).status_code == 200
        except requests.ConnectionError:
            return process.poll() is not None  # died: stop waiting, the assertion below says why

    try:
        wait_for(up, timeout=60, what="uvicorn to answer /healthz")
        assert process.poll() is None, log.read_text()[-3000:]
        yield url
    finally:
        stop(process)


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Stream:
    """One EventSource-like connection, read with a bound (the server is another process)."""

    def __init__(self, url: str, station_id: int, session: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.socket = socket.create_connection((host, int(port)), timeout=ANSWER_SECONDS)
        self.socket.sendall(
            f"GET /stations/{station_id}/live/ HTTP/1.1\r\nHost: {host}\r\n"
            f"Cookie: sessionid={session}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        self.received = b""

    def read_until(self, text: bytes) -> bytes:
        deadline = time.monotonic() + ANSWER_SECONDS
        while text not in self.received:
            self.socket.settimeout(max(0.1, deadline - time.monotonic()))
            chunk = self.socket.recv(65536)
            if not chunk:
                break
            self.received += chunk
        return self.received

    def close(self) -> None:
        self.socket.close()


def timed_get(url: str, **kw) -> tuple[int, float]:
    started = time.monotonic()
    status = requests.get(url, timeout=ANSWER_SECONDS, **kw).status_code
    return status, time.monotonic() - started


def test_two_hundred_open_streams_leave_the_pages_answering(server):
    c = county()
    station = station_for(c)
    officers = [c.person(R.OFFICER, c.station_a, real_name=f"民警{i}") for i in range(PEOPLE)]
    sessions = [session_of(o) for o in officers]
    streams = []
    try:
        for i in range(STREAMS):
            stream = Stream(server, station.pk, sessions[i % PEOPLE])
            streams.append(stream)
            assert b"200 OK" in stream.read_until(b"connected"), stream.received[:300]

        # Far more streams than threads are open: the pages still answer, at once.
        assert timed_get(f"{server}/healthz")[0] == 200
        status, seconds = timed_get(f"{server}/stations/", cookies={"sessionid": sessions[0]})
        assert status == 200 and seconds < ANSWER_SECONDS

        # An order committed now reaches the open streams.
        order = alert_intake(
            actor=None, channel="110", category="public_order", summary="村口有人打架", address="村口",
            village_code=c.village_a1.code,
        ).order  # fmt: skip
        for stream in (streams[0], streams[99], streams[-1]):
            assert f'"order": {order.pk}'.encode() in stream.read_until(b"event: order")

        # Each officer holds 4; two more are his share (6), the next is refused in words.
        extra = [Stream(server, station.pk, sessions[0]) for _ in range(2)]
        streams += extra
        for stream in extra:
            assert b"200 OK" in stream.read_until(b"connected")
        refused = Stream(server, station.pk, sessions[0])
        streams.append(refused)
        answer = refused.read_until(b"\r\n\r\n")
        assert b"429" in answer.split(b"\r\n", 1)[0], answer[:300]
        # Closing a stream gives its place back (the server hears the disconnect).
        extra[0].close()

        def reopened() -> bool:
            stream = Stream(server, station.pk, sessions[0])
            streams.append(stream)
            return b"200 OK" in stream.read_until(b"\r\n\r\n").split(b"\r\n", 1)[0]

        wait_for(reopened, timeout=ANSWER_SECONDS * 2, what="the closed stream's place to be given back")
    finally:
        for stream in streams:
            stream.close()
