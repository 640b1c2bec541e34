"""Appointments as iCalendar (RFC 5545), one event each, for the calendars of all three parties."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone, translation
from icalendar import Calendar, Event

from .models import AppointmentState, ProvisioningAppointment

STATUS = {
    AppointmentState.PROPOSED: "TENTATIVE",
    AppointmentState.CONFIRMED: "CONFIRMED",
    AppointmentState.DONE: "CONFIRMED",
    AppointmentState.OTHER_DATE_REQUESTED: "CANCELLED",
    AppointmentState.CANCELLED: "CANCELLED",
}
DEFAULT_LENGTH = dt.timedelta(hours=2)


def _event(appointment: ProvisioningAppointment) -> Event:
    enrollment = appointment.enrollment
    event = Event()
    event.add("uid", f"dsg-appointment-{appointment.pk}@{settings.PORTAL_URL.split('://')[-1]}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.ends_at or appointment.starts_at + DEFAULT_LENGTH)
    summary = f"[DSG] {enrollment.number} {appointment.get_purpose_display()}"
    if appointment.holder_id:
        summary += f" ({appointment.holder.person})"
    event.add("summary", summary)
    event.add("location", appointment.place or enrollment.site.full_address)
    event.add("status", STATUS[appointment.state])
    event.add("description", f"{settings.PORTAL_URL}/enrollments/{enrollment.pk}/#appointments")
    event.add("url", f"{settings.PORTAL_URL}/enrollments/{enrollment.pk}/")
    return event


def appointments_ics(appointments: Iterable[ProvisioningAppointment]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//DSG Portal//provisioning//JA")
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    with translation.override("ja"):
        for appointment in appointments:
            calendar.add_component(_event(appointment))
    return calendar.to_ical()
