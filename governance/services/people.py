"""Writes for agencies, people and memberships, and the logged unmasking of personal data."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import jurisdiction_cache
from governance.actors import Actor, user_of
from governance.errors import Conflict, NotFound, PermissionDenied, Throttled, ValidationFailed
from governance.models import Agency, Membership, Profile, Region
from governance.pii import mask_id_number, pii_decrypt, protect_resident_id, validate_mobile
from governance.selectors import user_may
from governance.services.audit import audit_record, audit_record_many, diff, snapshot
from governance.services.tokens import api_tokens_end_with_password

log = logging.getLogger(__name__)


def _field_error(field: str, exc: ValidationError) -> ValidationFailed:
    return ValidationFailed(exc.messages[0], fields={field: list(exc.messages)})


@transaction.atomic
def agency_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    region: Region,
    served_regions: Iterable[Region] = (),
    phone: str = "",
) -> Agency:
    if kind not in Agency.Kind.values:
        raise ValidationFailed(_("The agency is not valid."), fields={"kind": [_("Unknown agency kind.")]})
    if Agency.objects.filter(region=region, name=name).exists():
        raise Conflict(
            _("The agency is not valid."), fields={"name": [_("An agency with this name already sits here.")]}
        )
    agency = Agency.objects.create(name=name, kind=kind, region=region, phone=phone)
    served = list(served_regions) or [region]
    agency.served_regions.set(served)
    audit_record(
        actor=actor,
        verb="agency.create",
        target=agency,
        changes={
            "kind": [None, kind],
            "region": [None, region.pk],
            "served_regions": [None, [r.pk for r in served]],
        },
    )
    return agency


@transaction.atomic
def person_create(
    *,
    actor: Actor,
    username: str,
    real_name: str,
    password: str | None = None,
    phone: str = "",
    id_number: str = "",
    email: str = "",
) -> User:
    """Create a login with its profile. The phone and ID number are validated; the ID number is
    stored encrypted with a keyed hash for exact lookup."""
    fields: dict[str, list[str]] = {}
    if not username.strip():
        fields["username"] = [_("This field is required.")]
    elif User.objects.filter(username=username).exists():
        fields["username"] = [_("This username is taken.")]
    if not real_name.strip():
        fields["real_name"] = [_("This field is required.")]
    if phone:
        try:
            phone = validate_mobile(phone)
        except ValidationError as exc:
            fields["phone"] = list(exc.messages)
    encrypted = lookup = ""
    if id_number:
        try:
            encrypted, lookup = protect_resident_id(id_number)
        except ValidationError as exc:
            fields["id_number"] = list(exc.messages)
    if fields:
        raise ValidationFailed(_("The person is not valid."), fields=fields)
    user = User.objects.create_user(username=username, email=email, password=password)
    profile = Profile.objects.create(
        user=user,
        real_name=real_name.strip(),
        phone=phone,
        id_number_encrypted=encrypted,
        id_number_hash=lookup,
    )
    audit_record(
        actor=actor,
        verb="person.create",
        target=profile,
        changes={"username": [None, username], "id_number": [None, "***" if encrypted else ""]},
    )
    return user


@transaction.atomic
def membership_create(
    *,
    actor: Actor,
    user: User,
    agency: Agency,
    role: str,
    scope: Region | None = None,
) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationFailed(_("The membership is not valid."), fields={"role": [_("Unknown role.")]})
    if scope is not None:
        served_paths = [r.path for r in agency.served_regions.all()] or [agency.region.path]
        if not any(scope.path.startswith(p) for p in served_paths):
            raise ValidationFailed(
                _("The membership is not valid."),
                fields={"scope": [_("The scope must lie inside the regions the agency serves.")]},
            )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, agency=agency, role=role, scope=scope)
    except IntegrityError as exc:
        raise Conflict(
            _("This person already holds this role in this agency."),
            fields={"role": [_("This person already holds this role in this agency.")]},
        ) from exc
    audit_record(
        actor=actor,
        verb="membership.create",
        target=membership,
        changes=diff({}, snapshot(membership, ["user", "agency", "role", "scope"])),
    )
    return membership


@transaction.atomic
def membership_end(*, actor: Actor, membership: Membership) -> Membership:
    """End a membership; its jurisdiction goes with it. Ending twice is a no-op."""
    updated = Membership.objects.filter(pk=membership.pk, active=True).update(active=False)
    membership.refresh_from_db()
    if updated:
        jurisdiction_cache.invalidate()  # update() sends no signal
        audit_record(actor=actor, verb="membership.end", target=membership, changes={"active": [True, False]})
    return membership


UNMASKABLE_FIELDS = ("phone", "id_number")


@transaction.atomic
def personal_data_unmask(*, actor: Actor, profile: Profile, field: str, reason: str) -> str:
    """Return one personal-data field in clear, for a stated reason, and log who, what, why, when
    and from where (PIPL art. 51: access to personal information is controlled and recorded)."""
    reason = unmask_reason(field=field, fields=UNMASKABLE_FIELDS, reason=reason)
    if not user_may(actor, "personal_data.unmask", profile.user):
        raise PermissionDenied(_("You may not see this person's data unmasked."))
    stored = profile.phone if field == "phone" else profile.id_number_encrypted
    if not stored:
        raise NotFound(_("Nothing of this kind is on record for this person."))
    value = stored if field == "phone" else pii_decrypt(stored)
    shown = mask_id_number(value) if field == "id_number" else value[:3] + "****" + value[-4:]
    unmask_record(actor=actor, target=profile, field=field, shown=shown, reason=reason)
    return value


# A reason says why in words: at least this many characters, of which at least two different
# letters (Chinese characters are letters): "0000", "1234" or "...." are no reason (issue 15).
REASON_MIN_LENGTH = 4
REASON_MIN_LETTERS = 2
REASON_MAX_LENGTH = 500


def unmask_reason(*, field: str, fields: Sequence[str], reason: str) -> str:
    """The reason given for seeing ``field`` in clear, stripped, or one refusal that names the
    field (not one of ``fields``) and the reason (too short, past 500 characters, or digits and
    punctuation only) at once. The one rule of every unmasking, and of an exact search by
    personal data (which is one)."""
    errors: dict[str, list[str]] = {}
    if field not in fields:
        errors["field"] = [_("This field cannot be unmasked.")]
    reason = (reason or "").strip()
    if not REASON_MIN_LENGTH <= len(reason) <= REASON_MAX_LENGTH:
        errors["reason"] = [_("Give the reason for seeing this data (at least 4 characters).")]
    elif len({c for c in reason if c.isalpha()}) < REASON_MIN_LETTERS:
        errors["reason"] = [
            _("Say in words why you need this data: digits or punctuation alone are no reason.")
        ]
    if errors:
        raise ValidationFailed(_("Give the reason for seeing this data."), fields=errors)
    return reason


def unmask_record(
    *, actor: Actor, target: models.Model | None, field: str, reason: str, shown: str | None = None
) -> None:
    """Log that ``actor`` saw ``field`` of ``target`` in clear, and why (PIPL art. 51): the one
    audit verb every unmasking writes, with the masked value where the field has one. No target:
    an exact search by personal data that found nobody."""
    audit_record(
        actor=actor, verb="personal_data.unmask", target=target, changes={field: [shown, None]}, reason=reason
    )


def unmask_record_many(
    *,
    actor: Actor,
    model: type[models.Model],
    items: Iterable[tuple[models.Model, str, str | None]],
    reason: str,
) -> int:
    """``unmask_record`` for many (target, field, shown) at once, in one statement: a search that
    finds a phone among hundreds of parties logs each of them without a query apiece."""
    return audit_record_many(
        actor=actor, verb="personal_data.unmask", model=model, reason=reason,
        items=[(target.pk, str(target), {field: [shown, None]}) for target, field, shown in items],
    )  # fmt: skip


def personal_data_search_admit(*, actor: Actor) -> None:
    """Count one exact search by personal data (a full ID number or phone) against the actor's
    fixed window, or refuse it past ``PERSONAL_DATA_SEARCH_LIMIT`` searches a window: a lookup
    that answers yes or no is an oracle, and ID numbers of a region are few enough to be tried
    one by one. Counted in the shared cache; when the cache is out of reach the search is
    refused (the count is the control)."""
    user = user_of(actor)
    if user is None:
        raise PermissionDenied(_("Exact search by ID number or phone needs the unmask right and a reason."))
    limit = settings.PERSONAL_DATA_SEARCH_LIMIT
    window = settings.PERSONAL_DATA_SEARCH_WINDOW_SECONDS
    now = timezone.now().timestamp()
    # The date joined in the key: a database rebuilt with the same ids never meets old counts.
    joined = user.date_joined.timestamp() if user.date_joined else 0
    key = f"rz:pii-search:{user.pk}:{joined:.6f}:{int(now // window)}"
    try:
        cache.add(key, 0, timeout=window)
        count = cache.incr(key)
    except Exception:
        log.warning("personal-data search counter unavailable", exc_info=True)
        raise Throttled(
            _("Exact search by ID number or phone is not available right now; try again later.")
        ) from None
    if count > limit:
        minutes = max(1, math.ceil((window - now % window) / 60))
        raise Throttled(
            _("Too many exact searches by ID number or phone: try again in %(minutes)d minutes.")
            % {"minutes": minutes}
        )


@transaction.atomic
def person_set_password(*, actor: Actor, users: Iterable[User], password: str, reason: str = "") -> int:
    """Give several logins one password (demo logins, bulk onboarding with forced change).

    Hashing is deliberately slow (PBKDF2), so the hash is computed once for all of them.
    """
    users = list(users)
    encoded = make_password(password)
    changed = User.objects.filter(pk__in=[u.pk for u in users]).update(password=encoded)
    # A bulk update calls no password_changed hook: the tokens end here (services/tokens.py).
    api_tokens_end_with_password(users=users)
    for profile in Profile.objects.filter(user__in=users):
        audit_record(actor=actor, verb="person.set_password", target=profile, reason=reason)
    return changed


@transaction.atomic
def person_set_admin_flags(*, actor: Actor, user: User, staff: bool, superuser: bool = False) -> User:
    """Let a person into the Django admin (staff) or make them a platform superuser."""
    before = {"is_staff": user.is_staff, "is_superuser": user.is_superuser}
    after = {"is_staff": staff or superuser, "is_superuser": superuser}
    if before != after:
        User.objects.filter(pk=user.pk).update(**after)
        user.is_staff, user.is_superuser = after["is_staff"], after["is_superuser"]
        audit_record(
            actor=actor,
            verb="person.set_admin_flags",
            target=Profile.objects.get(user=user),
            changes=diff(before, after),
        )
    return user
