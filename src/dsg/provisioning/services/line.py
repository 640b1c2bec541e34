"""④ 回線敷設工事 and ⑤ 通信ルータの設置: the provider records them done (the case moves on, and
the confirmed date of each closes on the day recorded), and the router's identity.

The router's serial number is entered once, when its installation is recorded (the step record
keeps it); its model is added afterwards, and a mistyped serial is corrected only with a reason
(the ledger keeps both values)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dsg.appointments.services import appointment_close_for
from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.core.inputs import required_text
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.rules import require_state
from dsg.enrollment.services import TransitionInput, case_transition, enrollment_lock
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from ..models import AppointmentPurpose, Provisioning
from .common import provisioning_of
from .setup import account_holders_from_application

REASON_MAX = 2000


def construction_complete(
    *, enrollment: Enrollment, actor: User, data: TransitionInput | None = None
) -> Enrollment:
    """④ The line construction is done (on ``data.performed_on``); the router comes next."""
    with case_transition(
        enrollment=enrollment, name="complete_construction", actor=actor, data=data
    ) as (case, record):
        provisioning = provisioning_of(case)
        provisioning.construction_completed_on = record.performed_on
        provisioning.save(update_fields=["construction_completed_on"])
        if record.performed_on is not None:
            appointment_close_for(
                subject=case,
                purpose=AppointmentPurpose.CONSTRUCTION,
                performed_on=record.performed_on,
                actor=actor,
            )
    return case


def router_install(
    *,
    enrollment: Enrollment,
    actor: User,
    data: TransitionInput | None = None,
    router_model: str = "",
) -> Enrollment:
    """⑤ The router is installed (on ``data.performed_on``, serial ``data.router_serial``, the
    one entry of the serial; optionally its model): ⑥ starts, with the account holders of the
    accepted application."""
    model_name = (router_model or "").strip()[:100]
    with case_transition(enrollment=enrollment, name="install_router", actor=actor, data=data) as (
        case,
        record,
    ):
        provisioning = provisioning_of(case)
        provisioning.router_installed_on = record.performed_on
        provisioning.router_serial = record.data["router_serial"].strip()
        fields = ["router_installed_on", "router_serial"]
        if model_name:
            provisioning.router_model = model_name
            fields.append("router_model")
        provisioning.save(update_fields=fields)
        if record.performed_on is not None:
            appointment_close_for(
                subject=case,
                purpose=AppointmentPurpose.ROUTER,
                performed_on=record.performed_on,
                actor=actor,
            )
        holders = account_holders_from_application(enrollment=case)
        record.data = {
            **record.data,
            "router_serial": provisioning.router_serial,
            **({"router_model": model_name} if model_name else {}),
            "account_holders": [h.email for h in holders],
        }
        record.save(update_fields=["data"])
    return case


def router_identity_record(
    *, enrollment: Enrollment, actor: User, model_name: str, serial: str = "", reason: str = ""
) -> Provisioning:
    """After ⑤: the router's model. The serial number was entered with the installation; a
    different ``serial`` corrects it and needs the ``reason`` (both values stay in the ledger)."""
    require_permission(actor=actor, action="router.identify", obj=enrollment)
    model_name = required_text(model_name, "router_model", 100)
    serial = (serial or "").strip()[:100]
    reason = (reason or "").strip()[:REASON_MAX]
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=[State.TERMINAL_SETUP])
        provisioning = provisioning_of(locked)
        before = {
            "router_serial": provisioning.router_serial,
            "router_model": provisioning.router_model,
        }
        corrected = bool(serial) and serial != provisioning.router_serial
        if corrected and not reason:
            raise RuleViolation(
                _(
                    "The serial number was entered when the installation was recorded; say why "
                    "it is corrected."
                ),
                code="reason_required",
                status=422,
                field="reason",
            )
        provisioning.router_model = model_name
        if corrected:
            provisioning.router_serial = serial
        provisioning.save(update_fields=["router_serial", "router_model"])
        after = {"router_serial": provisioning.router_serial, "router_model": model_name}
        audit_record(
            actor=actor,
            action="router.identify",
            obj=provisioning,
            company_id=locked.site.company_id,
            before=before,
            after={**after, "reason": reason} if corrected else after,
        )
    return provisioning
