"""The chosen appointment as iCalendar (RFC 5545), for the company's and the office's calendars."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .models import AppointmentSlot, Inspection


def appointment_ics(inspection: Inspection, slot: AppointmentSlot) -> bytes:
    enrollment = inspection.enrollment
    calendar = Calendar()
    calendar.add("prodid", "-//DSG Portal//inspections//JA")
    calendar.add("version", "2.0")
    event = Event()
    name = "現地確認" if inspection.step == 2 else "最終現地確認"
    event.add("uid", f"dsg-inspection-{inspection.pk}-{slot.pk}@dsg-portal")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", slot.starts_at)
    event.add("dtend", slot.ends_at)
    event.add("summary", f"DSG {name} ({enrollment.number}, 第{inspection.round}回)")
    event.add("location", f"{enrollment.site.name} {enrollment.site.full_address}")
    description = [f"{settings.PORTAL_URL}/inspections/{inspection.pk}/"]
    if inspection.entry_notes:
        description.append(f"入構手続き: {inspection.entry_notes}")
    event.add("description", "\n".join(description))
    calendar.add_component(event)
    return calendar.to_ical()
