"""The read-replica router: named history reads go to the replica, everything that must not lag
stays on the primary. The replica here is a second connection to the test database (what a
streaming replica looks like to the application), so committed rows are seen by both and each
query can be counted on the connection that ran it."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes.models import Dispute
from governance.replicas import PIN_COOKIE, REPLICA, ReplicaRouter, primary_reads, replica_reads
from stations.models import DispatchOrder
from tests.disputes.factories import registered, world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases=["default", REPLICA])]


@pytest.fixture(autouse=True, scope="module")
def replica(django_db_setup: Any) -> Iterator[Any]:
    # Module-scoped, so that the alias exists before the test's database access is arranged.
    default = connections["default"].settings_dict
    connections.settings[REPLICA] = {
        **copy.deepcopy(default),
        "TEST": {**default["TEST"], "MIRROR": "default"},
    }
    assert REPLICA in settings.DATABASES  # the router reads the same mapping
    try:
        yield connections[REPLICA]
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def _tables(queries: CaptureQueriesContext) -> str:
    return " ".join(q["sql"] for q in queries.captured_queries)


def test_the_ledger_reads_its_cases_on_the_replica_and_the_session_on_the_primary() -> None:
    w = world()
    registered(w, summary="邻里噪音纠纷")
    client = Client()
    client.force_login(w.officer)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:  # fmt: skip
        response = client.get(reverse("disputes:ledger"))
    assert response.status_code == 200
    assert "邻里噪音纠纷" in response.content.decode()
    assert '"disputes_dispute"' in _tables(on_replica)
    assert '"disputes_dispute"' not in _tables(on_primary)
    assert '"django_session"' in _tables(on_primary)
    assert '"django_session"' not in _tables(on_replica)
    user_load = 'FROM "auth_user" WHERE "auth_user"."id" ='  # who is logged in: never from a copy
    assert user_load in _tables(on_primary)
    assert user_load not in _tables(on_replica)


def test_after_a_write_the_same_browser_reads_the_primary_for_a_while() -> None:
    w = world()
    registered(w)
    client = Client()
    client.force_login(w.officer)
    answer = client.post(reverse("disputes:ledger"))  # refused (GET only), but a write was asked
    assert answer.cookies[PIN_COOKIE]["max-age"] == settings.REPLICA_PIN_SECONDS
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get(reverse("disputes:ledger")).status_code == 200
    assert on_replica.captured_queries == []
    del client.cookies[PIN_COOKIE]  # the cookie's time is up
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        client.get(reverse("disputes:ledger"))
    assert '"disputes_dispute"' in _tables(on_replica)


def test_a_live_page_is_never_served_by_the_replica() -> None:
    w = world()
    client = Client()
    client.force_login(w.officer)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        client.get(reverse("stations:dashboard"))
    assert on_replica.captured_queries == []


def test_reads_inside_a_write_or_of_logins_stay_on_the_primary() -> None:
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session

    with replica_reads():
        assert Dispute.objects.all().db == REPLICA
        assert DispatchOrder.objects.all().db == REPLICA
        assert User.objects.all().db == "default"
        assert Session.objects.all().db == "default"
        with transaction.atomic():
            assert Dispute.objects.all().db == "default"  # it may decide the write
        with primary_reads():
            assert Dispute.objects.all().db == "default"
        assert Dispute.objects.all().db == REPLICA
    assert Dispute.objects.all().db == "default"  # outside a named read


def test_a_read_that_decides_a_write_runs_on_the_primary() -> None:
    w = world()
    dispute = registered(w, summary="宅基地边界纠纷")
    router = ReplicaRouter()
    with replica_reads(), CaptureQueriesContext(connections[REPLICA]) as on_replica:
        with transaction.atomic():
            locked = Dispute.objects.select_for_update().get(pk=dispute.pk)  # a replica cannot lock
            Dispute.objects.filter(pk=locked.pk).update(summary="宅基地边界纠纷（已核实）")
        assert router.db_for_write(Dispute) == "default"
    assert on_replica.captured_queries == []
    assert Dispute.objects.get(pk=dispute.pk).summary.endswith("（已核实）")
    assert router.allow_migrate("default", "disputes") is True
    assert router.allow_migrate(REPLICA, "disputes") is False


def test_without_a_replica_every_read_goes_to_the_primary(replica: Any) -> None:
    del connections.settings[REPLICA]
    try:
        with replica_reads():
            assert Dispute.objects.all().db == "default"
    finally:
        connections.settings[REPLICA] = {**copy.deepcopy(connections["default"].settings_dict), "TEST": {"MIRROR": "default"}}  # fmt: skip


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_peace_index_reads_its_sources_on_the_replica_and_writes_scores_on_the_primary() -> None:
    import time_machine

    from peace_index.compute import scores_compute
    from peace_index.models import VillageScore
    from tests.peace_index.factories import NOW, THIS_MONTH, alert, peace_world

    with time_machine.travel(NOW, tick=False):
        pw = peace_world()
        alert(pw.c.village_a1, category="criminal")
        with CaptureQueriesContext(connections[REPLICA]) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:  # fmt: skip
            written = scores_compute(county=pw.c.county, month=THIS_MONTH, version=pw.version, now=NOW)
    assert written > 0
    assert '"stations_alert"' in _tables(on_replica)
    assert '"stations_alert"' not in _tables(on_primary)
    assert "peace_index_villagescore" not in _tables(on_replica)
    assert '"peace_index_townshipreview"' in _tables(on_primary)  # the freeze decides the write
    assert VillageScore.objects.filter(version=pw.version, month=THIS_MONTH).count() == written


def test_a_jurisdiction_is_worked_out_on_the_primary_even_on_a_replica_page() -> None:
    """A lagging replica would otherwise store a revoked role in the shared cache."""
    from django.contrib.auth.models import User

    from governance.selectors import jurisdiction_for

    w = world()
    with replica_reads(), CaptureQueriesContext(connections[REPLICA]) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:  # fmt: skip
        jurisdiction_for(User.objects.get(pk=w.officer.pk))
    assert '"governance_membership"' in _tables(on_primary)
    assert '"governance_membership"' not in _tables(on_replica)
