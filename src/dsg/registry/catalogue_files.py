"""A software catalogue as a file: imported from an .xlsx, exported as .xlsx and CSV (§5②).

The workbook has one sheet: a header block (which catalogue, version, when published — also in
和暦 — and by whom), then the header row ソフトウェア名 / ベンダー / バージョン / SHA-256 /
Authenticodeハッシュ / 署名者 and one row per entry. An import looks for the header row (the
rows above it are ignored, so an export imports again unchanged) and reads the columns by their
headings, in any order; the hash and signer columns may be left out. An upload passes the
documents' workbook checks first (zip bomb, macros, XML entities; a password-protected .xlsx is
opened with its password), and every row is checked before anything is written: a refusal
names the sheet, the row and the column.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from typing import Any

from django.utils.translation import gettext_lazy as _

from dsg.core.csv_export import csv_text
from dsg.core.errors import RuleViolation
from dsg.core.wareki import iso, wareki
from dsg.documents.excel import OLE_MAGIC, decrypt_workbook, read_workbook
from dsg.documents.services import max_upload_bytes, too_large
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from .catalogues import (
    FIELDS,
    SHORT_NAMES,
    EntryInput,
    SheetPlaces,
    catalogue_digest,
    catalogue_publish,
)
from .models import CatalogueKind, SoftwareCatalogue

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The workbook's own words: the format is Japanese, whatever the reader's language.
HEADERS = {
    "name": "ソフトウェア名",
    "vendor": "ベンダー",
    "version": "バージョン",
    "sha256": "SHA-256",
    "authenticode_sha256": "Authenticodeハッシュ",
    "signer": "署名者",
}
SHEETS = SHORT_NAMES
HEADER_ROWS = 30  # the header row is looked for in the first rows of a sheet
WIDTHS = {"A": 40, "B": 28, "C": 16, "D": 68, "E": 68, "F": 36}


def _heading(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split()).replace("_", "")


# Headings read as each column (Japanese as exported; English and common variants as typed).
ALIASES = {
    _heading(text): name
    for name, texts in {
        "name": [HEADERS["name"], "ソフトウェア", "名称", "software name", "name"],
        "vendor": [HEADERS["vendor"], "メーカー", "vendor"],
        "version": [HEADERS["version"], "version"],
        "sha256": [HEADERS["sha256"], "sha256", "sha-256ハッシュ"],
        "authenticode_sha256": [
            HEADERS["authenticode_sha256"],
            "authenticode",
            "authenticode hash",
            "authenticode_sha256",
        ],
        "signer": [HEADERS["signer"], "signer", "署名者名"],
    }.items()
    for text in texts
}


def column_letter(index: int) -> str:
    """A (0) … Z (25), AA (26) …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# Import --------------------------------------------------------------------------------------
def _refuse(message: Any, code: str) -> RuleViolation:
    return RuleViolation(message, code=code, status=422, field="file")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _header(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    """(index of the header row, field -> column index), or None."""
    for index, row in enumerate(rows[:HEADER_ROWS]):
        columns: dict[str, int] = {}
        for column, cell in enumerate(row):
            name = ALIASES.get(_heading(_cell_text(cell)))
            if name is not None and name not in columns:
                columns[name] = column
        if {"name", "vendor", "version"} <= columns.keys():
            return index, columns
    return None


def _sheet_entries(
    sheet: str, rows: list[list[Any]], found: tuple[int, dict[str, int]]
) -> tuple[list[EntryInput], SheetPlaces]:
    start, columns = found
    entries = []
    for index in range(start + 1, len(rows)):
        cells = rows[index]
        values = {
            name: _cell_text(cells[column]) if column < len(cells) else ""
            for name, column in columns.items()
        }
        if any(values.values()):
            entries.append(EntryInput(**values, row=index + 1))
    letters = {name: column_letter(column) for name, column in columns.items()}
    return entries, SheetPlaces(sheet=sheet, columns=letters)


def workbook_entries(data: bytes, password: str = "") -> tuple[list[EntryInput], SheetPlaces]:
    """The entries of an uploaded workbook (the first sheet with the header row), each with its
    row, and where they stand (sheet, columns) for the refusals; the workbook checked first."""
    if not data:
        raise _refuse(_("The file is empty."), "file_empty")
    if len(data) > max_upload_bytes():
        raise too_large()
    if data.startswith(OLE_MAGIC) and password:
        data = decrypt_workbook(data, password)
    sheets = read_workbook(data)
    for sheet, rows in sheets.items():
        found = _header(rows)
        if found is not None:
            return _sheet_entries(sheet, rows, found)
    raise _refuse(
        _("No sheet of the workbook has the header row ({headers}).").format(
            headers=" / ".join(HEADERS.values())
        ),
        "catalogue_no_header",
    )


def catalogue_import(
    *, kind: str, data: bytes, actor: User, note: str = "", password: str = ""
) -> SoftwareCatalogue:
    """The provider publishes a new version from a workbook: applied whole or not at all."""
    require_permission(actor=actor, action="catalogue.publish")
    entries, places = workbook_entries(data, password)
    return catalogue_publish(kind=kind, entries=entries, note=note, actor=actor, places=places)


# Export --------------------------------------------------------------------------------------
def _published(catalogue: SoftwareCatalogue) -> str:
    return f"{iso(catalogue.published_at)}（{wareki(catalogue.published_at)}）"


def _text_cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    """A cell holding ``value`` as text: never a formula, whatever it starts with."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        cell.number_format = "@"
    return cell


def catalogue_workbook(catalogue: SoftwareCatalogue) -> bytes:
    """The version as .xlsx: its header block, then the header row and the entries."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    entries = list(catalogue.entries.all())
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEETS[CatalogueKind(catalogue.kind)]
    block = [
        ("防衛セキュリティゲートウェイ " + sheet.title, None),
        ("版", catalogue.version),
        ("公開日", _published(catalogue)),
        ("公開者", str(catalogue.published_by)),
        ("変更内容", catalogue.note),
        ("ダイジェスト（SHA-256）", catalogue_digest(entries)),
    ]
    for row, (label, value) in enumerate(block, 1):
        _text_cell(sheet, row, 1, label).font = Font(bold=True, size=14 if row == 1 else 11)
        if value is not None:
            _text_cell(sheet, row, 2, value)
    header_row = len(block) + 2
    for column, name in enumerate(FIELDS, 1):
        _text_cell(sheet, header_row, column, HEADERS[name]).font = Font(bold=True)
    for row, entry in enumerate(entries, header_row + 1):
        for column, name in enumerate(FIELDS, 1):
            _text_cell(sheet, row, column, getattr(entry, name))
    for letter, width in WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def catalogue_csv(catalogue: SoftwareCatalogue) -> str:
    """The version as CSV: the header row and the entries, no cell read as a formula."""
    rows = [[getattr(entry, name) for name in FIELDS] for entry in catalogue.entries.all()]
    return csv_text([list(HEADERS.values()), *rows])


def export_filename(catalogue: SoftwareCatalogue, extension: str) -> str:
    return f"{SHEETS[CatalogueKind(catalogue.kind)]}_v{catalogue.version}.{extension}"
