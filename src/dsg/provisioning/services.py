"""The records of ③–⑥: survey, ancillary work, terminals, accounts, vein registration, tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import NotVisible, RuleViolation
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.rules import require_state
from dsg.enrollment.services import enrollment_lock
from dsg.notifications.services import mail_queue
from dsg.orgs import permissions
from dsg.orgs.models import Role, User
from dsg.orgs.permissions import require_permission
from dsg.orgs.selectors import emails_of, psa_emails

from . import vault
from .models import (
    ACTIVE_APPOINTMENT_STATES,
    AccountDelivery,
    AccountDeliveryState,
    AccountHolder,
    AncillaryWork,
    AppointmentPurpose,
    AppointmentState,
    ConnectionTest,
    Provisioning,
    ProvisioningAppointment,
    SetupMediaShipment,
    Terminal,
    VeinRegistrationMethod,
)


def provisioning_of(enrollment: Enrollment) -> Provisioning:
    provisioning, _created = Provisioning.objects.get_or_create(enrollment=enrollment)
    return provisioning


def _past_or_today(value: dt.date | None, field: str) -> dt.date:
    if value is None:
        raise RuleViolation(
            _("Please enter the date."), code="date_required", status=422, field=field
        )
    if value > timezone.localdate():
        raise RuleViolation(
            _("The date cannot be in the future."), code="date_in_future", status=422, field=field
        )
    return value


def _required_text(value: str, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise RuleViolation(_("This field is required."), code="required", status=422, field=field)
    if len(value) > max_length:
        raise RuleViolation(
            _("This text is too long (at most {limit} characters).").format(limit=max_length),
            code="too_long",
            status=422,
            field=field,
        )
    return value


def _audit(
    actor: User, action: str, obj: models.Model, enrollment: Enrollment, after: dict[str, Any]
) -> None:
    audit_record(
        actor=actor, action=action, obj=obj, company_id=enrollment.site.company_id, after=after
    )


# ③ 現場調査 -----------------------------------------------------------------------------------
def survey_record(
    *, enrollment: Enrollment, actor: User, surveyed_on: dt.date | None, route_notes: str = ""
) -> Provisioning:
    require_permission(actor=actor, action="survey.record", obj=enrollment)
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=[State.SURVEY])
        provisioning = provisioning_of(locked)
        provisioning.surveyed_on = _past_or_today(surveyed_on, "surveyed_on")
        provisioning.route_notes = (route_notes or "").strip()[:4000]
        provisioning.save(update_fields=["surveyed_on", "route_notes"])
        _audit(
            actor,
            "survey.record",
            provisioning,
            locked,
            {"surveyed_on": provisioning.surveyed_on, "route_notes": provisioning.route_notes},
        )
    return provisioning


def ancillary_work_add(*, enrollment: Enrollment, actor: User, description: str) -> AncillaryWork:
    require_permission(actor=actor, action="ancillary_work.add", obj=enrollment)
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=[State.SURVEY])
        work = AncillaryWork.objects.create(
            enrollment=locked,
            added_by=actor,
            description=_required_text(description, "description", 300),
        )
        _audit(actor, "ancillary_work.add", work, locked, {"description": work.description})
    return work


def ancillary_work_mark_done(
    *, work: AncillaryWork, actor: User, done_on: dt.date | None
) -> AncillaryWork:
    require_permission(actor=actor, action="ancillary_work.mark_done", obj=work)
    with transaction.atomic():
        locked = enrollment_lock(work.enrollment)
        require_state(enrollment=locked, states=[State.SURVEY])
        work = AncillaryWork.objects.select_for_update().get(pk=work.pk)
        if work.done_on is not None:
            raise RuleViolation(
                _("This ancillary work is already marked as done."), code="already_done"
            )
        work.done_on, work.done_by = _past_or_today(done_on, "done_on"), actor
        work.save(update_fields=["done_on", "done_by"])
        _audit(actor, "ancillary_work.done", work, locked, {"done_on": work.done_on})
    return work


# ⑥ 端末セットアップ・接続テスト --------------------------------------------------------------
def terminal_register(
    *, enrollment: Enrollment, actor: User, name: str, model_name: str, serial_number: str
) -> Terminal:
    require_permission(actor=actor, action="terminal.register", obj=enrollment)
    try:
        with transaction.atomic():
            locked = enrollment_lock(enrollment)
            require_state(enrollment=locked, states=[State.TERMINAL_SETUP])
            terminal = Terminal.objects.create(
                site=locked.site,
                enrollment=locked,
                name=_required_text(name, "name", 100),
                model_name=_required_text(model_name, "model_name", 100),
                serial_number=_required_text(serial_number, "serial_number", 100),
            )
            _audit(
                actor,
                "terminal.register",
                terminal,
                locked,
                {
                    "name": terminal.name,
                    "model": terminal.model_name,
                    "serial_number": terminal.serial_number,
                },
            )
    except IntegrityError as error:
        raise RuleViolation(
            _("A terminal with this name or serial number is already registered for this site."),
            code="duplicate_terminal",
            status=422,
        ) from error
    return terminal


def account_holder_add(*, enrollment: Enrollment, actor: User, person_id: int) -> AccountHolder:
    """The PSA names who gets a DSG account: themselves or a person they designate."""
    require_permission(actor=actor, action="account_holder.add", obj=enrollment)
    person = User.objects.filter(
        pk=person_id, organization_id=enrollment.site.company_id, role__in=(Role.PSA, Role.DELEGATE)
    ).first()
    if person is None:
        raise RuleViolation(
            _(
                "Only the PSA or a person they designate in the same company can "
                "hold a DSG account."
            ),
            code="invalid_person",
            status=422,
            field="person_id",
        )
    try:
        with transaction.atomic():
            locked = enrollment_lock(enrollment)
            require_state(enrollment=locked, states=[State.TERMINAL_SETUP])
            holder = AccountHolder.objects.create(enrollment=locked, person=person)
            _audit(actor, "account_holder.add", holder, locked, {"person": person.pk})
    except IntegrityError as error:
        raise RuleViolation(
            _("This person already holds an account for this case."),
            code="duplicate_holder",
            status=422,
        ) from error
    return holder


def account_issue(
    *, holder: AccountHolder, actor: User, issued_on: dt.date | None
) -> AccountHolder:
    require_permission(actor=actor, action="account.issue", obj=holder)
    return _holder_update(
        holder=holder,
        actor=actor,
        action="account.issue",
        changes={"account_issued_on": _past_or_today(issued_on, "issued_on")},
    )


def vein_registration_record(
    *, holder: AccountHolder, actor: User, registered_on: dt.date | None, method: str
) -> AccountHolder:
    require_permission(actor=actor, action="vein_registration.record", obj=holder)
    if method not in VeinRegistrationMethod.values:
        raise RuleViolation(
            _("Choose where the vein registration took place: Shinjuku or remote."),
            code="invalid",
            status=422,
            field="method",
        )
    return _holder_update(
        holder=holder,
        actor=actor,
        action="vein_registration.record",
        changes={
            "vein_registered_on": _past_or_today(registered_on, "registered_on"),
            "vein_method": method,
        },
    )


def _holder_update(
    *, holder: AccountHolder, actor: User, action: str, changes: dict[str, Any]
) -> AccountHolder:
    with transaction.atomic():
        locked = enrollment_lock(holder.enrollment)
        require_state(enrollment=locked, states=[State.TERMINAL_SETUP])
        holder = AccountHolder.objects.select_for_update().get(pk=holder.pk)
        for field, value in changes.items():
            setattr(holder, field, value)
        holder.save(update_fields=list(changes))
        _audit(actor, action, holder, locked, changes)
    return holder


def connection_test_record(
    *,
    terminal: Terminal,
    holder: AccountHolder,
    actor: User,
    tested_on: dt.date | None,
    passed: bool,
    note: str = "",
) -> ConnectionTest:
    """A 接続テスト: only after the holder's account was issued and vein registration done."""
    require_permission(actor=actor, action="connection_test.record", obj=terminal)
    if holder.enrollment_id != terminal.enrollment_id:
        raise RuleViolation(
            _("The account holder and the terminal belong to different cases."),
            code="invalid",
            status=422,
            field="holder",
        )
    with transaction.atomic():
        locked = enrollment_lock(terminal.enrollment)
        require_state(enrollment=locked, states=[State.TERMINAL_SETUP])
        holder = AccountHolder.objects.get(pk=holder.pk)
        if not holder.ready_for_connection_test:
            raise RuleViolation(
                _(
                    "A connection test needs the holder's account to be issued and "
                    "their vein registration (静脈認証登録) to be done first."
                ),
                code="holder_not_ready",
            )
        test = ConnectionTest.objects.create(
            terminal=terminal,
            holder=holder,
            tested_on=_past_or_today(tested_on, "tested_on"),
            passed=bool(passed),
            note=(note or "").strip()[:2000],
            recorded_by=actor,
        )
        _audit(
            actor,
            "connection_test.record",
            test,
            locked,
            {
                "terminal": terminal.pk,
                "holder": holder.pk,
                "passed": test.passed,
                "tested_on": test.tested_on,
            },
        )
    return test


# Appointments for ③, ④, ⑤ and each person's 静脈認証登録 ------------------------------------
# The case states in which an appointment for each purpose may be proposed.
PROPOSE_STATES: dict[str, tuple[str, ...]] = {
    AppointmentPurpose.SURVEY: (State.SURVEY,),
    AppointmentPurpose.CONSTRUCTION: (State.SURVEY, State.CONSTRUCTION),
    AppointmentPurpose.ROUTER: (State.SURVEY, State.CONSTRUCTION, State.ROUTER_INSTALLATION),
    AppointmentPurpose.VEIN_REGISTRATION: (State.TERMINAL_SETUP,),
}
PROVISIONING_STATES = (
    State.SURVEY,
    State.CONSTRUCTION,
    State.ROUTER_INSTALLATION,
    State.TERMINAL_SETUP,
)
VEIN_PLACES = {
    VeinRegistrationMethod.ON_SITE: "登録場所（東京都新宿区）",
    VeinRegistrationMethod.REMOTE: "リモート（遠隔）",
}


def _aware(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _appointment_times(
    starts_at: dt.datetime | None, ends_at: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime | None]:
    starts_at, ends_at = _aware(starts_at, "starts_at"), _aware(ends_at, "ends_at")
    if starts_at is None:
        raise RuleViolation(
            _("Please enter the date and time."),
            code="date_required",
            status=422,
            field="starts_at",
        )
    if starts_at < timezone.now():
        raise RuleViolation(
            _("An appointment cannot be proposed in the past."),
            code="date_in_past",
            status=422,
            field="starts_at",
        )
    if ends_at is not None and ends_at <= starts_at:
        raise RuleViolation(
            _("The end must be after the start."), code="invalid", status=422, field="ends_at"
        )
    return starts_at, ends_at


def _psa_emails(enrollment: Enrollment) -> list[str]:
    return psa_emails(enrollment.site.company_id)


def _provider_emails() -> list[str]:
    return emails_of(roles=[Role.PROVIDER_STAFF])


def _mail(
    *, enrollment: Enrollment, recipients: list[str], kind: str, subject: Any, lines: list[Any]
) -> None:
    """A short mail that names the case and points to the portal; details stay behind the login."""
    mail_queue(
        to=recipients,
        about=enrollment.number,
        subject=subject,
        lines=lines,
        link=f"/enrollments/{enrollment.pk}/#provisioning",
        kind=kind,
        company_id=enrollment.site.company_id,
    )


def _appointment_line(appointment: ProvisioningAppointment) -> Any:
    when = f"{timezone.localtime(appointment.starts_at):%Y-%m-%d %H:%M}"
    if appointment.holder_id:
        return format_lazy(
            "{}: {} ({})", appointment.get_purpose_display(), when, appointment.holder.person
        )
    return format_lazy("{}: {}", appointment.get_purpose_display(), when)


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
) -> ProvisioningAppointment:
    """The provider proposes a date; the company's PSA confirms it or asks for another one."""
    require_permission(actor=actor, action="appointment.propose", obj=enrollment)
    if purpose not in AppointmentPurpose.values:
        raise RuleViolation(
            _("Choose what the appointment is for."), code="invalid", status=422, field="purpose"
        )
    is_vein = purpose == AppointmentPurpose.VEIN_REGISTRATION
    if is_vein and (holder is None or holder.enrollment_id != enrollment.pk):
        raise RuleViolation(
            _("A vein registration appointment names the account holder of this case."),
            code="invalid",
            status=422,
            field="holder_id",
        )
    if is_vein and vein_method not in VeinRegistrationMethod.values:
        raise RuleViolation(
            _("Choose where the vein registration took place: Shinjuku or remote."),
            code="invalid",
            status=422,
            field="vein_method",
        )
    starts_at, ends_at = _appointment_times(starts_at, ends_at)
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=PROPOSE_STATES[purpose])
        active = ProvisioningAppointment.objects.filter(
            enrollment=locked,
            purpose=purpose,
            holder=holder if is_vein else None,
            state__in=ACTIVE_APPOINTMENT_STATES,
        )
        if active.exists():
            raise RuleViolation(
                _(
                    "There is already a proposed or confirmed appointment for this; "
                    "cancel it before proposing another date."
                ),
                code="appointment_exists",
            )
        default_place = VEIN_PLACES.get(vein_method, "") if is_vein else locked.site.full_address
        appointment = ProvisioningAppointment.objects.create(
            enrollment=locked,
            purpose=purpose,
            holder=holder if is_vein else None,
            vein_method=vein_method if is_vein else "",
            starts_at=starts_at,
            ends_at=ends_at,
            place=(place or "").strip()[:300] or default_place,
            notes=(notes or "").strip()[:2000],
            proposed_by=actor,
        )
        _audit(actor, "appointment.propose", appointment, locked, _appointment_facts(appointment))
        _mail(
            enrollment=locked,
            recipients=_psa_emails(locked),
            kind="appointment.propose",
            subject=_("A date was proposed"),
            lines=[
                _("The service provider proposed a date. Please confirm it or ask for another."),
                _appointment_line(appointment),
            ],
        )
    return appointment


def _appointment_facts(appointment: ProvisioningAppointment) -> dict[str, Any]:
    return {
        "purpose": appointment.purpose,
        "holder": appointment.holder_id,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "place": appointment.place,
        "state": appointment.state,
    }


def _appointment_change(
    *,
    appointment: ProvisioningAppointment,
    actor: User,
    action: str,
    sources: tuple[str, ...],
    changes: dict[str, Any],
) -> tuple[Enrollment, ProvisioningAppointment]:
    """Lock the case and the appointment, check its state, apply ``changes`` and log them."""
    locked = enrollment_lock(appointment.enrollment)
    require_state(enrollment=locked, states=PROVISIONING_STATES)
    # No select_related here: PostgreSQL cannot lock the nullable side of an outer join (holder).
    appointment = ProvisioningAppointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.state not in sources:
        raise RuleViolation(
            _("This cannot be done while the appointment is “{state}”.").format(
                state=appointment.get_state_display()
            ),
            code="wrong_appointment_state",
        )
    before = {"state": appointment.state}
    for field, value in changes.items():
        setattr(appointment, field, value)
    appointment.save(update_fields=list(changes))
    after = {k: v.pk if isinstance(v, models.Model) else v for k, v in changes.items()}
    audit_record(
        actor=actor,
        action=action,
        obj=appointment,
        company_id=locked.site.company_id,
        before=before,
        after=after,
    )
    return locked, appointment


def appointment_confirm(
    *, appointment: ProvisioningAppointment, actor: User
) -> ProvisioningAppointment:
    require_permission(actor=actor, action="appointment.respond", obj=appointment)
    with transaction.atomic():
        locked, appointment = _appointment_change(
            appointment=appointment,
            actor=actor,
            action="appointment.confirm",
            sources=(AppointmentState.PROPOSED,),
            changes={
                "state": AppointmentState.CONFIRMED,
                "confirmed_by": actor,
                "confirmed_at": timezone.now(),
            },
        )
        _mail(
            enrollment=locked,
            recipients=_provider_emails(),
            kind="appointment.confirm",
            subject=_("A date was confirmed"),
            lines=[_("The company confirmed the date."), _appointment_line(appointment)],
        )
    return appointment


def appointment_request_other_date(
    *, appointment: ProvisioningAppointment, actor: User, message: str
) -> ProvisioningAppointment:
    """The PSA declines the date with a message; the provider then proposes another one."""
    require_permission(actor=actor, action="appointment.respond", obj=appointment)
    message = _required_text(message, "message", 2000)
    with transaction.atomic():
        locked, appointment = _appointment_change(
            appointment=appointment,
            actor=actor,
            action="appointment.request_other_date",
            sources=ACTIVE_APPOINTMENT_STATES,
            changes={
                "state": AppointmentState.OTHER_DATE_REQUESTED,
                "response_message": message,
                "closed_by": actor,
                "closed_at": timezone.now(),
            },
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


def appointment_mark_done(
    *, appointment: ProvisioningAppointment, actor: User
) -> ProvisioningAppointment:
    """A confirmed appointment took place. For a vein registration this records it too."""
    require_permission(actor=actor, action="appointment.close", obj=appointment)
    with transaction.atomic():
        locked, appointment = _appointment_change(
            appointment=appointment,
            actor=actor,
            action="appointment.done",
            sources=(AppointmentState.CONFIRMED,),
            changes={
                "state": AppointmentState.DONE,
                "closed_by": actor,
                "closed_at": timezone.now(),
            },
        )
        if appointment.starts_at > timezone.now():
            raise RuleViolation(
                _("An appointment can be marked as done only once it has begun."),
                code="appointment_not_begun",
            )
        holder = appointment.holder
        if holder is not None and holder.vein_registered_on is None:
            holder.vein_registered_on = timezone.localdate(appointment.starts_at)
            holder.vein_method = appointment.vein_method
            holder.save(update_fields=["vein_registered_on", "vein_method"])
            _audit(
                actor,
                "vein_registration.record",
                holder,
                locked,
                {
                    "vein_registered_on": holder.vein_registered_on,
                    "vein_method": holder.vein_method,
                },
            )
    return appointment


def appointment_cancel(
    *, appointment: ProvisioningAppointment, actor: User, reason: str = ""
) -> ProvisioningAppointment:
    require_permission(actor=actor, action="appointment.close", obj=appointment)
    with transaction.atomic():
        locked, appointment = _appointment_change(
            appointment=appointment,
            actor=actor,
            action="appointment.cancel",
            sources=ACTIVE_APPOINTMENT_STATES,
            changes={
                "state": AppointmentState.CANCELLED,
                "closed_by": actor,
                "closed_at": timezone.now(),
                "notes": "\n".join(p for p in (appointment.notes, (reason or "").strip()) if p)[
                    :2000
                ],
            },
        )
        _mail(
            enrollment=locked,
            recipients=_psa_emails(locked),
            kind="appointment.cancel",
            subject=_("A date was cancelled"),
            lines=[_("The service provider cancelled the date."), _appointment_line(appointment)],
        )
    return appointment


# ⑤ router identity ---------------------------------------------------------------------------
def router_identity_record(
    *, enrollment: Enrollment, actor: User, serial: str, model_name: str
) -> Provisioning:
    """The router's serial number and model, recorded or corrected once it is installed."""
    require_permission(actor=actor, action="router.identify", obj=enrollment)
    serial = _required_text(serial, "router_serial", 100)
    model_name = _required_text(model_name, "router_model", 100)
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=[State.ROUTER_INSTALLATION, State.TERMINAL_SETUP])
        provisioning = provisioning_of(locked)
        before = {
            "router_serial": provisioning.router_serial,
            "router_model": provisioning.router_model,
        }
        provisioning.router_serial, provisioning.router_model = serial, model_name
        provisioning.save(update_fields=["router_serial", "router_model"])
        audit_record(
            actor=actor,
            action="router.identify",
            obj=provisioning,
            company_id=locked.site.company_id,
            before=before,
            after={"router_serial": serial, "router_model": model_name},
        )
    return provisioning


# ⑥ setup media (セットアップ媒体) -------------------------------------------------------------
MEDIA_STATES = (State.CONSTRUCTION, State.ROUTER_INSTALLATION, State.TERMINAL_SETUP)


def media_ship(
    *,
    enrollment: Enrollment,
    actor: User,
    carrier: str,
    tracking_number: str,
    shipped_on: dt.date | None,
    media: str = "DVD-ROM",
) -> SetupMediaShipment:
    require_permission(actor=actor, action="media.ship", obj=enrollment)
    values = {
        "carrier": _required_text(carrier, "carrier", 100),
        "tracking_number": _required_text(tracking_number, "tracking_number", 100),
        "media": _required_text(media or "DVD-ROM", "media", 100),
        "shipped_on": _past_or_today(shipped_on, "shipped_on"),
    }
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=MEDIA_STATES)
        shipment = SetupMediaShipment.objects.create(enrollment=locked, shipped_by=actor, **values)
        _audit(actor, "media.ship", shipment, locked, values)
        _mail(
            enrollment=locked,
            recipients=_psa_emails(locked),
            kind="media.ship",
            subject=_("The setup media was shipped"),
            lines=[
                format_lazy(
                    _(
                        "The service provider shipped the setup media ({media}): {carrier}, "
                        "tracking number {tracking}. Please confirm its receipt in the portal."
                    ),
                    media=shipment.media,
                    carrier=shipment.carrier,
                    tracking=shipment.tracking_number,
                )
            ],
        )
    return shipment


def media_receive(
    *, shipment: SetupMediaShipment, actor: User, received_on: dt.date | None
) -> SetupMediaShipment:
    require_permission(actor=actor, action="media.receive", obj=shipment)
    received_on = _past_or_today(received_on, "received_on")
    with transaction.atomic():
        locked = enrollment_lock(shipment.enrollment)
        require_state(enrollment=locked, states=MEDIA_STATES)
        shipment = SetupMediaShipment.objects.select_for_update().get(pk=shipment.pk)
        if shipment.received_on is not None:
            raise RuleViolation(
                _("The receipt of this shipment is already confirmed."), code="already_received"
            )
        if received_on < shipment.shipped_on:
            raise RuleViolation(
                _("The media cannot be received before it was shipped."),
                code="invalid",
                status=422,
                field="received_on",
            )
        shipment.received_on, shipment.received_by = received_on, actor
        shipment.save(update_fields=["received_on", "received_by"])
        _audit(actor, "media.receive", shipment, locked, {"received_on": received_on})
    return shipment


# ⑥ アカウント情報: delivered through a one-time link, never in mail -------------------------------
def account_link_days() -> int:
    """Days a one-time link stays valid: DSG_ACCOUNT_LINK_DAYS (environment or settings), 7."""
    value = getattr(settings, "DSG_ACCOUNT_LINK_DAYS", None) or os.environ.get(
        "DSG_ACCOUNT_LINK_DAYS"
    )
    return max(1, int(value or 7))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _delivery_context(delivery: AccountDelivery) -> str:
    return f"account-delivery:{delivery.holder_id}:{delivery.token_hash}"


def account_delivery_create(
    *, holder: AccountHolder, actor: User, username: str, password: str
) -> tuple[AccountDelivery, str]:
    """The provider enters a holder's user ID and initial password; they are stored encrypted and
    the PSA gets a mail with a one-time link (the mail never holds them). A new delivery replaces
    a waiting one. Returns the delivery and the raw token (only ever in the mail's link)."""
    require_permission(actor=actor, action="account_delivery.create", obj=holder)
    values = {
        "username": _required_text(username, "username", 100),
        "password": _required_text(password, "password", 200),
    }
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        locked = enrollment_lock(holder.enrollment)
        require_state(enrollment=locked, states=[State.TERMINAL_SETUP])
        holder = (
            AccountHolder.objects.select_for_update().select_related("person").get(pk=holder.pk)
        )
        for old in AccountDelivery.objects.filter(
            holder=holder, state=AccountDeliveryState.WAITING
        ):
            old.state, old.secret = AccountDeliveryState.REVOKED, None
            old.save(update_fields=["state", "secret"])
            _audit(actor, "account_delivery.revoke", old, locked, {"state": old.state})
        delivery = AccountDelivery(
            holder=holder,
            enrollment=locked,
            token_hash=token_hash(token),
            created_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=account_link_days()),
        )
        delivery.secret = vault.seal(values, context=_delivery_context(delivery))
        delivery.save()
        _audit(
            actor,
            "account_delivery.create",
            delivery,
            locked,
            {"holder": holder.pk, "expires_at": delivery.expires_at},
        )
        if holder.account_issued_on is None:
            holder.account_issued_on = timezone.localdate()
            holder.save(update_fields=["account_issued_on"])
            _audit(
                actor,
                "account.issue",
                holder,
                locked,
                {"account_issued_on": holder.account_issued_on},
            )
        _mail(
            enrollment=locked,
            recipients=_psa_emails(locked),
            kind="account_delivery.create",
            subject=_("Account information is waiting in the portal"),
            lines=[
                format_lazy(
                    _(
                        "The service provider has prepared the account information "
                        "(アカウント情報) of {person}. It is waiting in the portal and is not "
                        "sent by mail."
                    ),
                    person=holder.person,
                ),
                format_lazy(
                    _(
                        "Open it once, logged in as the PSA, through this link "
                        "(valid until {expires}):"
                    ),
                    expires=f"{timezone.localtime(delivery.expires_at):%Y-%m-%d %H:%M}",
                ),
                f"{settings.PORTAL_URL}/account-deliveries/{token}/",
            ],
        )
    return delivery, token


def account_delivery_for(*, token: str, actor: User) -> AccountDelivery:
    """The delivery behind a link, for the PSA of its company only; anyone else gets a 404."""
    delivery = (
        AccountDelivery.objects.select_related("holder__person", "enrollment__site")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if delivery is None or not permissions.may(actor, "account_delivery.open", delivery):
        raise NotVisible()
    return delivery


def account_delivery_open(*, token: str, actor: User) -> tuple[AccountDelivery, dict[str, str]]:
    """Open the link once: the account information is shown now and destroyed in the same step."""
    delivery = account_delivery_for(token=token, actor=actor)
    with transaction.atomic():
        locked = enrollment_lock(delivery.enrollment)
        delivery = AccountDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.state == AccountDeliveryState.OPENED:
            raise RuleViolation(
                _(
                    "This link was already opened. Ask the service provider to issue the "
                    "account information again if it was lost."
                ),
                code="already_opened",
            )
        if delivery.state == AccountDeliveryState.REVOKED:
            raise RuleViolation(
                _("This link was replaced by a newer one; use the link of the latest mail."),
                code="link_replaced",
            )
        if delivery.is_expired:
            raise RuleViolation(
                _("This link has expired. Ask the service provider to issue it again."),
                code="link_expired",
                status=410,
            )
        values = vault.unseal(delivery.secret, context=_delivery_context(delivery))
        delivery.state, delivery.secret = AccountDeliveryState.OPENED, None
        delivery.opened_by, delivery.opened_at = actor, timezone.now()
        delivery.save(update_fields=["state", "secret", "opened_by", "opened_at"])
        _audit(actor, "account_delivery.open", delivery, locked, {"holder": delivery.holder_id})
    return delivery, values
