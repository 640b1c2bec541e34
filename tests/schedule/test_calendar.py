"""Business days in Japan: weekends, public holidays (振替休日 included) and 12/29–1/3 excluded."""

from __future__ import annotations

import datetime as dt

import pytest

from dsg.schedule.calendar import (
    add_business_days,
    add_months,
    business_days_between,
    is_business_day,
    next_business_day,
    previous_business_day,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2027, 4, 26), True),  # Monday
        (D(2027, 4, 24), False),  # Saturday
        (D(2027, 4, 29), False),  # 昭和の日
        (D(2027, 5, 3), False),  # 憲法記念日
        (D(2027, 5, 6), True),  # after Golden Week
        (D(2026, 5, 6), False),  # 振替休日 (5/3 was a Sunday)
        (D(2025, 11, 24), False),  # 振替休日 for 勤労感謝の日 on a Sunday
        (D(2026, 9, 22), False),  # 国民の休日 between two holidays
        (D(2026, 12, 28), True),  # last day before the year-end closure
        (D(2026, 12, 29), False),
        (D(2026, 12, 30), False),
        (D(2026, 12, 31), False),
        (D(2027, 1, 1), False),
        (D(2027, 1, 4), True),  # first business day of 2027
        (D(2028, 1, 3), False),  # a Monday, still closed
    ],
)
def test_is_business_day(day, expected):
    assert is_business_day(day) is expected


def test_next_and_previous_business_day_skip_the_year_end_closure():
    assert next_business_day(D(2026, 12, 28)) == D(2027, 1, 4)
    assert previous_business_day(D(2027, 1, 4)) == D(2026, 12, 28)


def test_next_business_day_skips_golden_week():
    assert next_business_day(D(2027, 4, 30)) == D(2027, 5, 6)
    assert next_business_day(D(2026, 5, 1)) == D(2026, 5, 7)  # 5/6 is 振替休日


def test_add_business_days_forwards_backwards_and_zero():
    assert add_business_days(D(2027, 4, 26), 1) == D(2027, 4, 27)
    assert add_business_days(D(2027, 4, 28), 1) == D(2027, 4, 30)  # over 昭和の日
    assert add_business_days(D(2027, 4, 30), 1) == D(2027, 5, 6)
    assert add_business_days(D(2027, 5, 6), -1) == D(2027, 4, 30)
    assert add_business_days(D(2027, 4, 24), 0) == D(2027, 4, 24)


def test_business_days_between_counts_both_ends():
    assert business_days_between(D(2027, 4, 26), D(2027, 4, 30)) == 4  # 4/29 off
    assert business_days_between(D(2026, 12, 25), D(2027, 1, 5)) == 4  # 25, 28, 1/4, 1/5
    assert business_days_between(D(2027, 5, 1), D(2027, 4, 1)) == 0


def test_add_months_clamps_to_the_month_end():
    assert add_months(D(2027, 1, 31), 1) == D(2027, 2, 28)
    assert add_months(D(2027, 11, 30), 3) == D(2028, 2, 29)
    assert add_months(D(2026, 10, 15), 4) == D(2027, 2, 15)
