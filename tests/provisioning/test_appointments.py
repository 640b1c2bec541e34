"""Appointments of ③, ④, ⑤ and vein registration: the provider proposes, the PSA confirms or asks
for another date; mail to the other side; iCalendar export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from icalendar import Calendar

from dsg.appointments.models import Appointment, AppointmentState
from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import State
from dsg.notifications.models import OutboxMessage
from dsg.provisioning import selectors as prov_selectors
from dsg.provisioning import services as prov

from ..appointments.dates import business_day_at
from ..walk import new_case, walk_to


def soon(days: int = 3, hour: int = 10) -> dt.datetime:
    """The ``days``-th business day from today at ``hour``: dates are proposed on business days."""
    return business_day_at(days, hour)


@pytest.fixture
def at_survey(site, cast):
    return walk_to(new_case(site, cast), State.SURVEY, cast)


def propose(case, cast, purpose="survey", **kwargs):
    return prov.appointment_propose(
        enrollment=case, actor=cast.staff, purpose=purpose, starts_at=soon(), **kwargs
    )


@pytest.mark.django_db
def test_the_provider_proposes_and_the_psa_confirms(at_survey, cast):
    appointment = propose(at_survey, cast, ends_at=soon(hour=12))
    assert appointment.state == AppointmentState.PROPOSED
    assert appointment.place == at_survey.site.full_address  # the site, by default
    mail = OutboxMessage.objects.get(kind="appointment.propose")
    assert mail.recipients == [cast.psa.email]

    confirmed = prov.appointment_confirm(appointment=appointment, actor=cast.psa)
    assert (confirmed.state, confirmed.confirmed_by) == (AppointmentState.CONFIRMED, cast.psa)
    mail = OutboxMessage.objects.get(kind="appointment.confirm")
    assert mail.recipients == [cast.staff.email]
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "appointment.propose" in actions and "appointment.confirm" in actions
    assert audit_verify().ok


@pytest.mark.django_db
def test_the_psa_asks_for_another_date_with_a_message_and_the_provider_proposes_again(
    at_survey, cast
):
    first = propose(at_survey, cast)
    with pytest.raises(RuleViolation) as refusal:  # one open appointment per purpose
        propose(at_survey, cast)
    assert refusal.value.code == "appointment_exists"
    with pytest.raises(RuleViolation) as refusal:
        prov.appointment_request_other_date(appointment=first, actor=cast.psa, message="  ")
    assert refusal.value.status == 422
    declined = prov.appointment_request_other_date(
        appointment=first, actor=cast.psa, message="午後にしてください"
    )
    assert declined.state == AppointmentState.OTHER_DATE_REQUESTED
    assert declined.response_message == "午後にしてください"
    mail = OutboxMessage.objects.get(kind="appointment.request_other_date")
    assert mail.recipients == [cast.staff.email]
    assert "午後" not in mail.body  # the message stays behind the login
    with pytest.raises(RuleViolation) as refusal:  # no confirming a declined date
        prov.appointment_confirm(appointment=declined, actor=cast.psa)
    assert refusal.value.code == "wrong_appointment_state"
    second = propose(at_survey, cast)
    assert second.state == AppointmentState.PROPOSED


@pytest.mark.django_db
def test_only_the_provider_proposes_and_only_the_psa_of_the_company_confirms(at_survey, everyone):
    for key in ("psa", "delegate", "user", "reviewer", "inspector", "other_psa"):
        with pytest.raises(RuleViolation) as refusal:
            prov.appointment_propose(
                enrollment=at_survey, actor=everyone[key], purpose="survey", starts_at=soon()
            )
        assert refusal.value.status == 403, key
    appointment = prov.appointment_propose(
        enrollment=at_survey, actor=everyone["provider_staff"], purpose="survey", starts_at=soon()
    )
    for key in ("delegate", "user", "reviewer", "inspector", "provider_staff", "other_psa"):
        with pytest.raises(RuleViolation) as refusal:
            prov.appointment_confirm(appointment=appointment, actor=everyone[key])
        assert refusal.value.status == 403, key
    assert Appointment.objects.get().state == AppointmentState.PROPOSED


@pytest.mark.django_db
def test_dates_in_the_past_or_ending_before_they_start_are_refused(at_survey, cast):
    past = timezone.now() - dt.timedelta(hours=1)
    for kwargs, code in (
        ({"starts_at": past}, "date_in_past"),
        ({"starts_at": soon(), "ends_at": soon(hour=9)}, "invalid"),
        ({"starts_at": None}, "date_required"),
    ):
        with pytest.raises(RuleViolation) as refusal:
            prov.appointment_propose(
                enrollment=at_survey, actor=cast.staff, purpose="survey", **kwargs
            )
        assert (refusal.value.status, refusal.value.code) == (422, code)
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_each_purpose_is_proposed_at_its_own_steps(at_survey, cast):
    with pytest.raises(RuleViolation) as refusal:  # no holders before ⑥
        propose(at_survey, cast, "vein_registration", vein_method="remote")
    assert refusal.value.field == "holder_id"
    for purpose in ("construction", "router"):  # planned ahead during ③, for ④–⑦ in one month
        propose(at_survey, cast, purpose)
    assert prov_selectors.appointments_of(user=cast.psa, enrollment=at_survey).count() == 2


@pytest.mark.django_db
def test_a_vein_registration_appointment_names_the_person_and_records_the_registration(site, cast):
    case = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    holder = case.account_holders.get()  # the PSA, from the application
    _delivery, token = prov.account_delivery_create(
        holder=holder, actor=cast.staff, username="u", password="p"
    )
    prov.account_delivery_open(token=token, actor=cast.psa)  # received: vein registration next
    with pytest.raises(RuleViolation) as refusal:
        propose(case, cast, "vein_registration", holder=holder)  # Shinjuku or remote?
    assert refusal.value.field == "vein_method"
    appointment = propose(case, cast, "vein_registration", holder=holder, vein_method="shinjuku")
    assert "新宿" in appointment.place
    assert (appointment.person, appointment.party) == (cast.psa, f"account_holder:{holder.pk}")
    prov.appointment_confirm(appointment=appointment, actor=cast.psa)
    with pytest.raises(RuleViolation) as refusal:  # not before it begins
        prov.appointment_mark_done(appointment=appointment, actor=cast.staff)
    assert refusal.value.code == "appointment_not_begun"
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1)
    )
    done = prov.appointment_mark_done(appointment=appointment, actor=cast.staff)
    assert done.state == AppointmentState.DONE
    holder.refresh_from_db()
    # the day of the appointment in Japan (an hour ago may still be yesterday there)
    assert holder.vein_registered_on == timezone.localdate(
        Appointment.objects.get(pk=appointment.pk).starts_at
    )
    assert holder.vein_method == "shinjuku"


@pytest.mark.django_db
def test_the_provider_cancels_and_the_psa_hears_of_it(at_survey, cast):
    appointment = propose(at_survey, cast)
    cancelled = prov.appointment_cancel(appointment=appointment, actor=cast.staff, reason="雨天")
    assert cancelled.state == AppointmentState.CANCELLED
    assert OutboxMessage.objects.get(kind="appointment.cancel").recipients == [cast.psa.email]
    with pytest.raises(RuleViolation):
        prov.appointment_confirm(appointment=cancelled, actor=cast.psa)


@pytest.mark.django_db
def test_icalendar_per_appointment_and_per_case(client, at_survey, cast):
    survey = propose(at_survey, cast, ends_at=soon(hour=12))
    prov.appointment_confirm(appointment=survey, actor=cast.psa)
    construction = propose(at_survey, cast, "construction")
    client.force_login(cast.psa)
    one = client.get(f"/appointments/{survey.pk}/calendar.ics")
    assert one.status_code == 200 and one["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(one.content).walk("VEVENT")
    assert event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTART") == survey.starts_at
    assert event.decoded("DTEND") == survey.ends_at
    assert at_survey.number in str(event["SUMMARY"]) and "現場調査" in str(event["SUMMARY"])
    whole = client.get(f"/enrollments/{at_survey.pk}/appointments.ics")
    events = Calendar.from_ical(whole.content).walk("VEVENT")
    assert {str(e["UID"]) for e in events} == {
        f"dsg-appointment-{survey.pk}@127.0.0.1:8000",
        f"dsg-appointment-{construction.pk}@127.0.0.1:8000",
    }
    assert {str(e["STATUS"]) for e in events} == {"CONFIRMED", "TENTATIVE"}


@pytest.mark.django_db
def test_a_holder_without_a_portal_user_gets_a_vein_date_of_their_own(site, cast):
    case = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    first, second = (
        prov.account_holder_add(
            enrollment=case, actor=cast.psa, name=name, email=email, reason="増員"
        )
        for name, email in (("外部 一郎", "ichiro@example.jp"), ("外部 二郎", "jiro@example.jp"))
    )
    dates = []
    for holder in (first, second):
        _delivery, token = prov.account_delivery_create(
            holder=holder, actor=cast.staff, username=f"u{holder.pk}", password="p"
        )
        prov.account_delivery_open(token=token, actor=cast.psa)
        dates.append(propose(case, cast, "vein_registration", holder=holder, vein_method="remote"))
    assert [a.person for a in dates] == [None, None]  # two standing dates, one per holder
    prov.appointment_confirm(appointment=dates[1], actor=cast.psa)
    assert Appointment.objects.get(pk=dates[0].pk).state == AppointmentState.PROPOSED
    prov.vein_registration_record(
        holder=second, actor=cast.staff, registered_on=timezone.localdate(), method="remote"
    )
    states = dict(Appointment.objects.values_list("pk", "state"))
    assert states == {dates[0].pk: AppointmentState.PROPOSED, dates[1].pk: AppointmentState.DONE}
    rows = {a.pk: a for a in prov_selectors.appointments_of(user=cast.psa, enrollment=case)}
    assert (rows[dates[0].pk].holder_id, rows[dates[1].pk].holder_name) == (first.pk, "外部 二郎")


@pytest.mark.django_db
def test_a_company_user_sees_a_vein_date_only_when_it_is_their_own(client, site, cast, everyone):
    case = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    user = everyone["user"]
    outsider = prov.account_holder_add(
        enrollment=case, actor=cast.psa, name="外部 一郎", email="ichiro@example.jp", reason="増員"
    )
    own = prov.account_holder_add(
        enrollment=case,
        actor=cast.psa,
        name=user.get_full_name() or "利用者",
        email=user.email,
        reason="増員",
    )
    for holder in (outsider, own):
        _delivery, token = prov.account_delivery_create(
            holder=holder, actor=cast.staff, username=f"u{holder.pk}", password="p"
        )
        prov.account_delivery_open(token=token, actor=cast.psa)
    theirs = propose(case, cast, "vein_registration", holder=outsider, vein_method="remote")
    mine = propose(case, cast, "vein_registration", holder=own, vein_method="shinjuku")
    assert mine.person == user and theirs.person is None

    def seen(person):
        return set(
            prov_selectors.appointments_of(user=person, enrollment=case).values_list(
                "pk", flat=True
            )
        )

    assert seen(cast.psa) == {theirs.pk, mine.pk}
    assert seen(user) == {mine.pk}  # the case's other dates: tests/test_role_matrix.py
    client.force_login(user)
    ics = client.get(f"/enrollments/{case.pk}/appointments.ics")
    events = Calendar.from_ical(ics.content).walk("VEVENT")
    assert {str(e["UID"]) for e in events} == {f"dsg-appointment-{mine.pk}@127.0.0.1:8000"}
    listed = client.get(f"/api/v1/enrollments/{case.pk}/appointments")
    assert listed.status_code == 403  # the 利用者 uses no API (#12): the page and its .ics
    assert "外部 一郎" not in client.get(f"/enrollments/{case.pk}/").content.decode()
