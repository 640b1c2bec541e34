"""⑥ 端末セットアップ・接続テスト: terminals, account holders, accounts, vein, tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation
from dsg.core.inputs import past_or_today
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.rules import require_state, site_terminals
from dsg.enrollment.services import enrollment_lock
from dsg.orgs.models import Role, User
from dsg.orgs.permissions import require_permission
from dsg.registry import services as registry
from dsg.registry.models import ConnectionTest, Terminal

from ..models import AccountHolder, VeinRegistrationMethod
from .common import _audit


def terminal_register(
    *, enrollment: Enrollment, actor: User, name: str, model_name: str, serial_number: str
) -> Terminal:
    """⑥: the PSA registers a terminal of the case's site in the site registry."""
    require_permission(actor=actor, action="terminal.register", obj=enrollment)
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=[State.TERMINAL_SETUP])
        return registry.terminal_register(
            site=locked.site,
            actor=actor,
            name=name,
            model_name=model_name,
            serial_number=serial_number,
            origin=locked,
        )


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
        changes={"account_issued_on": past_or_today(issued_on, "issued_on")},
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
            "vein_registered_on": past_or_today(registered_on, "registered_on"),
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
    if not site_terminals(holder.enrollment).filter(pk=terminal.pk).exists():
        raise RuleViolation(
            _("The account holder and the terminal belong to different cases."),
            code="invalid",
            status=422,
            field="holder",
        )
    with transaction.atomic():
        locked = enrollment_lock(holder.enrollment)
        require_state(enrollment=locked, states=[State.TERMINAL_SETUP])
        holder = AccountHolder.objects.select_related("person").get(pk=holder.pk)
        if not holder.ready_for_connection_test:
            raise RuleViolation(
                _(
                    "A connection test needs the holder's account to be issued and "
                    "their vein registration (静脈認証登録) to be done first."
                ),
                code="holder_not_ready",
            )
        return registry.connection_test_record(
            terminal=terminal,
            person=holder.person,
            actor=actor,
            tested_on=tested_on,
            passed=passed,
            note=note,
        )
