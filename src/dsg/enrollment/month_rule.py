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
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django_scopes import scopes_disabled

from dsg.appointments.models import Appointment
from dsg.appointments.watchers import register_date_watcher
from dsg.inspections.models import Inspection

from .models import Enrollment
from .schedule import MONTH_RULE_STATES, MONTH_RULE_STEPS, STEP_OF_PURPOSE, month_rule_warnings

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
