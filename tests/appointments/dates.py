"""Dates that an appointment may be proposed for: business days, within office hours."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dsg.core.calendar import add_business_days


def business_day(nth: int = 1) -> dt.date:
    """The ``nth`` business day after today."""
    return add_business_days(timezone.localdate(), nth)


def business_day_at(nth: int = 1, hour: int = 10, minute: int = 0) -> dt.datetime:
    """The ``nth`` business day after today, at ``hour`` (Japan time)."""
    return timezone.make_aware(dt.datetime.combine(business_day(nth), dt.time(hour, minute)))
