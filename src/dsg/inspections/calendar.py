"""The date taken for an inspection round, as iCalendar, for both parties' calendars."""

from __future__ import annotations

from dsg.appointments.ics import appointment_event, calendar_ics
from dsg.appointments.models import Appointment

from .models import Inspection


def appointment_ics(inspection: Inspection, appointment: Appointment) -> bytes:
    name = "最終現地確認" if inspection.is_final else "現地確認"
    event = appointment_event(
        appointment,
        summary=f"DSG {name} ({inspection.subject_number}, 第{inspection.round}回)",
        path=f"/inspections/{inspection.pk}/",
        description=f"入構手続き: {inspection.entry_notes}" if inspection.entry_notes else "",
    )
    return calendar_ics([event])
