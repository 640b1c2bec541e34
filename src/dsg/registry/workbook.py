"""The site's registry as an Excel workbook (openpyxl): its terminals with their life stage, its
removable media and the software on its terminals, each named by its stable identifier (T-…,
M-…); software that may not be started is written 起動・使用禁止, in red.

Every text cell is written as text: a value that a spreadsheet would read as a formula (one
starting with =, +, -, @, a tab or a carriage return) is marked as typed with a leading
apostrophe (``quotePrefix``), so that opening, editing or re-saving the file never evaluates it;
characters a workbook cannot hold are dropped. Each export is a read of the company's data and
goes to the ledger.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from dsg.audit.services import audit_record
from dsg.orgs.models import Site, User

from .models import SoftwareState
from .selectors import SiteRegistry, site_registry_read, stage_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORBIDDEN = "起動・使用禁止"
FORBIDDEN_STATES = (SoftwareState.PROHIBITED, SoftwareState.REFUSED)
DATE_FORMAT = "yyyy-mm-dd"
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F5")
_RED = Font(color="CE0000", bold=True)

TERMINAL_HEADER = (
    "端末番号",
    "端末名",
    "機種",
    "製造番号",
    "状態",
    "セットアップ日",
    "接続テスト（最新）",
    "接続テスト日",
    "利用開始日",
    "廃棄日",
)
MEDIUM_HEADER = (
    "媒体番号",
    "種類",
    "ベンダーID",
    "プロダクトID",
    "シリアル番号",
    "容量（GB）",
    "管理者",
    "使用する利用端末",
    "一意の機器",
    "USBGuardハッシュ",
    "状態",
    "廃棄日",
)
SOFTWARE_HEADER = (
    "端末番号",
    "端末名",
    "ソフトウェア名",
    "ベンダー",
    "バージョン",
    "プレインストール",
    "状態",
    "使用",
    "SHA-256",
)


def safe_text(value: str) -> str:
    """A text as a cell may hold it (control characters dropped)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    """Append one row; texts stay texts (formula-neutralised), dates are Excel dates."""
    sheet.append([safe_text(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            cell.quotePrefix = cell.value.startswith(FORMULA_START)
        elif isinstance(cell.value, dt.date):
            cell.number_format = DATE_FORMAT


def _sheet(workbook: Workbook, title: str, site: Site, header: Iterable[str]) -> Worksheet:
    sheet = workbook.create_sheet(title)
    append_row(sheet, [f"{site.ref} {site.name}", site.company.name, site.company.corporate_number])
    sheet["A1"].font = Font(bold=True)
    append_row(sheet, list(header))
    for cell in sheet[2]:
        cell.font, cell.fill = Font(bold=True), _HEAD_FILL
    sheet.freeze_panes = "A3"
    return sheet


def _test_result(passed: bool | None) -> str:
    return "未実施" if passed is None else ("合格" if passed else "不合格")


def _disposed_on(item: Any) -> dt.date | None:
    disposal = getattr(item, "disposal", None) if item.disposal_state else None
    return disposal.disposed_on if disposal is not None else None


def _terminals(workbook: Workbook, site: Site, registry: SiteRegistry) -> None:
    sheet = _sheet(workbook, "利用端末", site, TERMINAL_HEADER)
    for t in registry.terminals:
        append_row(
            sheet,
            [
                t.ref,
                t.name,
                t.model_name,
                t.serial_number,
                stage_label(t.life_stage),
                t.set_up_on,
                _test_result(t.latest_passed),
                t.latest_tested_on,
                t.in_use_since,
                _disposed_on(t),
            ],
        )


def _medium_state(medium: Any) -> str:
    if medium.disposal_state is None:
        return "登録済"
    return str(medium.disposal.get_state_display())


def _media(workbook: Workbook, site: Site, registry: SiteRegistry) -> None:
    sheet = _sheet(workbook, "可搬記憶媒体", site, MEDIUM_HEADER)
    for m in registry.media:
        append_row(
            sheet,
            [
                m.ref,
                str(m.get_kind_display()),
                m.vendor_id,
                m.product_id,
                m.serial_number,
                m.capacity_gb,
                m.custodian,
                "、".join(f"{t.ref} {t.name}" for t in m.terminals.all()),
                "はい" if m.unique_device else "いいえ",
                m.usbguard_hash,
                _medium_state(m),
                _disposed_on(m),
            ],
        )


def _software(workbook: Workbook, site: Site, registry: SiteRegistry) -> None:
    sheet = _sheet(workbook, "ソフトウェア", site, SOFTWARE_HEADER)
    for s in registry.software:
        forbidden = s.state in FORBIDDEN_STATES
        use = FORBIDDEN if forbidden else ("使用可" if s.may_be_used else "—")
        append_row(
            sheet,
            [
                s.terminal.ref,
                s.terminal.name,
                s.name,
                s.vendor,
                s.version,
                "はい" if s.preinstalled else "いいえ",
                str(s.get_state_display()),
                use,
                s.sha256,
            ],
        )
        if forbidden:
            for cell in sheet[sheet.max_row]:
                cell.font = _RED


def site_registry_workbook(*, site: Site, registry: SiteRegistry) -> bytes:
    """The registry read for a site, as .xlsx bytes (three sheets; Japanese labels)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    with translation.override("ja"):
        _terminals(workbook, site, registry)
        _media(workbook, site, registry)
        _software(workbook, site, registry)
    for sheet in workbook.worksheets:
        for column in "ABCDEFGHIJKL":
            sheet.column_dimensions[column].width = 18
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def site_registry_export(*, user: User, site: Site) -> bytes:
    """What ``user`` sees of the site's registry as .xlsx; the export is ledgered."""
    registry = site_registry_read(user=user, site=site)
    with transaction.atomic():
        audit_record(
            actor=user,
            action="registry.export",
            obj=site,
            company_id=site.company_id,
            after={
                "terminals": len(registry.terminals),
                "media": len(registry.media),
                "software": len(registry.software),
            },
        )
    return site_registry_workbook(site=site, registry=registry)


def export_filename(site: Site) -> str:
    return f"{site.ref}-registry-{timezone.localdate():%Y%m%d}.xlsx"
