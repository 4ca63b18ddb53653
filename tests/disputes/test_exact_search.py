"""Searching the ledger by a party's full ID number or phone is an unmasking (issue 15, finding 2):
a village cadre without the unmask right recovered an ID number from its mask by trying the
hidden digits. Only holders of the right over the case find it, with a reason, logged as an
access to personal data, and a limited number of times per window."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from disputes.services import mediator_assign
from governance.models import Agency, AuditEvent, Membership
from governance.services.people import agency_create
from tests.disputes.factories import ID_APPLICANT, ID_OTHER, accepted, registered, world
from tests.governance.factories import PASSWORD

pytestmark = pytest.mark.django_db
R = Membership.Role
LEDGER = "/disputes/"
API = "/api/v1/disputes/"
REASON = "核实当事人身份"
REFUSED = "Exact search by ID number or phone needs the unmask right and a reason."


@pytest.fixture
def w():
    return world()


@pytest.fixture
def cadre(w):
    committee = agency_create(
        actor=None, name="新塘社区村委会", kind=Agency.Kind.VILLAGE_COMMITTEE, region=w.c.village_a1
    )
    return w.c.person(R.VILLAGE_CADRE, committee, scope=w.c.village_a1)


def api_as(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def found(api, **params):
    answer = api.get(API, params)
    assert answer.status_code == 200, answer.content
    return [d["id"] for d in answer.json()["results"]]


def unmask_events():
    return AuditEvent.objects.filter(verb="personal_data.unmask")


def test_a_cadre_without_the_unmask_right_finds_nobody_by_full_id_or_phone_and_nothing_is_hashed(
    w, cadre, client
):
    dispute = registered(w)
    api = api_as(cadre)
    assert found(api) == [dispute.pk]  # he sees the ledger of his village

    with mock.patch("disputes.services.search.pii_lookup_hash", side_effect=AssertionError("hashed")):
        assert found(api, q=ID_APPLICANT) == []
        assert found(api, q="13800000001") == []
        assert found(api, q=ID_APPLICANT, reason=REASON) == []
        client.login(username=cadre.username, password=PASSWORD)
        html = client.get(LEDGER, {"q": ID_APPLICANT, "reason": REASON}).content.decode()

    assert dispute.number not in html
    assert 'data-testid="exact-search-refused"' in html and REFUSED in html
    assert 'data-testid="exact-search-reason"' not in html  # no reason field to offer him
    assert not unmask_events().exists()
    # Ordinary searches are untouched.
    assert found(api, q="宅基地") == [dispute.pk]


def test_an_officer_with_the_right_and_a_reason_finds_the_case_and_the_search_is_logged(w):
    dispute = registered(w)
    applicant = dispute.parties.get(role="applicant")
    api = api_as(w.officer)

    assert found(api, q=ID_APPLICANT, reason=REASON) == [dispute.pk]
    assert found(api, q="138 0000 0001", reason="电话回访当事人") == [dispute.pk]

    by_id, by_phone = unmask_events().order_by("id")
    assert (by_id.actor_id, by_id.target_id, by_id.reason) == (w.officer.pk, str(dispute.pk), REASON)
    assert by_id.changes == {f"party:{applicant.pk}:id_number": ["330802********1232", None]}
    assert by_phone.changes == {f"party:{applicant.pk}:phone": ["138****0001", None]}
    assert by_phone.reason == "电话回访当事人"


def test_a_search_that_finds_nobody_is_logged_too(w):
    registered(w)

    assert found(api_as(w.officer), q=ID_OTHER, reason=REASON) == []

    event = unmask_events().get()
    assert (event.target_id, event.changes, event.reason) == (
        "",
        {"search:id_number": ["330802********0016", None]},
        REASON,
    )


def test_the_right_over_another_township_finds_nothing_here(w):
    registered(w)  # in township A

    assert found(api_as(w.officer_b), q=ID_APPLICANT, reason=REASON) == []

    assert list(unmask_events().values_list("target_id", flat=True)) == [""]


def test_the_case_s_own_mediator_finds_it_and_no_other(w):
    mine = accepted(w)
    registered(w, actor=w.officer, village_code=w.c.village_a2.code)  # the same applicant, another case
    mediator_assign(actor=w.officer, dispute=mine, mediator=w.mediator)

    assert found(api_as(w.mediator_user), q=ID_APPLICANT, reason=REASON) == [mine.pk]


def test_without_a_reason_the_officer_finds_nothing_and_the_page_offers_the_reason_field(w, client):
    dispute = registered(w)

    assert found(api_as(w.officer), q=ID_APPLICANT) == []
    client.login(username=w.officer.username, password=PASSWORD)
    html = client.get(LEDGER, {"q": ID_APPLICANT}).content.decode()

    assert dispute.number not in html
    assert REFUSED in html
    assert 'data-testid="exact-search-reason"' in html and 'name="reason"' in html
    assert not unmask_events().exists()
    answered = client.get(LEDGER, {"q": ID_APPLICANT, "reason": REASON}).content.decode()
    assert dispute.number in answered and REFUSED not in answered
    assert unmask_events().count() == 1


@pytest.mark.parametrize("reason", ["0000", "!!!!", "看"])
def test_a_reason_that_is_no_reason_is_refused_on_its_field(w, client, reason):
    dispute = registered(w)

    answer = api_as(w.officer).get(API, {"q": ID_APPLICANT, "reason": reason})

    assert answer.status_code == 400
    assert list(answer.json()["error"]["fields"]) == ["reason"]
    client.login(username=w.officer.username, password=PASSWORD)
    html = client.get(LEDGER, {"q": ID_APPLICANT, "reason": reason}).content.decode()
    assert dispute.number not in html
    assert 'data-field="reason"' in html
    assert not unmask_events().exists()


def test_exact_searches_are_limited_per_person_and_window(w, settings, client):
    settings.PERSONAL_DATA_SEARCH_LIMIT = 3
    settings.PERSONAL_DATA_SEARCH_WINDOW_SECONDS = 3600
    dispute = registered(w)
    api = api_as(w.officer)
    # Users are made at the real time (their counter's key holds it); the window is then frozen.
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False) as traveller:
        for _ in range(3):
            assert found(api, q=ID_APPLICANT, reason=REASON) == [dispute.pk]

        refused = api.get(API, {"q": ID_APPLICANT, "reason": REASON})
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "throttled"
        client.login(username=w.officer.username, password=PASSWORD)
        html = client.get(LEDGER, {"q": ID_APPLICANT, "reason": REASON}).content.decode()
        assert dispute.number not in html and "Too many exact searches" in html
        assert unmask_events().count() == 3
        # Another person has his own count; ordinary searches are not counted.
        assert found(api_as(w.county_admin), q=ID_APPLICANT, reason=REASON) == [dispute.pk]
        assert found(api, q=dispute.number) == [dispute.pk]

        traveller.shift(timedelta(hours=1))
        assert found(api, q=ID_APPLICANT, reason=REASON) == [dispute.pk]
