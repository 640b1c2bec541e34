"""One appointment model for every visit: the office's proposed dates for an inspection round and
the provider's dates for a case are the same rows, with the same life, seen by who sees their
subject, written to the same calendar format."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from dsg.appointments.ics import CalendarEvent, calendar_ics
from dsg.appointments.models import Appointment, AppointmentState
from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import State
from dsg.inspections import services as inspections
from dsg.orgs import permissions
from dsg.provisioning import services as prov

from ..factories import SiteFactory
from ..walk import new_case, walk_to
from .dates import business_day_at


def soon(days: int = 3, hour: int = 10) -> dt.datetime:
    """The ``days``-th business day from today at ``hour``: dates are proposed on business days."""
    return business_day_at(days, hour)


@pytest.fixture
def at_inspection(site, cast):
    return walk_to(new_case(site, cast), State.INSPECTION, cast)


@pytest.fixture
def at_survey(company, cast):
    return walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)


def test_an_inspection_round_and_a_case_keep_their_dates_in_one_model(company, cast, at_survey):
    other_site = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
    round_ = inspections.inspection_open(subject=other_site, actor=cast.reviewer)
    offered = inspections.inspection_propose_slots(
        inspection=round_, actor=cast.reviewer, starts=[soon(), soon(4)]
    )
    survey = prov.appointment_propose(
        enrollment=at_survey, actor=cast.staff, purpose="survey", starts_at=soon()
    )
    assert {type(a) for a in [*offered, survey]} == {Appointment}
    assert {a.subject for a in offered} == {round_} and survey.subject == at_survey
    assert {a.purpose for a in Appointment.objects.all()} == {"site_inspection", "survey"}


def test_taking_one_offered_date_withdraws_the_others(at_inspection, cast):
    round_ = inspections.inspection_open(subject=at_inspection, actor=cast.reviewer)
    first, second = inspections.inspection_propose_slots(
        inspection=round_, actor=cast.reviewer, starts=[soon(), soon(5)]
    )
    inspections.inspection_pick_slot(inspection=round_, actor=cast.psa, slot_id=second.pk)

    states = dict(Appointment.objects.values_list("pk", "state"))
    assert states == {first.pk: AppointmentState.WITHDRAWN, second.pk: AppointmentState.CONFIRMED}
    round_.refresh_from_db()
    assert round_.scheduled_at == second.starts_at
    withdrawn = AuditEvent.objects.get(action="appointment.withdraw")
    assert (
        withdrawn.object_id == str(first.pk)
        and withdrawn.company_id == at_inspection.site.company_id
    )


def test_a_new_offer_replaces_the_standing_one_and_the_declined_message_is_kept(
    at_inspection, cast
):
    round_ = inspections.inspection_open(subject=at_inspection, actor=cast.reviewer)
    [first] = inspections.inspection_propose_slots(
        inspection=round_, actor=cast.reviewer, starts=[soon()]
    )
    inspections.inspection_ask_other_slots(inspection=round_, actor=cast.psa, message="来週を希望")
    round_.refresh_from_db()
    assert round_.slot_request == "来週を希望" and round_.scheduled_at is None
    assert Appointment.objects.get(pk=first.pk).state == AppointmentState.OTHER_DATE_REQUESTED

    [again] = inspections.inspection_propose_slots(
        inspection=round_, actor=cast.inspector, starts=[soon(8)]
    )
    round_.refresh_from_db()
    assert round_.slot_request == "" and round_.offered == [again]


def test_other_dates_can_be_asked_only_when_dates_are_offered(at_inspection, cast):
    round_ = inspections.inspection_open(subject=at_inspection, actor=cast.reviewer)
    with pytest.raises(RuleViolation) as refusal:
        inspections.inspection_ask_other_slots(inspection=round_, actor=cast.psa, message="x")
    assert refusal.value.code == "no_dates_offered"


def test_done_only_once_begun_and_cancel_keeps_the_reason(at_survey, cast):
    appointment = prov.appointment_propose(
        enrollment=at_survey, actor=cast.staff, purpose="survey", starts_at=soon()
    )
    prov.appointment_confirm(appointment=appointment, actor=cast.psa)
    with pytest.raises(RuleViolation) as refusal:
        prov.appointment_mark_done(appointment=appointment, actor=cast.staff)
    assert refusal.value.code == "appointment_not_begun"
    cancelled = prov.appointment_cancel(appointment=appointment, actor=cast.staff, reason="雨天")
    assert cancelled.state == AppointmentState.CANCELLED and "雨天" in cancelled.notes


def test_who_sees_an_appointment_is_who_sees_its_subject(at_inspection, at_survey, everyone, cast):
    round_ = inspections.inspection_open(subject=at_inspection, actor=cast.reviewer)
    [offered] = inspections.inspection_propose_slots(
        inspection=round_, actor=cast.reviewer, starts=[soon()]
    )
    survey = prov.appointment_propose(
        enrollment=at_survey, actor=cast.staff, purpose="survey", starts_at=soon()
    )
    seen = {
        key: set(permissions.restrict(person, Appointment.objects.all()))
        for key, person in everyone.items()
    }
    assert seen["psa"] == seen["delegate"] == {offered, survey}
    assert seen["user"] == {survey}  # a 利用者 never sees an inspection round
    assert seen["reviewer"] == seen["inspector"] == {offered, survey}
    assert seen["provider_staff"] == {survey}  # the provider never sees the office's rounds
    assert seen["other_psa"] == set()


def test_the_providers_appointment_pages_never_reach_an_inspection_date(at_inspection, cast):
    round_ = inspections.inspection_open(subject=at_inspection, actor=cast.reviewer)
    [offered] = inspections.inspection_propose_slots(
        inspection=round_, actor=cast.reviewer, starts=[soon()]
    )
    client = Client()
    client.force_login(cast.psa)
    assert client.post(f"/appointments/{offered.pk}/confirm/").status_code == 404
    assert client.post(f"/api/v1/appointments/{offered.pk}/confirm").status_code == 404
    assert Appointment.objects.get(pk=offered.pk).state == AppointmentState.PROPOSED


def test_reminders_go_once_for_the_confirmed_dates_of_tomorrow(at_inspection, cast):
    round_ = inspections.inspection_open(subject=at_inspection, actor=cast.reviewer)
    start = business_day_at(1, 10)
    eve = start.date() - dt.timedelta(days=1)  # the day before the next business day
    [offered] = inspections.inspection_propose_slots(
        inspection=round_, actor=cast.reviewer, starts=[start]
    )
    assert inspections.inspections_remind(today=eve)[0] == 0  # proposed, not taken: no reminder
    inspections.inspection_pick_slot(inspection=round_, actor=cast.psa, slot_id=offered.pk)
    assert inspections.inspections_remind(today=eve)[0] == 1
    assert inspections.inspections_remind(today=eve)[0] == 0  # once
    assert Appointment.objects.get(pk=offered.pk).reminded_at is not None


def test_one_calendar_writer_for_timed_events_and_whole_days():
    start = timezone.make_aware(dt.datetime(2027, 4, 5, 10))
    ics = calendar_ics(
        [
            CalendarEvent(
                uid="a@x", summary="現地確認", start=start, end=start + dt.timedelta(hours=3)
            ),
            CalendarEvent(
                uid="b@x",
                summary="④ 回線敷設工事",
                start=dt.date(2027, 4, 5),
                end=dt.date(2027, 4, 9),
            ),
        ],
        name="DSG-2027-00001",
    )
    timed, days = Calendar.from_ical(ics).walk("VEVENT")
    assert timed.decoded("DTEND") - timed.decoded("DTSTART") == dt.timedelta(hours=3)
    assert days.decoded("DTSTART") == dt.date(2027, 4, 5)
    assert days.decoded("DTEND") == dt.date(2027, 4, 10)  # exclusive: the 9th is the last day


# Business days and office hours ------------------------------------------------------------------
def _next_day(test) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=1)
    while not test(day):
        day += dt.timedelta(days=1)
    return day


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _off_days() -> dict[str, dt.date]:
    from dsg.core.calendar import is_business_day, is_year_end_closure

    return {
        "saturday": _next_day(lambda d: d.weekday() == 5),
        "sunday": _next_day(lambda d: d.weekday() == 6),
        "holiday": _next_day(
            lambda d: d.weekday() < 5 and not is_year_end_closure(d) and not is_business_day(d)
        ),
        "year_end": _next_day(lambda d: d.weekday() < 5 and is_year_end_closure(d)),
    }


@pytest.mark.parametrize("kind", ["saturday", "sunday", "holiday", "year_end"])
def test_no_date_is_proposed_on_a_day_the_offices_are_closed(at_survey, at_inspection, cast, kind):
    day = _off_days()[kind]
    with pytest.raises(RuleViolation) as refusal:
        prov.appointment_propose(
            enrollment=at_survey, actor=cast.staff, purpose="survey", starts_at=_at(day, 10)
        )
    assert (refusal.value.status, refusal.value.code) == (422, "not_business_day")
    assert day.isoformat() in str(refusal.value.message)
    round_ = inspections.inspection_open(subject=at_inspection, actor=cast.reviewer)
    with pytest.raises(RuleViolation) as refusal:  # every caller gets the rule
        inspections.inspection_propose_slots(
            inspection=round_, actor=cast.reviewer, starts=[soon(), _at(day, 10)]
        )
    assert refusal.value.code == "not_business_day"
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("start", "end"),
    [((7, 59), None), ((19, 0), None), ((17, 0), (19, 30)), ((6, 0), (9, 0)), ((20, 0), None)],
)
def test_a_date_outside_8_to_19_japan_time_is_refused(at_survey, cast, start, end):
    day = soon().date()
    with pytest.raises(RuleViolation) as refusal:
        prov.appointment_propose(
            enrollment=at_survey,
            actor=cast.staff,
            purpose="survey",
            starts_at=_at(day, *start),
            ends_at=_at(day, *end) if end else None,
        )
    assert (refusal.value.status, refusal.value.code) == (422, "outside_office_hours")
    assert "8:00" in str(refusal.value.message) and "19:00" in str(refusal.value.message)


def test_the_first_and_last_hours_of_the_day_are_within_office_hours(at_survey, cast):
    day = soon().date()
    appointment = prov.appointment_propose(
        enrollment=at_survey,
        actor=cast.staff,
        purpose="survey",
        starts_at=_at(day, 8),
        ends_at=_at(day, 19),
    )
    assert appointment.state == AppointmentState.PROPOSED


def test_japan_time_decides_not_the_servers_zone(at_survey, cast):
    day = soon().date()
    utc_midnight = dt.datetime.combine(day, dt.time(0, 30), tzinfo=dt.UTC)  # 9:30 in Tokyo
    appointment = prov.appointment_propose(
        enrollment=at_survey, actor=cast.staff, purpose="survey", starts_at=utc_midnight
    )
    assert timezone.localtime(appointment.starts_at).hour == 9


def test_the_office_may_make_an_exception_with_its_reason_in_the_ledger(
    at_inspection, at_survey, cast
):
    from django.db import transaction

    from dsg.appointments.services import appointments_propose

    saturday = _at(_off_days()["saturday"], 10)
    round_ = inspections.inspection_open(subject=at_inspection, actor=cast.reviewer)
    with transaction.atomic():
        [made] = appointments_propose(
            company=at_inspection.site.company,
            subject=round_,
            purpose="site_inspection",
            times=[(saturday, None)],
            actor=cast.reviewer,
            exception_reason="工場の稼働日が土曜日のみのため",
        )
    event = AuditEvent.objects.get(action="appointment.propose", object_id=str(made.pk))
    assert event.after["exception_reason"] == "工場の稼働日が土曜日のみのため"
    assert event.actor_id == cast.reviewer.pk
    for actor, reason in ((cast.reviewer, "  "), (cast.staff, "土曜日しか空いていない")):
        with pytest.raises(RuleViolation) as refusal, transaction.atomic():
            appointments_propose(  # no reason, or not the office: the rule holds
                company=at_survey.site.company,
                subject=at_survey,
                purpose="survey",
                times=[(saturday, None)],
                actor=actor,
                exception_reason=reason,
            )
        assert refusal.value.code == "not_business_day"
    ordinary = prov.appointment_propose(
        enrollment=at_survey, actor=cast.staff, purpose="survey", starts_at=soon()
    )
    event = AuditEvent.objects.get(action="appointment.propose", object_id=str(ordinary.pk))
    assert "exception_reason" not in event.after


# A record closes its appointment ----------------------------------------------------------------
def _confirmed(case, cast, purpose="survey", **kwargs):
    appointment = prov.appointment_propose(
        enrollment=case, actor=cast.staff, purpose=purpose, starts_at=soon(), **kwargs
    )
    return prov.appointment_confirm(appointment=appointment, actor=cast.psa)


def _in_the_past(appointment, days: int) -> None:
    start = timezone.now() - dt.timedelta(days=days)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )


def test_recording_the_survey_closes_its_confirmed_date_on_that_day(at_survey, cast):
    appointment = _confirmed(at_survey, cast)
    _in_the_past(appointment, 1)
    planned = Appointment.objects.get(pk=appointment.pk).starts_at
    prov.survey_record(
        enrollment=at_survey, actor=cast.staff, surveyed_on=timezone.localdate(planned)
    )
    done = Appointment.objects.get(pk=appointment.pk)
    assert (done.state, done.starts_at, done.closed_by) == (
        AppointmentState.DONE,
        planned,
        cast.staff,
    )
    assert not AuditEvent.objects.filter(action="appointment.move").exists()
    assert AuditEvent.objects.filter(action="appointment.done", object_id=str(done.pk)).exists()


def test_a_record_dated_before_the_confirmed_date_moves_it_with_a_ledger_event(at_survey, cast):
    appointment = _confirmed(at_survey, cast, ends_at=soon(hour=12))
    today = timezone.localdate()
    prov.survey_record(enrollment=at_survey, actor=cast.staff, surveyed_on=today)
    moved = Appointment.objects.get(pk=appointment.pk)
    assert moved.state == AppointmentState.DONE
    assert timezone.localtime(moved.starts_at).date() == today
    assert timezone.localtime(moved.starts_at).hour == 10  # its hours are kept
    assert moved.ends_at - moved.starts_at == dt.timedelta(hours=2)
    event = AuditEvent.objects.get(action="appointment.move")
    assert event.object_id == str(moved.pk) and event.actor_id == cast.staff.pk
    assert event.before["starts_at"].startswith(soon().date().isoformat())
    assert event.after["performed_on"] == today.isoformat()
    assert audit_verify().ok


def test_a_record_withdraws_the_dates_still_proposed_for_it(at_survey, cast):
    proposed = prov.appointment_propose(
        enrollment=at_survey, actor=cast.staff, purpose="survey", starts_at=soon()
    )
    prov.survey_record(enrollment=at_survey, actor=cast.staff, surveyed_on=timezone.localdate())
    assert Appointment.objects.get(pk=proposed.pk).state == AppointmentState.WITHDRAWN
