"""Removable media (可搬記憶媒体) enter the registry: registered on the approval of a request, on
the terminals it names; whether a medium identifies one device is decided from the whole
registry (cheap sticks share vendor, product and even serial)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.orgs.models import Site, User
from dsg.orgs.permissions import require_permission

from .models import MediumKind, RemovableMedium, Terminal
from .selectors import STANDING


@dataclass(frozen=True)
class MediumValues:
    """What names a medium, as checked by the caller (forms, API, .xlsx rows)."""

    kind: str
    vendor_id: str
    product_id: str
    serial_number: str
    capacity_gb: Decimal
    custodian: str
    usbguard_hash: str = ""


def device_conflicts(
    vendor_id: str, product_id: str, serial_number: str, *, exclude: Iterable[int] = ()
) -> list[RemovableMedium]:
    """The standing media of any company with the same vendor, product and serial: a medium
    that shares them with another is not a unique device (one query; for the office's eyes)."""
    if not serial_number:
        return []
    return list(
        RemovableMedium.objects.filter(
            STANDING,
            vendor_id=vendor_id,
            product_id=product_id,
            serial_number=serial_number,
        )
        .exclude(pk__in=list(exclude))
        .select_related("site")
        .order_by("pk")
    )


def not_unique_reasons(values: MediumValues, *, exclude: Iterable[int] = ()) -> list[str]:
    """Why a medium cannot be approved as a unique device (empty: it can)."""
    if not values.serial_number:
        return [
            str(
                _(
                    "The medium has no serial number: its vendor and product IDs alone "
                    "match every medium of the same model."
                )
            )
        ]
    return [
        str(
            _("Vendor, product and serial number are already registered: {ref}.").format(
                ref=medium.ref
            )
        )
        for medium in device_conflicts(
            values.vendor_id, values.product_id, values.serial_number, exclude=exclude
        )
    ]


def medium_register(
    *,
    site: Site,
    actor: User,
    values: MediumValues,
    terminals: Iterable[Terminal],
    unique_device: bool,
    origin: models.Model | None = None,
) -> RemovableMedium:
    """Register a medium of ``site`` for use on ``terminals`` (the office's approval of a request;
    the caller holds the request's lock and checked the values). Ledgered."""
    require_permission(actor=actor, action="medium.register", obj=site)
    if values.kind not in MediumKind.values:
        raise ValueError(values.kind)
    medium = RemovableMedium.objects.create(
        site=site,
        kind=values.kind,
        vendor_id=values.vendor_id,
        product_id=values.product_id,
        serial_number=values.serial_number,
        capacity_gb=values.capacity_gb,
        custodian=values.custodian,
        usbguard_hash=values.usbguard_hash,
        unique_device=unique_device,
        origin_type=ContentType.objects.get_for_model(origin) if origin else None,
        origin_id=origin.pk if origin else None,
    )
    terminal_ids = sorted(t.pk for t in terminals)
    medium.terminals.set(terminal_ids)
    audit_record(
        actor=actor,
        action="medium.register",
        obj=medium,
        company_id=site.company_id,
        after={
            "site": site.pk,
            "ref": medium.ref,
            "kind": medium.kind,
            "vendor_id": medium.vendor_id,
            "product_id": medium.product_id,
            "serial_number": medium.serial_number,
            "capacity_gb": str(medium.capacity_gb),
            "custodian": medium.custodian,
            "usbguard_hash": medium.usbguard_hash,
            "unique_device": unique_device,
            "terminals": terminal_ids,
            "origin": None
            if origin is None
            else {"type": origin._meta.label_lower, "id": origin.pk},
        },
    )
    return medium
