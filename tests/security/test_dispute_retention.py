"""Retention: ended dispute cases older than DISPUTE_RETENTION_DAYS lose their parties' personal
data to a nightly job, while the statistics (counts by category and village) stay the same."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db.models import Count

from disputes.figures import dispute_figures
from disputes.models import Dispute, Obligation, Party, Session
from disputes.services import dispute_triage, follow_up_record, obligation_perform
from disputes.services.retention import disputes_anonymise_expired
from disputes.tasks import retention_sweep_task
from governance.celery import app
from governance.models import AuditEvent
from tests.disputes.factories import ID_APPLICANT, registered, signed, world

pytestmark = pytest.mark.django_db
S = Dispute.Status
CLOSED_AT = dt.datetime(2021, 3, 10, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _five_years(settings):
    settings.DISPUTE_RETENTION_DAYS = 5 * 365


def closed_case(w, *, village=None, category="neighbour"):
    """A mediated case closed after its follow-up on CLOSED_AT."""
    with time_machine.travel(CLOSED_AT - dt.timedelta(days=20), tick=False):
        dispute = signed(w, actor=w.officer, category=category, village_code=(village or w.c.village_a1).code)
    with time_machine.travel(CLOSED_AT, tick=False):
        obligation_perform(
            actor=w.mediator_user, obligation=Obligation.objects.get(agreement__dispute=dispute)
        )
        follow_up_record(
            actor=w.mediator_user, dispute=dispute, satisfaction=5, recurred=False, note="双方满意"
        )
    dispute.refresh_from_db()
    assert dispute.status == S.CLOSED
    return dispute


def not_accepted_case(w, at):
    with time_machine.travel(at, tick=False):
        dispute = registered(w, category="lending")
        return dispute_triage(
            actor=w.officer, dispute=dispute, decision="not_accepted", reason="已起诉",
            other_process="court", other_process_status="法院已立案",
        )  # fmt: skip


def statistics():
    return sorted(Dispute.objects.values_list("category", "village__code", "status").annotate(n=Count("pk")))


def test_a_case_closed_more_than_the_period_ago_loses_its_personal_data():
    w = world()
    dispute = closed_case(w)
    with time_machine.travel(CLOSED_AT + dt.timedelta(days=5 * 365 + 1), tick=False):
        assert disputes_anonymise_expired() == 1
    dispute.refresh_from_db()
    assert (dispute.summary, dispute.description, dispute.anonymised_at) == (
        "", "", CLOSED_AT + dt.timedelta(days=5 * 365 + 1),
    )  # fmt: skip
    assert list(Party.objects.filter(dispute=dispute).values_list(
        "name", "phone_encrypted", "phone_hash", "id_number_encrypted", "id_number_hash", "household_code",
    )) == [("", "", "", "", "", "")] * 2  # fmt: skip
    assert list(Session.objects.filter(dispute=dispute).values_list("minutes", "attendees", "place")) == [
        ("", "", "")
    ]
    assert (dispute.agreement.facts, dispute.agreement.responsibilities) == ("", "")
    assert list(dispute.follow_ups.values_list("note", flat=True)) == [""]
    assert set(dispute.events.values_list("note", flat=True)) == {""}
    assert not Party.objects.filter(id_number_hash__gt="").exists()


def test_the_statistics_stay_the_same():
    w = world()
    closed_case(w)
    closed_case(w, village=w.c.village_a2, category="family")
    not_accepted_case(w, CLOSED_AT)
    registered(w)  # open: kept as it is
    before = statistics()
    since, until = dt.date(2021, 1, 1), dt.date(2030, 1, 1)
    figures_before = dispute_figures(w.county_admin, since=since, until=until)
    with time_machine.travel(dt.datetime(2027, 1, 1, tzinfo=dt.UTC), tick=False):
        assert disputes_anonymise_expired() == 3
    assert statistics() == before
    assert dispute_figures(w.county_admin, since=since, until=until) == figures_before


def test_a_case_within_the_period_or_still_open_is_kept():
    w = world()
    recent = not_accepted_case(w, dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    still_open = registered(w)
    with time_machine.travel(dt.datetime(2026, 11, 23, tzinfo=dt.UTC), tick=False):
        assert disputes_anonymise_expired() == 0
    recent.refresh_from_db()
    assert recent.summary == "宅基地边界纠纷" and recent.anonymised_at is None
    assert Party.objects.filter(dispute=still_open, id_number_hash__gt="").count() == 2


def test_the_period_comes_from_the_settings(settings):
    w = world()
    not_accepted_case(w, dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    settings.DISPUTE_RETENTION_DAYS = 90
    with time_machine.travel(dt.datetime(2026, 8, 29, tzinfo=dt.UTC), tick=False):
        assert disputes_anonymise_expired() == 0
    with time_machine.travel(dt.datetime(2026, 8, 31, tzinfo=dt.UTC), tick=False):
        assert disputes_anonymise_expired() == 1


def test_running_twice_anonymises_once_and_audits_once():
    w = world()
    dispute = closed_case(w)
    later = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    with time_machine.travel(later, tick=False):
        assert disputes_anonymise_expired(batch_size=1) == 1
        assert disputes_anonymise_expired() == 0
    events = AuditEvent.objects.filter(verb="dispute.anonymise")
    assert list(events.values_list("target_id", "actor_repr", "reason")) == [
        (str(dispute.pk), "system", "retention period over")
    ]


def test_a_party_can_no_longer_be_found_by_id_number_after_anonymisation():
    from governance.pii import lookup_hash_for_resident_id

    w = world()
    closed_case(w)
    lookup = lookup_hash_for_resident_id(ID_APPLICANT)
    assert Party.objects.filter(id_number_hash=lookup).count() == 1
    with time_machine.travel(dt.datetime(2027, 1, 1, tzinfo=dt.UTC), tick=False):
        retention_sweep_task.delay()
    assert Party.objects.filter(id_number_hash=lookup).count() == 0


def test_the_job_is_scheduled_every_night():
    entry = app.conf.beat_schedule["disputes-retention-sweep"]
    assert entry["task"] == "disputes.retention_sweep"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({4}, {20})


def test_an_anonymised_case_still_opens_in_the_ledger_and_its_page(client):
    w = world()
    dispute = closed_case(w)
    with time_machine.travel(dt.datetime(2027, 1, 1, tzinfo=dt.UTC), tick=False):
        disputes_anonymise_expired()
    client.force_login(w.officer)
    page = client.get(f"/disputes/{dispute.pk}/")
    ledger = client.get("/disputes/", {"status": "closed"})
    assert (page.status_code, ledger.status_code) == (200, 200)
    assert dispute.number in page.content.decode()
    assert "张" not in page.content.decode().split('data-testid="parties"', 1)[-1].split("</section>", 1)[0]
