"""The ④–⑦ rule kept on the case (``Enrollment.month_rule_broken_from``, issue #14): every
service that writes a date the rule reads keeps it, so that it always equals weighing the case
afresh — the provider's appointments of ④–⑦ (proposed, confirmed, declined, done, cancelled,
withdrawn, moved and closed by a record), the final inspection's date (offered, taken, declined,
closed when the round ends), the step records of ④–⑦ and the case entering or leaving ③–⑦; the
migration that adds it weighs every case; and the provider's warnings read from it are those of
weighing every case at ③–⑦, whichever kind of date spills over (same cases, order, dates, text)."""

from __future__ import annotations

import datetime as dt
import importlib
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dsg.appointments.models import Appointment, AppointmentState
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.month_rule import month_rule_keep_all, month_rule_warnings_shown
from dsg.enrollment.schedule import MONTH_RULE_STATES, month_rule_warnings
from dsg.inspections import services as insp
from dsg.inspections.models import Inspection
from dsg.provisioning import services as prov
from dsg.provisioning import worklist

from ..factories import SiteFactory
from ..kept_builds import Builds
from ..walk import act, new_case, today, walk_to
from .test_provider_dashboard import at, first_of_next_month

pytestmark = pytest.mark.django_db


def weighed_afresh() -> dict[int, dt.date | None]:
    """What the column must hold for every case: the warning's rule over every case at ③–⑦ (the
    provider's dashboard's cases before the rule was kept), None for the others."""
    every = dict.fromkeys(Enrollment.objects.values_list("pk", flat=True))
    at_steps = Enrollment.objects.filter(state__in=worklist.STEP_STATES).values_list(
        "pk", flat=True
    )
    every.update({w.enrollment_id: w.first for w in month_rule_warnings(list(at_steps))})
    return every


def kept() -> dict[int, dt.date | None]:
    return dict(Enrollment.objects.values_list("pk", "month_rule_broken_from"))


def assert_kept() -> dict[int, dt.date | None]:
    now = kept()
    assert now == weighed_afresh()
    return now


def _at_survey(company, cast) -> Enrollment:
    return walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)


def _propose(case, cast, purpose: str, day: dt.date) -> Appointment:
    return prov.appointment_propose(
        enrollment=case, actor=cast.staff, purpose=purpose, starts_at=at(day)
    )


def test_the_states_kept_are_the_providers_steps():
    assert set(MONTH_RULE_STATES) == set(worklist.STEP_STATES)


def test_the_providers_dates_keep_the_rule(company, cast):
    month, later = first_of_next_month(), first_of_next_month(2)
    case, other = _at_survey(company, cast), _at_survey(company, cast)
    construction = _propose(case, cast, "construction", month)
    _propose(other, cast, "construction", month)
    assert assert_kept()[case.pk] is None  # one month
    router = _propose(case, cast, "router", later)  # proposed: it counts
    first = assert_kept()[case.pk]
    assert first == timezone.localdate(construction.starts_at)
    assert kept()[other.pk] is None  # another case's dates are not its own
    prov.appointment_confirm(appointment=router, actor=cast.psa)
    assert assert_kept()[case.pk] == first
    prov.appointment_request_other_date(appointment=router, actor=cast.psa, message="別の日を")
    assert assert_kept()[case.pk] is None  # declined: no longer counts
    router = _propose(case, cast, "router", later)
    assert assert_kept()[case.pk] == first
    prov.appointment_cancel(appointment=router, actor=cast.staff, reason="延期")
    assert assert_kept()[case.pk] is None  # cancelled
    prov.appointment_propose(  # a survey's date (③) does not count
        enrollment=case, actor=cast.staff, purpose="survey", starts_at=at(later)
    )
    assert assert_kept()[case.pk] is None
    router = _propose(case, cast, "router", later)
    prov.appointment_confirm(appointment=construction, actor=cast.psa)
    assert assert_kept()[case.pk] == first
    # The construction took place (its start moved to yesterday by hand, to be done): done still
    # counts, on its day.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Appointment.objects.filter(pk=construction.pk).update(
        starts_at=at(yesterday) - dt.timedelta(days=7)
    )
    prov.appointment_mark_done(appointment=construction, actor=cast.staff)
    assert assert_kept()[case.pk] is not None


def test_a_record_of_a_step_moves_its_date_and_keeps_the_rule(company, cast):
    """④'s record closes its confirmed date on the day given (``appointment_close_for`` moves
    it), and the record's own dates count: a construction done today, its date two months on."""
    case = _at_survey(company, cast)
    prov.survey_record(enrollment=case, actor=cast.staff, surveyed_on=today())
    construction = _propose(case, cast, "construction", first_of_next_month())
    prov.appointment_confirm(appointment=construction, actor=cast.psa)
    _propose(case, cast, "router", first_of_next_month(2))
    case = act(case, "complete_survey", cast.staff)
    assert assert_kept()[case.pk] is not None  # ④ starts today, ⑤ in two months
    case = act(case, "complete_construction", cast.staff, performed_on=today())
    construction.refresh_from_db()
    assert construction.state == AppointmentState.DONE
    assert timezone.localdate(construction.starts_at) == today()
    assert assert_kept()[case.pk] == today()


def test_records_given_a_day_in_another_month_break_it(company, cast):
    case = walk_to(new_case(SiteFactory(company=company), cast), State.CONSTRUCTION, cast)
    assert assert_kept()[case.pk] is None
    earlier = today() - dt.timedelta(days=40)  # in the month before this one, or earlier
    case = act(case, "complete_construction", cast.staff, performed_on=earlier)
    assert assert_kept()[case.pk] == earlier


def test_the_final_inspection_date_keeps_the_rule_and_ending_clears_it(company, cast):
    case = walk_to(new_case(SiteFactory(company=company), cast), State.FINAL_INSPECTION, cast)
    assert assert_kept()[case.pk] is None  # ④–⑥ recorded today
    final = insp.inspection_open(subject=case, actor=cast.inspector)
    later = first_of_next_month(2)
    [slot] = insp.inspection_propose_slots(
        inspection=final, actor=cast.reviewer, starts=[at(later)]
    )
    assert assert_kept()[case.pk] is None  # a date offered for a round does not count yet
    insp.inspection_ask_other_slots(inspection=final, actor=cast.psa, message="別の日を")
    insp.inspection_propose_slots(inspection=final, actor=cast.reviewer, starts=[at(later)])
    [slot] = Appointment.objects.filter(subject_id=final.pk, state=AppointmentState.PROPOSED)
    insp.inspection_pick_slot(inspection=final, actor=cast.psa, slot_id=slot.pk)
    assert assert_kept()[case.pk] is not None  # the date taken counts
    # Offered again: the date taken is withdrawn.
    insp.inspection_propose_slots(inspection=final, actor=cast.reviewer, starts=[at(later)])
    assert assert_kept()[case.pk] is None
    [slot] = Appointment.objects.filter(subject_id=final.pk, state=AppointmentState.PROPOSED)
    insp.inspection_pick_slot(inspection=final, actor=cast.psa, slot_id=slot.pk)
    assert assert_kept()[case.pk] is not None
    # The round ends: the case completes (no longer at ③–⑦).
    _finish(final, cast)
    case.refresh_from_db()
    assert case.state == State.COMPLETED
    assert assert_kept()[case.pk] is None


def _finish(final: Inspection, cast) -> None:
    findings = list(final.findings.order_by("order", "pk"))
    entries = [insp.FindingInput(finding_id=f.pk, result="conforming") for f in findings]
    insp.inspection_record(inspection=final, actor=cast.inspector, entries=entries)
    insp.inspection_finish(inspection=final, actor=cast.inspector, performed_on=today())


def test_a_case_withdrawn_is_no_longer_kept(company, cast):
    case = _at_survey(company, cast)
    _propose(case, cast, "construction", first_of_next_month())
    _propose(case, cast, "router", first_of_next_month(2))
    assert assert_kept()[case.pk] is not None
    case = act(case, "withdraw", cast.psa)
    assert case.state == State.WITHDRAWN
    assert assert_kept()[case.pk] is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_sequence_of_date_changes_keeps_the_rule(company, cast, seed):
    """Random proposals, answers and cancellations of ④–⑥'s dates over four months on two
    cases: after each, the column equals weighing every case afresh."""
    rng = random.Random(seed)
    cases = [_at_survey(company, cast) for _ in range(2)]
    for _ in range(14):
        case = rng.choice(cases)
        standing = list(
            Appointment.objects.filter(
                subject_id=case.pk,
                subject_type__model="enrollment",
                state__in=[AppointmentState.PROPOSED, AppointmentState.CONFIRMED],
            )
        )
        move = rng.choice(["propose", "propose", "answer", "cancel"])
        if move == "propose" or not standing:
            purpose = rng.choice(["construction", "router"])
            if any(a.purpose == purpose for a in standing):
                continue
            day = first_of_next_month(rng.randint(1, 3)) + dt.timedelta(days=rng.randint(0, 20))
            _propose(case, cast, purpose, day)
        elif move == "answer":
            appointment = rng.choice(standing)
            if appointment.state == AppointmentState.PROPOSED and rng.random() < 0.5:
                prov.appointment_confirm(appointment=appointment, actor=cast.psa)
            else:
                prov.appointment_request_other_date(
                    appointment=appointment, actor=cast.psa, message="別の日を"
                )
        else:
            prov.appointment_cancel(appointment=rng.choice(standing), actor=cast.staff)
        assert_kept()


def test_the_migration_weighs_every_case(company, cast):
    breaking, fits = _at_survey(company, cast), _at_survey(company, cast)
    _propose(breaking, cast, "construction", first_of_next_month())
    _propose(breaking, cast, "router", first_of_next_month(2))
    _propose(fits, cast, "construction", first_of_next_month())
    expected = assert_kept()
    assert expected[breaking.pk] is not None and expected[fits.pk] is None
    # As before the column: nothing kept, or something wrong kept.
    Enrollment.objects.filter(pk=breaking.pk).update(month_rule_broken_from=None)
    Enrollment.objects.filter(pk=fits.pk).update(month_rule_broken_from=dt.date(2020, 1, 1))
    migration = importlib.import_module("dsg.enrollment.migrations.0009_month_rule_kept")
    migration.weigh_every_case(None, None)
    assert kept() == expected
    assert month_rule_keep_all() == 1


def test_the_warnings_are_those_of_weighing_every_case(company, cast):
    """Each kind of date spilling over — the provider's appointments, the final inspection's
    date taken, the dates given with the records — warns exactly as weighing every case at
    ③–⑦ does: the same cases, earliest first, with the same dates and text."""
    month, later = first_of_next_month(), first_of_next_month(2)
    by_router, fits, by_record, quiet = (_at_survey(company, cast) for _ in range(4))
    for c in (by_router, fits):
        _propose(c, cast, "construction", month)
    _propose(by_router, cast, "router", later)
    _propose(fits, cast, "router", month.replace(day=9))
    _propose(by_record, cast, "construction", month)
    by_final = walk_to(new_case(SiteFactory(company=company), cast), State.FINAL_INSPECTION, cast)
    final = insp.inspection_open(subject=by_final, actor=cast.inspector)
    [slot] = insp.inspection_propose_slots(
        inspection=final, actor=cast.reviewer, starts=[at(later)]
    )
    insp.inspection_pick_slot(inspection=final, actor=cast.psa, slot_id=slot.pk)
    walked = walk_to(new_case(SiteFactory(company=company), cast), State.CONSTRUCTION, cast)
    walked = act(
        walked, "complete_construction", cast.staff, performed_on=today() - dt.timedelta(days=40)
    )

    every = list(
        Enrollment.objects.filter(state__in=worklist.STEP_STATES).values_list("pk", flat=True)
    )
    weighed_all = month_rule_warnings(every)
    assert {w.enrollment_id for w in weighed_all} == {by_router.pk, by_final.pk, walked.pk}
    found = worklist.provider_month_warnings(user=cast.staff)
    assert [(c.pk, w.dates, w.months, w.message) for c, w in found] == [
        (w.enrollment_id, w.dates, w.months, w.message) for w in weighed_all
    ]
    assert fits.pk not in {c.pk for c, _w in found} and quiet.pk not in {c.pk for c, _w in found}


def test_the_warnings_count_and_page_in_one_query_each(company, cast):
    for _ in range(3):
        c = _at_survey(company, cast)
        _propose(c, cast, "construction", first_of_next_month())
        _propose(c, cast, "router", first_of_next_month(2))
    broken = worklist.provider_month_rule_cases(user=cast.staff)
    with CaptureQueriesContext(connection) as captured:
        assert broken.count() == 3
        page = list(broken[:2])
    assert len(captured) == 2
    assert [c.site.company.name for c in page]  # site and company read with the page
    assert len(captured) == 2
    sql = captured[0]["sql"] + captured[1]["sql"]
    assert "month_rule_broken_from" in sql
    assert "enrollment_stepreco" not in sql and "appointments_appointment" not in sql


def test_the_warnings_shown_read_their_dates_by_kept_queries(company, cast, monkeypatch):
    """``month_rule_warnings_shown`` (the dashboard's first ten, a page of fifty): the same
    warnings as ``month_rule_warnings`` — cases, order, dates, months, text — for any number of
    cases (fewer places than ids, more, none), again after dates change with the queries already
    kept; three queries, none for no case; building them reads no row."""
    from dsg.enrollment import month_rule

    builds = Builds()
    monkeypatch.setattr(month_rule, "_DATE_READS", builds.cache())
    month, later = first_of_next_month(), first_of_next_month(2)
    by_router, fits, by_record = (_at_survey(company, cast) for _ in range(3))
    for c in (by_router, fits):
        _propose(c, cast, "construction", month)
    router = _propose(by_router, cast, "router", later)
    fitting = _propose(fits, cast, "router", month.replace(day=9))
    by_final = walk_to(new_case(SiteFactory(company=company), cast), State.FINAL_INSPECTION, cast)
    final = insp.inspection_open(subject=by_final, actor=cast.inspector)
    [slot] = insp.inspection_propose_slots(
        inspection=final, actor=cast.reviewer, starts=[at(later)]
    )
    insp.inspection_pick_slot(inspection=final, actor=cast.psa, slot_id=slot.pk)
    walked = walk_to(new_case(SiteFactory(company=company), cast), State.CONSTRUCTION, cast)
    act(walked, "complete_construction", cast.staff, performed_on=today() - dt.timedelta(days=40))

    def same(ids: list[int]) -> list:
        shown = month_rule_warnings_shown(ids)
        assert [(w.enrollment_id, w.dates, w.months, w.message) for w in shown] == [
            (w.enrollment_id, w.dates, w.months, w.message) for w in month_rule_warnings(ids)
        ]
        return shown

    every = list(Enrollment.objects.values_list("pk", flat=True))
    assert {w.enrollment_id for w in same(every)} == {by_router.pk, by_final.pk, walked.pk}
    for ids in ([by_router.pk], [fits.pk, by_record.pk], every[::-1], every * 6, []):
        same(ids)
    kept_before = list(builds.keys)
    # Dates change with the queries kept: no new build, the new dates read.
    prov.appointment_cancel(appointment=router, actor=cast.staff, reason="延期")
    prov.appointment_cancel(appointment=fitting, actor=cast.staff, reason="延期")
    _propose(fits, cast, "router", later)
    insp.inspection_propose_slots(inspection=final, actor=cast.reviewer, starts=[at(later)])
    assert {w.enrollment_id for w in same(every)} == {fits.pk, walked.pk}
    assert builds.keys == kept_before
    assert {key[0] for key in builds.keys} == {"cases", "rounds", "records"}
    with CaptureQueriesContext(connection) as captured:
        month_rule_warnings_shown(every)
    assert len(captured) == 3
    with CaptureQueriesContext(connection) as captured:
        assert month_rule_warnings_shown([]) == []
    assert len(captured) == 0
