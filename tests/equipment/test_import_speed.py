"""The .xlsx terminal request's fast path (bench/imports.py, docs/performance.md "Imports").

What was made faster must still record and refuse the same: the ledger's snapshot of a filed form
is built from the lines just created instead of reading them back — it must be the lines as
stored; the removal check reads the site's removal lines through an index on (request, action);
filing a form costs the same queries whatever its number of lines.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from dsg.audit.models import AuditEvent
from dsg.documents.excel import read_workbook
from dsg.documents.models import Document
from dsg.equipment import form_upload
from dsg.equipment.models import EquipmentRequest, RequestKind, TerminalLine
from dsg.equipment.services import filing
from dsg.equipment.services.common import lines_snapshot
from dsg.equipment.workbook import EXAMPLE_SHEET, FORMS, SHEET_KINDS, SITE_SHEET, FormError

from .test_workbook import PURPOSE_ROW, TABLE_ROW, blank, filled, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def add_rows(tag: str, n: int) -> list[dict[str, Any]]:
    return [
        {"登録/削除": "登録", "端末名": f"{tag}-{i}", "機種": "DSG-T1", "製造番号": f"{tag}SN{i}"}
        for i in range(1, n + 1)
    ]


def test_the_ledgers_snapshot_of_a_filed_form_is_its_lines_as_stored(enrolled, cast, terminal):
    rows = [*add_rows("PC", 2), {"登録/削除": "削除", "端末番号（削除時）": terminal.ref}]
    rows.insert(1, add_rows("NB", 1)[0])
    filing = upload(
        enrolled, cast.psa, filled(blank(enrolled, cast.psa, "terminal"), "terminal", rows)
    )
    request = filing.request
    event = AuditEvent.objects.get(action="equipment_request.file", object_id=str(request.pk))
    stored = lines_snapshot(request)
    assert event.after["lines"] == stored
    assert [(line["line"], line["action"], line["name"]) for line in stored] == [
        (1, "add", "PC-1"),
        (2, "add", "NB-1"),
        (3, "add", "PC-2"),
        (4, "remove", ""),
    ]
    assert stored[3]["terminal"] == terminal.pk and stored[0]["terminal"] is None
    assert {line["decision"] for line in stored} == {"pending"}


def test_filing_a_form_costs_the_same_queries_whatever_its_lines(enrolled, cast):
    form = blank(enrolled, cast.psa, "terminal")
    counts = []
    upload(enrolled, cast.psa, filled(form, "terminal", add_rows("OPEN", 2)))  # one waits
    for tag, n in (("A", 3), ("B", 60)):
        data = filled(form, "terminal", add_rows(tag, n))
        with transaction.atomic():  # each form meets the same site: rolled back after
            with CaptureQueriesContext(connection) as queries:
                filing = upload(enrolled, cast.psa, data)
            assert filing.request.terminal_lines.count() == n
            transaction.set_rollback(True)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert EquipmentRequest.objects.filter(kind=RequestKind.TERMINAL).count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL plans by size")
def test_the_removal_check_reads_the_removal_lines_through_the_index(site):
    plan = filing.removal_pending_terminals(site).order_by().explain()
    assert "terminal_line_req_action" in plan, plan
    assert TerminalLine._meta.indexes[0].name == "terminal_line_req_action"


# What the third pass (#14: only the form's sheets read, cells taken as texts at once, the lines
# made from ids) must not change: a refusal still names the row of the worksheet however far down
# the sheet it is, a serial or a name given twice is still refused, two forms in one workbook are
# still refused, and the lines still belong to their request.
def _at_rows(data: bytes, rows: dict[int, dict[str, Any]]) -> bytes:
    """The terminal form ``data`` with each row of ``rows`` written at that worksheet row."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[FORMS[RequestKind.TERMINAL].sheet]
    sheet.cell(PURPOSE_ROW, 2).value = "端末の増設のため"
    columns = {sheet.cell(TABLE_ROW, c).value: c for c in range(1, sheet.max_column + 1)}
    for number, row in rows.items():
        for header, value in row.items():
            cell = sheet.cell(number, columns[header])
            cell.value, cell.data_type = value, "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FAR = 9_999  # a worksheet row far below the table's other lines
LINES = 200  # the lines above it (a request holds at most 500; fewer keep the test quick)


@pytest.mark.parametrize(
    ("last", "code", "where"),
    [
        ({"機種": ""}, "required", "column C (機種): This field is required."),
        (
            {"製造番号": "PCSN1"},
            "duplicate_serial",
            "column D (製造番号): A terminal with the serial number PCSN1 is already asked for.",
        ),
        (
            {"端末名": f"PC-{LINES - 1}"},
            "duplicate_name",
            f"column B (端末名): A terminal named PC-{LINES - 1} is already asked for.",
        ),
    ],
    ids=["required", "serial-twice", "name-twice"],
)
def test_the_last_line_far_down_the_sheet_is_refused_naming_its_row(
    enrolled, cast, last, code, where
):
    rows = {TABLE_ROW + n: row for n, row in enumerate(add_rows("PC", LINES - 1), start=1)}
    rows[FAR] = {**add_rows("LAST", 1)[0], **last}
    data = _at_rows(blank(enrolled, cast.psa, "terminal"), rows)
    stored = Document.objects.count(), AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(FormError) as caught:
        upload(enrolled, cast.psa, data)
    assert str(caught.value.message) == f'Sheet "利用端末", row {FAR}, {where}'
    assert (caught.value.code, caught.value.row) == (code, FAR)
    assert not EquipmentRequest.objects.exists()
    assert (Document.objects.count(), AuditEvent.objects.count()) == stored


def test_the_same_form_with_the_last_line_right_files_every_line(enrolled, cast):
    rows = {TABLE_ROW + n: row for n, row in enumerate(add_rows("PC", LINES - 1), start=1)}
    rows[FAR] = add_rows("LAST", 1)[0]
    filing = upload(enrolled, cast.psa, _at_rows(blank(enrolled, cast.psa, "terminal"), rows))
    lines = TerminalLine.objects.filter(request=filing.request).order_by("position")
    assert lines.count() == LINES
    assert (lines.last().position, lines.last().name, lines.last().request_id) == (
        LINES,
        "LAST-1",
        filing.request.pk,
    )


def test_a_workbook_holding_two_forms_is_still_refused(enrolled, cast):
    book = load_workbook(io.BytesIO(blank(enrolled, cast.psa, "terminal")))
    book.create_sheet(FORMS[RequestKind.MEDIUM].sheet)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(FormError) as caught:
        upload(enrolled, cast.psa, out.getvalue())
    assert caught.value.code == "form_several"


def test_only_the_forms_sheet_is_read(enrolled, cast):
    data = filled(blank(enrolled, cast.psa, "terminal"), "terminal", add_rows("PC", 2))
    assert list(read_workbook(data)) == ["利用端末", EXAMPLE_SHEET, SITE_SHEET]
    assert list(read_workbook(data, sheets=SHEET_KINDS)) == ["利用端末"]
    assert [line["name"] for line in form_upload.form_read(site=enrolled, data=data).lines] == [
        "PC-1",
        "PC-2",
    ]


def test_cells_are_still_normalised_full_width_or_ascii(enrolled, cast):
    rows = [
        {"登録/削除": "登録", "端末名": "ＮＢ－０１", "機種": " DSG-T1 ", "製造番号": "ＳＮ１"},
        {"登録/削除": " 登録", "端末名": "  NB-02\t", "機種": "DSG-T1", "製造番号": "SN2 "},
    ]
    filing = upload(
        enrolled, cast.psa, filled(blank(enrolled, cast.psa, "terminal"), "terminal", rows)
    )
    lines = TerminalLine.objects.filter(request=filing.request).order_by("position")
    assert [(x.name, x.model_name, x.serial_number) for x in lines] == [
        ("NB-01", "DSG-T1", "SN1"),
        ("NB-02", "DSG-T1", "SN2"),
    ]
