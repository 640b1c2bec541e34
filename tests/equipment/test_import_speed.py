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
from dsg.core.errors import RuleViolation
from dsg.documents.excel import read_workbook
from dsg.documents.models import Document
from dsg.equipment import form_upload
from dsg.equipment.models import (
    OPEN_STATES,
    EquipmentRequest,
    RequestKind,
    RequestState,
    TerminalLine,
)
from dsg.equipment.services import filing
from dsg.equipment.services.common import lines_snapshot
from dsg.equipment.workbook import EXAMPLE_SHEET, FORMS, SHEET_KINDS, SITE_SHEET, FormError

from ..factories import SiteFactory
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


# The match against the site's open registrations is one query, the names and the serials each
# one parameter (#14, the fourth pass): it must answer as the plain rule read line by line — a
# pending registration of an open request of this site, never another site's or another
# company's, a decided or withdrawn request's, a refused line's or a removal's.
def _requests(site, psa, tag):
    """A request of ``site`` in each state, with lines of every kind on each."""
    made = []
    for n, state in enumerate(RequestState.values):
        request = EquipmentRequest.objects.create(
            site=site,
            kind=RequestKind.TERMINAL,
            receipt_number=f"{tag}{n}",
            purpose="test",
            channel="page",
            filed_by=psa,
        )
        EquipmentRequest.objects.filter(pk=request.pk).update(state=state)
        for m, (action, decision) in enumerate(
            [("add", "pending"), ("add", "refused"), ("add", "approved"), ("remove", "pending")]
        ):
            TerminalLine.objects.create(
                request=request,
                position=m + 1,
                action=action,
                decision=decision,
                name=f"{tag}-{state}-{m}",
                serial_number=f"{tag}SN-{state}-{m}",
            )
        made.append(request)
    return made


def _asked_plainly(site, names, serials):
    """The rule read line by line in Python, over every line of the database."""
    lines = [
        line
        for line in TerminalLine.objects.select_related("request")
        if line.request.site_id == site.pk
        and line.request.state in OPEN_STATES
        and line.action == "add"
        and line.decision == "pending"
    ]
    return (
        {x.name for x in lines} & names,
        {x.serial_number for x in lines} & serials,
    )


def test_the_match_with_open_registrations_answers_as_the_rule_read_line_by_line(
    site, company, other_company, psa
):
    neighbour = SiteFactory(company=company)
    elsewhere = SiteFactory(company=other_company)
    _requests(site, psa, "OWN")
    _requests(neighbour, psa, "NB")
    _requests(elsewhere, psa, "OTHER")
    odd = ["O'Brien", 'say "hi"', "50%_off", "ＰＣ－１", "😀", "a\\b", "[1]", "null", "0", " "]
    for n, text in enumerate(odd):  # texts an SQL or JSON parameter could mistake
        request = EquipmentRequest.objects.create(
            site=site,
            kind=RequestKind.TERMINAL,
            receipt_number=f"ODD{n}",
            purpose="test",
            channel="page",
            filed_by=psa,
        )
        TerminalLine.objects.create(
            request=request, position=1, action="add", name=text, serial_number=f"{text}#"
        )
    every = {x for pair in TerminalLine.objects.values_list("name", "serial_number") for x in pair}
    candidates = [
        (every, every),
        ({"OWN-filed-0", "NB-filed-0", "OTHER-filed-0"}, set()),
        (set(), {"OWNSN-under_review-0", "OWNSN-decided-0", "OTHERSN-filed-0"}),
        ({f"NEW-{i}" for i in range(600)} | {"O'Brien"}, {f"NEWSN{i}" for i in range(600)}),
        (set(odd), {f"{text}#" for text in odd}),
        ({"50%"}, {"%"}),  # no pattern: only the same text matches
        (set(), set()),
    ]
    for names, serials in candidates:
        with CaptureQueriesContext(connection) as queries:
            asked = filing._pending_additions(site, set(names), set(serials))
        assert asked == _asked_plainly(site, set(names), set(serials)), (names, serials)
        assert len(queries) == (1 if names or serials else 0)
    assert filing._pending_additions(site, set(odd), set())[0] == set(odd)
    assert filing._pending_additions(elsewhere, {"OWN-filed-0"}, {"OWNSN-filed-0"}) == (
        set(),
        set(),
    )


def test_a_form_files_its_request_in_the_forms_transaction_without_a_savepoint(enrolled, cast):
    """The form's filing runs ``request_file`` in the form's own transaction, without a
    savepoint of its own (#14): the savepoints are this block's, the form's and the stored
    document's. A refused line still leaves nothing (the tests above)."""
    data = filled(blank(enrolled, cast.psa, "terminal"), "terminal", add_rows("PC", 3))
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        filed = upload(enrolled, cast.psa, data)
        assert filed.request.terminal_lines.count() == 3
        transaction.set_rollback(True)
    savepoints = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 2, savepoints  # the form's and the document's (this block's: before)


def test_filing_in_a_transaction_is_refused_outside_one(enrolled, cast, monkeypatch):
    monkeypatch.setattr(transaction.get_connection(), "in_atomic_block", False)
    with pytest.raises(RuntimeError):
        filing.request_file_in_transaction(
            site=enrolled, actor=cast.psa, kind="terminal", purpose="x", lines=[]
        )


def test_a_forms_upload_is_unpacked_once_and_a_refusal_is_checked_every_time(
    enrolled, cast, monkeypatch
):
    """Filing a form checked its upload's zip twice, before reading it and before storing it
    (#14): the same bytes found safe under the same limits are not unpacked again. Only what
    passed is remembered; a refused workbook, or the same bytes under other limits, is checked
    again and refused again."""
    from dsg.documents import excel

    from ..documents import files

    unpacked = []
    parts = excel._check_parts
    monkeypatch.setattr(excel, "_check_parts", lambda *a: (unpacked.append(1), parts(*a))[1])
    data = filled(blank(enrolled, cast.psa, "terminal"), "terminal", add_rows("PC", 2))
    upload(enrolled, cast.psa, data)
    assert len(unpacked) == 1
    assert Document.objects.filter(kind="request_form").count() == 1
    with pytest.raises(RuleViolation) as caught:
        excel.check_workbook(data, max_members=3)
    assert caught.value.code == "excel_too_many_parts"
    entity = files.xlsx_with_entity()
    for _try in range(2):
        with pytest.raises(RuleViolation) as caught:
            excel.check_workbook(entity)
        assert caught.value.code == "excel_xml_entities"
    assert len(unpacked) == 3
