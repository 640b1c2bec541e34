"""The guideline's ④–⑦ rule (「④～⑦の作業は、同一月内に実施」) kept on the case (#14).

``Enrollment.month_rule_broken_from`` holds, while the case is at ③–⑦, the first date of ④–⑦
when those dates span more than one calendar month, and NULL otherwise — so that the provider's
dashboard counts and lists the cases that break the rule in one indexed query instead of weighing
every case on each view.

It is weighed by the warning's own function (``schedule.month_rule_warnings``: one rule, not
two) whenever a date it reads may change, in the transaction of the change:

- an appointment of ④–⑦ of the case, or a date of the case's inspection round (the final
  inspection's), proposed, taken, declined, done, moved, cancelled or withdrawn — the
  ``appointments`` services tell their watchers (``appointments.watchers``), this app is one;
- a step of the case (``services.case_transition``): its record's dates, and the case entering
  or leaving ③–⑦.

Every such writer holds the case's row lock already (``enrollment_lock``; an inspection round's
services lock their subject first), so two changes of one case are weighed one after the other,
each seeing the other's dates once committed.

The warnings a page shows (the provider's first ten, a page of fifty) are weighed afresh for their
text: ``month_rule_warnings_shown`` reads their dates by queries kept compiled (``core.prepared``),
the same reads as ``schedule.step_dates`` — built each view, they cost more than they ran (#14).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django_scopes import scopes_disabled

from dsg.appointments.models import Appointment, AppointmentState
from dsg.appointments.watchers import register_date_watcher
from dsg.core.prepared import PreparedCache, PreparedQuery, id_slots, padded
from dsg.inspections.models import Inspection

from .models import STEP_OF_STATE, Enrollment, StepRecord
from .schedule import (
    COUNTING_STATES,
    MONTH_RULE_STATES,
    MONTH_RULE_STEPS,
    STEP_OF_PURPOSE,
    MonthWarning,
    _actuals,
    month_rule_warnings,
)

RULE_PURPOSES = frozenset(p for p, step in STEP_OF_PURPOSE.items() if step in MONTH_RULE_STEPS)
CHUNK = 500  # cases weighed at once when every case is (the migration, bench/grow.py)


def month_rule_weigh(ids: Iterable[int]) -> dict[int, dt.date | None]:
    """What ``month_rule_broken_from`` should hold for each case of ``ids``, weighed afresh."""
    ids = list(ids)
    with scopes_disabled():  # the system keeps a column of cases the actor already reached
        at_steps = list(
            Enrollment.objects.filter(pk__in=ids, state__in=MONTH_RULE_STATES).values_list(
                "pk", flat=True
            )
        )
        broken = {w.enrollment_id: w.first for w in month_rule_warnings(at_steps)}
    return {case: broken.get(case) for case in ids}


def month_rule_keep(ids: Iterable[int]) -> dict[int, dt.date | None]:
    """Weigh the cases afresh and keep the result on each; returns what was kept."""
    kept = month_rule_weigh(ids)
    by_value: dict[dt.date | None, list[int]] = defaultdict(list)
    for case, first in kept.items():
        by_value[first].append(case)
    with scopes_disabled():
        for first, cases in by_value.items():
            Enrollment.objects.filter(pk__in=cases).update(month_rule_broken_from=first)
    return kept


def month_rule_keep_all() -> int:
    """Weigh every case and keep the result (a case's dates written outside the services: the
    migration that adds the column, bench/grow.py); returns how many break the rule."""
    with scopes_disabled():
        ids = list(Enrollment.objects.order_by("pk").values_list("pk", flat=True))
    broken = 0
    for start in range(0, len(ids), CHUNK):
        kept = month_rule_keep(ids[start : start + CHUNK])
        broken += sum(first is not None for first in kept.values())
    return broken


def _appointment_date_changed(appointment: Appointment) -> None:
    """The watcher ``appointments`` calls: a date of ④–⑦ of a case, or of its round, changed."""
    if appointment.purpose not in RULE_PURPOSES:
        return
    case_type = ContentType.objects.get_for_model(Enrollment)
    if appointment.subject_type_id == case_type.pk:
        month_rule_keep([appointment.subject_id])
    elif appointment.subject_type_id == ContentType.objects.get_for_model(Inspection).pk:
        with scopes_disabled():
            cases = list(
                Inspection.objects.filter(
                    pk=appointment.subject_id, subject_type=case_type
                ).values_list("subject_id", flat=True)
            )
        if cases:
            month_rule_keep(cases)


def register_month_rule() -> None:
    register_date_watcher(_appointment_date_changed)


# The warnings shown, their dates read by queries kept compiled (#14) -----------------------------
# Per kind of read, number of places for ids (16 for the dashboard's ten, the next power of 2 for
# more) and the content types the building reads (from Django's cache: no row). The ids go where
# the sentinels are — positive ones: ``subject_id`` is a PositiveBigIntegerField, and Django makes
# a lookup of a value out of its range match nothing rather than compare it.
_DATE_READS: PreparedCache[PreparedQuery] = PreparedCache(size=64)
_PURPOSES = sorted(RULE_PURPOSES)
_INTO = [state for state, step in STEP_OF_STATE.items() if step in MONTH_RULE_STEPS]


def _sentinels(slots: int) -> list[int]:
    return [2**62 + 7_391_000_001 + i for i in range(slots)]


def _case_dates(ids: list[int], case_type: int) -> QuerySet[Any]:
    """The provider's dates of ④–⑦ that count, of the cases ``ids`` (``schedule.planned_dates``)."""
    return Appointment.objects.filter(
        subject_type_id=case_type,
        subject_id__in=ids,
        purpose__in=_PURPOSES,
        state__in=COUNTING_STATES,
    ).values_list("subject_id", "purpose", "starts_at")


def _round_dates(ids: list[int], case_type: int, round_type: int) -> QuerySet[Any]:
    """The dates taken for the cases' inspection rounds, each with its round's case."""
    rounds = Inspection.objects.filter(subject_type_id=case_type, subject_id__in=ids)
    case_of = Inspection.objects.filter(pk=OuterRef("subject_id")).values("subject_id")[:1]
    return (
        Appointment.objects.filter(
            subject_type_id=round_type,
            subject_id__in=rounds.values("pk"),
            purpose__in=_PURPOSES,
            state=AppointmentState.CONFIRMED,
        )
        .annotate(case=Subquery(case_of))
        .values_list("case", "purpose", "starts_at")
    )


def _records(ids: list[int]) -> QuerySet[Any]:
    """The step records that start or end one of ④–⑦ (``schedule.step_actuals``), in order."""
    return (
        StepRecord.objects.filter(enrollment_id__in=ids)
        .filter(Q(step__in=MONTH_RULE_STEPS) | Q(to_state__in=_INTO))
        .order_by("enrollment_id", "recorded_at", "pk")
        .values_list("enrollment_id", "step", "to_state", "performed_on", "recorded_at")
    )


def _kept_rows(
    name: str, ids: list[int], types: tuple[int, int], build: Callable[[list[int]], QuerySet[Any]]
) -> list[tuple[Any, ...]]:
    slots = id_slots(len(ids), 16)
    sentinels = _sentinels(slots)

    def prepare() -> PreparedQuery:
        with scopes_disabled():  # no tenancy in these reads: the caller's ids are its cases
            return PreparedQuery(build(sentinels), sentinels)

    return _DATE_READS.get((name, slots, types), prepare).rows(padded(ids, slots))


def month_rule_dates(ids: list[int]) -> dict[int, dict[int, list[dt.date]]]:
    """``schedule.step_dates(ids, MONTH_RULE_STEPS)``, read by three queries kept compiled (none
    for no id): case id -> step of ④–⑦ -> every date known for it."""
    found: dict[int, dict[int, list[dt.date]]] = defaultdict(lambda: defaultdict(list))
    ids = list(dict.fromkeys(ids))
    if not ids:
        return found
    types = (
        ContentType.objects.get_for_model(Enrollment).pk,
        ContentType.objects.get_for_model(Inspection).pk,
    )
    zone = timezone.get_current_timezone()
    planned = _kept_rows("cases", ids, types, lambda s: _case_dates(s, types[0]))
    planned += _kept_rows("rounds", ids, types, lambda s: _round_dates(s, *types))
    for case, purpose, starts_at in planned:
        found[case][STEP_OF_PURPOSE[purpose]].append(timezone.localdate(starts_at, zone))
    records: dict[int, list[Any]] = defaultdict(list)
    for case, *row in _kept_rows("records", ids, types, _records):
        records[case].append(row)
    for case in ids:
        for step, actual in _actuals(records[case], zone).items():
            if step in MONTH_RULE_STEPS:
                found[case][step] += [d for d in (actual.start, actual.end) if d]
    return found


def month_rule_warnings_shown(ids: Iterable[int]) -> list[MonthWarning]:
    """``schedule.month_rule_warnings(ids)`` — the same rule, the same warnings — with the
    cases' dates read by the kept queries of ``month_rule_dates``: for the warnings a page shows."""
    return month_rule_warnings(ids, dates_of=month_rule_dates)
