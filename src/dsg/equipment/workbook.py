"""The official forms of §5 as Excel workbooks: written with openpyxl, read with calamine.

One form per kind of request — 利用端末の登録・削除申請書, ソフトウェアインストール申請書,
可搬記憶媒体登録・削除申請書 — generated here (no binary template in the repository). The form's
sheet is named after the kind (「利用端末」「ソフトウェア」「可搬記憶媒体」) and holds a header
block (label in column A, entry in column B: 申請日, 会社名, 法人番号, 拠点名, 拠点番号,
申請者, 申請理由) above a table of lines with Japanese column headers, one request line a row.
Sheet 「記入例」 shows example rows and what each column takes; sheet 「拠点の端末・媒体」 lists the
site's standing terminals and media with their numbers (T-…, M-…), which removals and
「対象端末」「使用端末」 name.

Reading finds the header block by its labels and the columns by their headers (NFKC, spaces
ignored), so inserted rows or moved columns do not matter; every non-empty row under the headers
is a line. A refusal names where: the sheet, the worksheet row and the column letter with its
header (``FormError``). The same form comes back filled (``filed_form``) with the 受付番号 and each
line's decision.

Every text cell is written as text, as the registry's export writes it: a value a spreadsheet
would take for a formula is marked typed (``quotePrefix``) and never evaluated; characters a
workbook cannot hold are dropped.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from dsg.core.errors import RuleViolation
from dsg.orgs.models import Site, User
from dsg.registry.models import RemovableMedium, Terminal
from dsg.registry.workbook import DATE_FORMAT, FORMULA_START, safe_text

from .models import EquipmentRequest, LineAction, LineDecision, RequestKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINES_MAX = 500  # as the service: a request has at most this many lines
EXAMPLE_SHEET = "記入例"
SITE_SHEET = "拠点の端末・媒体"
YES, NO = "はい", "いいえ"
REGISTER, REMOVE = "登録", "削除"
_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F5")
_ENTRY_FILL = PatternFill("solid", fgColor="FFF8D6")  # where the PSA writes
_WRAP = Alignment(wrap_text=True, vertical="top")

# The header block: (key, label). The filed form adds its 受付番号 and decision above them.
DATE, COMPANY, CORPORATE_NUMBER, SITE_NAME, SITE_REF, APPLICANT, PURPOSE = (
    "申請日",
    "会社名",
    "法人番号",
    "拠点名",
    "拠点番号",
    "申請者（保護システム管理者）",
    "申請理由",
)
HEADER_LABELS = (DATE, COMPANY, CORPORATE_NUMBER, SITE_NAME, SITE_REF, APPLICANT, PURPOSE)
RECEIPT, STATE, OUTCOME, COMMENT = "受付番号", "状況", "結果", "事務局コメント"
DECISION_HEADERS = ("判定", "理由", "判定日")
DECISION_WORDS = {
    LineDecision.PENDING: "審査中",
    LineDecision.APPROVED: "承認",
    LineDecision.REFUSED: "却下",
}
MEDIUM_KIND_WORDS = {
    "usb_memory": "USBメモリ",
    "external_disk": "外付けHDD・SSD",
    "memory_card": "SDカード等",
    "optical": "光ディスク",
    "other": "その他",
}


@dataclass(frozen=True)
class Column:
    """One column of a form's table: the line key ``checks.py`` reads, its header, what it
    takes (for 記入例), its width, and the list a cell is chosen from (data validation)."""

    key: str
    header: str
    note: str
    width: int = 16
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Form:
    kind: str
    title: str
    sheet: str
    columns: tuple[Column, ...]
    examples: tuple[tuple[str, ...], ...]

    def column(self, key: str) -> tuple[int, Column] | None:
        return next(((i, c) for i, c in enumerate(self.columns) if c.key == key), None)


ACTION = ("登録（新しく登録）または削除（登録済みのものを削除）", (REGISTER, REMOVE))
FLAG = (YES, NO)
FORMS: dict[str, Form] = {
    RequestKind.TERMINAL: Form(
        kind=RequestKind.TERMINAL,
        title="利用端末の登録・削除申請書",
        sheet="利用端末",
        columns=(
            Column("action", "登録/削除", ACTION[0], 10, ACTION[1]),
            Column("name", "端末名", "登録時に必須。拠点内で重複しない名前", 18),
            Column("model_name", "機種", "登録時に必須", 18),
            Column("serial_number", "製造番号", "登録時に必須。拠点内で重複しない番号", 18),
            Column(
                "terminal",
                "端末番号（削除時）",
                f"削除時に必須。シート「{SITE_SHEET}」の端末番号（T-000001）または端末名",
                18,
            ),
        ),
        examples=(
            (REGISTER, "PC-10", "ThinkPad L14", "SN-0010", ""),
            (REMOVE, "", "", "", "T-000001"),
        ),
    ),
    RequestKind.SOFTWARE: Form(
        kind=RequestKind.SOFTWARE,
        title="ソフトウェアインストール申請書",
        sheet="ソフトウェア",
        columns=(
            Column("name", "ソフトウェア名", "必須", 20),
            Column("vendor", "ベンダー", "必須", 16),
            Column("version", "バージョン", "必須", 10),
            Column("sha256", "SHA-256", "インストーラのSHA-256（16進数64桁）", 24),
            Column(
                "authenticode_sha256",
                "Authenticodeハッシュ",
                "署名されたファイルのAuthenticodeハッシュ（16進数64桁）",
                24,
            ),
            Column("signer", "署名者", "コード署名の署名者", 16),
            Column(
                "preinstalled",
                "プレインストール",
                "端末に初めから入っている場合は「はい」（承認まで起動・使用禁止）",
                12,
                FLAG,
            ),
            Column(
                "installs_online",
                "オンラインインストール要否",
                "オンラインでのインストールが必要なら「はい」（承認されません）",
                14,
                FLAG,
            ),
            Column(
                "updates_online",
                "オンラインアップデート要否",
                "オンラインでのアップデートが必要なら「はい」（承認されません）",
                14,
                FLAG,
            ),
            Column("install_method", "インストール方法", "必須", 24),
            Column("update_method", "アップデート方法", "必須", 24),
            Column(
                "terminals",
                "対象端末",
                f"必須。シート「{SITE_SHEET}」の端末番号をカンマ区切りで（T-000001, T-000002）",
                20,
            ),
        ),
        examples=(
            (
                "CAD Viewer",
                "Example株式会社",
                "3.1",
                "ab" * 32,
                "",
                "Example KK",
                NO,
                NO,
                NO,
                "DVD-ROMのインストーラから",
                "DVD-ROMで配布される修正プログラムから",
                "T-000001, T-000002",
            ),
        ),
    ),
    RequestKind.MEDIUM: Form(
        kind=RequestKind.MEDIUM,
        title="可搬記憶媒体登録・削除申請書",
        sheet="可搬記憶媒体",
        columns=(
            Column("action", "登録/削除", ACTION[0], 10, ACTION[1]),
            Column("kind", "種類", "登録時に必須", 16, tuple(MEDIUM_KIND_WORDS.values())),
            Column("vendor_id", "ベンダーID", "登録時に必須。16進数4桁（0781）", 12),
            Column("product_id", "プロダクトID", "登録時に必須。16進数4桁（5581）", 12),
            Column("serial_number", "シリアル番号", "媒体のシリアル番号", 22),
            Column("capacity_gb", "容量(GB)", "登録時に必須。GB単位の数", 10),
            Column("custodian", "管理者", "登録時に必須。媒体を管理する人", 14),
            Column(
                "usbguard_hash",
                "USBGuardハッシュ",
                "USBGuardが表示するハッシュ（44文字、末尾は=）",
                26,
            ),
            Column(
                "terminals",
                "使用端末",
                f"登録時に必須。シート「{SITE_SHEET}」の端末番号をカンマ区切りで",
                20,
            ),
            Column(
                "medium",
                "媒体番号（削除時）",
                f"削除時に必須。シート「{SITE_SHEET}」の媒体番号（M-000001）",
                16,
            ),
        ),
        examples=(
            (
                REGISTER,
                "USBメモリ",
                "0781",
                "5581",
                "4C530001231122115172",
                "32",
                "山田 太郎",
                "A" * 43 + "=",
                "T-000001",
                "",
            ),
            (REMOVE, "", "", "", "", "", "", "", "", "M-000001"),
        ),
    ),
}
SHEET_KINDS = {form.sheet: kind for kind, form in FORMS.items()}


# Writing -----------------------------------------------------------------------------------------
def put(sheet: Worksheet, row: int, column: int, value: Any, *, text: bool = True) -> Any:
    """Write one cell: a text stays a text (never a formula), a date an Excel date."""
    cell = sheet.cell(row=row, column=column)
    cell.value = safe_text(value) if isinstance(value, str) else value
    if isinstance(cell.value, str):
        cell.data_type = "s"
        cell.quotePrefix = cell.value.startswith(FORMULA_START)
    elif isinstance(cell.value, dt.date):
        cell.number_format = DATE_FORMAT
    if text and not isinstance(cell.value, dt.date):
        cell.number_format = "@"  # what the PSA types stays text: 0781 keeps its zero
    return cell


@dataclass
class _Sheet:
    """The form's sheet as it is written: the header block, then the table."""

    sheet: Worksheet
    form: Form
    row: int = 1
    table_row: int = 0
    labels: dict[str, int] = field(default_factory=dict)

    def title(self) -> None:
        put(self.sheet, 1, 1, self.form.title).font = Font(bold=True, size=14)
        put(self.sheet, 2, 1, "防衛セキュリティゲートウェイ　申請書等格納フォルダへ格納して提出")
        self.row = 3

    def item(self, label: str, value: Any, *, entry: bool = True) -> None:
        put(self.sheet, self.row, 1, label).font = _BOLD
        cell = put(self.sheet, self.row, 2, "" if value is None else value)
        if entry:
            cell.fill = _ENTRY_FILL
        self.labels[label] = self.row
        self.row += 1

    def table(self, extra: Sequence[str] = ()) -> None:
        self.table_row = self.row + 1
        headers = [c.header for c in self.form.columns] + list(extra)
        for number, header in enumerate(headers, start=1):
            cell = put(self.sheet, self.table_row, number, header)
            cell.font, cell.fill, cell.alignment = _BOLD, _HEAD_FILL, _WRAP
        for number, column in enumerate(self.form.columns, start=1):
            self.sheet.cell(self.table_row, number).comment = Comment(column.note, "DSG Portal")
            self.sheet.column_dimensions[get_column_letter(number)].width = column.width
        for number in range(len(self.form.columns) + 1, len(headers) + 1):
            self.sheet.column_dimensions[get_column_letter(number)].width = 18
        self.sheet.column_dimensions["A"].width = max(
            self.sheet.column_dimensions["A"].width or 0, 26
        )
        self.sheet.freeze_panes = self.sheet.cell(self.table_row + 1, 1)

    def validations(self) -> None:
        first, last = self.table_row + 1, self.table_row + LINES_MAX
        for number, column in enumerate(self.form.columns, start=1):
            letter = get_column_letter(number)
            for row in range(first, last + 1):
                self.sheet.cell(row, number).number_format = "@"
            if column.choices:
                rule = DataValidation(
                    type="list",
                    formula1='"' + ",".join(column.choices) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle=column.header,
                    error="一覧から選んでください。",
                )
                rule.add(f"{letter}{first}:{letter}{last}")
                self.sheet.add_data_validation(rule)


def _header_items(site: Site, applicant: str, filed_on: dt.date, purpose: str) -> list[Any]:
    company = site.company
    return [
        (DATE, filed_on),
        (COMPANY, company.name),
        (CORPORATE_NUMBER, company.corporate_number or ""),
        (SITE_NAME, site.name),
        (SITE_REF, site.ref),
        (APPLICANT, applicant),
        (PURPOSE, purpose),
    ]


def _example_sheet(workbook: Workbook, form: Form) -> None:
    sheet = workbook.create_sheet(EXAMPLE_SHEET)
    put(sheet, 1, 1, f"{form.title}の記入例").font = Font(bold=True, size=12)
    put(sheet, 2, 1, f"シート「{form.sheet}」の表に、1行に1件ずつ記入してください。")
    for number, column in enumerate(form.columns, start=1):
        cell = put(sheet, 4, number, column.header)
        cell.font, cell.fill, cell.alignment = _BOLD, _HEAD_FILL, _WRAP
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    for offset, example in enumerate(form.examples):
        for number, value in enumerate(example, start=1):
            put(sheet, 5 + offset, number, value)
    row = 6 + len(form.examples)
    for number, label in enumerate(("列", "記入すること", "選択肢"), start=1):
        put(sheet, row, number, label).font = _BOLD
    for column in form.columns:
        row += 1
        put(sheet, row, 1, column.header)
        put(sheet, row, 2, column.note).alignment = _WRAP
        put(sheet, row, 3, "／".join(column.choices))
    notes = (
        f"・1回の申請は{LINES_MAX}行まで。空の行は読み飛ばします。",
        "・1行でも誤りがあれば申請全体を受け付けません（誤りの行と列をお知らせします）。",
        "・拠点番号は変更しないでください（この拠点の申請書であることを示します）。",
        "・パスワードを設定した場合は、アップロード時にパスワードを入力してください。",
    )
    row += 1
    for note in notes:
        row += 1
        put(sheet, row, 1, note)


def _site_sheet(
    workbook: Workbook, terminals: Iterable[Terminal], media: Iterable[RemovableMedium]
) -> None:
    sheet = workbook.create_sheet(SITE_SHEET)
    row = 1
    put(sheet, row, 1, "利用端末").font = Font(bold=True, size=12)
    row += 1
    for number, header in enumerate(("端末番号", "端末名", "機種", "製造番号"), start=1):
        cell = put(sheet, row, number, header)
        cell.font, cell.fill = _BOLD, _HEAD_FILL
    for terminal in terminals:
        row += 1
        for number, value in enumerate(
            (terminal.ref, terminal.name, terminal.model_name, terminal.serial_number), start=1
        ):
            put(sheet, row, number, value)
    row += 2
    put(sheet, row, 1, "可搬記憶媒体").font = Font(bold=True, size=12)
    row += 1
    headers = ("媒体番号", "種類", "ベンダーID", "プロダクトID", "シリアル番号", "管理者")
    for number, header in enumerate(headers, start=1):
        cell = put(sheet, row, number, header)
        cell.font, cell.fill = _BOLD, _HEAD_FILL
    for medium in media:
        row += 1
        values = (
            medium.ref,
            MEDIUM_KIND_WORDS.get(medium.kind, medium.kind),
            medium.vendor_id,
            medium.product_id,
            medium.serial_number,
            medium.custodian,
        )
        for number, value in enumerate(values, start=1):
            put(sheet, row, number, value)
    for letter in "ABCDEF":
        sheet.column_dimensions[letter].width = 20


def _save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def blank_form(
    *,
    site: Site,
    kind: str,
    applicant: User,
    terminals: Iterable[Terminal],
    media: Iterable[RemovableMedium],
) -> bytes:
    """The form of ``kind`` for ``site``: its header filled in, its table empty, with 記入例 and
    the site's standing terminals and media."""
    form = FORMS[RequestKind(kind)]
    workbook = Workbook()
    sheet = _Sheet(workbook.active, form)
    sheet.sheet.title = form.sheet
    sheet.title()
    for label, value in _header_items(site, applicant.full_name, timezone.localdate(), purpose=""):
        sheet.item(label, value, entry=label in (DATE, APPLICANT, PURPOSE))
    sheet.table()
    sheet.validations()
    _example_sheet(workbook, form)
    _site_sheet(workbook, terminals, media)
    return _save(workbook)


def filed_form(*, request: EquipmentRequest, lines: Sequence[Any]) -> bytes:
    """The request as filed and decided: its 受付番号, state and outcome in the header, each
    line with its decision (承認 / 却下 / 審査中), the reason and the date."""
    form = FORMS[RequestKind(request.kind)]
    workbook = Workbook()
    sheet = _Sheet(workbook.active, form)
    sheet.sheet.title = form.sheet
    sheet.title()
    sheet.item(RECEIPT, request.receipt_number, entry=False)
    sheet.item(STATE, _state_word(request), entry=False)
    sheet.item(OUTCOME, _outcome_word(request), entry=False)
    if request.comment:
        sheet.item(COMMENT, request.comment, entry=False)
    filed_on = timezone.localtime(request.filed_at).date()
    for label, value in _header_items(
        request.site, request.filed_by.full_name, filed_on, request.purpose
    ):
        sheet.item(label, value, entry=False)
    sheet.table(extra=DECISION_HEADERS)
    for offset, line in enumerate(lines, start=1):
        row = sheet.table_row + offset
        for number, value in enumerate(line_cells(request.kind, line), start=1):
            put(sheet.sheet, row, number, value)
        decided_on = timezone.localtime(line.decided_at).date() if line.decided_at else None
        decision = (DECISION_WORDS[LineDecision(line.decision)], line.reason, decided_on)
        for number, value in enumerate(decision, start=len(form.columns) + 1):
            cell = put(sheet.sheet, row, number, value)
            cell.alignment = _WRAP
    return _save(workbook)


def _state_word(request: EquipmentRequest) -> str:
    return {
        "filed": "提出済",
        "under_review": "受理・審査中",
        "info_requested": "追加資料依頼中",
        "decided": "決定済",
        "withdrawn": "取下げ",
    }.get(request.state, request.state)


def _outcome_word(request: EquipmentRequest) -> str:
    return {"approved": "承認", "partly_approved": "一部承認", "rejected": "却下"}.get(
        request.outcome, ""
    )


def _refs(terminals: Iterable[Terminal]) -> str:
    return ", ".join(t.ref for t in terminals)


def line_cells(kind: str, line: Any) -> list[Any]:
    """One line's cells in the order of the form's columns."""
    action = REGISTER if getattr(line, "action", "") == LineAction.ADD else REMOVE
    if kind == RequestKind.TERMINAL:
        terminal = line.terminal.ref if line.terminal_id else ""
        return [action, line.name, line.model_name, line.serial_number, terminal]
    if kind == RequestKind.SOFTWARE:
        return [
            line.name,
            line.vendor,
            line.version,
            line.sha256,
            line.authenticode_sha256,
            line.signer,
            YES if line.preinstalled else NO,
            YES if line.installs_online else NO,
            YES if line.updates_online else NO,
            line.install_method,
            line.update_method,
            _refs(line.terminals.all()),
        ]
    capacity = "" if line.capacity_gb is None else f"{line.capacity_gb.normalize():f}"
    return [
        action,
        MEDIUM_KIND_WORDS.get(line.kind, line.kind),
        line.vendor_id,
        line.product_id,
        line.serial_number,
        capacity,
        line.custodian,
        line.usbguard_hash,
        _refs(line.terminals.all()),
        line.medium.ref if line.medium_id else "",
    ]


# Reading ------------------------------------------------------------------------------------------
class FormError(RuleViolation):
    """A refused form, with where: ``sheet``, ``row`` (the worksheet's, 1-based), ``column``
    (its letter) — as far as they are known."""

    def __init__(
        self,
        message: Any,
        *,
        code: str,
        sheet: str = "",
        row: int | None = None,
        column: str = "",
    ) -> None:
        super().__init__(message, code=code, status=422, field="file")
        self.sheet, self.row, self.column = sheet, row, column


def label_key(value: Any) -> str:
    """A header or label as compared: NFKC, no spaces, no 必須 marks."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return "".join(text.split()).rstrip("*※")


def _cell(value: Any, key: str) -> Any:
    """A cell as checks.py takes it: texts, booleans kept for the yes/no columns."""
    if value.__class__ is str:  # most cells: a text as typed (one test, per cell of every row)
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and key in ("vendor_id", "product_id") and 0 <= value < 10_000:
        return f"{value:04d}"  # typed as a number, Excel dropped the leading zero of 0781
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _any_filled(values: list[tuple[str, Any]]) -> bool:
    """Does a row hold anything (not every value ``_blank``)? One loop, per row of the sheet."""
    for _key, value in values:
        if value is not None and (not isinstance(value, str) or value.strip()):
            return True
    return False


@dataclass
class FilledForm:
    """What a form says: its kind, the header's entries with their cells, and the lines as
    typed, each with the worksheet row it came from."""

    form: Form
    items: dict[str, Any]
    item_rows: dict[str, int]
    columns: dict[str, int]  # line key -> 0-based column index
    lines: list[dict[str, Any]]
    rows: list[int]  # the worksheet row (1-based) of each line

    @property
    def purpose(self) -> str:
        return _cell(self.items.get(label_key(PURPOSE)), "purpose")

    def where(self, *, line: int, field_name: str) -> tuple[int, str, str]:
        """(row, column letter, header) of a line's field, as the form shows them."""
        row = self.rows[line - 1]
        index = self.columns.get(field_name)
        found = self.form.column(field_name)
        if index is None or found is None:
            return row, "", ""
        return row, get_column_letter(index + 1), found[1].header

    def item_row(self, label: str) -> int | None:
        return self.item_rows.get(label_key(label))

    def item_cell(self, label: str) -> str:
        row = self.item_row(label)
        return f"B{row}" if row else ""


def form_kind(sheets: Mapping[str, Any], expected: str = "") -> str:
    """Which form this workbook is, by its sheet; refused when none, several, or not the
    expected one."""
    found = [kind for name, kind in SHEET_KINDS.items() if name in sheets]
    if not found:
        raise FormError(
            _(
                "This workbook is not one of the request forms: it has none of the sheets {sheets}."
            ).format(sheets="、".join(f"「{name}」" for name in SHEET_KINDS)),
            code="form_unknown",
        )
    if len(found) > 1:
        raise FormError(
            _(
                "This workbook holds more than one request form ({sheets}); upload one form at "
                "a time."
            ).format(sheets="、".join(f"「{FORMS[kind].sheet}」" for kind in found)),
            code="form_several",
        )
    if expected and found[0] != expected:
        raise FormError(
            _(
                "This is the form of another kind of request ({found}), not the {expected} "
                "chosen for the upload."
            ).format(found=FORMS[found[0]].title, expected=FORMS[RequestKind(expected)].title),
            code="form_wrong_kind",
            sheet=FORMS[found[0]].sheet,
        )
    return found[0]


def in_sheet(sheet: str, message: Any) -> Any:
    return _('Sheet "{sheet}": {message}').format(sheet=sheet, message=message)


def at_cell(sheet: str, row: int, column: str, header: str, message: Any) -> Any:
    return _('Sheet "{sheet}", row {row}, column {column} ({header}): {message}').format(
        sheet=sheet, row=row, column=column, header=header, message=message
    )


def read_form(sheets: Mapping[str, list[list[Any]]], kind: str) -> FilledForm:
    """The form of ``kind`` read from the workbook's ``sheets`` (rows of values, as calamine
    gives them); a missing part of the form is refused naming the sheet."""
    form = FORMS[RequestKind(kind)]
    rows = sheets[form.sheet]
    header_index = _table_row(rows, form)
    wanted = {label_key(c.header): c.key for c in form.columns}
    columns: dict[str, int] = {}
    for index, value in enumerate(rows[header_index]):
        key = wanted.get(label_key(value))
        if key is not None and key not in columns:
            columns[key] = index
    for column in form.columns:
        if column.key not in columns:
            raise FormError(
                in_sheet(
                    form.sheet,
                    _(
                        'The column "{header}" is missing from row {row}: download the form '
                        "again and copy the lines into it."
                    ).format(header=column.header, row=header_index + 1),
                ),
                code="form_missing_column",
                sheet=form.sheet,
                row=header_index + 1,
            )
    items, item_rows = _items(rows[:header_index])
    lines, line_rows = [], []
    keys = list(columns.items())
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        width = len(row)
        values = [(key, row[i] if i < width else None) for key, i in keys]
        if not _any_filled(values):
            continue
        lines.append({key: _cell(value, key) for key, value in values})
        line_rows.append(index + 1)
    return FilledForm(form, items, item_rows, columns, lines, line_rows)


def _table_row(rows: Sequence[Sequence[Any]], form: Form) -> int:
    """The index of the row with the table's headers: the first with most of them."""
    wanted = {label_key(c.header) for c in form.columns}
    best, best_count = -1, 0
    for index, row in enumerate(rows[:60]):
        count = len(wanted & {label_key(v) for v in row})
        if count > best_count:
            best, best_count = index, count
    if best_count < 2:
        raise FormError(
            in_sheet(
                form.sheet,
                _("The table of lines was not found: no row holds the column headers of the form."),
            ),
            code="form_no_table",
            sheet=form.sheet,
        )
    return best


def _items(rows: Sequence[Sequence[Any]]) -> tuple[dict[str, Any], dict[str, int]]:
    """The header block: the label in column A, its entry in column B."""
    items: dict[str, Any] = {}
    item_rows: dict[str, int] = {}
    for index, row in enumerate(rows):
        if not row or _blank(row[0]):
            continue
        label = label_key(row[0])
        if label not in items:
            items[label] = row[1] if len(row) > 1 else None
            item_rows[label] = index + 1
    return items, item_rows


def check_header(filled: FilledForm, *, site: Site) -> None:
    """The header names this site (拠点番号) and its company (法人番号, when given); a form
    that was already filed (it carries a 受付番号) is not filed again."""
    sheet = filled.form.sheet
    receipt = _cell(filled.items.get(label_key(RECEIPT)), "")
    if receipt.strip():
        raise FormError(
            in_sheet(
                sheet,
                _(
                    "This form was already filed as {number}: download a blank form to file a "
                    "new request."
                ).format(number=receipt.strip()),
            ),
            code="form_already_filed",
            sheet=sheet,
        )
    for label in (SITE_REF, PURPOSE):
        if label_key(label) not in filled.items:
            raise FormError(
                in_sheet(
                    sheet,
                    _('The item "{label}" is missing from the header of the form.').format(
                        label=label
                    ),
                ),
                code="form_missing_item",
                sheet=sheet,
            )
    found = unicodedata.normalize("NFKC", _cell(filled.items[label_key(SITE_REF)], ""))
    found = found.strip().upper()
    if found != site.ref:
        raise _header_error(
            filled,
            SITE_REF,
            _("The form is for the site {found}, not for this site ({expected}).").format(
                found=found or "—", expected=site.ref
            ),
            "form_wrong_site",
        )
    number = _cell(filled.items.get(label_key(CORPORATE_NUMBER)), "").strip()
    expected = site.company.corporate_number or ""
    if number and expected and unicodedata.normalize("NFKC", number) != expected:
        raise _header_error(
            filled,
            CORPORATE_NUMBER,
            _("The corporate number {found} is not your company's ({expected}).").format(
                found=number, expected=expected
            ),
            "form_wrong_company",
        )


def _header_error(filled: FilledForm, label: str, message: Any, code: str) -> FormError:
    sheet, cell, row = filled.form.sheet, filled.item_cell(label), filled.item_row(label)
    return FormError(
        at_item(sheet, cell, label, message), code=code, sheet=sheet, row=row, column="B"
    )


def at_item(sheet: str, cell: str, label: str, message: Any) -> Any:
    return _('Sheet "{sheet}", cell {cell} ({label}): {message}').format(
        sheet=sheet, cell=cell, label=label, message=message
    )
