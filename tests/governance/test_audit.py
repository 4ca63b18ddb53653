from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from governance.models import AuditEvent, Membership, Region
from governance.services.audit import audit_record
from governance.services.regions import region_create
from tests.governance.factories import county

pytestmark = pytest.mark.django_db


def test_audit_event_records_actor_target_and_after_values():
    c = county()
    admin = c.person(Membership.Role.COUNTY_ADMIN, c.plc)
    region = region_create(
        actor=admin,
        code="330802001009",
        name="新村",
        level=Region.Level.VILLAGE,
        parent=c.township_a,
        population=800,
    )
    event = AuditEvent.objects.get(verb="region.create", target_id=str(region.pk))
    assert event.actor_id == admin.pk
    assert event.actor_repr == admin.username
    assert event.target_repr == "新村 (330802001009)"
    assert event.changes["population"] == [None, 800]
    assert event.changes["name"] == [None, "新村"]


def test_a_rolled_back_change_leaves_no_audit_event():
    c = county()
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        region_create(
            actor=None, code="330802001009", name="新村", level=Region.Level.VILLAGE, parent=c.township_a
        )
        raise RuntimeError("the caller fails after the service")
    assert AuditEvent.objects.count() == before
    assert not Region.objects.filter(code="330802001009").exists()


@pytest.mark.django_db(transaction=True)
def test_audit_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=None, verb="x.y")
    assert AuditEvent.objects.count() == 0


def test_request_id_and_ip_are_recorded_from_the_request(client):
    c = county()
    admin = c.person(Membership.Role.COUNTY_ADMIN, c.plc)
    client.force_login(admin)
    response = client.post(
        "/api/v1/regions/",
        {"code": "330802001009", "name": "新村", "level": 5, "parent_code": "330802001000"},
        content_type="application/json",
        headers={"X-Request-ID": "req-12345678"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 201
    assert response["X-Request-ID"] == "req-12345678"
    event = AuditEvent.objects.get(verb="region.create", target_repr__startswith="新村")
    assert (event.request_id, event.ip) == ("req-12345678", "10.1.2.3")


@pytest.mark.postgres
def test_database_refuses_to_update_or_delete_audit_events():
    county()
    event = AuditEvent.objects.first()
    assert event is not None
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(verb="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).verb == event.verb
