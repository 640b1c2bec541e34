"""Use cases of an appointment, shared by every app that makes one.

They run inside the caller's transaction, after the caller has checked who may act and locked
what the appointment is for (its case, its inspection round); each writes its ledger event. The
caller says what its purpose needs (one proposal or several, replacing earlier ones or not) and
tells the other party by mail.

Every date is proposed on a business day (no Saturday, Sunday, public holiday or 12/29–1/3) between
8:00 and 19:00 Japan time; the office alone may make an exception, with its reason in the ledger.
When the record of what a date was for is made (a survey, a round finished), the date is closed
with it (``appointment_close_for``). Each date written, and each change of its state, is told to
the watchers the apps above register (``watchers``: the case's ④–⑦ rule), in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core import subjects
from dsg.core.calendar import is_business_day
from dsg.core.errors import RuleViolation
from dsg.orgs.models import User
from dsg.orgs.permissions import is_office

from .models import ACTIVE_STATES, Appointment, AppointmentState
from .watchers import date_changed

TEXT_MAX = 4000
# When visits take place: on business days, from 8:00 to 19:00 in Japan.
OFFICE_ZONE = ZoneInfo("Asia/Tokyo")
OFFICE_OPENS, OFFICE_CLOSES = dt.time(8), dt.time(19)


def _invalid(message: Any, field: str, code: str = "invalid") -> RuleViolation:
    return RuleViolation(message, code=code, status=422, field=field)


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def appointment_times(
    starts_at: dt.datetime | None, ends_at: dt.datetime | None = None
) -> tuple[dt.datetime, dt.datetime | None]:
    """A proposed start (in the future) and an optional end after it, or the refusal."""
    if starts_at is None:
        raise _invalid(_("Please enter the date and time."), "starts_at", "date_required")
    starts_at = _aware(starts_at)
    ends_at = _aware(ends_at) if ends_at is not None else None
    if starts_at < timezone.now():
        raise _invalid(
            _("An appointment cannot be proposed in the past."), "starts_at", "date_in_past"
        )
    if ends_at is not None and ends_at <= starts_at:
        raise _invalid(_("The end must be after the start."), "ends_at")
    return starts_at, ends_at


def appointments_of(
    subject: models.Model, *, purposes: Iterable[str] | None = None
) -> QuerySet[Appointment]:
    """The appointments of ``subject`` (for some purposes), earliest first."""
    appointments = Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    )
    return appointments if purposes is None else appointments.filter(purpose__in=list(purposes))


def _same_purpose(
    subject: models.Model, purpose: str, person: User | None, party: str = ""
) -> QuerySet[Appointment]:
    return appointments_of(subject, purposes=[purpose]).filter(person=person, party=party)


def _record(actor: User, action: str, appointment: Appointment, **after: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=appointment,
        company_id=appointment.company_id,
        after={
            "purpose": appointment.purpose,
            "person": appointment.person_id,
            **({"party": appointment.party} if appointment.party else {}),
            "state": appointment.state,
            **after,
        },
    )


def _in_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("appointment services run inside the caller's transaction")


def office_hours_refusal(
    starts_at: dt.datetime, ends_at: dt.datetime | None
) -> RuleViolation | None:
    """Why a date cannot be proposed (not a business day, or outside 8:00–19:00 Japan time), or
    None when it can."""
    start = starts_at.astimezone(OFFICE_ZONE)
    if not is_business_day(start.date()):
        return _invalid(
            _(
                "{day} is not a business day: no appointment is made on Saturdays, Sundays, "
                "public holidays or from 29 December to 3 January."
            ).format(day=start.date().isoformat()),
            "starts_at",
            "not_business_day",
        )
    end = ends_at.astimezone(OFFICE_ZONE) if ends_at is not None else start
    if (
        start.time() < OFFICE_OPENS
        or start.time() >= OFFICE_CLOSES
        or end.date() != start.date()
        or end.time() > OFFICE_CLOSES
    ):
        return _invalid(
            _("Appointments are made between 8:00 and 19:00 (Japan time)."),
            "ends_at" if ends_at is not None and start.time() >= OFFICE_OPENS else "starts_at",
            "outside_office_hours",
        )
    return None


def _exception_reason(actor: User, reason: str) -> str:
    """The office's reason for a date off business hours; nobody else may make an exception."""
    reason = (reason or "").strip()[:TEXT_MAX]
    return reason if reason and is_office(actor) else ""


def appointments_propose(
    *,
    company: Any,
    subject: models.Model,
    purpose: str,
    times: Sequence[tuple[dt.datetime, dt.datetime | None]],
    actor: User,
    person: User | None = None,
    party: str = "",
    mode: str = "",
    place: str = "",
    notes: str = "",
    exception_reason: str = "",
) -> list[Appointment]:
    """Propose one or more dates for ``purpose`` of ``subject`` (for ``person``, or ``party``: the
    caller's key of what within the subject it is for).

    Each date is on a business day between 8:00 and 19:00 Japan time, or refused with the reason
    (``not_business_day``, ``outside_office_hours``); an office user may make an exception by
    giving ``exception_reason``, which the ledger keeps with the proposal.
    """
    _in_transaction()
    exception = _exception_reason(actor, exception_reason)
    created = []
    for starts_at, ends_at in times:
        refusal = office_hours_refusal(starts_at, ends_at)
        if refusal is not None and not exception:
            raise refusal
        appointment = Appointment.objects.create(
            company=company,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            purpose=purpose,
            person=person,
            party=party,
            mode=mode,
            starts_at=starts_at,
            ends_at=ends_at,
            place=(place or "").strip()[:300],
            notes=(notes or "").strip()[:TEXT_MAX],
            proposed_by=actor,
        )
        _record(
            actor,
            "appointment.propose",
            appointment,
            starts_at=starts_at,
            ends_at=ends_at,
            place=appointment.place,
            **({"exception_reason": exception} if refusal is not None else {}),
        )
        date_changed(appointment)
        created.append(appointment)
    return created


def appointments_open(
    subject: models.Model, purpose: str, person: User | None = None, party: str = ""
) -> QuerySet[Appointment]:
    """The proposals and confirmed dates that still stand for one purpose (and person, party)."""
    return _same_purpose(subject, purpose, person, party).filter(state__in=ACTIVE_STATES)


def appointments_withdraw(
    *,
    subject: models.Model,
    purpose: str,
    actor: User,
    person: User | None = None,
    party: str = "",
) -> int:
    """Withdraw what still stands for a purpose (a new offer replaces it)."""
    _in_transaction()
    withdrawn = list(appointments_open(subject, purpose, person, party).select_for_update())
    for appointment in withdrawn:
        _change(appointment, actor, "appointment.withdraw", AppointmentState.WITHDRAWN)
    return len(withdrawn)


def _change(
    appointment: Appointment, actor: User, action: str, state: str, **fields: Any
) -> Appointment:
    before = appointment.state
    appointment.state = state
    for name, value in fields.items():
        setattr(appointment, name, value)
    appointment.save(update_fields=["state", *fields])
    plain = {k: v.pk if isinstance(v, models.Model) else v for k, v in fields.items()}
    _record(actor, action, appointment, before=before, **plain)
    date_changed(appointment)
    return appointment


def _locked(appointment: Appointment, sources: Iterable[str]) -> Appointment:
    # No select_related: PostgreSQL cannot lock the nullable side of an outer join (person).
    fresh = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if fresh.state not in tuple(sources):
        raise RuleViolation(
            _("This cannot be done while the appointment is “{state}”.").format(
                state=fresh.get_state_display()
            ),
            code="wrong_appointment_state",
        )
    return fresh


def appointment_confirm(*, appointment: Appointment, actor: User) -> Appointment:
    """Take a proposed date; the other proposals for the same purpose are withdrawn."""
    _in_transaction()
    fresh = _locked(appointment, [AppointmentState.PROPOSED])
    subject = subjects.linked_subject(fresh)
    others = _same_purpose(subject, fresh.purpose, fresh.person, fresh.party).exclude(pk=fresh.pk)
    for other in others.filter(state__in=ACTIVE_STATES).select_for_update():
        _change(other, actor, "appointment.withdraw", AppointmentState.WITHDRAWN)
    return _change(
        fresh,
        actor,
        "appointment.confirm",
        AppointmentState.CONFIRMED,
        confirmed_by=actor,
        confirmed_at=timezone.now(),
    )


def appointments_decline(
    *, appointments: Iterable[Appointment], actor: User, message: str
) -> list[Appointment]:
    """None of these dates suits: each is closed with the message asking for another date."""
    _in_transaction()
    message = (message or "").strip()
    if not message:
        raise _invalid(_("Please say which dates would suit you."), "message", "message_required")
    if len(message) > TEXT_MAX:
        raise _invalid(
            _("This text is too long (at most {limit} characters).").format(limit=TEXT_MAX),
            "message",
            "too_long",
        )
    declined = []
    for appointment in appointments:
        fresh = _locked(appointment, ACTIVE_STATES)
        declined.append(
            _change(
                fresh,
                actor,
                "appointment.request_other_date",
                AppointmentState.OTHER_DATE_REQUESTED,
                response_message=message,
                closed_by=actor,
                closed_at=timezone.now(),
            )
        )
    return declined


def appointment_done(*, appointment: Appointment, actor: User) -> Appointment:
    """A confirmed appointment took place (once it has begun)."""
    _in_transaction()
    fresh = _locked(appointment, [AppointmentState.CONFIRMED])
    if fresh.starts_at > timezone.now():
        raise RuleViolation(
            _("An appointment can be marked as done only once it has begun."),
            code="appointment_not_begun",
        )
    return _change(
        fresh,
        actor,
        "appointment.done",
        AppointmentState.DONE,
        closed_by=actor,
        closed_at=timezone.now(),
    )


def appointment_close_for(
    *,
    subject: models.Model,
    purpose: str,
    performed_on: dt.date,
    actor: User,
    person: User | None = None,
    party: str = "",
) -> Appointment | None:
    """The record of what a date was for is made (a survey, a construction, a router, a vein
    registration, an inspection round finished): the confirmed date of ``purpose`` of ``subject``
    (for ``person`` / ``party``) is done on ``performed_on``, and the proposals that still stand
    are withdrawn.

    A record made for another day than the confirmed one (the work took place earlier, or later,
    than agreed) moves the date to that day first, keeping its hours, with its own ledger event
    (``appointment.move``, before and after): the records and the calendar tell the same day.
    Returns the appointment done, or None when no date was confirmed.
    """
    _in_transaction()
    standing = list(appointments_open(subject, purpose, person, party).select_for_update())
    confirmed = next((a for a in standing if a.state == AppointmentState.CONFIRMED), None)
    for appointment in standing:
        if appointment is not confirmed:
            _change(appointment, actor, "appointment.withdraw", AppointmentState.WITHDRAWN)
    if confirmed is None:
        return None
    _move_to(confirmed, performed_on, actor)
    return _change(
        confirmed,
        actor,
        "appointment.done",
        AppointmentState.DONE,
        closed_by=actor,
        closed_at=timezone.now(),
    )


def _move_to(appointment: Appointment, day: dt.date, actor: User) -> None:
    start = timezone.localtime(appointment.starts_at)
    if start.date() == day:
        return
    shift = dt.datetime.combine(day, start.time(), tzinfo=start.tzinfo) - start
    before = {"starts_at": appointment.starts_at, "ends_at": appointment.ends_at}
    appointment.starts_at += shift
    appointment.ends_at = appointment.ends_at + shift if appointment.ends_at else None
    appointment.save(update_fields=["starts_at", "ends_at"])
    date_changed(appointment)
    audit_record(
        actor=actor,
        action="appointment.move",
        obj=appointment,
        company_id=appointment.company_id,
        before=before,
        after={
            "starts_at": appointment.starts_at,
            "ends_at": appointment.ends_at,
            "performed_on": day,
        },
    )


def appointment_cancel(*, appointment: Appointment, actor: User, reason: str = "") -> Appointment:
    """A proposed or confirmed date will not take place; the reason joins its notes."""
    _in_transaction()
    fresh = _locked(appointment, ACTIVE_STATES)
    notes = "\n".join(p for p in (fresh.notes, (reason or "").strip()) if p)[:TEXT_MAX]
    return _change(
        fresh,
        actor,
        "appointment.cancel",
        AppointmentState.CANCELLED,
        closed_by=actor,
        closed_at=timezone.now(),
        notes=notes,
    )


def appointments_remind(*, purposes: Iterable[str], on: dt.date) -> list[Appointment]:
    """The confirmed appointments of ``purposes`` on day ``on`` not reminded yet; each is marked
    reminded in the caller's transaction (the caller queues the mail)."""
    _in_transaction()
    due = list(
        Appointment.objects.select_for_update()
        .filter(
            purpose__in=list(purposes),
            state=AppointmentState.CONFIRMED,
            starts_at__date=on,
            reminded_at__isnull=True,
        )
        .order_by("starts_at", "pk")
    )
    Appointment.objects.filter(pk__in=[a.pk for a in due]).update(reminded_at=timezone.now())
    return due
