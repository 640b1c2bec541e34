"""⑤ 通信ルータの設置: the router's identity."""

from __future__ import annotations

from django.db import transaction

from dsg.audit.services import audit_record
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.rules import require_state
from dsg.enrollment.services import enrollment_lock
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from ..models import Provisioning
from .common import _required_text, provisioning_of


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
