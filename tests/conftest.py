from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import connection
from django.db.backends.signals import connection_created
from django.utils import translation

from governance.celery import app as celery_app


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_tasks_in_process() -> Iterator[None]:
    """Unit tests run enqueued tasks in-process (after commit, via django_capture_on_commit_callbacks).
    Integration tests switch this off and use real worker processes."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _messages_in_english(settings: Any) -> Iterator[None]:
    """Tests assert the English source of messages; the Chinese default is tested on its own
    (tests/governance/test_pages.py, test_translations.py and the browser tests)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def chinese_default(settings: Any) -> None:
    """The platform as shipped: Simplified Chinese unless the user chose otherwise."""
    settings.LANGUAGE_CODE = "zh-hans"
    translation.activate("zh-hans")


@pytest.fixture(autouse=True)
def _fast_test_settings(settings: Any) -> None:
    settings.NOTIFY_HTTP_TIMEOUT_SECONDS = 2.0
    # PBKDF2 costs a third of a second per password on purpose; tests create many logins.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _api_rate_limits_counted_per_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test counts its own API requests (governance/api/throttles.py): the shared cache would
    otherwise carry the counts of the tests before it (same address, same ids after a rebuilt
    database) into it."""
    from django.core.cache.backends.locmem import LocMemCache
    from rest_framework.throttling import SimpleRateThrottle

    counts = LocMemCache(f"api-throttle-{uuid.uuid4().hex}", {})
    monkeypatch.setattr(SimpleRateThrottle, "cache", counts)
    yield
    counts.clear()


def _audit_trail_may_be_flushed(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Browser and worker tests end with Django's flush, one TRUNCATE of every table; the audit
    trail refuses TRUNCATE unless the session allows it (governance migration 0006)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET rongzhi.audit_truncate = 'allowed'")


connection_created.connect(_audit_trail_may_be_flushed)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL); the embedded default is SQLite")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class LocalHTTPServer:
    """A local stand-in for an SMS gateway or a robot webhook. ``responses`` is consumed in order;
    when empty, ``default`` answers. Each response is (status, json body) or a callable."""

    url: str
    requests: list[RecordedRequest] = field(default_factory=list)
    responses: list[tuple[int, Any]] = field(default_factory=list)
    default: tuple[int, Any] = (200, {"errcode": 0, "errmsg": "ok"})
    # Seconds to wait before answering, to make a client time out.
    hang_seconds: float = 0.0


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    state: LocalHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = raw.decode(errors="replace")
            state.requests.append(RecordedRequest(self.path, dict(self.headers), body))
            if state.hang_seconds:
                threading.Event().wait(state.hang_seconds)
            code, payload = state.responses.pop(0) if state.responses else state.default
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = LocalHTTPServer(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    """``with run_on_commit(): ...`` runs the on-commit callbacks (enqueued tasks) of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
