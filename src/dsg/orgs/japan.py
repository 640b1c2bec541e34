"""Facts about Japan the portal validates against: prefectures and the 法人番号 check digit."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# JIS X 0401 order; the code is the JIS prefecture code.
PREFECTURES: list[tuple[str, str]] = [
    ("01", "北海道"),
    ("02", "青森県"),
    ("03", "岩手県"),
    ("04", "宮城県"),
    ("05", "秋田県"),
    ("06", "山形県"),
    ("07", "福島県"),
    ("08", "茨城県"),
    ("09", "栃木県"),
    ("10", "群馬県"),
    ("11", "埼玉県"),
    ("12", "千葉県"),
    ("13", "東京都"),
    ("14", "神奈川県"),
    ("15", "新潟県"),
    ("16", "富山県"),
    ("17", "石川県"),
    ("18", "福井県"),
    ("19", "山梨県"),
    ("20", "長野県"),
    ("21", "岐阜県"),
    ("22", "静岡県"),
    ("23", "愛知県"),
    ("24", "三重県"),
    ("25", "滋賀県"),
    ("26", "京都府"),
    ("27", "大阪府"),
    ("28", "兵庫県"),
    ("29", "奈良県"),
    ("30", "和歌山県"),
    ("31", "鳥取県"),
    ("32", "島根県"),
    ("33", "岡山県"),
    ("34", "広島県"),
    ("35", "山口県"),
    ("36", "徳島県"),
    ("37", "香川県"),
    ("38", "愛媛県"),
    ("39", "高知県"),
    ("40", "福岡県"),
    ("41", "佐賀県"),
    ("42", "長崎県"),
    ("43", "熊本県"),
    ("44", "大分県"),
    ("45", "宮崎県"),
    ("46", "鹿児島県"),
    ("47", "沖縄県"),
]
PREFECTURE_CODES = {code for code, _name in PREFECTURES}


def corporate_number_check_digit(base: str) -> int:
    """The check digit of a 法人番号 from its 12-digit base (国税庁の定める算式)."""
    total = 0
    for position, digit in enumerate(reversed(base), start=1):
        total += int(digit) * (1 if position % 2 else 2)
    return 9 - total % 9


def validate_corporate_number(value: str) -> None:
    if len(value) != 13 or not value.isascii() or not value.isdigit():
        raise ValidationError(
            _("A corporate number (法人番号) has exactly 13 digits."),
            code="corporate_number_format",
        )
    if int(value[0]) != corporate_number_check_digit(value[1:]):
        raise ValidationError(
            _(
                "The check digit of this corporate number (法人番号) is wrong; "
                "please check the number."
            ),
            code="corporate_number_check_digit",
        )


POSTAL_CODE = re.compile(r"\A[0-9]{3}-?[0-9]{4}\Z")


def validate_postal_code(value: str) -> None:
    if not POSTAL_CODE.match(value):
        raise ValidationError(
            _("A Japanese postal code has 7 digits, as in 162-8870."), code="postal_code_format"
        )


OUTSIDE_JAPAN = _("A site must be located in Japan: choose one of the 47 prefectures.")


def validate_prefecture(value: str) -> None:
    if value not in PREFECTURE_CODES:
        raise ValidationError(OUTSIDE_JAPAN, code="site_outside_japan")
