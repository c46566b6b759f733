"""Resident ID numbers and phones: validation, normalisation, masking, encryption, hashing."""

import base64
import hashlib
import hmac
import re
import unicodedata
from datetime import date

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# GB 11643-1999 weights and check characters (ISO 7064 MOD 11-2).
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
# The two-digit province codes of GB/T 2260, plus Taiwan, Hong Kong and Macao.
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


def id_check_character(first_17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first_17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARACTERS[total % 11]


def normalize_id_number(raw: str) -> str:
    """Full-width digits become ASCII, spaces go, a lower-case x becomes X."""
    return unicodedata.normalize("NFKC", raw).replace(" ", "").upper()


def validate_id_number(raw: str, *, today: date | None = None) -> str:
    """Return the normalised number or raise ValidationError saying what is wrong with it."""
    number = normalize_id_number(raw)
    if len(number) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(count)d."), params={"count": len(number)}, code="length"
        )
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(_("Only digits are allowed, with X possible as the last character."), code="characters")
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(_("The first two digits are not a known province code."), code="province")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date in the number does not exist."), code="birth_date") from None
    if birth > (today or timezone.localdate()) or birth.year < 1880:
        raise ValidationError(_("The birth date in the number is not possible."), code="birth_date")
    if id_check_character(number[:17]) != number[17]:
        raise ValidationError(_("The check digit is wrong; please check the number again."), code="checksum")
    return number


def normalize_phone(raw: str) -> str:
    return re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", raw))


def validate_phone(raw: str) -> str:
    phone = normalize_phone(raw)
    if not re.fullmatch(r"\+?\d{5,20}", phone):
        raise ValidationError(_("Enter a phone number using digits only."), code="phone")
    return phone


def mask_id_number(number: str) -> str:
    return f"{number[:6]}{'*' * 8}{number[14:]}" if len(number) == 18 else "*" * len(number)


def mask_phone(phone: str) -> str:
    """Mobile numbers keep their first three and last four digits; shorter ones only the last four."""
    if len(phone) < 7:
        return "*" * len(phone)
    head = 3 if len(phone) >= 11 else 0
    return f"{phone[:head]}{'*' * (len(phone) - head - 4)}{phone[-4:]}"


def _derived_key(purpose: bytes) -> bytes:
    return hmac.new(settings.PERSONAL_DATA_KEY.encode(), purpose, hashlib.sha256).digest()


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived_key(b"xinfang-encryption")))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode() if token else ""


def lookup_hash(value: str) -> str:
    """A keyed hash: equal values match, but the table alone cannot be brute-forced."""
    return hmac.new(_derived_key(b"xinfang-lookup"), value.encode(), hashlib.sha256).hexdigest() if value else ""
