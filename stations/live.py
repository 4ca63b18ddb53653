"""The station's live channel: a new or changed order is pushed to the dashboards of its station
within moments, through Server-Sent Events.

Publishing happens after the commit (a dashboard must never hear of an order it cannot load yet).
The bus is Redis publish/subscribe when ``REDIS_URL`` is set, so that every web process hears
every other; on the embedded default (one server process) it is an in-process condition variable.
A subscriber waits on a socket or a condition, never on a timer.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction

CHANNEL_PREFIX = "rongzhi:station:"


class Subscription(Protocol):
    def get(self, timeout: float) -> dict[str, Any] | None: ...

    def close(self) -> None: ...


class _LocalBus:
    """One process: publishers append to a short history and wake the waiting subscribers."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._sequence = 0
        self._recent: deque[tuple[int, str, dict[str, Any]]] = deque(maxlen=2000)

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        with self._changed:
            self._sequence += 1
            self._recent.append((self._sequence, channel, message))
            self._changed.notify_all()

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
