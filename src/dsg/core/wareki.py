"""Dates as the portal prints them: 和暦 (令和8年11月25日) and ISO (2026-11-25), the same day.

A moment (an aware ``datetime``) is first converted to the portal's time zone (Asia/Tokyo,
``settings.TIME_ZONE``); both the ISO and the 和暦 part are then taken from that one local value,
so they always name the same day: 2026-11-29T15:30Z is 2026-11-30 00:30 = 令和8年11月30日. A naive
``datetime`` is taken as local time already. A ``date`` is a calendar day and stays itself.
Every page filter (``core.templatetags.dsg``), notice and export formats through here.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

# (first day, name, the Gregorian year that is the era's first year), newest first. 明治 is
# counted from 1873-01-01, the first day of the Gregorian calendar in Japan (明治6年).
ERAS = [
    (dt.date(2019, 5, 1), "令和", 2019),
    (dt.date(1989, 1, 8), "平成", 1989),
    (dt.date(1926, 12, 25), "昭和", 1926),
    (dt.date(1912, 7, 30), "大正", 1912),
    (dt.date(1873, 1, 1), "明治", 1868),
]


def local(value: dt.datetime) -> dt.datetime:
    """An aware moment in the portal's time zone (Asia/Tokyo); a naive one is local already."""
    if timezone.is_aware(value):
        return timezone.localtime(value, timezone.get_default_timezone())
    return value


def local_day(value: dt.date | dt.datetime) -> dt.date:
    """The calendar day of ``value`` in Asia/Tokyo: a moment converted first, a date as it is."""
    if isinstance(value, dt.datetime):
        return local(value).date()
    return value


def wareki(value: dt.date | dt.datetime) -> str:
    """令和8年11月30日 (令和元年5月1日 for an era's first year) of a date, or of a moment's
    day in Asia/Tokyo."""
    day = local_day(value)
    for start, name, first_year in ERAS:
        if day >= start:
            year = day.year - first_year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def iso(value: dt.date | dt.datetime) -> str:
    """2026-11-30 for a date; 2026-11-30 00:30 for a moment, in Asia/Tokyo."""
    if isinstance(value, dt.datetime):
        return f"{local(value):%Y-%m-%d %H:%M}"
    return value.isoformat()


def iso_and_wareki(value: dt.date | dt.datetime) -> str:
    """As pages print it: 2026-11-30 00:30 (令和8年11月30日), both parts of one local value."""
    if isinstance(value, dt.datetime):
        value = local(value)
    return f"{iso(value)} ({wareki(value)})"


def wareki_and_iso_day(value: dt.date | dt.datetime) -> str:
    """As notices print a day: 令和8年11月30日（2026-11-30）, a moment's day in Asia/Tokyo."""
    day = local_day(value)
    return f"{wareki(day)}（{day.isoformat()}）"
