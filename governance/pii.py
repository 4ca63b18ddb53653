"""Personal data: validation, masking for display, encryption at rest with exact lookup.

Resident ID numbers are sensitive personal information (PIPL art. 28): they are stored only
as ciphertext plus a keyed lookup hash, and shown masked. Phones and names are masked too.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
# First two digits: the provinces of GB/T 2260, Taiwan (71), and 81, 82, 83 which begin the
# residence permits for residents of Hong Kong, Macao and Taiwan (State Council, 2018).
_PROVINCE_CODES = frozenset(
    [
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
    ]
)
# [0-9] rather than \d: \d also accepts full-width and other Unicode digits.
_ID_PATTERN = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE_PATTERN = re.compile(r"(?:\+?86)?(1[3-9][0-9]{9})")
_MOBILE_SEPARATORS = re.compile(r"[\s-]")
_WHITESPACE = re.compile(r"\s")

_ENCRYPTION_INFO = b"rongzhi-pii-encryption"
_LOOKUP_INFO = b"rongzhi-pii-lookup"

# Messages never repeat the value: validation errors end up in logs and API responses.
_ID_ERRORS = {
    "id_length": _("The ID number must have 18 characters."),
    "id_format": _("The ID number must be 17 digits followed by a digit or the letter X."),
    "id_region": _("The ID number does not start with a valid province code."),
    "id_birth_date": _("The ID number does not contain a valid date of birth."),
    "id_checksum": _("The ID number's check character is wrong; please check it for typing errors."),
}


def _id_error(code: str) -> ValidationError:
    return ValidationError(_ID_ERRORS[code], code=code)


def _id_birth_date(normalized: str) -> datetime.date:
    # Raises ValueError for digits that are no calendar date, such as 19900230.
    return datetime.date(int(normalized[6:10]), int(normalized[10:12]), int(normalized[12:14]))


def _id_check_char(normalized: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(normalized[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def validate_resident_id(value: str) -> str:
    """Return the 18-character resident ID number in canonical form, or raise ValidationError.

    Spaces are dropped and a final lowercase x becomes X, so that one person has one lookup hash.
    """
    normalized = _WHITESPACE.sub("", value or "").upper()
    if len(normalized) != 18:
        raise _id_error("id_length")
    if not _ID_PATTERN.fullmatch(normalized):
        raise _id_error("id_format")
    if int(normalized[:2]) not in _PROVINCE_CODES:
        raise _id_error("id_region")
    try:
        born = _id_birth_date(normalized)
    except ValueError:
        raise _id_error("id_birth_date") from None
    if born.year < 1900 or born > timezone.localdate():
        raise _id_error("id_birth_date")
    if normalized[17] != _id_check_char(normalized):
        raise _id_error("id_checksum")
    return normalized


def resident_id_birth_date(value: str) -> datetime.date:
    """Date of birth encoded in a resident ID number; raises ValidationError if the ID is invalid."""
    return _id_birth_date(validate_resident_id(value))


def validate_mobile(value: str) -> str:
    """Return the 11 digits of a mainland mobile number written with or without +86, or raise."""
    match = _MOBILE_PATTERN.fullmatch(_MOBILE_SEPARATORS.sub("", value or ""))
    if match is None:
        raise ValidationError(_("Enter a valid mainland China mobile number."), code="mobile_format")
    return match.group(1)


def _mask_all_but_ends(value: str) -> str:
    # For values of unexpected shape: show the two ends only while they are at most a third
    # of the value, so a short or truncated number is never readable from its mask.
    if len(value) < 6:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_id_number(value: str | None) -> str:
    """``330802199001011234`` -> ``330802********1234``: region and last four stay visible."""
    compact = _WHITESPACE.sub("", value or "").upper()
    if len(compact) != 18:
        return _mask_all_but_ends(compact)
    return compact[:6] + "*" * 8 + compact[-4:]


def mask_phone(value: str | None) -> str:
    """``13812341234`` -> ``138****1234``, also for numbers written with +86 or separators."""
    compact = _MOBILE_SEPARATORS.sub("", value or "")
    match = _MOBILE_PATTERN.fullmatch(compact)
    if match is None:
        return _mask_all_but_ends(compact)
    digits = match.group(1)
    return digits[:3] + "****" + digits[-4:]


def mask_name(value: str | None) -> str:
    """``张三`` -> ``张*``, ``欧阳娜娜`` -> ``欧***``: the first character, one star for each other."""
    letters = _WHITESPACE.sub("", value or "")
    if len(letters) <= 1:
        return "*" * len(letters)
    return letters[0] + "*" * (len(letters) - 1)


def _derive_key(secret: str, *, info: bytes) -> bytes:
    # HKDF spreads an operator-chosen string into a uniform key; it is not a password hash,
    # so the settings must hold high-entropy secrets. Distinct `info` values keep the
    # encryption and lookup keys independent even when both settings hold the same string.
    if not secret:
        raise ImproperlyConfigured("PII keys must be non-empty strings.")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


# Cached per settings value, so a test or a rotation that changes the settings gets new keys.
@functools.lru_cache(maxsize=8)
def _cipher(secrets: tuple[str, ...]) -> MultiFernet:
    if not secrets:
        raise ImproperlyConfigured("PII_ENCRYPTION_KEYS must hold at least one key.")
    # MultiFernet encrypts with the first key and tries each in turn to decrypt, which is
    # what lets a new key go first while data written under the old ones stays readable.
    return MultiFernet([_fernet(secret) for secret in secrets])


@functools.lru_cache(maxsize=8)
def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive_key(secret, info=_ENCRYPTION_INFO)))


@functools.lru_cache(maxsize=8)
def _lookup_key(secret: str) -> bytes:
    return _derive_key(secret, info=_LOOKUP_INFO)


def _current_secrets() -> tuple[str, ...]:
    secrets = getattr(settings, "PII_ENCRYPTION_KEYS", None)
    # A bare string would otherwise be read as one key per character.
    if not isinstance(secrets, list | tuple) or not all(isinstance(secret, str) for secret in secrets):
        raise ImproperlyConfigured("PII_ENCRYPTION_KEYS must be a list of keys, newest first.")
    return tuple(secrets)


def _current_cipher() -> MultiFernet:
    return _cipher(_current_secrets())


def pii_encrypt(value: str) -> str:
    """Encrypt with the newest key. Tokens differ on each call; search with pii_lookup_hash."""
    return _current_cipher().encrypt(value.encode()).decode("ascii")


def pii_decrypt(token: str) -> str:
    """Decrypt a token written under any configured key; raises cryptography's InvalidToken."""
    return _current_cipher().decrypt(token.encode()).decode()


def pii_rotate(token: str) -> str:
    """Re-encrypt a token under the newest key, so that older keys can then be retired."""
    return _current_cipher().rotate(token.encode()).decode("ascii")


def pii_is_current(token: str) -> bool:
    """Whether a token is already encrypted under the newest key (nothing to rotate)."""
    secrets = _current_secrets()
    if not secrets:
        raise ImproperlyConfigured("PII_ENCRYPTION_KEYS must hold at least one key.")
    try:
        _fernet(secrets[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def pii_lookup_hash(value: str) -> str:
    """Keyed hash (hex HMAC-SHA256) for exact search; callers pass the normalized value.

    Keyed, because a plain hash of an ID number is reversed by trying every ID in a region.
    """
    secret = getattr(settings, "PII_HASH_KEY", None)
    if not isinstance(secret, str):
        raise ImproperlyConfigured("PII_HASH_KEY must be a string.")
    return hmac.new(_lookup_key(secret), value.encode(), hashlib.sha256).hexdigest()


def lookup_hash_for_resident_id(value: str) -> str:
    """Lookup hash of a resident ID number as typed; raises ValidationError if it is invalid."""
    return pii_lookup_hash(validate_resident_id(value))


def protect_resident_id(value: str) -> tuple[str, str]:
    """Validate a resident ID number and return (ciphertext, lookup hash) to store."""
    normalized = validate_resident_id(value)
    return pii_encrypt(normalized), pii_lookup_hash(normalized)
