"""The .xlsx terminal request's fast path (bench/imports.py, docs/performance.md "Imports").

What was made faster must still record and refuse the same: the ledger's snapshot of a filed form
is built from the lines just created instead of reading them back — it must be the lines as
stored; the removal check reads the site's removal lines through an index on (request, action);
filing a form costs the same queries whatever its number of lines.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dsg.audit.models import AuditEvent
from dsg.equipment.models import EquipmentRequest, RequestKind, TerminalLine
from dsg.equipment.services import filing
from dsg.equipment.services.common import lines_snapshot

from .test_workbook import blank, filled, upload

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
