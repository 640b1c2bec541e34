"""The provider's ④–⑦ warning weighs in Python only the cases whose dates may span two months,
found in the database (provisioning.worklist.month_rule_candidates, issue #14): the warnings are
those of weighing every case at ③–⑦, whichever kind of date spills over — the provider's
appointments, the final inspection's date taken, the dates recorded with the steps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsg.appointments.models import Appointment
from dsg.enrollment.models import Enrollment, State, StepRecord
from dsg.enrollment.schedule import MONTH_RULE_STEPS, month_rule_warnings, step_dates
from dsg.inspections.models import Inspection, InspectionKind
from dsg.provisioning import services as prov
from dsg.provisioning import worklist

from ..factories import SiteFactory
from ..walk import new_case, walk_to
from .test_provider_dashboard import at, first_of_next_month

pytestmark = pytest.mark.django_db
MONTH_RULE_STEPS_SET = set(MONTH_RULE_STEPS)


def _construction(case, cast, day: dt.date) -> None:
    prov.appointment_propose(
        enrollment=case, actor=cast.staff, purpose="construction", starts_at=at(day)
    )


def test_the_warnings_are_those_of_weighing_every_case(company, cast):
    month, later = first_of_next_month(), first_of_next_month(2)

    def case(state=State.SURVEY):
        return walk_to(new_case(SiteFactory(company=company), cast), state, cast)

    by_router, fits, by_final, by_record, quiet = case(), case(), case(), case(), case()
    for c in (by_router, fits, by_final):
        _construction(c, cast, month)
    prov.appointment_propose(
        enrollment=by_router, actor=cast.staff, purpose="router", starts_at=at(later)
    )
    prov.appointment_propose(
        enrollment=fits, actor=cast.staff, purpose="router", starts_at=at(month.replace(day=9))
    )
    final = Inspection.objects.create(company=company, subject=by_final, kind=InspectionKind.FINAL)
    Appointment.objects.create(
        company=company,
        subject=final,
        purpose="final_inspection",
        starts_at=at(later),
        state="confirmed",
        proposed_by=cast.inspector,
    )
    _construction(by_record, cast, month)
    walked = walk_to(new_case(SiteFactory(company=company), cast), State.TERMINAL_SETUP, cast)
    StepRecord.objects.filter(enrollment=walked, step=4).update(performed_on=later)
    StepRecord.objects.filter(enrollment=walked, step=5).update(performed_on=month)

    every = list(
        Enrollment.objects.filter(state__in=worklist.STEP_STATES).values_list("pk", flat=True)
    )
    weighed_all = month_rule_warnings(every)
    assert {w.enrollment_id for w in weighed_all} == {by_router.pk, by_final.pk, walked.pk}
    candidates = worklist.month_rule_candidates(Enrollment.objects.filter(pk__in=every))
    assert {w.enrollment_id for w in weighed_all} <= set(candidates)
    assert fits.pk not in candidates and quiet.pk not in candidates
    found = worklist.provider_month_warnings(user=cast.staff)
    assert [(c.pk, w.dates) for c, w in found] == [(w.enrollment_id, w.dates) for w in weighed_all]
    # The rule reads ④–⑦'s dates only (step_dates(steps=...)): the same as reading every step's
    # dates and keeping ④–⑦'s — the records into and out of those steps, their appointments.
    complete = step_dates(every)
    kept = {c: {n: v for n, v in of.items() if n in MONTH_RULE_STEPS} for c, of in complete.items()}
    restricted = step_dates(every, MONTH_RULE_STEPS)
    assert {c: dict(of) for c, of in restricted.items() if of} == {
        c: of for c, of in kept.items() if of
    }
    assert kept[walked.pk] and kept[by_final.pk] and set(complete[walked.pk]) - MONTH_RULE_STEPS_SET


def test_the_candidates_are_read_in_four_queries_whatever_the_cases(company, cast):
    for _ in range(3):
        c = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
        _construction(c, cast, first_of_next_month())
    final = Inspection.objects.create(company=company, subject=c, kind=InspectionKind.FINAL)
    Appointment.objects.create(
        company=company,
        subject=final,
        purpose="final_inspection",
        starts_at=at(first_of_next_month(2)),
        state="confirmed",
        proposed_by=cast.inspector,
    )
    worklist.month_rule_candidates(Enrollment.objects.all())  # content types read once
    with CaptureQueriesContext(connection) as captured:
        assert worklist.month_rule_candidates(Enrollment.objects.all()) == [c.pk]
    assert len(captured) == 4
