"""The planner around Golden Week, the year end, month ends and substitute holidays."""

from __future__ import annotations

import datetime as dt

from dsg.schedule.calendar import is_year_end_closure, same_month
from dsg.schedule.planner import (
    Actual,
    latest_start,
    month_window_warning,
    plan,
    step_durations,
)

D = dt.date


def _days(result):
    for step in result.steps:
        day = step.start
        while day <= step.end:
            yield day
            day += dt.timedelta(days=1)


def test_golden_week_start_skips_the_holidays():
    result = plan(D(2027, 4, 26))
    first = result.step(1)
    assert first.start == D(2027, 4, 26)
    # 20 business days: 4/26–28, 4/30, then from 5/6 (4/29 and 5/3–5 are holidays).
    assert first.end == D(2027, 5, 27)
    assert result.warnings == []


def test_year_end_start_plans_nothing_to_start_or_end_in_the_closure():
    result = plan(D(2026, 12, 25))
    for step in result.steps:
        assert not is_year_end_closure(step.start) and not is_year_end_closure(step.end)
    assert result.step(1).start == D(2026, 12, 25)
    # 12/25, 12/28, then 1/4 onwards (1/11 is 成人の日).
    assert result.step(1).business_days == 20
    assert result.step(1).end == D(2027, 1, 28)


def test_a_start_on_the_closure_begins_on_the_first_business_day_of_january():
    result = plan(D(2026, 12, 30))
    assert result.step(1).start == D(2027, 1, 4)


def test_month_end_starts_keep_four_to_seven_in_one_month():
    for start in (D(2027, 1, 29), D(2027, 2, 26)):
        result = plan(start)
        assert same_month(result.step(4).start, result.step(7).end), start
        assert result.warnings == []


def test_construction_moves_to_the_next_month_and_the_survey_absorbs_the_slack():
    """From 2027-04-26 ③ would end on 7/16; ④–⑦ from 7/20 would spill into August, so ④ starts
    on 8/2 (the first business day of August) and ③ runs until 7/30."""
    result = plan(D(2027, 4, 26))
    assert result.step(4).start == D(2027, 8, 2)
    assert result.step(3).end == D(2027, 7, 30)
    assert result.step(3).business_days > step_durations()[3]
    assert result.step(7).end == D(2027, 8, 17)  # 8/11 山の日 skipped


def test_substitute_holiday_is_not_a_planned_day():
    # 2026-05-06 is 振替休日 (憲法記念日 fell on a Sunday).
    result = plan(D(2026, 4, 27))
    assert D(2026, 5, 6) not in {s.start for s in result.steps} | {s.end for s in result.steps}
    assert result.step(1).business_days == 20
    assert result.step(1).end == D(2026, 5, 28)  # 4/27, 4/28, 4/30, 5/1, then from 5/7


def test_more_terminals_lengthen_step_six():
    assert step_durations(terminals=10)[6] == step_durations(terminals=1)[6]
    assert step_durations(terminals=11)[6] == step_durations(terminals=1)[6] + 1
    assert step_durations(terminals=100)[6] == step_durations(terminals=1)[6] + 9


def test_too_many_terminals_for_one_month_warn():
    result = plan(D(2027, 4, 26), terminals=999)
    assert "construction_month" in {w.code for w in result.warnings}


def test_long_custom_durations_warn_about_more_than_four_months():
    result = plan(D(2027, 4, 26), durations={1: 60})
    codes = {w.code for w in result.warnings}
    assert "over_four_months" in codes
    message = next(w.message for w in result.warnings if w.code == "over_four_months")
    assert "2027-04-26" in message


def test_a_slip_at_the_survey_moves_construction_and_warns():
    """③ took until 9/14: ④–⑦ from 9/15 would spill into October (9/20 and 9/23 are holidays),
    so ④ is re-planned for 10/1; the plan now takes more than 4 months and has slipped."""
    start = D(2027, 4, 26)
    actuals = {
        1: Actual(start, D(2027, 5, 27)),
        2: Actual(D(2027, 5, 27), D(2027, 6, 17)),
        3: Actual(D(2027, 6, 17), D(2027, 9, 14)),
    }
    result = plan(start, actuals=actuals)
    assert result.step(3).end == D(2027, 9, 14)
    assert result.step(4).start == D(2027, 10, 1)
    assert result.step(4).slipped and result.step(7).slipped
    codes = {w.code for w in result.warnings}
    assert codes == {"slipped", "over_four_months"}


def test_a_started_step_keeps_its_start_and_today_pushes_the_rest():
    start = D(2027, 4, 26)
    actuals = {1: Actual(start, D(2027, 5, 27)), 2: Actual(D(2027, 5, 27), None)}
    result = plan(start, actuals=actuals, today=D(2027, 7, 1))
    assert result.step(2).start == D(2027, 5, 27)
    assert result.step(2).actual_end is None
    assert result.step(2).end == D(2027, 7, 1)  # still under way today
    assert result.step(3).start == D(2027, 7, 2)
    assert result.step(2).slipped


def test_construction_started_in_a_month_is_not_moved():
    start = D(2027, 4, 26)
    actuals = {n: Actual(start, start) for n in (1, 2, 3)} | {4: Actual(D(2027, 5, 28), None)}
    result = plan(start, actuals=actuals)
    assert result.step(4).start == D(2027, 5, 28)
    assert "construction_month" in {w.code for w in result.warnings}


def test_month_window_warning_reusable():
    assert month_window_warning(D(2027, 8, 2), D(2027, 8, 31)) is None
    assert month_window_warning(None, D(2027, 8, 31)) is None
    warning = month_window_warning(D(2027, 8, 20), D(2027, 9, 3))
    assert warning is not None and warning.code == "construction_month"
    assert "2027-08-20" in warning.message and "2027-09-03" in warning.message


def test_latest_start_backwards_from_a_contract_date():
    target = D(2027, 10, 1)
    latest = latest_start(target)
    assert latest == D(2027, 6, 25)
    assert plan(latest).completion <= target
    assert plan(D(2027, 6, 28)).completion > target


def test_latest_start_over_the_year_end():
    latest = latest_start(D(2027, 3, 31))
    assert latest is not None
    assert plan(latest).completion <= D(2027, 3, 31)
    assert not is_year_end_closure(latest)
