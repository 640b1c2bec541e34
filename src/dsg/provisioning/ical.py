"""The provider's appointments as iCalendar, one event each, for the calendars of all parties."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import translation

from dsg.appointments.ics import CalendarEvent, appointment_event, calendar_ics
from dsg.appointments.models import Appointment
from dsg.enrollment.models import Enrollment


def appointments_ics(enrollment: Enrollment, appointments: Iterable[Appointment]) -> bytes:
    with translation.override("ja"):
        events = [_event(enrollment, appointment) for appointment in appointments]
    return calendar_ics(events)


def _event(enrollment: Enrollment, appointment: Appointment) -> CalendarEvent:
    summary = f"[DSG] {enrollment.number} {appointment.get_purpose_display()}"
    if appointment.person_id:
        summary += f" ({appointment.person})"
    return appointment_event(
        appointment, summary=summary, path=f"/enrollments/{enrollment.pk}/#appointments"
    )
