"""The case's スケジュール表: its plan from the application and its actual dates, and the
guideline's ④–⑦ rule, read from one place.

The actual dates of every step come from the case's step records (``step_actuals``); the dates
planned for ④–⑦ from its appointments (``planned_dates``). The Gantt chart of the case page and
the provider's ④–⑦ warning (``month_rule_warnings``) both read them here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dsg.appointments.ics import CalendarEvent, calendar_ics
from dsg.appointments.models import Appointment, AppointmentState
from dsg.core.prepared import PreparedCache, PreparedQuery, int_sentinels
from dsg.inspections.models import Inspection
from dsg.orgs import permissions
from dsg.schedule import planner
from dsg.schedule.calendar import business_day_on_or_after, same_month
from dsg.schedule.planner import Actual, Plan, PlanWarning, month_window_warning
from dsg.schedule.selectors import step_durations_current
from dsg.schedule.steps import STEP_SUMMARIES

from .models import STEP_OF_STATE, Enrollment, StepRecord

# The step of the procedure each purpose of an appointment belongs to.
STEP_OF_PURPOSE = {
    "site_inspection": 2,
    "survey": 3,
    "construction": 4,
    "router": 5,
    "vein_registration": 6,
    "final_inspection": 7,
}
# Dates that count for the plan: proposed, confirmed or done (not declined or cancelled).
COUNTING_STATES = (AppointmentState.PROPOSED, AppointmentState.CONFIRMED, AppointmentState.DONE)
MONTH_RULE_STEPS = (4, 5, 6, 7)
# The states in which the case is warned of (the provider's ③–⑦): the rule is kept for these only.
MONTH_RULE_STATES = tuple(s for s, step in STEP_OF_STATE.items() if 3 <= step <= 7)


# Actual dates, from the step records ------------------------------------------------------------
def _actuals(
    rows: Iterable[tuple[int, str, dt.date | None, dt.datetime]], zone: dt.tzinfo
) -> dict[int, Actual]:
    """A record that moves a case on from step a to step b ends a and starts b on its date (the
    date given with the record, else the day it was recorded in ``zone``); rows in the order
    recorded."""
    starts: dict[int, dt.date] = {}
    ends: dict[int, dt.date] = {}
    for step, to_state, performed_on, recorded_at in rows:
        to_step = STEP_OF_STATE[to_state]
        if not (1 <= step < to_step <= 8):
            continue
        day = performed_on or recorded_at.astimezone(zone).date()
        ends[step] = day
        if to_step <= 7:
            starts.setdefault(to_step, day)
    return {
        n: Actual(starts.get(n), ends.get(n)) for n in planner.STEPS if n in starts or n in ends
    }


def step_actuals(
    ids: list[int], steps: Collection[int] | None = None
) -> dict[int, dict[int, Actual]]:
    """case id -> step -> when it started and ended (one query). With ``steps``, those steps'
    only: the records that end one of them or start one (the others cannot change them)."""
    rows: dict[int, list[Any]] = defaultdict(list)
    for case, *row in _step_records(ids, steps):
        rows[case].append(row)
    # The zone looked up once per call, not per case: each lookup reads asgiref's Local, 0.1–0.3
    # ms a case on a busy machine — a third of the provider's ④–⑦ warning at 811 cases (#14).
    zone = timezone.get_current_timezone()
    found = {case: _actuals(rows[case], zone) for case in ids}
    if steps is None:
        return found
    return {case: {n: a for n, a in of.items() if n in steps} for case, of in found.items()}


def _step_records(ids: list[int], steps: Collection[int] | None = None) -> Any:
    """The step records of the cases ``ids`` (of ``steps``: those that end one or start one)
    as ``_actuals`` reads them, by case and time."""
    records = StepRecord.objects.filter(enrollment_id__in=ids).order_by(
        "enrollment_id", "recorded_at", "pk"
    )
    if steps is not None:
        into = [state for state, step in STEP_OF_STATE.items() if step in steps]
        records = records.filter(Q(step__in=steps) | Q(to_state__in=into))
    return records.values_list("enrollment_id", "step", "to_state", "performed_on", "recorded_at")


# One case's step records, read on every case page (its schedule) by a query compiled once, the
# case's id a parameter (#14): building it cost the page ~2–3 ms, running it a tenth of one. The
# records are read whoever asks (the case was read through its selector), as before.
_ONE_CASE = int_sentinels(1)
_RECORDS_OF_ONE: PreparedCache[PreparedQuery] = PreparedCache(size=2)


def actuals_of(enrollment: Enrollment) -> dict[int, Actual]:
    """When each step of the case started and ended; ① starts on submission (one query). Steps
    not started yet are left out."""
    query = _RECORDS_OF_ONE.get(
        "records", lambda: PreparedQuery(_step_records(_ONE_CASE), _ONE_CASE)
    )
    rows = [row[1:] for row in query.rows([enrollment.pk])]
    actuals = _actuals(rows, timezone.get_current_timezone())
    submitted = enrollment.application.submitted_at
    if submitted is not None:
        actuals[1] = Actual(timezone.localdate(submitted), actuals.get(1, Actual(None, None)).end)
    return {n: actual for n, actual in actuals.items() if actual.start is not None}


# Planned dates, from the appointments -----------------------------------------------------------
def planned_dates(
    ids: list[int], steps: Collection[int] | None = None
) -> dict[int, dict[int, list[dt.date]]]:
    """case id -> step -> the dates of its appointments that count (two queries): the
    provider's dates of the case and the dates taken for its inspection rounds; with
    ``steps``, those of these steps only."""
    purposes = [p for p, step in STEP_OF_PURPOSE.items() if steps is None or step in steps]
    found: dict[int, dict[int, list[dt.date]]] = defaultdict(lambda: defaultdict(list))
    zone = timezone.get_current_timezone()  # once, not per date (see step_actuals)
    of_cases = Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(Enrollment),
        subject_id__in=ids,
        purpose__in=purposes,
        state__in=COUNTING_STATES,
    ).values_list("subject_id", "purpose", "starts_at")
    for case, purpose, starts_at in of_cases:
        found[case][STEP_OF_PURPOSE[purpose]].append(timezone.localdate(starts_at, zone))
    rounds = Inspection.objects.filter(
        subject_type=ContentType.objects.get_for_model(Enrollment), subject_id__in=ids
    ).values("pk")
    taken = Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(Inspection),
        subject_id__in=rounds,
        purpose__in=purposes,
        state=AppointmentState.CONFIRMED,
    ).values_list("subject_id", "purpose", "starts_at")
    case_of_round = dict(Inspection.objects.filter(pk__in=rounds).values_list("pk", "subject_id"))
    for round_id, purpose, starts_at in taken:
        found[case_of_round[round_id]][STEP_OF_PURPOSE[purpose]].append(
            timezone.localdate(starts_at, zone)
        )
    return found


def step_dates(
    ids: list[int], steps: Collection[int] | None = None
) -> dict[int, dict[int, list[dt.date]]]:
    """case id -> step -> every date known for it: planned (appointments) and done (records);
    with ``steps``, of those steps only (what is read for the others is not read)."""
    found = planned_dates(ids, steps)
    for case, actuals in step_actuals(ids, steps).items():
        for step, actual in actuals.items():
            found[case][step] += [d for d in (actual.start, actual.end) if d]
    return found


# The ④–⑦ rule: 「④～⑦の作業は、同一月内に実施」 ---------------------------------------------
def month_rule_breaks(dates: dict[int, list[dt.date]]) -> bool:
    """True when the dates of ④–⑦ (step -> dates) fall in more than one calendar month."""
    known = [d for step in (4, 5, 6, 7) for d in dates.get(step, [])]
    # month_window_warning's test, without building its translated message for every case (#14)
    return bool(known) and not same_month(min(known), max(known))


@dataclass(frozen=True)
class MonthWarning:
    enrollment_id: int
    dates: dict[int, list[dt.date]]

    @property
    def months(self) -> list[str]:
        found = {(d.year, d.month) for ds in self.dates.values() for d in ds}
        return [f"{y}-{m:02d}" for y, m in sorted(found)]

    @property
    def message(self) -> str:
        """The planner's own wording of the warning."""
        first, last = self.first, max(d for ds in self.dates.values() for d in ds)
        warning = month_window_warning(first, last)
        return warning.message if warning else ""

    @property
    def first(self) -> dt.date:
        return min(d for ds in self.dates.values() for d in ds)


def month_rule_warnings(
    ids: Iterable[int],
    *,
    dates_of: Callable[[list[int]], dict[int, dict[int, list[dt.date]]]] | None = None,
) -> list[MonthWarning]:
    """The cases among ``ids`` whose ④–⑦ no longer fit one calendar month, earliest first;
    ``dates_of`` reads what ``step_dates(ids, MONTH_RULE_STEPS)`` does (``month_rule``'s kept
    reads), by default that."""
    ids = list(ids)
    found = dates_of(ids) if dates_of else step_dates(ids, MONTH_RULE_STEPS)  # ④–⑦'s only (#14)
    warnings = []
    for case, steps in found.items():
        dates = {step: sorted(set(steps[step])) for step in MONTH_RULE_STEPS if steps.get(step)}
        if month_rule_breaks(dates):
            warnings.append(MonthWarning(case, dates))
    return sorted(warnings, key=lambda w: (w.first, w.enrollment_id))


# The plan ---------------------------------------------------------------------------------
def schedule_start(enrollment: Enrollment, today: dt.date) -> dt.date:
    submitted = enrollment.application.submitted_at
    return timezone.localdate(submitted) if submitted is not None else today


def schedule_for(
    enrollment: Enrollment,
    *,
    today: dt.date | None = None,
    durations: dict[int, int] | None = None,
) -> Plan:
    """The case's plan: from submission (or today, for a draft), with its actual dates.

    Two queries (durations, records), whatever the case's history; the application must be
    loaded with the case (``enrollment_get_for`` does).
    """
    today = today or timezone.localdate()
    return planner.plan(
        schedule_start(enrollment, today),
        terminals=enrollment.application.planned_terminals or 1,
        durations=durations or step_durations_current(),
        actuals=actuals_of(enrollment),
        today=None if enrollment.is_closed else today,
    )


@dataclass(frozen=True)
class CaseSchedule:
    plan: Plan
    today: dt.date
    desired_start: dt.date | None
    contract_expected_on: dt.date | None
    latest_start: dt.date | None
    notes: list[PlanWarning] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.plan.to_dict(),
            "latest_start": self.latest_start.isoformat() if self.latest_start else None,
            "desired_start": self.desired_start.isoformat() if self.desired_start else None,
            "contract_expected_on": (
                self.contract_expected_on.isoformat() if self.contract_expected_on else None
            ),
            "warnings": [w.to_dict() for w in [*self.plan.warnings, *self.notes]],
        }


def case_schedule_for(enrollment: Enrollment, *, today: dt.date | None = None) -> CaseSchedule:
    """The plan with the application's wishes set against it: the desired start of use, and
    the contract date planned backwards (the latest application date that still meets it)."""
    today = today or timezone.localdate()
    durations = step_durations_current()
    plan = schedule_for(enrollment, today=today, durations=durations)
    application = enrollment.application
    contract = application.contract_expected_on
    latest = (
        planner.latest_start(contract, terminals=plan.terminals, durations=durations)
        if contract
        else None
    )
    notes = _desired_start_notes(plan, application.desired_start)
    notes += _contract_notes(enrollment, plan, contract, latest, today)
    return CaseSchedule(plan, today, application.desired_start, contract, latest, notes)


def case_schedule_read_by(*, user: Any, enrollment: Enrollment) -> CaseSchedule:
    """The case's schedule as ``user`` reads it: the application's wishes (the desired start of
    use, the contract date and what follows from them) only to those who read the application;
    a 利用者 reads the plan and the actual dates."""
    schedule = case_schedule_for(enrollment)
    if permissions.may(user, "application.view", enrollment):
        return schedule
    return CaseSchedule(schedule.plan, schedule.today, None, None, None)


def _desired_start_notes(plan: Plan, desired: dt.date | None) -> list[PlanWarning]:
    if desired is None or plan.completion <= desired:
        return []
    message = _(
        "The desired start of use ({desired}) is before the planned completion ({completion}): "
        "the enrollment cannot be completed by then. Write a schedule request in the "
        "application if the date is essential."
    ).format(desired=desired.isoformat(), completion=plan.completion.isoformat())
    return [PlanWarning("desired_start", message)]


def _contract_notes(
    enrollment: Enrollment,
    plan: Plan,
    contract: dt.date | None,
    latest: dt.date | None,
    today: dt.date,
) -> list[PlanWarning]:
    if contract is None or plan.completion <= contract:
        return []
    if latest is None or (
        enrollment.application.submitted_at is None and latest < business_day_on_or_after(today)
    ):
        message = _(
            "The contract date ({contract}) cannot be met: the plan completes on {completion}."
        ).format(contract=contract.isoformat(), completion=plan.completion.isoformat())
    else:
        message = _(
            "The contract date ({contract}) is before the planned completion ({completion}): "
            "to meet it, the application had to be submitted by {latest}."
        ).format(
            contract=contract.isoformat(),
            completion=plan.completion.isoformat(),
            latest=latest.isoformat(),
        )
    return [PlanWarning("contract_date", message)]


def schedule_ics(enrollment: Enrollment, plan: Plan) -> bytes:
    """The plan as iCalendar: one whole-day event per step, its UID stable per case and step."""
    events = [
        CalendarEvent(
            uid=f"enrollment-{enrollment.pk}-step-{step.step}@dsg-portal",
            summary=f"{enrollment.number} {STEP_SUMMARIES[step.step]}",
            start=step.start,
            end=step.end,
            description=f"{step.business_days} 営業日",
        )
        for step in plan.steps
    ]
    return calendar_ics(events, name=f"{enrollment.number} スケジュール表")
