"""read_workbook: a real .xlsx is read; macros, zip bombs, XML entities and OLE files are refused
before any parser sees them."""

from __future__ import annotations

import time

import pytest
from django.utils import translation

from dsg.core.errors import RuleViolation
from dsg.documents.excel import read_workbook

from . import files


def refusal(data: bytes, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        read_workbook(data, **kwargs)
    assert caught.value.status == 422
    return caught.value


def test_a_real_xlsx_is_read_sheet_by_sheet():
    sheets = read_workbook(files.xlsx())
    assert list(sheets) == ["端末一覧"]
    assert sheets["端末一覧"][0] == ["端末名", "製造番号", "台数"]
    assert sheets["端末一覧"][2][:2] == ["PC-02", "SN-2"]
    assert sheets["端末一覧"][2][2] == 2


def test_a_macro_workbook_is_refused():
    assert refusal(files.xlsm()).code == "excel_macros"


def test_a_macro_content_type_alone_is_refused():
    data = files._rezip(
        files.xlsx(),
        patch=lambda name, content: (
            content.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
            if name == "[Content_Types].xml"
            else content
        ),
    )
    assert refusal(data).code == "excel_macros"


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking():
    bomb = files.xlsx_zip_bomb(120)
    assert len(bomb) < 1024 * 1024
    started = time.monotonic()
    assert refusal(bomb).code == "excel_too_large_unpacked"
    assert time.monotonic() - started < 5  # decided from ZipInfo, not by inflating 120 MB


def test_a_high_compression_ratio_is_refused_below_the_size_limit():
    bomb = files.xlsx_zip_bomb(20)  # 20 MB of spaces in ~20 KB
    assert refusal(bomb).code == "excel_too_large_unpacked"


def test_too_many_members_are_refused():
    assert refusal(files.xlsx(), max_members=3).code == "excel_too_many_parts"


def test_doctype_and_entities_are_refused():
    assert refusal(files.xlsx_with_entity()).code == "excel_xml_entities"


def test_an_entity_hidden_in_utf16_is_refused():
    def patch(name: str, content: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return content
        text = content.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
        head, _, rest = text.partition("?>")
        text = head + '?><!DOCTYPE x [<!ENTITY a "b">]>' + rest
        return text.encode("utf-16")

    assert refusal(files._rezip(files.xlsx(), patch=patch)).code == "excel_xml_entities"


def test_an_ole_file_is_refused_with_a_clear_message():
    with translation.override("en"):
        message = str(refusal(files.ole_file()).message)
    assert "password-protected" in message and ".xls" in message


def test_something_else_is_not_a_workbook():
    assert refusal(files.pdf(1)).code == "excel_not_xlsx"
    assert refusal(files._rezip(files.xlsx(), add={})[:300]).code in (
        "excel_not_xlsx",
        "excel_corrupt",
    )
