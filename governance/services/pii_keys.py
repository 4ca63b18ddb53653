"""Encryption key rotation for personal data at rest.

``PII_ENCRYPTION_KEYS`` lists keys newest first: new values are encrypted with the first, and
every key still decrypts. Rotating is: put the new key first, deploy, run
``manage.py pii_reencrypt`` (which re-encrypts every stored value under the new key), then drop
the old key from the list. The lookup hash key (``PII_HASH_KEY``) is not rotated this way: the
hashes of relatives' ID numbers kept for the conflict-of-interest check have no clear value to
hash again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import transaction

from governance.actors import Actor
from governance.pii import pii_is_current, pii_rotate
from governance.services.audit import audit_record

# Every column that holds a PII_ENCRYPTION_KEYS token, by model. A new encrypted column goes here
# (tests/security/test_pii_key_rotation.py fails for a TextField named *_encrypted left out).
ENCRYPTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "governance.Profile": ("id_number_encrypted",),
    "stations.Alert": ("caller_phone_encrypted",),
    "disputes.Party": ("phone_encrypted", "id_number_encrypted"),
    "volunteers.Volunteer": ("id_number_encrypted",),
}


@dataclass
class RotationResult:
    rows: dict[str, int]  # rows rewritten, per model label

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def pii_reencrypt(*, actor: Actor, batch_size: int = 500) -> RotationResult:
    """Re-encrypt every stored personal-data value under the newest key, batch by batch (each
    batch locked and committed on its own, so the live platform keeps working). Values already
    under the newest key are left alone, so running it twice rewrites nothing the second time."""
    rows: dict[str, int] = {}
    for label, columns in ENCRYPTED_COLUMNS.items():
        model = apps.get_model(label)
        rewritten, last_pk = 0, 0
        while True:
            with transaction.atomic():
                # Locked while rewritten: a concurrent save of the same row waits, and is not lost.
                batch = list(
                    model.objects.select_for_update()
                    .filter(pk__gt=last_pk)
                    .order_by("pk")
                    .only("pk", *columns)[:batch_size]
                )
                if not batch:
                    break
                last_pk = batch[-1].pk
                changed = []
                for row in batch:
                    dirty = False
                    for column in columns:
                        token = getattr(row, column)
                        if token and not pii_is_current(token):
                            setattr(row, column, pii_rotate(token))
                            dirty = True
                    if dirty:
                        changed.append(row)
                model.objects.bulk_update(changed, list(columns))
                rewritten += len(changed)
        rows[label] = rewritten
    with transaction.atomic():
        audit_record(
            actor=actor, verb="personal_data.reencrypt", changes={k: [None, v] for k, v in rows.items()}
        )
    return RotationResult(rows=rows)
