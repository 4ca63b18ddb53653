"""Writes of two-factor authentication. The secret of a new authenticator lives in the session
until a first correct code proves it was typed in; only then is the device stored (confirmed), so
an abandoned setup leaves nothing behind. An administrator removes a lost one in the admin."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.errors import ValidationFailed
from governance.models import Profile
from governance.services.audit import audit_record


def _code_error() -> ValidationFailed:
    return ValidationFailed(
        _("The code is not right."),
        fields={"token": [_("Enter the 6-digit code your authenticator shows now.")]},
    )


@transaction.atomic
def totp_device_confirm(*, actor: User, key: str, token: str) -> TOTPDevice:
    """Store the person's authenticator (hex ``key``) once a code from it is right. A person has
    one: confirming again while one exists is refused."""
    User.objects.select_for_update().filter(pk=actor.pk).first()  # one setup at a time per person
    if TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
        raise ValidationFailed(
            _("An authenticator is already set up."), fields={"token": [_("Already set up.")]}
        )
    token = (token or "").strip()
    if not (token.isdigit() and len(token) == 6):
        raise _code_error()
    totp = TOTP(bytes.fromhex(key))
    if not totp.verify(int(token), tolerance=1):
        raise _code_error()
    # last_t: this code is spent, it cannot verify a second session.
    device = TOTPDevice.objects.create(
        user=actor, name="authenticator", key=key, confirmed=True, last_t=totp.t(), drift=totp.drift
    )
    audit_record(actor=actor, verb="person.two_factor_enable", target=Profile.objects.get(user=actor))
    return device
