"""The guideline's ④–⑦ rule: line construction, router, setup and the final inspection are planned
within one calendar month (「④～⑦の作業は、同一月内に実施」).

``month_rule_breaks`` is the check, made by the schedule planner's ``month_window_warning`` on the
earliest and the latest known date of ④–⑦; ``month_rule_warnings`` gathers, for many cases at once
(three queries whatever their number), the dates known for ④–⑦: the construction and router
appointments or their recorded completion, the vein registration appointments, and the date
taken for ⑦.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from dsg.appointments.models import Appointment, AppointmentState
from dsg.enrollment.models import Enrollment
from dsg.inspections.models import Inspection, InspectionKind
from dsg.schedule.planner import month_window_warning

from .models import AppointmentPurpose, Provisioning

STEP_OF_PURPOSE = {
    AppointmentPurpose.CONSTRUCTION: 4,
    AppointmentPurpose.ROUTER: 5,
    AppointmentPurpose.VEIN_REGISTRATION: 6,
}
COUNTING_STATES = (AppointmentState.PROPOSED, AppointmentState.CONFIRMED, AppointmentState.DONE)


def month_rule_breaks(dates: dict[int, list[dt.date]]) -> bool:
    """True when the dates of ④–⑦ (step -> dates) fall in more than one calendar month."""
    known = [d for step in (4, 5, 6, 7) for d in dates.get(step, [])]
    return bool(known) and month_window_warning(min(known), max(known)) is not None


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


def _seventh_dates(ids: list[int]) -> Iterable[tuple[int, dt.date]]:
    """The dates taken for ⑦ (only the dates: never the inspection's findings)."""
    rounds = dict(
        Inspection.objects.filter(
            subject_type=ContentType.objects.get_for_model(Enrollment),
            subject_id__in=ids,
            kind=InspectionKind.FINAL,
        ).values_list("pk", "subject_id")
    )
    dates = Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(Inspection),
        subject_id__in=list(rounds),
        state=AppointmentState.CONFIRMED,
    ).values_list("subject_id", "starts_at")
    return [(rounds[round_id], timezone.localdate(at)) for round_id, at in dates]


def dates_of_steps(ids: list[int]) -> dict[int, dict[int, list[dt.date]]]:
    """case id -> step (4..7) -> dates planned or done."""
    found: dict[int, dict[int, list[dt.date]]] = defaultdict(lambda: defaultdict(list))
    appointments = Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(Enrollment),
        subject_id__in=ids,
        purpose__in=list(STEP_OF_PURPOSE),
        state__in=COUNTING_STATES,
    ).values_list("subject_id", "purpose", "starts_at")
    for case, purpose, starts_at in appointments:
        found[case][STEP_OF_PURPOSE[purpose]].append(timezone.localdate(starts_at))
    done = Provisioning.objects.filter(enrollment_id__in=ids).values_list(
        "enrollment_id", "construction_completed_on", "router_installed_on"
    )
    for case, construction, router in done:
        if construction:
            found[case][4].append(construction)
        if router:
            found[case][5].append(router)
    for case, day in _seventh_dates(ids):
        found[case][7].append(day)
    return found


def month_rule_warnings(ids: Iterable[int]) -> list[MonthWarning]:
    """The cases among ``ids`` whose ④–⑦ no longer fit one calendar month, earliest first."""
    found = dates_of_steps(list(ids))
    warnings = [
        MonthWarning(case, {step: sorted(ds) for step, ds in steps.items()})
        for case, steps in found.items()
        if month_rule_breaks(steps)
    ]
    return sorted(warnings, key=lambda w: (w.first, w.enrollment_id))
