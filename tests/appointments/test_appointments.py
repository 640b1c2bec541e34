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
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import State
from dsg.inspections import services as inspections
from dsg.orgs import permissions
from dsg.provisioning import services as prov

from ..factories import SiteFactory
from ..walk import new_case, walk_to


def soon(days: int = 3, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


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
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(10)))
    [offered] = inspections.inspection_propose_slots(
        inspection=round_, actor=cast.reviewer, starts=[start]
    )
    assert inspections.inspections_remind()[0] == 0  # proposed, not taken: no reminder
    inspections.inspection_pick_slot(inspection=round_, actor=cast.psa, slot_id=offered.pk)
    assert inspections.inspections_remind()[0] == 1
    assert inspections.inspections_remind()[0] == 0  # once
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
