"""Key rotation for personal data at rest: a new key goes first, ``manage.py pii_reencrypt``
rewrites every stored value under it, and the old key can then be dropped."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.management import call_command
from django.db import models

from governance.models import AuditEvent
from governance.pii import pii_decrypt, pii_encrypt, pii_is_current
from governance.services.pii_keys import ENCRYPTED_COLUMNS
from stations.services.dispatch import alert_intake
from tests.disputes.factories import ID_APPLICANT, registered, world
from tests.volunteers.factories import active_volunteer
from volunteers.services import team_create

pytestmark = pytest.mark.django_db
OLD, NEW = "old-key-" + "a" * 40, "new-key-" + "b" * 40


def test_every_encrypted_column_is_listed_for_rotation():
    found = {
        f"{m._meta.app_label}.{m.__name__}": tuple(
            sorted(
                f.name
                for f in m._meta.get_fields()
                if isinstance(f, models.TextField) and f.name.endswith("_encrypted")
            )
        )
        for m in apps.get_models()
    }
    found = {label: columns for label, columns in found.items() if columns}
    assert found == {label: tuple(sorted(columns)) for label, columns in ENCRYPTED_COLUMNS.items()}


def seed(settings):
    """Personal data of every kind, written under the old key."""
    settings.PII_ENCRYPTION_KEYS = [OLD]
    w = world()
    w.c.person("officer", w.c.station_a, id_number=ID_APPLICANT)
    dispute = registered(w)
    team = team_create(actor=None, name="荷花义警队", agency=w.c.station_a, region=w.c.township_a)
    active_volunteer(team, real_name="王志愿")
    alert_intake(
        actor=None, channel="110", category="dispute", summary="噪音", address="新塘社区",
        village_code=w.c.village_a1.code, caller_phone="13912345678",
    )  # fmt: skip
    return dispute


def tokens() -> list[str]:
    values = []
    for label, columns in ENCRYPTED_COLUMNS.items():
        for row in apps.get_model(label).objects.values_list(*columns):
            values += [v for v in row if v]
    return values


def test_reencrypting_moves_every_value_to_the_new_key_and_the_old_key_can_go(settings):
    dispute = seed(settings)
    clear_before = sorted(pii_decrypt(t) for t in tokens())
    # Two parties' phones and ID numbers, the caller's phone, the volunteer's and the officer's ID.
    assert len(clear_before) == 7
    settings.PII_ENCRYPTION_KEYS = [NEW, OLD]
    assert not any(pii_is_current(t) for t in tokens())

    out = StringIO()
    call_command("pii_reencrypt", "--batch-size", "2", stdout=out)

    assert all(pii_is_current(t) for t in tokens())
    settings.PII_ENCRYPTION_KEYS = [NEW]
    assert sorted(pii_decrypt(t) for t in tokens()) == clear_before
    applicant = dispute.parties.get(role="applicant")
    assert applicant.masked_phone == "138****0001"
    assert "rows re-encrypted under the newest key" in out.getvalue()
    event = AuditEvent.objects.get(verb="personal_data.reencrypt")
    assert event.changes == {
        "governance.Profile": [None, 1],
        "stations.Alert": [None, 1],
        "disputes.Party": [None, 2],
        "volunteers.Volunteer": [None, 1],
    }


def test_a_second_run_rewrites_nothing(settings):
    seed(settings)
    settings.PII_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("pii_reencrypt", stdout=StringIO())
    before = tokens()
    out = StringIO()
    call_command("pii_reencrypt", stdout=out)
    assert tokens() == before
    assert "Done: 0 rows re-encrypted" in out.getvalue()


def test_without_the_old_key_old_values_cannot_be_read(settings):
    settings.PII_ENCRYPTION_KEYS = [OLD]
    token = pii_encrypt("330802199001011232")
    settings.PII_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(InvalidToken):
        pii_decrypt(token)


def test_rows_of_each_model_are_counted(settings):
    seed(settings)
    settings.PII_ENCRYPTION_KEYS = [NEW, OLD]
    out = StringIO()
    call_command("pii_reencrypt", stdout=out)
    assert out.getvalue().splitlines() == [
        "governance.Profile: 1 rows re-encrypted",
        "stations.Alert: 1 rows re-encrypted",
        "disputes.Party: 2 rows re-encrypted",
        "volunteers.Volunteer: 1 rows re-encrypted",
        "Done: 5 rows re-encrypted under the newest key.",
    ]
