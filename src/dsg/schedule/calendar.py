"""Business days (営業日) in Japan, as the planner counts them.

The calendar itself lives in ``dsg.core.calendar``: the appointments app, on this app's layer,
refuses a date that is no business day with the same rule, and apps on one layer never import
each other. This module names it for the planner and its callers.
"""

from __future__ import annotations

from dsg.core.calendar import (
    ONE_DAY,
    add_business_days,
    add_months,
    business_day_on_or_after,
    business_days_between,
    first_business_day_of_month,
    is_business_day,
    is_year_end_closure,
    next_business_day,
    previous_business_day,
    same_month,
)

__all__ = [
    "ONE_DAY",
    "add_business_days",
    "add_months",
    "business_day_on_or_after",
    "business_days_between",
    "first_business_day_of_month",
    "is_business_day",
    "is_year_end_closure",
    "next_business_day",
    "previous_business_day",
    "same_month",
]
