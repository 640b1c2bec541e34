"""Use cases of an appointment, shared by every app that makes one.

They run inside the caller's transaction, after the caller has checked who may act and locked
what the appointment is for (its case, its inspection round); each writes its ledger event. The
caller says what its purpose needs (one proposal or several, replacing earlier ones or not) and
tells the other party by mail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core import subjects
from dsg.core.errors import RuleViolation
from dsg.orgs.models import User

from .models import ACTIVE_STATES, Appointment, AppointmentState

TEXT_MAX = 4000


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
    subject: models.Model, purpose: str, person: User | None
) -> QuerySet[Appointment]:
    return appointments_of(subject, purposes=[purpose]).filter(person=person)


def _record(actor: User, action: str, appointment: Appointment, **after: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=appointment,
        company_id=appointment.company_id,
        after={
            "purpose": appointment.purpose,
            "person": appointment.person_id,
            "state": appointment.state,
            **after,
        },
    )


def _in_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("appointment services run inside the caller's transaction")


def appointments_propose(
    *,
    company: Any,
    subject: models.Model,
    purpose: str,
    times: Sequence[tuple[dt.datetime, dt.datetime | None]],
    actor: User,
    person: User | None = None,
    mode: str = "",
    place: str = "",
    notes: str = "",
) -> list[Appointment]:
    """Propose one or more dates for ``purpose`` of ``subject`` (for ``person``)."""
    _in_transaction()
    created = []
    for starts_at, ends_at in times:
        appointment = Appointment.objects.create(
            company=company,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            purpose=purpose,
            person=person,
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
        )
        created.append(appointment)
    return created


def appointments_open(
    subject: models.Model, purpose: str, person: User | None = None
) -> QuerySet[Appointment]:
    """The proposals and confirmed dates that still stand for one purpose (and person)."""
    return _same_purpose(subject, purpose, person).filter(state__in=ACTIVE_STATES)


def appointments_withdraw(
    *, subject: models.Model, purpose: str, actor: User, person: User | None = None
) -> int:
    """Withdraw what still stands for a purpose (a new offer replaces it)."""
    _in_transaction()
    withdrawn = list(appointments_open(subject, purpose, person).select_for_update())
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
    others = _same_purpose(subject, fresh.purpose, fresh.person).exclude(pk=fresh.pk)
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
