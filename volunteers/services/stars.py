"""Star levels from verified hours over the last twelve months, and training certificates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.actors import Actor
from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.services.audit import audit_record, audit_record_many
from volunteers.models import Certificate, Claim, Course, Volunteer
from volunteers.selectors import YEAR, star_for

BATCH = 1000


@transaction.atomic
def star_recompute(*, now: datetime | None = None, volunteer_ids: Iterable[int] | None = None) -> int:
    """Recompute the hours and star of every volunteer (or of the ones given): one aggregate query
    per batch, and writes only for those whose figures changed. Returns how many changed."""
    now = now or timezone.now()
    qs = Volunteer.objects.all()
    if volunteer_ids is not None:
        qs = qs.filter(pk__in=list(volunteer_ids))
    rows = qs.annotate(
        minutes=Coalesce(
            Sum(
                "claims__minutes",
                filter=Q(claims__status=Claim.Status.VERIFIED, claims__task__starts_at__gte=now - YEAR),
            ),
            0,
        )
    ).only("id", "star", "hours_12m", "real_name")
    changed: list[Volunteer] = []
    audit: list[tuple[object, str, dict[str, list[object]]]] = []
    for v in rows.order_by("id").iterator(chunk_size=BATCH):
        hours = (Decimal(v.minutes) / 60).quantize(Decimal("0.01"))
        star = star_for(hours)
        if star != v.star or v.hours_12m != hours:
            if star != v.star:
                audit.append((v.pk, str(v), {"star": [v.star, star]}))
            v.star, v.hours_12m, v.star_computed_at = star, hours, now
            changed.append(v)
    Volunteer.objects.bulk_update(changed, ["star", "hours_12m", "star_computed_at"], batch_size=BATCH)
    if audit:
        audit_record_many(actor=None, verb="volunteer.star", model=Volunteer, items=audit)
    return len(changed)


@transaction.atomic
def quiz_submit(
    *, actor: Actor, course: Course, answers: list[int], now: datetime | None = None
) -> Certificate | None:
    """Mark a volunteer's quiz; at the pass mark or above, a certificate (once per course).
    Returns the certificate, or None for a fail."""
    now = now or timezone.now()
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Log in as a volunteer."))
    volunteer = Volunteer.objects.select_for_update().filter(user_id=actor.pk).first()
    if volunteer is None:
        raise PermissionDenied(_("Only volunteers take courses."))
    if not course.active:
        raise InvalidTransition(_("This course is closed."))
    held = Certificate.objects.filter(volunteer=volunteer, course=course).first()
    if held is not None:
        return held
    questions = list(course.questions.order_by("number"))
    if not questions or len(answers) != len(questions):
        raise ValidationFailed(_("Answer every question."), fields={"answers": [_("Answer every question.")]})
    right = sum(1 for q, a in zip(questions, answers, strict=True) if q.answer == a)
    score = round(100 * right / len(questions))
    if score < course.pass_mark:
        return None
    certificate = Certificate.objects.create(volunteer=volunteer, course=course, score=score, issued_at=now)
    audit_record(
        actor=actor, verb="volunteer.certificate", target=certificate, changes={"score": [None, score]}
    )
    return certificate
