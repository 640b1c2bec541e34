"""Business days (営業日) in Japan: no weekends, no public holidays, no year-end closure.

The one calendar of the portal: the planner (``dsg.schedule``) counts its durations in these days
and the appointments app refuses a visit on any other day. It sits on the floor because those two
apps share a layer and never import each other.

Public holidays come from the ``holidays`` package (country JP), which includes the substitute
holidays (振替休日) and the citizens' holidays (国民の休日). The year-end closure (年末年始) is
12月29日 to 1月3日, as at government offices.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import functools

ONE_DAY = dt.timedelta(days=1)


@functools.lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[dt.date]:
    # Imported at the first business-day question, not at every process's start-up (#14).
    import holidays

    return frozenset(holidays.country_holidays("JP", years=year))


def is_year_end_closure(day: dt.date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: dt.date) -> bool:
    return (
        day.weekday() < 5 and day not in _public_holidays(day.year) and not is_year_end_closure(day)
    )


def next_business_day(day: dt.date) -> dt.date:
    """The first business day after ``day``."""
    day += ONE_DAY
    while not is_business_day(day):
        day += ONE_DAY
    return day


def previous_business_day(day: dt.date) -> dt.date:
    """The last business day before ``day``."""
    day -= ONE_DAY
    while not is_business_day(day):
        day -= ONE_DAY
    return day


def business_day_on_or_after(day: dt.date) -> dt.date:
    return day if is_business_day(day) else next_business_day(day)


def add_business_days(day: dt.date, count: int) -> dt.date:
    """``count`` business days after (or, when negative, before) ``day``.

    ``day`` itself need not be a business day; with ``count == 0`` it is returned unchanged.
    """
    step = next_business_day if count >= 0 else previous_business_day
    for _ in range(abs(count)):
        day = step(day)
    return day


def business_days_between(first: dt.date, last: dt.date) -> int:
    """The business days from ``first`` to ``last``, both included (0 when ``last < first``)."""
    count = 0
    day = first
    while day <= last:
        count += is_business_day(day)
        day += ONE_DAY
    return count


def first_business_day_of_month(year: int, month: int) -> dt.date:
    return business_day_on_or_after(dt.date(year, month, 1))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later, clamped to the end of a shorter month."""
    year, index = divmod(day.month - 1 + months, 12)
    year += day.year
    last = _calendar.monthrange(year, index + 1)[1]
    return dt.date(year, index + 1, min(day.day, last))


def same_month(first: dt.date, second: dt.date) -> bool:
    return (first.year, first.month) == (second.year, second.month)
