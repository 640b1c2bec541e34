"""The 加入申請書 as an Excel workbook: export (openpyxl), import (the documents' safe reader).

Sheet 1 has one labelled row per item, like the official form, with the item's key in a hidden
column D, so that an exported workbook filled in and imported again loses nothing. Sheet 2 is the
schedule generated from the application (the schedule app writes it).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from dsg.core.errors import RuleViolation
from dsg.documents.excel import read_workbook
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission
from dsg.schedule.excel import write_schedule_sheet

from .models import Application, ApplicationAccountHolder, ApplicationContact, Enrollment
from .parts import (
    ACCOUNT_HOLDER_FIELDS,
    APPLICATION_FIELDS,
    CONTACT_FIELDS,
    CONTACT_LABELS,
    MAX_ACCOUNT_HOLDERS,
    MAX_CONTACTS,
    PARTS,
    application_field,
)
from .schedule import schedule_for

SHEET = "加入申請書"
SCHEDULE_SHEET = "スケジュール"
KEY_COLUMN = 4  # D, hidden
EMPTY_CONTACT_ROWS = 2
YES, NO = "はい", "いいえ"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell_value(application: Application, name: str) -> Any:
    field = application_field(name)
    value = getattr(application, name)
    if isinstance(value, bool):
        return YES if value else NO
    if field.choices and value:
        return str(dict(field.flatchoices).get(value, value))
    return "" if value is None else value


def application_workbook(*, enrollment: Enrollment) -> bytes:
    """The application (sheet 1) and its generated schedule (sheet 2) as .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with translation.override("ja"):
        return _workbook(enrollment, Workbook, Font)


def _workbook(enrollment: Enrollment, Workbook: Any, Font: Any) -> bytes:  # noqa: N803
    application = Application.objects.get(enrollment=enrollment)
    contacts = list(ApplicationContact.objects.filter(application=application))
    holders = list(ApplicationAccountHolder.objects.filter(application=application))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append([_("DSG enrollment application (防衛セキュリティゲートウェイ加入申請書)")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Enrollment case"), enrollment.number])
    sheet.append([_("Part"), _("Item"), _("Entry"), "key"])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for part in PARTS:
        for name in part.fields:
            label = str(application_field(name).verbose_name)
            row = [str(part.label), label.capitalize(), _cell_value(application, name), name]
            sheet.append(row)
            if isinstance(row[2], dt.date):
                sheet.cell(sheet.max_row, 3).number_format = "yyyy-mm-dd"
            else:
                sheet.cell(sheet.max_row, 3).number_format = "@"  # text: 法人番号 keeps zeros
        if part.key == "contacts":
            _append_contacts(sheet, part.label, contacts)
        if part.key == "account_holders":
            _append_holders(sheet, part.label, holders)
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 48
    sheet.column_dimensions["C"].width = 48
    sheet.column_dimensions["D"].hidden = True
    _schedule_sheet(workbook, enrollment)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _append_contacts(sheet: Any, part_label: Any, contacts: list[ApplicationContact]) -> None:
    count = min(MAX_CONTACTS, len(contacts) + EMPTY_CONTACT_ROWS)
    for index in range(count):
        contact = contacts[index] if index < len(contacts) else None
        for name in CONTACT_FIELDS:
            label = _("Contact {n}: {field}").format(n=index + 1, field=CONTACT_LABELS[name])
            value = getattr(contact, name) if contact else ""
            sheet.append([str(part_label), label, value, f"contact.{index + 1}.{name}"])
            sheet.cell(sheet.max_row, 3).number_format = "@"


def _append_holders(sheet: Any, part_label: Any, holders: list[ApplicationAccountHolder]) -> None:
    count = min(MAX_ACCOUNT_HOLDERS, len(holders) + EMPTY_CONTACT_ROWS)
    for index in range(count):
        holder = holders[index] if index < len(holders) else None
        for name in ACCOUNT_HOLDER_FIELDS:
            label = _("Account holder {n}: {field}").format(n=index + 1, field=CONTACT_LABELS[name])
            value = getattr(holder, name) if holder else ""
            sheet.append([str(part_label), label, value, f"holder.{index + 1}.{name}"])
            sheet.cell(sheet.max_row, 3).number_format = "@"


def _schedule_sheet(workbook: Any, enrollment: Enrollment) -> None:
    """Sheet 2: the schedule generated from the application (dsg.schedule writes it)."""

    sheet = workbook.create_sheet(SCHEDULE_SHEET)
    write_schedule_sheet(sheet, schedule_for(enrollment))


# Import --------------------------------------------------------------------------------------


def _refuse(message: Any, field: str | None = None) -> RuleViolation:
    return RuleViolation(message, code="excel_invalid", status=422, field=field)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _parse(name: str, value: Any, label: str) -> Any:
    field = application_field(name)
    text = _text(value)
    if isinstance(field, _date_field()):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise _refuse(
                _("“{label}”: enter a date as 2027-04-01.").format(label=label), name
            ) from None
    if name == "planned_terminals":
        if not text:
            return None
        try:
            return int(float(text))
        except ValueError:
            raise _refuse(_("“{label}”: enter a number.").format(label=label), name) from None
    if name == "equipment_confirmed":
        if isinstance(value, bool):
            return value
        if text.lower() in (YES, "yes", "true", "1", "○"):
            return True
        if text.lower() in (NO, "no", "false", "0", ""):
            return False
        raise _refuse(_("“{label}”: answer はい or いいえ.").format(label=label), name)
    if field.choices and text:
        by_label = {str(lbl): code for code, lbl in field.flatchoices}
        if text in by_label:
            return by_label[text]
    return text


def _date_field() -> type:
    from django.db import models

    return models.DateField


def application_data_from_workbook(data: bytes) -> dict[str, Any]:
    """The application's fields and contacts read from an exported (and filled-in) workbook."""
    sheets = read_workbook(data)
    with translation.override("ja"):
        return _read_sheet(sheets)


def _read_sheet(sheets: dict[str, list[list[Any]]]) -> dict[str, Any]:
    rows = sheets.get(SHEET)
    if rows is None:
        raise _refuse(
            _("This is not an application workbook: it has no sheet “{sheet}”.").format(sheet=SHEET)
        )
    values: dict[str, Any] = {}
    contacts: dict[int, dict[str, str]] = {}
    holders: dict[int, dict[str, str]] = {}
    for row in rows:
        cells = list(row) + [None] * KEY_COLUMN
        key, label, value = _text(cells[KEY_COLUMN - 1]), _text(cells[1]), cells[2]
        if key in APPLICATION_FIELDS:
            values[key] = _parse(key, value, label)
        elif key.startswith("contact."):
            _prefix, number, name = (key.split(".") + ["", ""])[:3]
            if number.isdigit() and name in CONTACT_FIELDS:
                contacts.setdefault(int(number), {})[name] = _text(value)
        elif key.startswith("holder."):
            _prefix, number, name = (key.split(".") + ["", ""])[:3]
            if number.isdigit() and name in ACCOUNT_HOLDER_FIELDS:
                holders.setdefault(int(number), {})[name] = _text(value)
    if not values:
        raise _refuse(_("The workbook has no items of the application (column D is empty)."))
    values["contacts"] = [
        contacts[n] for n in sorted(contacts) if any(v for v in contacts[n].values())
    ]
    if holders:  # a workbook exported before the account holders were asked names none
        values["account_holders"] = [
            holders[n] for n in sorted(holders) if any(v for v in holders[n].values())
        ]
    return values


def application_import(*, enrollment: Enrollment, actor: User, data: bytes) -> Application:
    """Fill the draft from a workbook; a bad workbook changes nothing."""
    from .services import application_update

    require_permission(actor=actor, action="enrollment.edit_application", obj=enrollment)
    return application_update(
        enrollment=enrollment, actor=actor, data=application_data_from_workbook(data)
    )
