"""Races have one winner: concurrent requests on real PostgreSQL connections."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from governance.errors import Conflict
from governance.models import Membership, Notification, OutboundChannel, OutboundMessage
from governance.services.notifications import notification_send
from governance.services.people import membership_create
from tests.governance.factories import county, person

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(fn: Callable[[], Any], n: int = 8) -> list[Any]:
    """Run ``fn`` in ``n`` threads released at the same moment; return results or exceptions."""
    barrier = threading.Barrier(n)
    results: list[Any] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(fn())
        except Exception as exc:  # the outcome under test, collected for assertions
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_concurrent_sends_with_one_idempotency_key_make_one_notification(http_server, settings):
    recipient = person(phone="13812345678")
    sms = OutboundChannel.objects.create(name="sms", kind="sms", endpoint=http_server.url + "/sms")
    results = race(
        lambda: notification_send(recipient=recipient, title="超时", idempotency_key="k1", channels=[sms])
    )
    assert all(isinstance(r, Notification) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Notification.objects.count() == 1
    assert OutboundMessage.objects.count() == 1


def test_concurrent_duplicate_memberships_have_one_winner():
    c = county()
    user = person()
    results = race(lambda: membership_create(actor=None, user=user, agency=c.station_a, role="officer"))
    winners = [r for r in results if isinstance(r, Membership)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert (len(winners), len(losers)) == (1, len(results) - 1)
    assert Membership.objects.filter(user=user).count() == 1
