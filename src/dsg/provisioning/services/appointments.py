"""The provider's dates for ③, ④, ⑤ and each person's 静脈認証登録 (appointments of the case).

The provider proposes one date at a time for a purpose (and, for a vein registration, a person);
the company's PSA confirms it or asks for another; the provider marks it done or cancels it. A
vein registration done records the holder's registration.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.appointments import services as appointments
from dsg.appointments.models import Appointment
from dsg.core.errors import RuleViolation
from dsg.core.inputs import required_text
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.rules import require_state
from dsg.enrollment.services import enrollment_lock
from dsg.notifications.services import in_reader_language
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from ..models import AccountHolder, AppointmentPurpose, VeinRegistrationMethod
from ..selectors import case_of_appointment
from .common import (
    PROVISIONING_STATES,
    _audit,
    _mail,
    _provider_emails,
    _psa_emails,
)
from .setup import not_received_refusal

# The case states in which an appointment for each purpose may be proposed.
PROPOSE_STATES: dict[str, tuple[str, ...]] = {
    AppointmentPurpose.SURVEY: (State.SURVEY,),
    AppointmentPurpose.CONSTRUCTION: (State.SURVEY, State.CONSTRUCTION),
    AppointmentPurpose.ROUTER: (State.SURVEY, State.CONSTRUCTION, State.ROUTER_INSTALLATION),
    AppointmentPurpose.VEIN_REGISTRATION: (State.TERMINAL_SETUP,),
}
VEIN_PLACES: dict[str, str] = {
    VeinRegistrationMethod.ON_SITE: "登録場所（東京都新宿区）",
    VeinRegistrationMethod.REMOTE: "リモート（遠隔）",
}
NOTES_MAX = 2000


def _appointment_line(appointment: Appointment, holder: AccountHolder | None = None) -> Any:
    when = f"{timezone.localtime(appointment.starts_at):%Y-%m-%d %H:%M}"
    who = holder.name if holder is not None else appointment.person
    if who:
        return format_lazy(
            "{}: {} ({})", in_reader_language(appointment.get_purpose_display), when, who
        )
    return format_lazy("{}: {}", in_reader_language(appointment.get_purpose_display), when)


def _check_purpose(
    enrollment: Enrollment, purpose: str, holder: AccountHolder | None, vein_method: str
) -> None:
    if purpose not in AppointmentPurpose.values:
        raise RuleViolation(
            _("Choose what the appointment is for."), code="invalid", status=422, field="purpose"
        )
    if purpose != AppointmentPurpose.VEIN_REGISTRATION:
        return
    if holder is None or holder.enrollment_id != enrollment.pk:
        raise RuleViolation(
            _("A vein registration appointment names the account holder of this case."),
            code="invalid",
            status=422,
            field="holder_id",
        )
    if vein_method not in VeinRegistrationMethod.values:
        raise RuleViolation(
            _("Choose where the vein registration took place: Shinjuku or remote."),
            code="invalid",
            status=422,
            field="vein_method",
        )
    if not AccountHolder.objects.get(pk=holder.pk).account_received:
        raise not_received_refusal(holder)


def appointment_propose(
    *,
    enrollment: Enrollment,
    actor: User,
    purpose: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None = None,
    place: str = "",
    notes: str = "",
    holder: AccountHolder | None = None,
    vein_method: str = "",
) -> Appointment:
    """The provider proposes a date; the company's PSA confirms it or asks for another one."""
    require_permission(actor=actor, action="appointment.propose", obj=enrollment)
    _check_purpose(enrollment, purpose, holder, vein_method)
    is_vein = purpose == AppointmentPurpose.VEIN_REGISTRATION
    person = holder.person if is_vein and holder is not None else None
    party = holder.party if is_vein and holder is not None else ""
    times = appointments.appointment_times(starts_at, ends_at)
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=PROPOSE_STATES[purpose])
        if appointments.appointments_open(locked, purpose, person, party).exists():
            raise RuleViolation(
                _(
                    "There is already a proposed or confirmed appointment for this; "
                    "cancel it before proposing another date."
                ),
                code="appointment_exists",
            )
        default_place = VEIN_PLACES.get(vein_method, "") if is_vein else locked.site.full_address
        [appointment] = appointments.appointments_propose(
            company=locked.site.company,
            subject=locked,
            purpose=purpose,
            times=[times],
            actor=actor,
            person=person,
            party=party,
            mode=vein_method if is_vein else "",
            place=(place or "").strip()[:300] or default_place,
            notes=(notes or "").strip()[:NOTES_MAX],
        )
        _mail(
            enrollment=locked,
            recipients=_psa_emails(locked),
            kind="appointment.propose",
            subject=_("A date was proposed"),
            lines=[
                _("The service provider proposed a date. Please confirm it or ask for another."),
                _appointment_line(appointment, holder if is_vein else None),
            ],
        )
    return appointment


def _case_of(appointment: Appointment) -> Enrollment:
    """Lock the appointment's case: its appointments change only while the case is at ③–⑥."""
    locked = enrollment_lock(case_of_appointment(appointment))
    require_state(enrollment=locked, states=PROVISIONING_STATES)
    return locked


def appointment_confirm(*, appointment: Appointment, actor: User) -> Appointment:
    require_permission(actor=actor, action="appointment.respond", obj=appointment)
    with transaction.atomic():
        locked = _case_of(appointment)
        appointment = appointments.appointment_confirm(appointment=appointment, actor=actor)
        _mail(
            enrollment=locked,
            recipients=_provider_emails(),
            kind="appointment.confirm",
            subject=_("A date was confirmed"),
            lines=[_("The company confirmed the date."), _appointment_line(appointment)],
        )
    return appointment


def appointment_request_other_date(
    *, appointment: Appointment, actor: User, message: str
) -> Appointment:
    """The PSA declines the date with a message; the provider then proposes another one."""
    require_permission(actor=actor, action="appointment.respond", obj=appointment)
    message = required_text(message, "message", NOTES_MAX)
    with transaction.atomic():
        locked = _case_of(appointment)
        [appointment] = appointments.appointments_decline(
            appointments=[appointment], actor=actor, message=message
        )
        _mail(
            enrollment=locked,
            recipients=_provider_emails(),
            kind="appointment.request_other_date",
            subject=_("Another date was requested"),
            lines=[
                _("The company asked for another date. Please propose a new one."),
                _appointment_line(appointment),
            ],
        )
    return appointment


def appointment_mark_done(*, appointment: Appointment, actor: User) -> Appointment:
    """A confirmed appointment took place. For a vein registration this records it too (once
    the holder's account information was received)."""
    require_permission(actor=actor, action="appointment.close", obj=appointment)
    with transaction.atomic():
        locked = _case_of(appointment)
        appointment = appointments.appointment_done(appointment=appointment, actor=actor)
        if appointment.purpose == AppointmentPurpose.VEIN_REGISTRATION:
            _vein_registered(locked, appointment, actor)
    return appointment


def holder_of_appointment(appointment: Appointment) -> AccountHolder | None:
    """The account holder a vein registration date is for."""
    pk = _holder_pk(appointment.party)
    if pk is None:
        return None
    return AccountHolder.objects.filter(enrollment_id=appointment.subject_id, pk=pk).first()


def _holder_pk(party: str) -> int | None:
    prefix, _sep, pk = party.partition(":")
    return int(pk) if prefix == "account_holder" and pk.isdigit() else None


def _vein_registered(enrollment: Enrollment, appointment: Appointment, actor: User) -> None:
    holder = holder_of_appointment(appointment)
    if holder is None or holder.vein_registered_on is not None:
        return
    if not holder.account_received:
        raise not_received_refusal(holder)
    holder.vein_registered_on = timezone.localdate(appointment.starts_at)
    holder.vein_method = appointment.mode
    holder.save(update_fields=["vein_registered_on", "vein_method"])
    _audit(
        actor,
        "vein_registration.record",
        holder,
        enrollment,
        {"vein_registered_on": holder.vein_registered_on, "vein_method": holder.vein_method},
    )


def appointment_cancel(*, appointment: Appointment, actor: User, reason: str = "") -> Appointment:
    require_permission(actor=actor, action="appointment.close", obj=appointment)
    with transaction.atomic():
        locked = _case_of(appointment)
        appointment = appointments.appointment_cancel(
            appointment=appointment, actor=actor, reason=(reason or "").strip()[:NOTES_MAX]
        )
        _mail(
            enrollment=locked,
            recipients=_psa_emails(locked),
            kind="appointment.cancel",
            subject=_("A date was cancelled"),
            lines=[_("The service provider cancelled the date."), _appointment_line(appointment)],
        )
    return appointment
