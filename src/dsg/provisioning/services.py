"""The records of ③–⑥: survey, ancillary work, terminals, accounts, vein registration, tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.core.guards import require_permission, require_state
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.services import enrollment_lock
from dsg.orgs.models import Role, User

from .models import (
    AccountHolder,
    AncillaryWork,
    ConnectionTest,
    Provisioning,
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
