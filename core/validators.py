"""Validators for Chinese identifiers: credit codes, resident ID numbers, mobiles.

Every ``validate_*`` function normalises its input first and returns ``None`` when
the value is valid, or a Chinese, user-facing error message otherwise.  The
``normalize_*`` functions return the canonical form that should be stored (and
fed to :func:`core.crypto.blind_index`).

References:

* GB 32100-2015 -- unified social credit code (统一社会信用代码)
* GB 11714-1997 -- organization code (组织机构代码), embedded in the credit code
* GB 11643-1999 -- citizen identification number (公民身份号码)
"""

from __future__ import annotations

import random
import re
from datetime import date

from core import clock

__all__ = [
    "CREDIT_CODE_CHARSET",
    "compact",
    "normalize_text",
    "to_halfwidth",
    "birth_date_from_id",
    "gender_from_id",
    "generate_credit_code",
    "generate_id_number",
    "normalize_credit_code",
    "normalize_id_number",
    "normalize_mobile",
    "validate_credit_code",
    "validate_id_number",
    "validate_mobile",
]

# --------------------------------------------------------------------------
# Input text: the one normaliser of forms, the API and imports
# --------------------------------------------------------------------------

#: full-width ASCII (U+FF01–U+FF5E) → ASCII, the ideographic and no-break spaces → space
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0x00A0: 0x20, 0x202F: 0x20}
_SPACES_RE = re.compile(r"\s+")
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def to_halfwidth(text: str) -> str:
    """Full-width letters, digits and ASCII punctuation (``１２３ＡＢＣ，``) and the ideographic
    space as their half-width forms; every other character unchanged."""
    return text.translate(_HALFWIDTH)


def normalize_text(value: str | None) -> str:
    """Free text as typed or pasted: zero-width characters removed, the ideographic / no-break
    spaces and runs of whitespace (line breaks too) become one space, trimmed. Chinese
    punctuation is kept (``（``, ``，`` are part of names)."""
    text = _INVISIBLE_RE.sub("", value or "")
    return _SPACES_RE.sub(" ", text.replace("\u3000", " ").replace("\xa0", " ")).strip()


def compact(value: str | None) -> str:
    """A code, number or date as typed: half-width, without any whitespace (``９１ ４３０１`` →
    ``914301``). Used before validating credit codes, ID numbers, phones, integers and dates."""
    return _SPACES_RE.sub("", _INVISIBLE_RE.sub("", to_halfwidth(value or "")))


# --------------------------------------------------------------------------
# Unified social credit code (GB 32100-2015)
# --------------------------------------------------------------------------

#: the 31 characters allowed in a credit code; a character's value is its index
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUES = {c: i for i, c in enumerate(CREDIT_CODE_CHARSET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# organization code (GB 11714) check digit, used only by the generator
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_DIVISION_RE = re.compile(r"[0-9]{6}")


def normalize_credit_code(code: str | None) -> str:
    """Half-width, without whitespace, upper-cased."""
    return compact(code).upper()


def _credit_check_char(body: str) -> str:
    """Check character for the first 17 characters of a credit code."""
    total = sum(_CREDIT_VALUES[c] * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(code: str | None) -> str | None:
    """Return ``None`` if *code* is a valid unified social credit code, else a message.

    Checks the length, the character set (no I, O, Z, S, V), that positions 3-8
    (the administrative division) are digits and the check character.
    """
    code = normalize_credit_code(code)
    if len(code) != 18:
        return "统一社会信用代码应为18位"
    if any(c not in _CREDIT_VALUES for c in code):
        return "统一社会信用代码含有无效字符"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3至8位应为行政区划代码（数字）"
    if _credit_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误"
    return None


def _org_check_char(body: str) -> str:
    """GB 11714 check character for an 8-character organization code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def _check_division(division: str) -> None:
    if not _DIVISION_RE.fullmatch(division):
        raise ValueError(f"division must be 6 digits, got {division!r}")


def generate_credit_code(rng: random.Random, division: str = "430104") -> str:
    """A random but valid credit code of an enterprise (``91``) in *division*.

    The embedded organization code (positions 9-17) carries a correct GB 11714
    check character as well, like real codes do.
    """
    _check_division(division)
    if rng.random() < 0.5:
        # post-2015 style: "MA" followed by six characters from the charset
        body = "MA" + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = "91" + division + body + _org_check_char(body)
    return first17 + _credit_check_char(first17)


# --------------------------------------------------------------------------
# Resident ID number (GB 11643-1999)
# --------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
_MIN_BIRTH = date(1900, 1, 1)


def normalize_id_number(idn: str | None) -> str:
    """Half-width, without whitespace, a trailing ``x`` upper-cased."""
    return compact(idn).upper()


def _id_check_char(body: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def _parse_birth(idn: str) -> date | None:
    try:
        return date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))
    except ValueError:
        return None


def validate_id_number(idn: str | None, *, today: date | None = None) -> str | None:
    """Return ``None`` if *idn* is a valid 18-digit resident ID number, else a message.

    The birth date (positions 7-14) must exist, be no earlier than 1900-01-01 and
    not lie after *today* (defaults to the current date).
    """
    idn = normalize_id_number(idn)
    if len(idn) != 18:
        return "身份证号应为18位"
    if not _ID_RE.fullmatch(idn):
        return "身份证号含有无效字符"
    birth = _parse_birth(idn)
    if birth is None or birth < _MIN_BIRTH or birth > (today or clock.today()):
        return "身份证号出生日期无效"
    if _id_check_char(idn[:17]) != idn[17]:
        return "身份证号校验位错误"
    return None


def birth_date_from_id(idn: str) -> date:
    """The birth date encoded in an ID number; ``ValueError`` if the number is invalid."""
    idn = normalize_id_number(idn)
    error = validate_id_number(idn)
    if error:
        raise ValueError(error)
    birth = _parse_birth(idn)
    assert birth is not None  # guaranteed by validate_id_number
    return birth


def gender_from_id(idn: str) -> str:
    """``"男"`` if the 17th digit is odd, ``"女"`` if even; ``ValueError`` if invalid."""
    idn = normalize_id_number(idn)
    error = validate_id_number(idn)
    if error:
        raise ValueError(error)
    return "男" if int(idn[16]) % 2 else "女"


def generate_id_number(
    rng: random.Random, birth: date, male: bool, division: str = "430104"
) -> str:
    """A random but valid ID number for someone born on *birth* in *division*.

    ``ValueError`` if *birth* lies outside the range accepted by
    :func:`validate_id_number` or *division* is not 6 digits.
    """
    _check_division(division)
    if not _MIN_BIRTH <= birth <= clock.today():
        raise ValueError(f"birth date out of range: {birth}")
    gender_digit = rng.choice("13579" if male else "02468")
    body = f"{division}{birth:%Y%m%d}{rng.randrange(100):02d}{gender_digit}"
    return body + _id_check_char(body)


# --------------------------------------------------------------------------
# Mainland mobile numbers
# --------------------------------------------------------------------------

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_DIGITS_RE = re.compile(r"[0-9]*")
_SEPARATORS_RE = re.compile(r"[\s\-]+")


def normalize_mobile(phone: str | None) -> str:
    """Drop spaces and dashes and a ``+86`` / ``86`` / ``0086`` country prefix.

    The result is the bare 11-digit number for valid input; invalid input is
    returned cleaned but otherwise unchanged.
    """
    phone = _SEPARATORS_RE.sub("", compact(phone))
    for prefix in ("+86", "0086", "86"):
        if phone.startswith(prefix) and len(phone) == len(prefix) + 11:
            return phone[len(prefix):]
    return phone


def validate_mobile(phone: str | None) -> str | None:
    """Return ``None`` if *phone* is a mainland mobile number, else a message."""
    phone = normalize_mobile(phone)
    if not _DIGITS_RE.fullmatch(phone):
        return "手机号含有无效字符"
    if len(phone) != 11:
        return "手机号应为11位"
    if not _MOBILE_RE.fullmatch(phone):
        return "手机号格式错误"
    return None
