import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from cryptography.fernet import InvalidToken
from django.core.exceptions import ImproperlyConfigured, ValidationError

from governance.pii import (
    lookup_hash_for_resident_id,
    mask_id_number,
    mask_name,
    mask_phone,
    pii_decrypt,
    pii_encrypt,
    pii_lookup_hash,
    pii_rotate,
    protect_resident_id,
    resident_id_birth_date,
    validate_mobile,
    validate_resident_id,
)

# Computed here rather than imported, so that a mistake in the module cannot hide in the tests.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

# Written once with the keys named in the pinning tests below, and checked against a separate
# RFC 5869 HKDF written with hashlib alone, so they hold the derivation to its specification.
PINNED_LOOKUP_HASH = "d309671d5126105b24b705a35eb38cdf8abccfa8afbfdf04dde37fe73b137d95"
PINNED_TOKEN = (
    "gAAAAABrBAi6VMwNbCrswhy4pDYFaMS8NR2q71L4w_op9MYRyecbUidqi_PGysmuOhedalozQoMhSZgIQtaL2WqB0DOP"
    "HjRbyLWDK5vqXsjCMndUpGRpwcY="
)


def make_resident_id(*, region: str = "330802", born: str = "19900101", sequence: str = "123") -> str:
    body = region + born + sequence
    total = sum(int(digit) * weight for digit, weight in zip(body, WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def resident_id_ending_in_x() -> str:
    return next(
        candidate
        for candidate in (make_resident_id(sequence=f"{n:03d}") for n in range(1000))
        if candidate.endswith("X")
    )


def with_other_check_char(value: str) -> str:
    return value[:17] + ("0" if value[17] != "0" else "1")


def refusal_code(value: str) -> str | None:
    with pytest.raises(ValidationError) as excinfo:
        validate_resident_id(value)
    return excinfo.value.code


@pytest.fixture(autouse=True)
def pii_keys(settings):
    settings.PII_ENCRYPTION_KEYS = ["test-encryption-key"]
    settings.PII_HASH_KEY = "test-hash-key"


# Resident ID validation


def test_helper_reproduces_the_example_printed_in_gb_11643():
    assert make_resident_id(region="110105", born="19491231", sequence="002") == "11010519491231002X"


def test_valid_id_is_returned_unchanged():
    resident_id = make_resident_id()

    assert validate_resident_id(resident_id) == resident_id


def test_valid_id_with_lowercase_x_is_normalised():
    resident_id = resident_id_ending_in_x()

    assert validate_resident_id(resident_id[:17] + "x") == resident_id


def test_spaces_inside_and_around_the_id_are_dropped():
    resident_id = make_resident_id()
    typed = f" {resident_id[:6]} {resident_id[6:14]} {resident_id[14:]} "

    assert validate_resident_id(typed) == resident_id


@pytest.mark.parametrize("value", ["", "3308021990010112", "3308021990010112345"])
def test_id_of_wrong_length_is_refused_with_length_code(value):
    assert refusal_code(value) == "id_length"


def test_length_error_message_is_the_english_source_text():
    with pytest.raises(ValidationError) as excinfo:
        validate_resident_id("12345")

    assert excinfo.value.messages == ["The ID number must have 18 characters."]


@pytest.mark.parametrize(
    "value",
    [
        "33080219900101123A",  # letter other than X as check character
        "3308021990010112X4",  # X anywhere but last
        "３３0802199001011234",  # full-width digits are Unicode digits but not ID digits
    ],
)
def test_id_with_characters_other_than_digits_and_final_x_is_refused_with_format_code(value):
    assert refusal_code(value) == "id_format"


@pytest.mark.parametrize("region", ["000000", "100000", "160000", "470000", "720000", "840000", "990000"])
def test_unknown_province_is_refused(region):
    assert refusal_code(make_resident_id(region=region)) == "id_region"


@pytest.mark.parametrize("region", ["110000", "150000", "460000", "650000", "710000", "810000", "830000"])
def test_every_province_band_edge_is_accepted(region):
    resident_id = make_resident_id(region=region)

    assert validate_resident_id(resident_id) == resident_id


@pytest.mark.parametrize("born", ["19900230", "19901301", "19900001", "19900100", "20230229", "00000000"])
def test_impossible_birth_date_is_refused(born):
    assert refusal_code(make_resident_id(born=born)) == "id_birth_date"


def test_birth_date_before_1900_is_refused_and_1900_is_accepted():
    assert refusal_code(make_resident_id(born="18991231")) == "id_birth_date"
    assert validate_resident_id(make_resident_id(born="19000101")) == make_resident_id(born="19000101")


# Noon in Shanghai, so the local date is 1 March 2024 whatever time zone the test runner uses.
@time_machine.travel(datetime.datetime(2024, 3, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_future_birth_date_is_refused():
    assert refusal_code(make_resident_id(born="20240302")) == "id_birth_date"


@time_machine.travel(datetime.datetime(2024, 3, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_birth_date_of_today_is_accepted():
    resident_id = make_resident_id(born="20240301")

    assert validate_resident_id(resident_id) == resident_id


def test_wrong_checksum_is_refused_with_checksum_code():
    assert refusal_code(with_other_check_char(make_resident_id())) == "id_checksum"


def test_single_mistyped_digit_is_refused_with_checksum_code():
    resident_id = make_resident_id()
    mistyped = resident_id[:15] + str((int(resident_id[15]) + 1) % 10) + resident_id[16:]

    assert refusal_code(mistyped) == "id_checksum"


def test_birth_date_is_read_from_the_id():
    assert resident_id_birth_date(make_resident_id(born="19851107")) == datetime.date(1985, 11, 7)


def test_birth_date_of_an_invalid_id_is_refused_with_its_code():
    with pytest.raises(ValidationError) as excinfo:
        resident_id_birth_date(with_other_check_char(make_resident_id()))

    assert excinfo.value.code == "id_checksum"


# Mobile numbers


@pytest.mark.parametrize(
    "value",
    ["13812341234", "138 1234 1234", "138-1234-1234", "+86 138 1234 1234", "+8613812341234", "8613812341234"],
)
def test_mobile_written_in_common_ways_gives_its_eleven_digits(value):
    assert validate_mobile(value) == "13812341234"


@pytest.mark.parametrize(
    "value",
    ["", "12812341234", "1381234123", "138123412345", "+85213812341234", "+1 138 1234 1234", "1381234123a"],
)
def test_number_that_is_not_a_mainland_mobile_is_refused_with_format_code(value):
    with pytest.raises(ValidationError) as excinfo:
        validate_mobile(value)

    assert excinfo.value.code == "mobile_format"
    assert excinfo.value.messages == ["Enter a valid mainland China mobile number."]


# Masking


def test_id_number_is_masked_to_region_and_last_four():
    assert mask_id_number("330802199001011234") == "330802********1234"


def test_id_number_with_lowercase_x_is_masked_in_canonical_form():
    assert mask_id_number("33080219900101123x") == "330802********123X"


def test_phone_is_masked_to_first_three_and_last_four():
    assert mask_phone("13812341234") == "138****1234"


def test_phone_written_with_country_code_is_masked_like_the_bare_number():
    assert mask_phone("+86 138-1234-1234") == "138****1234"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), ("张", "*"), ("John Smith", "J********")],
)
def test_name_keeps_its_first_character_only(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("masker", [mask_id_number, mask_phone, mask_name])
@pytest.mark.parametrize("value", [None, ""])
def test_missing_value_masks_to_empty_string(masker, value):
    assert masker(value) == ""


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("330802199001011", "3*************1"),  # a 15-digit first-generation ID
        ("3308021990010112345", "3*****************5"),
        ("123456", "1****6"),
        ("12345", "*****"),
        ("1", "*"),
    ],
)
def test_id_number_of_unexpected_length_shows_at_most_its_two_ends(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(("value", "masked"), [("0571-8888888", "0*********8"), ("1381234", "1*****4")])
def test_phone_that_is_not_a_mobile_shows_at_most_its_two_ends(value, masked):
    assert mask_phone(value) == masked


# Encryption and lookup hash


def test_encrypted_value_round_trips_and_is_not_plaintext():
    resident_id = make_resident_id()

    token = pii_encrypt(resident_id)

    assert resident_id not in token
    assert pii_decrypt(token) == resident_id


def test_same_value_encrypts_differently_each_time():
    assert pii_encrypt("13812341234") != pii_encrypt("13812341234")


def test_same_id_gives_same_lookup_hash_and_different_ids_differ():
    resident_id = make_resident_id()
    other_id = make_resident_id(sequence="124")

    assert lookup_hash_for_resident_id(resident_id) == lookup_hash_for_resident_id(resident_id)
    assert lookup_hash_for_resident_id(resident_id) != lookup_hash_for_resident_id(other_id)
    assert re.fullmatch(r"[0-9a-f]{64}", lookup_hash_for_resident_id(resident_id))


def test_lookup_hash_ignores_how_the_id_was_typed():
    resident_id = resident_id_ending_in_x()
    typed = " " + resident_id[:17] + "x"

    assert lookup_hash_for_resident_id(typed) == pii_lookup_hash(resident_id)


def test_lookup_hash_of_an_invalid_id_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        lookup_hash_for_resident_id(with_other_check_char(make_resident_id()))

    assert excinfo.value.code == "id_checksum"


def test_lookup_hash_depends_on_key(settings):
    settings.PII_HASH_KEY = "first-key"
    first = pii_lookup_hash("13812341234")
    settings.PII_HASH_KEY = "second-key"
    second = pii_lookup_hash("13812341234")

    assert first != second


def test_lookup_hash_is_independent_of_the_encryption_key(settings):
    before = pii_lookup_hash("13812341234")
    settings.PII_ENCRYPTION_KEYS = ["another-encryption-key"]

    assert pii_lookup_hash("13812341234") == before


def test_lookup_hash_derivation_is_stable(settings):
    # Pinned: stored hashes become unsearchable if the derivation ever changes.
    settings.PII_HASH_KEY = "pinned-hash-key"

    assert pii_lookup_hash("330802199001011234") == PINNED_LOOKUP_HASH


def test_token_written_with_a_pinned_key_still_decrypts(settings):
    # Pinned: stored ciphertext becomes unreadable if the key derivation ever changes.
    settings.PII_ENCRYPTION_KEYS = ["pinned-encryption-key"]

    assert pii_decrypt(PINNED_TOKEN) == "330802199001011234"


def test_protected_id_stores_ciphertext_of_the_normalised_id_and_its_lookup_hash():
    resident_id = resident_id_ending_in_x()

    ciphertext, lookup_hash = protect_resident_id(resident_id[:17] + "x")

    assert pii_decrypt(ciphertext) == resident_id
    assert lookup_hash == pii_lookup_hash(resident_id)


def test_invalid_id_is_not_protected():
    with pytest.raises(ValidationError) as excinfo:
        protect_resident_id(make_resident_id(region="990000"))

    assert excinfo.value.code == "id_region"


def test_ciphertext_from_old_key_still_decrypts_after_rotation(settings):
    settings.PII_ENCRYPTION_KEYS = ["old"]
    token = pii_encrypt("13812341234")

    settings.PII_ENCRYPTION_KEYS = ["new", "old"]

    assert pii_decrypt(token) == "13812341234"


@pytest.mark.parametrize("token", ["", "not a token", "令牌"])
def test_malformed_token_is_refused_as_invalid(token):
    with pytest.raises(InvalidToken):
        pii_decrypt(token)


def test_ciphertext_is_refused_once_its_key_is_retired(settings):
    settings.PII_ENCRYPTION_KEYS = ["old"]
    token = pii_encrypt("13812341234")

    settings.PII_ENCRYPTION_KEYS = ["new"]

    with pytest.raises(InvalidToken):
        pii_decrypt(token)


def test_rotated_token_decrypts_with_the_new_key_alone(settings):
    settings.PII_ENCRYPTION_KEYS = ["old"]
    token = pii_encrypt("13812341234")
    settings.PII_ENCRYPTION_KEYS = ["new", "old"]

    rotated = pii_rotate(token)
    settings.PII_ENCRYPTION_KEYS = ["new"]

    assert pii_decrypt(rotated) == "13812341234"


def test_new_values_are_encrypted_with_the_first_key(settings):
    settings.PII_ENCRYPTION_KEYS = ["new", "old"]
    token = pii_encrypt("13812341234")

    settings.PII_ENCRYPTION_KEYS = ["new"]

    assert pii_decrypt(token) == "13812341234"


@pytest.mark.parametrize("keys", [[], [""], "new,old", [b"bytes-key"], None])
def test_missing_or_malformed_encryption_keys_are_a_configuration_error(settings, keys):
    settings.PII_ENCRYPTION_KEYS = keys

    with pytest.raises(ImproperlyConfigured):
        pii_encrypt("13812341234")


@pytest.mark.parametrize("key", ["", None])
def test_missing_hash_key_is_a_configuration_error(settings, key):
    settings.PII_HASH_KEY = key

    with pytest.raises(ImproperlyConfigured):
        pii_lookup_hash("13812341234")
