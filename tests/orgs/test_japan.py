"""Facts about Japan: the 法人番号 check digit, the 47 prefectures, postal codes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dsg.orgs.japan import (
    PREFECTURE_CODES,
    PREFECTURES,
    corporate_number_check_digit,
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
