"""The スケジュール表: steps ①–⑦ planned on business days, forwards from the application date or
backwards from the date of the contract for which DSG is needed. Pure: no database, no clock.

Rules (guideline 3. 加入の手続き and DESIGN.md §2):

* The whole procedure takes roughly 3–4 months (「①～⑦のプロセスに、おおよそ3～4か月」). A plan
  *warns* when it completes more than 4 calendar months after its start (``add_months(start, 4)``);
  the default durations are chosen so that the default plan completes between 3 and 4 calendar
  months after its start, for up to ``STANDARD_TERMINALS`` terminals.
* ④–⑦ are planned within one calendar month (「④～⑦の作業は、同一月内に実施」). We read this as:
  ④'s start and ⑦'s end fall in the **same calendar month** (not "within 30 days", which would
  let the work straddle two months). When ④ would start too late in a month for ⑦ to end in it,
  ④ is moved to the first business day of the next month and ③ (the survey, whose ancillary work
  has slack) is stretched up to it. A plan warns when ④–⑦ still do not fit one month (a slip, or
  so many terminals that ⑥ no longer fits).
* Every step starts and ends on a business day (``dsg.schedule.calendar``); each planned step
  starts on the business day after the previous one ends.

Actual dates (``actuals``) override the plan: a step with an actual end keeps its actual dates,
a step started but not ended keeps its actual start, and everything not yet done is re-planned
from the latest actual date (and, when ``today`` is given, never before today).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext_lazy as _

from .calendar import (
    add_business_days,
    add_months,
    business_day_on_or_after,
    business_days_between,
    first_business_day_of_month,
    next_business_day,
    same_month,
)

STEPS = range(1, 8)
# Business days per step for one site with up to STANDARD_TERMINALS terminals. ①–③ take 55 and
# ④–⑦ 11 business days: with these the default plan always lasts 3–4 months and ④–⑦ always fit
# one calendar month (checked by tests/schedule/test_planner_properties.py for 2025–2035).
DEFAULT_DURATIONS: dict[int, int] = {
    1: 20,  # ① review of the application (incl. a round of correction)
    2: 15,  # ② on-site inspection: appointment, checklist sent in advance, result notice
    3: 20,  # ③ line survey and the company's ancillary work (lead time)
    4: 3,  # ④ line construction
    5: 2,  # ⑤ router installation
    6: 3,  # ⑥ terminal setup and connection test (longer with more terminals)
    7: 3,  # ⑦ final on-site inspection: request, appointment, visit
}
MIN_DURATION, MAX_DURATION = 1, 120
MIN_TERMINALS, MAX_TERMINALS = 1, 999
STANDARD_TERMINALS = 10
TERMINALS_PER_EXTRA_DAY = 10  # ⑥ takes one business day more per 10 terminals beyond 10
WINDOW_MONTHS = 4
MIN_MONTHS = 3
CONSTRUCTION_STEPS = (4, 5, 6, 7)


@dataclass(frozen=True)
class Actual:
    """What happened at a step: started and, when done, ended on these dates."""

    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class PlanWarning:
    code: str  # "over_four_months", "construction_month", "slipped"
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class PlannedStep:
    step: int
    start: dt.date
    end: dt.date
    business_days: int
    actual_start: dt.date | None = None
    actual_end: dt.date | None = None
    slipped: bool = False

    @property
    def done(self) -> bool:
        return self.actual_end is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "business_days": self.business_days,
            "actual_start": self.actual_start.isoformat() if self.actual_start else None,
            "actual_end": self.actual_end.isoformat() if self.actual_end else None,
            "slipped": self.slipped,
        }


@dataclass(frozen=True)
class Plan:
    start: dt.date
    completion: dt.date
    terminals: int
    steps: list[PlannedStep]
    warnings: list[PlanWarning] = field(default_factory=list)

    def step(self, number: int) -> PlannedStep:
        return self.steps[number - 1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "completion": self.completion.isoformat(),
            "terminals": self.terminals,
            "steps": [s.to_dict() for s in self.steps],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def step_durations(
    *, terminals: int = 1, durations: dict[int, int] | None = None
) -> dict[int, int]:
    """Business days per step: the given (or default) durations, ⑥ lengthened by terminals."""
    days = {**DEFAULT_DURATIONS, **(durations or {})}
    extra = max(0, terminals - STANDARD_TERMINALS)
    days[6] += -(-extra // TERMINALS_PER_EXTRA_DAY)
    return days


def _span(start: dt.date, days: int) -> dt.date:
    """The last business day of a step of ``days`` business days starting on ``start``."""
    return add_business_days(start, days - 1)


def _construction_start(natural: dt.date, days: dict[int, int]) -> dt.date:
    """④'s start: ``natural``, or the first business day of the next month when ⑦ would
    otherwise end in a later month and ④–⑦ fit that next month."""
    length = sum(days[n] for n in CONSTRUCTION_STEPS)
    if same_month(natural, _span(natural, length)):
        return natural
    following = add_months(natural.replace(day=1), 1)
    moved = first_business_day_of_month(following.year, following.month)
    return moved if same_month(moved, _span(moved, length)) else natural


def plan(
    start: dt.date,
    *,
    terminals: int = 1,
    durations: dict[int, int] | None = None,
    actuals: dict[int, Actual] | None = None,
    today: dt.date | None = None,
) -> Plan:
    """The plan of a case applied for on ``start`` (see the module docstring for the rules)."""
    days = step_durations(terminals=terminals, durations=durations)
    actuals = actuals or {}
    steps = _schedule(start, days, actuals, today)
    baseline = _schedule(start, days, {}, None) if actuals or today else steps
    steps = [replace(s, slipped=s.end > b.end) for s, b in zip(steps, baseline, strict=True)]
    result = Plan(start=start, completion=steps[-1].end, terminals=terminals, steps=steps)
    return replace(result, warnings=plan_warnings(result, baseline_completion=baseline[-1].end))


def _schedule(
    start: dt.date, days: dict[int, int], actuals: dict[int, Actual], today: dt.date | None
) -> list[PlannedStep]:
    steps: list[PlannedStep] = []
    cursor = business_day_on_or_after(start)
    for number in STEPS:
        actual = actuals.get(number, Actual())
        if actual.start is not None:
            first = actual.start
        else:
            first = cursor
            if today is not None and first < today:
                first = business_day_on_or_after(today)
            if number == 4:
                first = _construction_start(first, days)
        if actual.end is not None:
            last = actual.end
            first = min(first, last)  # an end recorded without its start
        else:
            last = _span(business_day_on_or_after(first), days[number])
            if today is not None and last < today:
                last = business_day_on_or_after(today)
        steps.append(
            PlannedStep(
                number,
                first,
                last,
                business_days_between(first, last),
                actual.start,
                actual.end,
            )
        )
        cursor = next_business_day(max(last, first))
    _stretch_survey(steps, actuals)
    return steps


def _stretch_survey(steps: list[PlannedStep], actuals: dict[int, Actual]) -> None:
    """When ④ was moved to the next month, ③ (not yet done) runs up to the day before it."""
    survey, construction = steps[2], steps[3]
    if actuals.get(3, Actual()).end is not None or actuals.get(4, Actual()).start is not None:
        return
    last = add_business_days(construction.start, -1)
    if last > survey.end:
        steps[2] = replace(
            survey, end=last, business_days=business_days_between(survey.start, last)
        )


def month_window_warning(
    construction_start: dt.date | None, final_end: dt.date | None
) -> PlanWarning | None:
    """The warning when ④'s start and ⑦'s end are not in the same calendar month (同一月内).

    Reusable by any part that tracks ④–⑦ (e.g. the provisioning dashboard); None when either
    date is unknown or both fall in one month.
    """
    if construction_start is None or final_end is None or same_month(construction_start, final_end):
        return None
    return PlanWarning(
        "construction_month",
        str(
            _(
                "Steps ④–⑦ are planned from {start} to {end}: they do not fit in one calendar "
                "month, as the guideline expects (④～⑦は同一月内に実施)."
            ).format(start=construction_start.isoformat(), end=final_end.isoformat())
        ),
    )


def plan_warnings(plan: Plan, *, baseline_completion: dt.date | None = None) -> list[PlanWarning]:
    warnings = []
    limit = add_months(plan.start, WINDOW_MONTHS)
    if plan.completion > limit:
        warnings.append(
            PlanWarning(
                "over_four_months",
                str(
                    _(
                        "The plan completes on {completion}, more than 4 months after {start}: "
                        "the procedure should take about 3–4 months (おおよそ3～4か月)."
                    ).format(completion=plan.completion.isoformat(), start=plan.start.isoformat())
                ),
            )
        )
    window = month_window_warning(plan.step(4).start, plan.step(7).end)
    if window is not None:
        warnings.append(window)
    if baseline_completion is not None and plan.completion > baseline_completion:
        warnings.append(
            PlanWarning(
                "slipped",
                str(
                    _("The schedule has slipped: completion moved from {planned} to {now}.").format(
                        planned=baseline_completion.isoformat(), now=plan.completion.isoformat()
                    )
                ),
            )
        )
    return warnings


def latest_start(
    target: dt.date, *, terminals: int = 1, durations: dict[int, int] | None = None
) -> dt.date | None:
    """The latest application date whose plan completes on or before ``target`` (backward
    planning from the contract date). Independent of today: callers refuse past targets.

    The completion date never decreases as the start moves later, so a binary search over the
    days before ``target`` finds it; the result is always a business day. None when even a start
    six years earlier would not complete in time (durations of at most 120 business days each
    never need that long).
    """
    days = step_durations(terminals=terminals, durations=durations)

    def completes_in_time(ordinal: int) -> bool:
        start = dt.date.fromordinal(ordinal)
        return _schedule(start, days, {}, None)[-1].end <= target

    low, high = target.toordinal() - 6 * 366, target.toordinal()
    if not completes_in_time(low):
        return None
    while low < high:  # invariant: completes_in_time(low)
        middle = (low + high + 1) // 2
        if completes_in_time(middle):
            low = middle
        else:
            high = middle - 1
    return dt.date.fromordinal(low)
