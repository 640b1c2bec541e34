"""The portal's one iCalendar (RFC 5545) writer: appointments and planned steps as events.

Calendars are shared with the company's and the provider's own calendars, so what an event says
is written in Japanese by the app that makes it; this module only lays the events out.
icalendar is imported when a calendar is written, not at every process's start-up (#14).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from .models import Appointment, AppointmentState

if TYPE_CHECKING:
    from icalendar import Event

PRODID = "-//DSG Portal//JA"
# How each state of an appointment shows in a calendar.
STATUS = {
    AppointmentState.PROPOSED: "TENTATIVE",
    AppointmentState.CONFIRMED: "CONFIRMED",
    AppointmentState.DONE: "CONFIRMED",
    AppointmentState.OTHER_DATE_REQUESTED: "CANCELLED",
    AppointmentState.WITHDRAWN: "CANCELLED",
    AppointmentState.CANCELLED: "CANCELLED",
}


@dataclass(frozen=True)
class CalendarEvent:
    """One event: a timed appointment, or whole days (``start`` and ``end`` as dates)."""

    uid: str
    summary: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime  # the last day itself for whole days (written exclusive)
    location: str = ""
    description: str = ""
    url: str = ""
    status: str = ""


def portal_host() -> str:
    """The portal's host, as the domain of the events' UIDs."""
    return settings.PORTAL_URL.split("://")[-1]


def appointment_event(
    appointment: Appointment, *, summary: str, path: str, description: str = ""
) -> CalendarEvent:
    """An appointment as an event; ``path`` is its page in the portal."""
    return CalendarEvent(
        uid=f"dsg-appointment-{appointment.pk}@{portal_host()}",
        summary=summary,
        start=appointment.starts_at,
        end=appointment.end,
        location=appointment.place,
        description="\n".join(p for p in (f"{settings.PORTAL_URL}{path}", description) if p),
        url=f"{settings.PORTAL_URL}{path}",
        status=STATUS[AppointmentState(appointment.state)],
    )


def calendar_ics(events: Iterable[CalendarEvent], *, name: str = "") -> bytes:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    if name:
        calendar.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    for item in events:
        calendar.add_component(_event(item, stamp))
    return calendar.to_ical()


def _event(item: CalendarEvent, stamp: dt.datetime) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("summary", item.summary)
    event.add("dtstart", item.start)
    whole_days = not isinstance(item.start, dt.datetime)
    event.add("dtend", item.end + dt.timedelta(days=1) if whole_days else item.end)
    for key, value in (
        ("location", item.location),
        ("description", item.description),
        ("url", item.url),
        ("status", item.status),
    ):
        if value:
            event.add(key, value)
    return event
