"""A reason to see personal data in clear says why in words: "0000", digits or punctuation alone
are refused on the reason field by every unmasking (a person, a party, a volunteer), on the API
and on the pages, and nothing is shown or logged (issue 15, finding 7)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from governance.models import AuditEvent, Membership
from governance.services.people import unmask_reason
from tests.disputes import factories as disputes
from tests.governance.factories import PASSWORD, county
from tests.volunteers import factories as volunteers

pytestmark = pytest.mark.django_db
R = Membership.Role
NO_REASONS = ["0000", "12345678", "!!!!", "1.2.3.4", "  00  00  ", "a123"]
WORDS = "Say in words why you need this data: digits or punctuation alone are no reason."


def unmask_events() -> int:
    return AuditEvent.objects.filter(verb="personal_data.unmask").count()


@pytest.mark.parametrize("reason", NO_REASONS)
def test_the_one_rule_refuses_a_reason_without_words(reason):
    with pytest.raises(Exception) as refused:
        unmask_reason(field="phone", fields=("phone",), reason=reason)
    assert getattr(refused.value, "fields", None) == {"reason": [WORDS]}


@pytest.mark.parametrize("reason", ["核实身份", "回访当事人", "call back 2"])
def test_the_one_rule_keeps_a_reason_in_words(reason):
    assert unmask_reason(field="phone", fields=("phone",), reason=f"  {reason} ") == reason


@pytest.mark.parametrize("reason", ["0000", "!!!!"])
def test_a_person_is_not_unmasked_for_0000_on_the_api_or_the_page(reason, client):
    c = county()
    officer = c.person(R.OFFICER, c.station_a)
    worker = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1, phone="13933334444")
    api = APIClient()
    api.force_authenticate(officer)

    answer = api.post(
        f"/api/v1/people/{worker.username}/unmask/", {"field": "phone", "reason": reason}, format="json"
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"reason": [WORDS]}
    assert "13933334444" not in answer.content.decode()
    client.login(username=officer.username, password=PASSWORD)
    page = client.post(f"/people/{worker.username}/unmask/", {"field": "phone", "reason": reason})
    html = page.content.decode()
    assert "13933334444" not in html
    assert 'data-field="reason"' in html and "digits or punctuation alone" in html
    assert unmask_events() == 0


def test_a_party_is_not_unmasked_for_0000_on_the_api_or_the_page(client):
    w = disputes.world()
    dispute = disputes.registered(w)
    applicant = dispute.parties.get(role="applicant")
    api = APIClient()
    api.force_authenticate(w.officer)

    answer = api.post(
        f"/api/v1/disputes/{dispute.pk}/parties/{applicant.pk}/unmask/",
        {"field": "id_number", "reason": "0000"},
        format="json",
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"reason": [WORDS]}
    assert disputes.ID_APPLICANT not in answer.content.decode()
    client.login(username=w.officer.username, password=PASSWORD)
    page = client.post(
        f"/disputes/{dispute.pk}/unmask/",
        {"unmask-party": applicant.pk, "unmask-field": "id_number", "unmask-reason": "0000"},
    )
    html = page.content.decode()
    assert disputes.ID_APPLICANT not in html
    assert "digits or punctuation alone" in html
    assert unmask_events() == 0


def test_a_volunteer_is_not_unmasked_for_0000_on_the_api_or_the_page(client):
    w = volunteers.world()
    api = APIClient()
    api.force_authenticate(w.officer)

    answer = api.post(
        f"/api/v1/volunteers/{w.volunteer.pk}/unmask/", {"field": "phone", "reason": "0000"}, format="json"
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"reason": [WORDS]}
    assert "13700001111" not in answer.content.decode()
    client.login(username=w.officer.username, password=PASSWORD)
    page = client.post(
        f"/volunteers/team/volunteers/{w.volunteer.pk}/unmask/", {"field": "phone", "reason": "0000"}
    )
    html = page.content.decode()
    assert "13700001111" not in html
    assert "digits or punctuation alone" in html
    assert unmask_events() == 0
