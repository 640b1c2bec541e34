"""④ 回線敷設工事 and ⑤ 通信ルータの設置: the provider records them done (the case moves on),
and the router's identity."""

from __future__ import annotations

from django.db import transaction

from dsg.audit.services import audit_record
from dsg.core.inputs import required_text
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.rules import require_state
from dsg.enrollment.services import TransitionInput, case_transition, enrollment_lock
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from ..models import Provisioning
from .common import provisioning_of


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
    return case


def router_install(
    *, enrollment: Enrollment, actor: User, data: TransitionInput | None = None
) -> Enrollment:
    """⑤ The router is installed (on ``data.performed_on``, serial ``data.router_serial``): the
    terminals' setup and connection tests are next."""
    with case_transition(enrollment=enrollment, name="install_router", actor=actor, data=data) as (
        case,
        record,
    ):
        provisioning = provisioning_of(case)
        provisioning.router_installed_on = record.performed_on
        provisioning.router_serial = record.data["router_serial"].strip()
        provisioning.save(update_fields=["router_installed_on", "router_serial"])
    return case


def router_identity_record(
    *, enrollment: Enrollment, actor: User, serial: str, model_name: str
) -> Provisioning:
    """The router's serial number and model, recorded or corrected once it is installed."""
    require_permission(actor=actor, action="router.identify", obj=enrollment)
    serial = required_text(serial, "router_serial", 100)
    model_name = required_text(model_name, "router_model", 100)
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
