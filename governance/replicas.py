"""Reads that may lag go to a read replica; everything else stays on the primary.

A replica is configured by ``DATABASE_REPLICA_URL`` (settings add the ``replica`` alias). Without
one, nothing here changes anything: every query goes to ``default``.

Only reads that are *named* go to the replica, never by default, because a replica lags behind
the primary (usually by well under a second):

- pages that show history or figures (the dispute ledger, the peace index's rankings and
  portraits, the figures pages, exports, the volunteer's task list) are decorated with
  :func:`replica_ok`;
- a job that reads a great deal and writes little (the peace index's recomputation) wraps its
  reads in :func:`replica_reads` and writes its results on the primary.

What must not lag stays on the primary whatever the context: a read inside a transaction on the
primary (a write path, or a read that decides a write), sessions, users, logins and lockouts
(a login would otherwise not find the session it has just written), and every page for a
browser that has just written something (:class:`ReplicaPinMiddleware` pins it to the primary
for ``REPLICA_PIN_SECONDS``, so that the page after a POST shows what the POST did). Live pages
refreshed by an event published on commit (the station dashboard, the commander board) are not
decorated: the event could arrive before the row reaches the replica.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "rz_primary"
# Applications whose rows are read back right after being written by the same person, or that
# decide who may do anything at all: never read from a copy that may lag.
PRIMARY_ONLY_APPS = frozenset(
    {"sessions", "auth", "knox", "contenttypes", "axes", "django_otp", "otp_totp", "otp_static"}
)

_replica_allowed: ContextVar[bool] = ContextVar("replica_allowed", default=False)

V = TypeVar("V", bound=Callable[..., HttpResponse])


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def _reads(*, replica: bool) -> Iterator[None]:
    token = _replica_allowed.set(replica)
    try:
        yield
    finally:
        _replica_allowed.reset(token)


def replica_reads() -> AbstractContextManager[None]:
    """Within this block, reads of application rows may be served by the replica."""
    return _reads(replica=True)


def primary_reads() -> AbstractContextManager[None]:
    """Within this block every read goes to the primary, even inside :func:`replica_reads`."""
    return _reads(replica=False)


def request_pinned(request: HttpRequest) -> bool:
    return PIN_COOKIE in request.COOKIES


def replica_ok(view: V) -> V:
    """A page whose reads may lag a second: served from the replica for a GET or HEAD of a
    browser that has not just written something."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or request_pinned(request) or not replica_configured():
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


class ReplicaRouter:
    """Sends a read to the replica only inside :func:`replica_reads`, and never a read of a
    primary-only application or one made inside a transaction on the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if not _replica_allowed.get() or not replica_configured():
            return None
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # A read inside a write's transaction decides that write (and must see its rows).
            return None
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary: an object read there may be related
        # to one read here.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaPinMiddleware:
    """After a browser writes something (any request that is not GET, HEAD or OPTIONS), its next
    pages for ``REPLICA_PIN_SECONDS`` read the primary, so they show what it has just done."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and replica_configured():
            response.set_cookie(
                PIN_COOKIE, "1", max_age=settings.REPLICA_PIN_SECONDS, httponly=True,
                secure=settings.SESSION_COOKIE_SECURE, samesite="Lax",
            )  # fmt: skip
        return response
