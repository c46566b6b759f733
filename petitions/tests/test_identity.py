"""Resident ID numbers and phones: validation, masking, encryption and look-up hashes."""

import hashlib
from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from cryptography.fernet import InvalidToken
from django.core.exceptions import ValidationError
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from petitions.identity import (
    PROVINCE_CODES,
    decrypt,
    encrypt,
    lookup_hash,
    mask_id_number,
    mask_phone,
    validate_id_number,
    validate_phone,
)

TODAY = date(2026, 6, 15)
# ISO 7064 MOD 11-2 written independently of the code under test: position i (from the left,
# 17 digits) weighs 2^(17-i) mod 11, and the check value makes the weighted sum ≡ 1 (mod 11).
WEIGHTS = [pow(2, 17 - position, 11) for position in range(17)]
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")


def with_check(first_17: str) -> str:
    value = (1 - sum(int(digit) * weight for digit, weight in zip(first_17, WEIGHTS, strict=True))) % 11
    return first_17 + ("X" if value == 10 else str(value))


@st.composite
def id_numbers(draw) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    area = draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    serial = draw(st.integers(min_value=0, max_value=999))
    return with_check(f"{province}{area}{birth:%Y%m%d}{serial:03d}")


def error_code(raw: str, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_id_number(raw, today=TODAY, **kwargs)
    return caught.value.code


def test_the_standard_example_validates():
    assert validate_id_number("11010519491231002X", today=TODAY) == "11010519491231002X"


@given(id_numbers())
def test_any_valid_number_validates(number):
    assert validate_id_number(number, today=TODAY) == number


def plausible_birth_date(digits: str) -> bool:
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return date(1880, 1, 1) <= birth <= TODAY


@given(id_numbers(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_caught(number, position, shift):
    altered = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    if altered[:2] not in PROVINCE_CODES:
        expected = "province"
    elif not plausible_birth_date(altered[6:14]):
        expected = "birth_date"
    else:
        expected = "checksum"
    assert error_code(altered) == expected


@given(id_numbers())
def test_full_width_digits_and_lower_case_x_are_normalised(number):
    assert validate_id_number(number.translate(FULL_WIDTH), today=TODAY) == number
    assert validate_id_number(number.lower(), today=TODAY) == number


def test_spaces_and_lower_case_x_are_normalised():
    assert validate_id_number(" 110105 19491231 002x ", today=TODAY) == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (with_check("00010519800101001"), "province"),
        (with_check("99010519800101001"), "province"),
        (with_check("10010519800101001"), "province"),
        (with_check("11010519800230001"), "birth_date"),  # 30 February
        (with_check("11010519801301001"), "birth_date"),  # month 13
        (with_check("11010519800001001"), "birth_date"),  # month 0
        (with_check("11010518790101001"), "birth_date"),  # before anyone alive
        (with_check(f"110105{TODAY + timedelta(days=1):%Y%m%d}001"), "birth_date"),  # born tomorrow
        ("11010519491231002", "length"),
        ("11010519491231002X1", "length"),
        ("", "length"),
        ("1101051949123100AX", "characters"),
        ("110105194912310X21", "characters"),
        ("11010519491231002Y", "characters"),
        ("11010519491231002-", "characters"),
        ("110105194912310021", "checksum"),
    ],
)
def test_bad_numbers_are_rejected_with_their_reason(raw, code):
    assert error_code(raw) == code


def test_born_today_is_accepted():
    number = with_check(f"110105{TODAY:%Y%m%d}001")
    assert validate_id_number(number, today=TODAY) == number


def test_without_a_given_day_the_future_is_judged_by_the_shanghai_date():
    # 2026-06-14 16:30 UTC is already 15 June in Shanghai, so someone born on 15 June exists.
    born_15_june = with_check("11010520260615001")
    born_16_june = with_check("11010520260616001")
    with mock.patch("django.utils.timezone.now", return_value=datetime.fromisoformat("2026-06-14T16:30:00+00:00")):
        assert validate_id_number(born_15_june) == born_15_june
        with pytest.raises(ValidationError) as caught:
            validate_id_number(born_16_june)
    assert caught.value.code == "birth_date"


def test_id_numbers_are_masked_keeping_region_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"


@given(id_numbers())
def test_masking_hides_the_birth_date(number):
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:]
    assert number[6:14] not in masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("01088886666", "010****6666"),
        ("+8613812345678", "+86*******5678"),
        ("88886666", "****6666"),  # a local landline
        ("8886666", "***6666"),
        ("12345", "*****"),
    ],
)
def test_phones_are_masked(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("138 1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("(010) 8888-6666", "01088886666"),
        ("+8613812345678", "+8613812345678"),
    ],
)
def test_phones_are_normalised(raw, phone):
    assert validate_phone(raw) == phone


@pytest.mark.parametrize("raw", ["abc", "138-call-me", "1234", "+"])
def test_bad_phones_are_rejected(raw):
    with pytest.raises(ValidationError) as caught:
        validate_phone(raw)
    assert caught.value.code == "phone"


@given(st.text())
def test_encryption_round_trips(value):
    assert decrypt(encrypt(value)) == value


def test_encrypted_value_hides_the_number_and_differs_each_time():
    first, second = encrypt("11010519491231002X"), encrypt("11010519491231002X")
    assert "11010519491231002X" not in first
    assert "19491231" not in first
    assert first != second


def test_empty_values_stay_empty():
    assert encrypt("") == "" and decrypt("") == "" and lookup_hash("") == ""


def test_another_key_cannot_decrypt():
    token = encrypt("13812345678")
    with override_settings(PERSONAL_DATA_KEY="another-county-key"), pytest.raises(InvalidToken):
        decrypt(token)


@given(id_numbers())
def test_lookup_hash_is_stable(number):
    assert lookup_hash(number) == lookup_hash(number)
    assert len(lookup_hash(number)) == 64


def test_lookup_hash_tells_numbers_apart():
    assert lookup_hash("11010519491231002X") != lookup_hash(with_check("11010519491231003"))


def test_lookup_hash_is_keyed():
    number = "11010519491231002X"
    with override_settings(PERSONAL_DATA_KEY="county-key-one"):
        first = lookup_hash(number)
        again = lookup_hash(number)
    with override_settings(PERSONAL_DATA_KEY="county-key-two"):
        second = lookup_hash(number)
    assert first == again
    assert first != second
    # Not a plain digest: knowing the algorithm is not enough to build a table of all numbers.
    assert first != hashlib.sha256(number.encode()).hexdigest()


@given(st.text(alphabet="0123456789", min_size=7, max_size=20))
def test_a_masked_phone_always_hides_some_digits(phone):
    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    assert masked.count("*") >= 3
    assert masked[-4:] == phone[-4:]
