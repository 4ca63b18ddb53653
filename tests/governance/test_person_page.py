"""A person's page: masked; unmasking on the page follows the API's rule (a right and a reason,
logged), and refuses alike."""

from __future__ import annotations

import pytest
from django.test import Client

from governance.models import AuditEvent, Membership
from tests.governance.factories import county

pytestmark = pytest.mark.django_db
R = Membership.Role


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_person_masked_and_unmasks_once_for_a_reason():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    resident = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1, phone="13712345678")
    client = logged_in(officer)
    page = client.get(f"/people/{resident.username}/")
    assert page.status_code == 200
    assert "137****5678" in page.content.decode() and "13712345678" not in page.content.decode()

    shown = client.post(f"/people/{resident.username}/unmask/", {"field": "phone", "reason": "回访核实身份"})
    assert shown.status_code == 200
    assert '<strong data-testid="unmasked">13712345678</strong>' in shown.content.decode()
    event = AuditEvent.objects.get(verb="personal_data.unmask")
    assert (event.actor_id, event.reason) == (officer.pk, "回访核实身份")
    # The page kept in the history is masked again.
    assert "13712345678" not in client.get(f"/people/{resident.username}/").content.decode()


def test_a_short_reason_is_refused_on_its_field_and_nothing_is_logged():
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    resident = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1, phone="13712345678")
    answer = logged_in(officer).post(
        f"/people/{resident.username}/unmask/", {"field": "phone", "reason": "看"}
    )
    assert answer.status_code == 400
    assert 'data-field="reason"' in answer.content.decode()
    assert "13712345678" not in answer.content.decode()
    assert not AuditEvent.objects.filter(verb="personal_data.unmask").exists()


def test_a_role_without_the_right_is_refused_on_the_page_as_on_the_api():
    c = county()
    official = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a)
    resident = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1, phone="13712345678")
    client = logged_in(official)
    body = {"field": "phone", "reason": "回访核实身份"}
    page = client.post(f"/people/{resident.username}/unmask/", body)
    api = client.post(f"/api/v1/people/{resident.username}/unmask/", body, content_type="application/json")
    assert (page.status_code, api.status_code) == (403, 403)
    assert "13712345678" not in page.content.decode()
    assert 'data-testid="unmask"' not in client.get(f"/people/{resident.username}/").content.decode()
    assert not AuditEvent.objects.filter(verb="personal_data.unmask").exists()
