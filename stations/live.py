"""The station's live channel: a new or changed order is pushed to the dashboards of its station
within moments, through Server-Sent Events.

Publishing happens after the commit (a dashboard must never hear of an order it cannot load yet).
The bus is Redis publish/subscribe when ``REDIS_URL`` is set, so that every web process hears
every other; on the embedded default (one server process) it is an in-process condition variable.
A subscriber waits on a socket or a condition, never on a timer.

Served on an event loop (``governance.asgi``), a stream holds no thread: each process keeps one
subscription to every station's channel (``_AsyncHub``) and hands each message to the queues of
the streams open in it, so 200 open dashboards cost 200 small queues. Under WSGI (the development
server, the test server) a stream holds its request thread, as it always did. Either way a person
may hold at most ``LIVE_STREAMS_PER_USER`` streams at once (``stream_admit``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction

CHANNEL_PREFIX = "rongzhi:station:"
STREAMS_PREFIX = "rongzhi:live-streams:"
# A stream ends after this long and the browser reconnects at once (EventSource does): no stream
# lasts for ever, and a user who lost access stops hearing.
LIVE_STREAM_SECONDS = 55
LIVE_KEEPALIVE_SECONDS = 15

logger = logging.getLogger(__name__)


class Subscription(Protocol):
    def get(self, timeout: float) -> dict[str, Any] | None: ...

    def close(self) -> None: ...


class _LocalBus:
    """One process: publishers append to a short history and wake the waiting subscribers."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._sequence = 0
        self._recent: deque[tuple[int, str, dict[str, Any]]] = deque(maxlen=2000)

        self._listeners: list[Callable[[str, dict[str, Any]], None]] = []

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        with self._changed:
            self._sequence += 1
            self._recent.append((self._sequence, channel, message))
            self._changed.notify_all()
            listeners = list(self._listeners)
        for listener in listeners:
            listener(channel, message)

    def listen(self, listener: Callable[[str, dict[str, Any]], None]) -> None:
        """Call ``listener(channel, message)`` for every message published from now on (from the
        publishing thread: it must hand the message on, not block)."""
        with self._changed:
            self._listeners.append(listener)

    def subscribe(self, channel: str) -> Subscription:
        with self._changed:
            return _LocalSubscription(self, channel, self._sequence)


class _LocalSubscription:
    def __init__(self, bus: _LocalBus, channel: str, seen: int) -> None:
        self._bus, self._channel, self._seen = bus, channel, seen

    def get(self, timeout: float) -> dict[str, Any] | None:
        bus = self._bus

        def pending() -> dict[str, Any] | None:
            for sequence, channel, message in bus._recent:
                if sequence > self._seen:
                    self._seen = sequence
                    if channel == self._channel:
                        return message
            return None

        with bus._changed:
            found = pending()
            if found is None and bus._changed.wait_for(lambda: bus._sequence > self._seen, timeout=timeout):
                found = pending()
            return found

    def close(self) -> None:
        pass


class _RedisSubscription:
    def __init__(self, client: Any, channel: str) -> None:
        self._pubsub = client.pubsub()
        self._pubsub.subscribe(channel)
        # Wait for Redis to confirm: a message published before that would be missed.
        confirmed = self._pubsub.get_message(timeout=5)
        if confirmed is None or confirmed.get("type") != "subscribe":
            raise ConnectionError(f"Redis did not confirm the subscription to {channel}")

    def get(self, timeout: float) -> dict[str, Any] | None:
        message = self._pubsub.get_message(timeout=timeout)
        if message is None or message.get("type") != "message":
            return None
        data: dict[str, Any] = json.loads(message["data"])
        return data

    def close(self) -> None:
        self._pubsub.close()


class _RedisBus:
    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=5, health_check_interval=30)

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        self._client.publish(channel, json.dumps(message))

    def subscribe(self, channel: str) -> Subscription:
        return _RedisSubscription(self._client, channel)

    @property
    def client(self) -> Any:
        return self._client


_bus: _LocalBus | _RedisBus | None = None
_bus_url: str | None = None
_bus_lock = threading.Lock()


def bus() -> _LocalBus | _RedisBus:
    global _bus, _bus_url
    url = settings.REDIS_URL or ""
    with _bus_lock:
        if _bus is None or _bus_url != url:
            _bus, _bus_url = (_RedisBus(url) if url else _LocalBus()), url
        return _bus


def channel_for(station_id: int) -> str:
    return f"{CHANNEL_PREFIX}{station_id}"


def publish_order(*, station_id: int | None, order_id: int, status: str, new: bool = False) -> None:
    """Tell the station's dashboards about an order once the transaction commits. A failure to
    publish never fails the write: the dashboards also refresh on a slow timer."""
    if station_id is None:
        return
    message = {"order": order_id, "status": status, "new": new}
    transaction.on_commit(lambda: bus().publish(channel_for(station_id), message), robust=True)


def subscribe(station_id: int) -> Subscription:
    return bus().subscribe(channel_for(station_id))


# --- Streams on an event loop -----------------------------------------------------------------


class _AsyncSubscription:
    def __init__(self, hub: _AsyncHub, channel: str) -> None:
        self._hub, self._channel = hub, channel
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=200)
        hub.queues.setdefault(channel, set()).add(self._queue)

    async def get(self, timeout: float) -> dict[str, Any] | None:
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None

    def close(self) -> None:
        self._hub.queues.get(self._channel, set()).discard(self._queue)


class _AsyncHub:
    """One event loop's single subscription to every station's channel (Redis ``PSUBSCRIBE``, or
    the in-process bus's listener), fanned out to the queues of the streams open on the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listening_locally = False

    def deliver(self, channel: str, message: dict[str, Any]) -> None:
        for queue in list(self.queues.get(channel, ())):
            with contextlib.suppress(asyncio.QueueFull):  # a stream that stopped reading loses it
                queue.put_nowait(message)

    def _deliver_from_thread(self, channel: str, message: dict[str, Any]) -> None:
        self.loop.call_soon_threadsafe(self.deliver, channel, message)

    async def subscribe(self, channel: str) -> _AsyncSubscription:
        current = bus()
        if isinstance(current, _LocalBus):
            if not self._listening_locally:
                self._listening_locally = True
                current.listen(self._deliver_from_thread)
            return _AsyncSubscription(self, channel)
        if self._task is None or self._task.done():
            self._ready.clear()
            self._task = self.loop.create_task(self._listen_redis(settings.REDIS_URL))
        await asyncio.wait_for(self._ready.wait(), timeout=5)
        return _AsyncSubscription(self, channel)

    async def _listen_redis(self, url: str) -> None:
        import redis.asyncio

        while True:
            # No socket timeout: the subscription is quiet for as long as no order changes.
            pubsub = redis.asyncio.Redis.from_url(url, health_check_interval=30).pubsub()
            try:
                await pubsub.psubscribe(f"{CHANNEL_PREFIX}*")
                # The subscription is confirmed before any stream counts on it.
                while (confirmed := await pubsub.get_message(timeout=5)) is None:
                    pass
                if confirmed.get("type") != "psubscribe":
                    raise ConnectionError("Redis did not confirm the live channel's subscription")
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") == "pmessage":
                        self.deliver(message["channel"].decode(), json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                # Streams open now hear nothing until Redis is back; the pages also refresh on a
                # slow timer. Try again in a second (a real outage, not a wait for time).
                self._ready.clear()
                logger.exception("live channel: Redis subscription lost; resubscribing")
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _AsyncHub] = weakref.WeakKeyDictionary()


async def asubscribe(station_id: int) -> _AsyncSubscription:
    """``subscribe`` for a stream served on an event loop."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = _AsyncHub(loop)
    return await hub.subscribe(channel_for(station_id))


def _frame(message: dict[str, Any] | None) -> str:
    return ": keep-alive\n\n" if message is None else f"event: order\ndata: {json.dumps(message)}\n\n"


HELLO = "retry: 1000\n: connected\n\n"


def events(subscription: Subscription, release: Callable[[], None]) -> Iterator[str]:
    """The Server-Sent Events of one stream, for a server thread (WSGI)."""
    try:
        yield HELLO
        deadline = time.monotonic() + LIVE_STREAM_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            yield _frame(subscription.get(timeout=min(LIVE_KEEPALIVE_SECONDS, left)))
    finally:
        subscription.close()
        release()


async def aevents(subscription: _AsyncSubscription, release: Callable[[], None]) -> AsyncIterator[str]:
    """The same stream, on an event loop (ASGI)."""
    try:
        yield HELLO
        deadline = time.monotonic() + LIVE_STREAM_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            yield _frame(await subscription.get(timeout=min(LIVE_KEEPALIVE_SECONDS, left)))
    finally:
        subscription.close()
        release()


# --- How many streams a person holds ------------------------------------------------------------

_local_streams: dict[int, set[str]] = {}
_local_streams_lock = threading.Lock()


def stream_admit(user_id: int) -> str | None:
    """A ticket for one more stream of ``user_id``, or None when he already holds
    ``settings.LIVE_STREAMS_PER_USER``. Counted across every web process in Redis (a stream that
    died without releasing its ticket stops counting once its time is up), else in this process."""
    ticket, limit = uuid.uuid4().hex, settings.LIVE_STREAMS_PER_USER
    current = bus()
    if isinstance(current, _RedisBus):
        key, now = f"{STREAMS_PREFIX}{user_id}", time.time()
        pipe = current.client.pipeline()
        pipe.zremrangebyscore(key, 0, now - LIVE_STREAM_SECONDS - 30)
        pipe.zadd(key, {ticket: now})
        pipe.zcard(key)
        pipe.expire(key, LIVE_STREAM_SECONDS + 60)
        held = pipe.execute()[2]
        if held > limit:
            current.client.zrem(key, ticket)
            return None
        return ticket
    with _local_streams_lock:
        held_here = _local_streams.setdefault(user_id, set())
        if len(held_here) >= limit:
            return None
        held_here.add(ticket)
        return ticket


def stream_release(user_id: int, ticket: str) -> None:
    current = bus()
    if isinstance(current, _RedisBus):
        with contextlib.suppress(Exception):  # the ticket expires on its own
            current.client.zrem(f"{STREAMS_PREFIX}{user_id}", ticket)
        return
    with _local_streams_lock:
        _local_streams.get(user_id, set()).discard(ticket)
