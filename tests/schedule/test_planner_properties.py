"""Properties of the planner over many application dates (2025–2035) and terminal counts."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from dsg.schedule.calendar import add_business_days, add_months, is_business_day, same_month
from dsg.schedule.planner import (
    DEFAULT_DURATIONS,
    STANDARD_TERMINALS,
    Actual,
    latest_start,
    plan,
)

starts = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2035, 12, 31))
standard_terminals = st.integers(min_value=1, max_value=STANDARD_TERMINALS)
any_terminals = st.integers(min_value=1, max_value=999)
# ④–⑦ (11 business days, plus one per 10 terminals beyond 10) fit the shortest month (18 days)
# up to 80 terminals.
fitting_terminals = st.integers(min_value=1, max_value=80)
durations = st.fixed_dictionaries({n: st.integers(1, 120) for n in range(1, 8)})
MANY = settings(max_examples=300, deadline=None)


@MANY
@given(start=starts, terminals=any_terminals)
def test_every_step_starts_and_ends_on_a_business_day_in_order(start, terminals):
    result = plan(start, terminals=terminals)
    assert [s.step for s in result.steps] == list(range(1, 8))
    previous_end = None
    for step in result.steps:
        assert is_business_day(step.start) and is_business_day(step.end), step
        assert step.start <= step.end
        assert step.start >= start
        if previous_end is not None:
            assert step.start > previous_end, "steps overlap"
        previous_end = step.end
    assert result.completion == result.steps[-1].end


@MANY
@given(start=starts, terminals=standard_terminals)
def test_the_default_plan_takes_three_to_four_months_and_never_warns(start, terminals):
    result = plan(start, terminals=terminals)
    assert add_months(start, 3) <= result.completion <= add_months(start, 4)
    assert result.warnings == []


@MANY
@given(start=starts, terminals=fitting_terminals)
def test_steps_four_to_seven_fall_in_one_calendar_month(start, terminals):
    result = plan(start, terminals=terminals)
    assert same_month(result.step(4).start, result.step(7).end)
    assert not [w for w in result.warnings if w.code == "construction_month"]


@MANY
@given(start=starts, terminals=any_terminals, custom=durations)
def test_warnings_are_raised_exactly_when_a_rule_breaks(start, terminals, custom):
    result = plan(start, terminals=terminals, durations=custom)
    codes = {w.code for w in result.warnings}
    assert ("over_four_months" in codes) == (result.completion > add_months(start, 4))
    assert ("construction_month" in codes) == (
        not same_month(result.step(4).start, result.step(7).end)
    )


@MANY
@given(start=starts, terminals=any_terminals, more=st.integers(0, 998))
def test_more_terminals_never_finish_earlier_while_the_month_rule_holds(start, terminals, more):
    """More terminals lengthen ⑥ and never bring the end forward while ④–⑦ keep to one month.

    When ④–⑦ fit neither the month they would start in nor the next one, the planner does not
    wait for a month's start (waiting would not help): that plan may end before a smaller one
    that waited, and it carries the ④–⑦ warning instead (checked in the test above)."""
    fewer = plan(start, terminals=terminals)
    bigger = plan(start, terminals=min(terminals + more, 999))
    assert bigger.step(6).business_days >= fewer.step(6).business_days >= DEFAULT_DURATIONS[6]
    if not any(w.code == "construction_month" for w in fewer.warnings + bigger.warnings):
        assert bigger.completion >= fewer.completion


targets = st.dates(min_value=dt.date(2025, 6, 1), max_value=dt.date(2036, 6, 30))


@MANY
@given(target=targets, terminals=any_terminals)
def test_latest_start_is_the_latest_date_that_still_meets_the_target(target, terminals):
    latest = latest_start(target, terminals=terminals)
    assert latest is not None
    assert is_business_day(latest)
    assert plan(latest, terminals=terminals).completion <= target
    later = add_business_days(latest, 1)
    assert plan(later, terminals=terminals).completion > target


@settings(max_examples=100, deadline=None)
@given(target=targets, custom=durations)
def test_latest_start_with_custom_durations(target, custom):
    latest = latest_start(target, durations=custom)
    assert latest is not None  # even 7 × 120 business days fit in six years
    assert plan(latest, durations=custom).completion <= target
    assert plan(add_business_days(latest, 1), durations=custom).completion > target


@MANY
@given(start=starts, terminals=standard_terminals, done=st.integers(1, 7), data=st.data())
def test_replanning_keeps_actual_dates_and_plans_the_rest_after_them(start, terminals, done, data):
    """Steps ①..``done`` happened at dates of their own (late or early): they stay as they are,
    and every later step starts after the last actual date."""
    baseline = plan(start, terminals=terminals)
    actuals: dict[int, Actual] = {}
    day = start
    for number in range(1, done + 1):
        first = day
        last = add_business_days(first, data.draw(st.integers(0, 40), label=f"days {number}"))
        actuals[number] = Actual(first, last)
        day = last
    result = plan(start, terminals=terminals, actuals=actuals)
    for number, actual in actuals.items():
        step = result.step(number)
        assert (step.start, step.end) == (actual.start, actual.end)
        assert (step.actual_start, step.actual_end) == (actual.start, actual.end)
    latest = max(a.end for a in actuals.values() if a.end)
    for step in result.steps[done:]:
        assert step.start > latest and is_business_day(step.start)
        assert step.actual_start is None
    if result.completion > baseline.completion:
        assert "slipped" in {w.code for w in result.warnings}
    for step, before in zip(result.steps, baseline.steps, strict=True):
        assert step.slipped == (step.end > before.end)
