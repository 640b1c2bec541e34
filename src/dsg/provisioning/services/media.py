"""⑥ セットアップ媒体: the setup media (DVD-ROM) the provider ships and the PSA receives."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation
from dsg.core.inputs import past_or_today, required_text
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.rules import require_state
from dsg.enrollment.services import enrollment_lock
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from ..models import SetupMediaShipment
from .common import _audit, _mail, _psa_emails

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
        "carrier": required_text(carrier, "carrier", 100),
        "tracking_number": required_text(tracking_number, "tracking_number", 100),
        "media": required_text(media or "DVD-ROM", "media", 100),
        "shipped_on": past_or_today(shipped_on, "shipped_on"),
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
    received_on = past_or_today(received_on, "received_on")
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
