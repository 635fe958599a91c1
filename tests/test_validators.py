"""Tests for core.validators (credit codes, ID numbers, mobiles)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from core import clock
from core.validators import (
    CREDIT_CODE_CHARSET,
    birth_date_from_id,
    gender_from_id,
    generate_credit_code,
    generate_id_number,
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

# Real-world credit codes, each verified by hand against the GB 32100 algorithm.
VALID_CREDIT_CODES = [
    "91350100M000100Y43",
    "91110000600037341L",
    "91110108551385082Q",
    "91310000MA1FL1MMXL",
]


def _reference_credit_check(first17: str) -> str:
    """Independent re-statement of the GB 32100 check character."""
    weights = [3**i % 31 for i in range(17)]  # 1, 3, 9, 27, 19, 26, ...
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, weights, strict=False))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def _reference_id_check(first17: str) -> str:
    """Independent re-statement of the GB 11643 check character (ISO 7064 MOD 11-2)."""
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(first17))
    return "10X98765432"[total % 11]


# ----------------------------------------------------------------------------
# credit codes
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_valid_credit_codes(code):
    assert validate_credit_code(code) is None
    assert _reference_credit_check(code[:17]) == code[17]


def test_credit_code_is_normalised():
    assert normalize_credit_code("  91310000ma1fl1mmxl \n") == "91310000MA1FL1MMXL"
    assert validate_credit_code("  91310000ma1fl1mmxl ") is None
    assert normalize_credit_code(None) == ""


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_credit_code_every_wrong_check_char_is_rejected(code):
    for c in CREDIT_CODE_CHARSET:
        if c != code[17]:
            assert validate_credit_code(code[:17] + c) == "统一社会信用代码校验位错误"


def test_credit_code_single_substitution_is_detected():
    code = "91110108551385082Q"
    for pos in range(8, 17):  # organisation code part; keeps the division numeric
        for c in CREDIT_CODE_CHARSET:
            if c != code[pos]:
                changed = code[:pos] + c + code[pos + 1 :]
                assert validate_credit_code(changed) == "统一社会信用代码校验位错误", changed


@pytest.mark.parametrize(
    "code",
    ["", "9135010", "91350100M000100Y4", "91350100M000100Y433", "9135 0100M000100Y4"],
)
def test_credit_code_wrong_length(code):
    assert validate_credit_code(code) == "统一社会信用代码应为18位"


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "-", "*", "中"])
def test_credit_code_invalid_characters(bad):
    code = "91350100M000100Y43"
    assert validate_credit_code(code[:9] + bad + code[10:]) == "统一社会信用代码含有无效字符"


def test_credit_code_division_must_be_digits():
    # "A" is in the charset but positions 3-8 are the administrative division
    first17 = "9135A100M000100Y4"
    code = first17 + _reference_credit_check(first17)
    assert validate_credit_code(code) == "统一社会信用代码第3至8位应为行政区划代码（数字）"


def test_generated_credit_codes_validate():
    seen = set()
    for seed in range(500):
        code = generate_credit_code(random.Random(seed))
        assert validate_credit_code(code) is None, (seed, code)
        assert code.startswith("91430104")
        assert _reference_credit_check(code[:17]) == code[17]
        seen.add(code)
    assert len(seen) == 500


def test_generated_credit_code_embeds_valid_organisation_code():
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    for seed in range(200):
        code = generate_credit_code(random.Random(seed), division="110105")
        assert code[2:8] == "110105"
        body, check = code[8:16], code[16]
        r = 11 - sum(int(c, 36) * w for c, w in zip(body, weights, strict=False)) % 11
        assert check == {10: "X", 11: "0"}.get(r, str(r))


def test_generated_credit_code_is_deterministic_per_seed():
    assert generate_credit_code(random.Random(42)) == generate_credit_code(random.Random(42))


@pytest.mark.parametrize("division", ["43010", "4301045", "43O104", ""])
def test_generate_credit_code_rejects_bad_division(division):
    with pytest.raises(ValueError):
        generate_credit_code(random.Random(0), division=division)


# ----------------------------------------------------------------------------
# ID numbers
# ----------------------------------------------------------------------------


def test_valid_id_with_x_check():
    assert validate_id_number("11010519491231002X") is None
    assert _reference_id_check("11010519491231002") == "X"


def test_id_lower_case_x_is_normalised():
    assert normalize_id_number(" 11010519491231002x ") == "11010519491231002X"
    assert validate_id_number("11010519491231002x") is None
    assert normalize_id_number(None) == ""


def test_id_wrong_check_digit():
    # same body as the valid number above, check character must be X
    assert validate_id_number("110105194912310029") == "身份证号校验位错误"
    for c in "0123456789":
        assert validate_id_number("11010519491231002" + c) == "身份证号校验位错误"


def test_id_single_digit_change_is_detected():
    valid = "11010519491231002X"
    for pos in range(14, 17):  # sequence digits; keeps the birth date valid
        for d in "0123456789":
            if d != valid[pos]:
                assert validate_id_number(valid[:pos] + d + valid[pos + 1 :]) == "身份证号校验位错误"


@pytest.mark.parametrize("idn", ["", "11010519491231002", "11010519491231002X1", "110105491231002"])
def test_id_wrong_length(idn):
    assert validate_id_number(idn) == "身份证号应为18位"


@pytest.mark.parametrize("idn", ["1101051949123100XX", "11010519491231A02X", "11010519491231002Y"])
def test_id_invalid_characters(idn):
    assert validate_id_number(idn) == "身份证号含有无效字符"


def test_id_rejects_non_ascii_digits():
    arabic_indic = "".join(chr(0x0660 + int(c)) for c in "11010519491231002") + "X"
    assert len(arabic_indic) == 18
    assert validate_id_number(arabic_indic) == "身份证号含有无效字符"


def _with_check(first17: str) -> str:
    return first17 + _reference_id_check(first17)


@pytest.mark.parametrize(
    "birth",
    ["19490230", "19491301", "19490001", "19490100", "19010229", "18991231", "18800101"],
)
def test_id_impossible_birth_date(birth):
    # correct check digit, so only the date can be at fault
    assert validate_id_number(_with_check(f"110105{birth}002")) == "身份证号出生日期无效"


def test_id_leap_day_and_bounds():
    assert validate_id_number(_with_check("11010520000229001")) is None  # 2000 is a leap year
    assert validate_id_number(_with_check("11010519000101001")) is None  # lower bound
    assert validate_id_number(_with_check("11010519000229001")) == "身份证号出生日期无效"


def test_id_future_birth_date():
    today = date(2024, 6, 1)
    assert validate_id_number(_with_check("11010520240601001"), today=today) is None
    assert validate_id_number(_with_check("11010520240602001"), today=today) == "身份证号出生日期无效"
    tomorrow = clock.today() + timedelta(days=1)  # the validator's today is Beijing's
    assert validate_id_number(_with_check(f"110105{tomorrow:%Y%m%d}001")) == "身份证号出生日期无效"


def test_birth_date_and_gender():
    assert birth_date_from_id("11010519491231002X") == date(1949, 12, 31)
    assert gender_from_id("11010519491231002X") == "女"  # 17th digit 2
    male = _with_check("11010519900307663")
    assert gender_from_id(male) == "男"  # 17th digit 3
    assert birth_date_from_id(male) == date(1990, 3, 7)
    assert birth_date_from_id(" 11010519491231002x ") == date(1949, 12, 31)


@pytest.mark.parametrize("idn", ["110105194912310029", "123", _with_check("11010519490230002")])
def test_birth_date_and_gender_reject_invalid(idn):
    with pytest.raises(ValueError):
        birth_date_from_id(idn)
    with pytest.raises(ValueError):
        gender_from_id(idn)


def test_generated_id_numbers_round_trip():
    earliest, span = date(1900, 1, 1), (date.today() - date(1900, 1, 1)).days
    seen = set()
    for seed in range(1000):
        rng = random.Random(seed)
        birth = earliest + timedelta(days=rng.randrange(span + 1))
        male = rng.random() < 0.5
        idn = generate_id_number(rng, birth, male)
        assert validate_id_number(idn) is None, (seed, idn)
        assert idn[:6] == "430104"
        assert _reference_id_check(idn[:17]) == idn[17]
        assert birth_date_from_id(idn) == birth
        assert gender_from_id(idn) == ("男" if male else "女")
        seen.add(idn)
    assert len(seen) > 990


def test_generated_id_number_edges_and_division():
    rng = random.Random(7)
    assert validate_id_number(generate_id_number(rng, date(1900, 1, 1), True)) is None
    assert validate_id_number(generate_id_number(rng, date.today(), False)) is None
    idn = generate_id_number(rng, date(2000, 2, 29), True, division="110105")
    assert idn.startswith("11010520000229") and validate_id_number(idn) is None


@pytest.mark.parametrize(
    "birth", [date(1899, 12, 31), clock.today() + timedelta(days=1)]
)
def test_generate_id_number_rejects_out_of_range_birth(birth):
    with pytest.raises(ValueError):
        generate_id_number(random.Random(0), birth, True)


def test_generate_id_number_rejects_bad_division():
    with pytest.raises(ValueError):
        generate_id_number(random.Random(0), date(1990, 1, 1), True, division="4301")


# ----------------------------------------------------------------------------
# mobiles
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "+8613812345678",
        "8613812345678",
        "008613812345678",
        "+86 138 1234 5678",
        "138-1234-5678",
        " 138 1234 5678 ",
        "+86-138-1234-5678",
    ],
)
def test_valid_mobiles_normalise(raw):
    assert validate_mobile(raw) is None
    assert normalize_mobile(raw) == "13812345678"


@pytest.mark.parametrize("prefix", "3456789")
def test_mobile_second_digit_range(prefix):
    assert validate_mobile(f"1{prefix}012345678") is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "手机号应为11位"),
        (None, "手机号应为11位"),
        ("1381234567", "手机号应为11位"),
        ("138123456789", "手机号应为11位"),
        ("12812345678", "手机号格式错误"),
        ("10812345678", "手机号格式错误"),
        ("23812345678", "手机号格式错误"),
        ("1381234567a", "手机号含有无效字符"),
        ("+8513812345678", "手机号含有无效字符"),
        ("(138)12345678", "手机号含有无效字符"),
    ],
)
def test_invalid_mobiles(raw, message):
    assert validate_mobile(raw) == message


def test_normalize_mobile_keeps_invalid_input_recognisable():
    # an "86" that is not a country prefix (wrong total length) is kept
    assert normalize_mobile("86123") == "86123"
    assert normalize_mobile(None) == ""


def test_one_normaliser_for_full_width_input_and_spaces():
    from core.validators import compact, normalize_text, to_halfwidth

    assert to_halfwidth("９１４３０１ＡＢ，（公司）\u3000") == "914301AB,(公司) "
    assert compact(" ９１ ４３０１\u3000ab\u200b ") == "914301ab"
    assert normalize_text("  长沙\u3000某某\n 公司\u200b ") == "长沙 某某 公司"
    code = VALID_CREDIT_CODES[0]
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert normalize_credit_code(" " + wide[:6] + " " + wide[6:]) == code
    assert validate_credit_code(wide) is None
    assert normalize_mobile("１３８ ００１３ ８０００") == "13800138000"
    assert normalize_id_number("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


def test_forms_and_imports_read_chinese_dates_checkmarks_and_variants():
    import datetime as dt

    from core.registry.schemas import ORGANIZATION_FIELDS, FieldSpec, clean_value, parse_date

    for text in ("2019年3月5日", "2019.3.5", "２０１９年３月５日", "2019/03/05", "20190305", "2019-03-05 00:00:00"):
        assert parse_date(text) == dt.date(2019, 3, 5), text
    flag = FieldSpec("x", "建有工会", "bool")
    assert [clean_value(flag, v)[0] for v in ("是", "√", "否", "×", "有", "无")] == [True, True, False, False, True, False]
    kind = next(s for s in ORGANIZATION_FIELDS if s.key == "kind")
    assert clean_value(kind, "民营企业") == ("enterprise", None)
    assert clean_value(kind, "社团") == ("social", None)
    assert clean_value(kind, " 非公企业 ") == ("enterprise", None)
    value, problem = clean_value(kind, "国有企业")
    assert value is None and "无效的选项「国有企业」" in problem
    count = FieldSpec("n", "从业人员数", "int")
    assert clean_value(count, "１,２００") == (1200, None)
