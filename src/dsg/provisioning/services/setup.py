"""⑥ 端末セットアップ・接続テスト: terminals, account holders, accounts, vein, tests.

Each account holder goes through ⑥ in the guideline's order: the PSA receives the account
information (opens its one-time link, ``accounts.py``), the holder registers their veins
(静脈認証登録, at Shinjuku or remotely), then tests the connection with the received account. Each
step is refused, with what is missing, until the one before it is done.

The holders are those of the accepted application (taken over when ⑥ starts); the PSA may add one
later, with a reason, and the holder says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.appointments.services import appointment_close_for
from dsg.core.errors import RuleViolation
from dsg.core.inputs import past_or_today, required_text
from dsg.enrollment.application_services import accepted_version
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.rules import require_state, site_terminals
from dsg.enrollment.services import enrollment_lock
from dsg.orgs.models import Role, User
from dsg.orgs.permissions import require_permission
from dsg.registry import services as registry
from dsg.registry.models import ConnectionTest, Terminal

from ..models import AccountHolder, AccountHolderSource, AppointmentPurpose, VeinRegistrationMethod
from .common import _audit, _mail, _provider_emails

REASON_MAX = 2000
HOLDER_ROLES = (Role.PSA, Role.DELEGATE, Role.USER)


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


def _member(company_id: int, email: str) -> User | None:
    """The company's portal user of this email, if there is one."""
    return User.objects.filter(
        organization_id=company_id, email__iexact=email, role__in=HOLDER_ROLES
    ).first()


def account_holders_from_application(*, enrollment: Enrollment) -> list[AccountHolder]:
    """⑥ starts: the account holders of the accepted application become the case's, each linked
    to the company's portal user of their email (inside the step's transaction, the case locked;
    the step's record names them and its ledger event records it). A holder already taken over
    is left as it is."""
    version = accepted_version(enrollment)
    if version is None:
        return []
    known = {e.lower() for e in enrollment.account_holders.values_list("email", flat=True)}
    taken = []
    for row in version.snapshot.get("account_holders", []):
        email = str(row.get("email", "")).strip()
        if not email or email.lower() in known:
            continue
        holder = AccountHolder.objects.create(
            enrollment=enrollment,
            name=str(row.get("name", ""))[:100] or email,
            department=str(row.get("department", ""))[:200],
            email=email,
            person=_member(enrollment.site.company_id, email),
            source=AccountHolderSource.APPLICATION,
            application_version=version.number,
        )
        known.add(email.lower())
        taken.append(holder)
    return taken


def _holder_values(
    company_id: int, person_id: int | None, name: str, department: str, email: str
) -> dict[str, Any]:
    if person_id is not None:
        person = User.objects.filter(
            pk=person_id, organization_id=company_id, role__in=(Role.PSA, Role.DELEGATE)
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
        return {
            "name": (name or "").strip()[:100] or person.full_name or person.email,
            "department": (department or "").strip()[:200],
            "email": person.email,
            "person": person,
        }
    email = required_text(email, "email", 254)
    return {
        "name": required_text(name, "name", 100),
        "department": (department or "").strip()[:200],
        "email": email,
        "person": _member(company_id, email),
    }


def account_holder_add(
    *,
    enrollment: Enrollment,
    actor: User,
    reason: str,
    person_id: int | None = None,
    name: str = "",
    department: str = "",
    email: str = "",
) -> AccountHolder:
    """After acceptance, the PSA names one more account holder than the application did: a
    portal user of the company (``person_id``) or anyone by name and email. The reason is
    required; the holder shows it was added, by whom and why, and the provider is told."""
    require_permission(actor=actor, action="account_holder.add", obj=enrollment)
    reason = required_text(reason, "reason", REASON_MAX)
    values = _holder_values(enrollment.site.company_id, person_id, name, department, email)
    try:
        with transaction.atomic():
            locked = enrollment_lock(enrollment)
            require_state(enrollment=locked, states=[State.TERMINAL_SETUP])
            if locked.account_holders.filter(email__iexact=values["email"]).exists():
                raise IntegrityError("account_holder_email_once_per_case")
            holder = AccountHolder.objects.create(
                enrollment=locked,
                source=AccountHolderSource.ADDED,
                added_by=actor,
                reason=reason,
                **values,
            )
            person = values["person"]
            _audit(
                actor,
                "account_holder.add",
                holder,
                locked,
                {
                    "name": holder.name,
                    "email": holder.email,
                    "person": person.pk if person else None,
                    "reason": reason,
                },
            )
            _mail(
                enrollment=locked,
                recipients=_provider_emails(),
                kind="account_holder.add",
                subject=_("An account holder was added"),
                lines=[
                    format_lazy(
                        _(
                            "The PSA added {name} as an account holder, after the application "
                            "was accepted. Please create their account information."
                        ),
                        name=holder.name,
                    )
                ],
            )
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


def not_received_refusal(holder: AccountHolder) -> RuleViolation:
    return RuleViolation(
        format_lazy(
            _(
                "The account information (アカウント情報) of {name} has not been received yet: "
                "the PSA opens its one-time link first, then the vein registration follows."
            ),
            name=holder.name,
        ),
        code="account_not_received",
    )


def vein_registration_record(
    *, holder: AccountHolder, actor: User, registered_on: dt.date | None, method: str
) -> AccountHolder:
    """静脈認証登録 of a holder whose account information was received; it closes the holder's
    confirmed vein registration date on that day."""
    require_permission(actor=actor, action="vein_registration.record", obj=holder)
    if method not in VeinRegistrationMethod.values:
        raise RuleViolation(
            _("Choose where the vein registration took place: Shinjuku or remote."),
            code="invalid",
            status=422,
            field="method",
        )
    day = past_or_today(registered_on, "registered_on")
    with transaction.atomic():
        locked = enrollment_lock(holder.enrollment)
        require_state(enrollment=locked, states=[State.TERMINAL_SETUP])
        holder = AccountHolder.objects.select_for_update().get(pk=holder.pk)
        if not holder.account_received:
            raise not_received_refusal(holder)
        changes = {"vein_registered_on": day, "vein_method": method}
        for field, value in changes.items():
            setattr(holder, field, value)
        holder.save(update_fields=list(changes))
        _audit(actor, "vein_registration.record", holder, locked, changes)
        appointment_close_for(
            subject=locked,
            purpose=AppointmentPurpose.VEIN_REGISTRATION,
            performed_on=day,
            actor=actor,
            person=holder.person,
            party=holder.party,
        )
    return holder


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
    """A 接続テスト with the received account: only after the holder received the account
    information and registered their veins."""
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
        if not holder.account_received:
            raise not_received_refusal(holder)
        if not holder.vein_registered:
            raise RuleViolation(
                format_lazy(
                    _(
                        "{name} has not registered their veins (静脈認証登録) yet: the "
                        "connection test uses the received account and the vein registration."
                    ),
                    name=holder.name,
                ),
                code="vein_not_registered",
            )
        return registry.connection_test_record(
            terminal=terminal,
            person=holder.person,
            tester_name=holder.name,
            tester_key=holder.party,
            actor=actor,
            tested_on=tested_on,
            passed=passed,
            note=note,
        )
