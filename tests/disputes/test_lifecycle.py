"""A case walks its whole life, and every step leaves a line on the timeline."""

from __future__ import annotations

import pytest

from disputes.models import Dispute, Obligation
from disputes.services import follow_up_record, obligation_perform
from tests.disputes.factories import signed, world

pytestmark = pytest.mark.django_db
S = Dispute.Status


def test_a_case_goes_from_registration_to_closure_through_every_step() -> None:
    w = world()
    dispute = signed(w)
    assert dispute.status == S.PERFORMING
    obligation = Obligation.objects.get(agreement__dispute=dispute)
    obligation_perform(actor=w.mediator_user, obligation=obligation)
    dispute.refresh_from_db()
    assert dispute.status == S.FOLLOW_UP
    follow_up_record(actor=w.mediator_user, dispute=dispute, satisfaction=5, recurred=False)
    dispute.refresh_from_db()
    assert dispute.status == S.CLOSED
    assert dispute.resolved_tier == 1
    assert list(dispute.events.values_list("verb", flat=True)) == [
        "registered",
        "triaged",
        "consented",
        "consented",
        "accepted",
        "mediator_assigned",
        "session",
        "agreement_drafted",
        "agreement_signed",
        "obligation_performed",
        "closed",
    ]
    assert dispute.number.startswith("TJ")
    assert not dispute.assignments.filter(ended_at__isnull=True).exists()
