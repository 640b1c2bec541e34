"""Reads of provisioning records through the visibility of their case; a miss is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from dsg.appointments.models import Appointment
from dsg.core.errors import NotVisible
from dsg.enrollment.models import Enrollment
from dsg.enrollment.rules import site_terminals
from dsg.orgs import permissions
from dsg.orgs.models import User
from dsg.registry.models import Terminal
from dsg.registry.selectors import TestedTerminal

from .models import (
    AccountDelivery,
    AccountDeliveryState,
    AccountHolder,
    AncillaryWork,
    AppointmentPurpose,
    SetupMediaShipment,
)

_M = TypeVar("_M", bound=Model)


def account_holder_get_for(*, user: User, pk: int) -> AccountHolder:
    return _get(
        permissions.restrict(user, AccountHolder.objects.select_related("person", "enrollment")),
        pk,
    )


def ancillary_work_get_for(*, user: User, pk: int) -> AncillaryWork:
    return _get(permissions.restrict(user, AncillaryWork.objects.select_related("enrollment")), pk)


def _get(queryset: QuerySet[_M], pk: int) -> _M:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotVisible()
    return obj


def case_of_terminal(terminal: Terminal) -> Enrollment:
    """The case a terminal is set up in: its site's latest case."""
    return Enrollment.objects.filter(site_id=terminal.site_id).order_by("-created_at", "-pk")[0]


def terminals_of(enrollment: Enrollment) -> QuerySet[TestedTerminal]:
    """The terminals of the case's site that count, with their latest connection test."""
    return site_terminals(enrollment)


def _provider_appointments() -> QuerySet[Appointment]:
    """The appointments of ③–⑥: of a case, for one of the provider's purposes."""
    holder = AccountHolder.objects.filter(
        enrollment_id=OuterRef("subject_id"), person_id=OuterRef("person_id")
    )
    return (
        Appointment.objects.filter(
            subject_type=ContentType.objects.get_for_model(Enrollment),
            purpose__in=AppointmentPurpose.values,
        )
        .select_related("person", "proposed_by", "confirmed_by")
        .annotate(holder_id=Subquery(holder.values("pk")[:1]))
    )


def appointment_get_for(*, user: User, pk: int) -> Appointment:
    return _get(permissions.restrict(user, _provider_appointments()), pk)


def case_of_appointment(appointment: Appointment) -> Enrollment:
    """The case of one of the provider's appointments (all are of cases: see
    ``_provider_appointments``)."""
    return cast(Enrollment, appointment.subject)


def shipment_get_for(*, user: User, pk: int) -> SetupMediaShipment:
    return _get(
        permissions.restrict(user, SetupMediaShipment.objects.select_related("enrollment")), pk
    )


def holder_of(appointment: Appointment) -> int | None:
    """The id of the account holder an appointment is for, if any."""
    if appointment.person_id is None:
        return None
    holder = AccountHolder.objects.filter(
        enrollment_id=appointment.subject_id, person_id=appointment.person_id
    ).values_list("pk", flat=True)
    return holder.first()


def appointments_of(enrollment: Enrollment) -> QuerySet[Appointment]:
    """The provider's appointments of a case, earliest first."""
    return _provider_appointments().filter(subject_id=enrollment.pk)


def shipments_of(enrollment: Enrollment) -> QuerySet[SetupMediaShipment]:
    return enrollment.media_shipments.select_related("shipped_by", "received_by")


def deliveries_of(enrollment: Enrollment) -> QuerySet[AccountDelivery]:
    """The account information deliveries of a case: their state, never their secret."""
    return enrollment.account_deliveries.select_related("holder__person", "opened_by").defer(
        "secret"
    )


# What each terminal still lacks before ⑦ --------------------------------------------------------
LACKS: dict[str, Any] = {
    "setup_media": _("setup media (セットアップ媒体) received"),
    "account_issued": _("holder's account issued"),
    "account_received": _("account information (アカウント情報) opened by the PSA"),
    "vein_registered": _("vein registration (静脈認証登録)"),
    "connection_test": _("connection test (接続テスト) passed"),
}


@dataclass(frozen=True)
class TerminalReadiness:
    terminal: Terminal
    holder: AccountHolder | None
    setup_media: bool
    account_issued: bool
    account_received: bool
    vein_registered: bool
    connection_test: bool

    @property
    def lacks(self) -> list[str]:
        return [code for code in LACKS if not getattr(self, code)]

    @property
    def lack_items(self) -> list[tuple[str, Any]]:
        return [(code, LACKS[code]) for code in self.lacks]

    @property
    def ready(self) -> bool:
        return not self.lacks


def terminal_readiness(enrollment: Enrollment) -> list[TerminalReadiness]:
    """Per terminal: media received, and for the holder who tested it (or the most advanced
    holder, before any test) account issued and opened, vein registered; latest test passed.
    Four queries whatever the number of terminals and holders."""
    terminals = list(terminals_of(enrollment))
    # By person; a terminal never tested has no tester (None), and so no holder of its own.
    holders: dict[int | None, AccountHolder] = {
        h.person_id: h for h in enrollment.account_holders.select_related("person")
    }
    opened = set(
        enrollment.account_deliveries.filter(state=AccountDeliveryState.OPENED).values_list(
            "holder_id", flat=True
        )
    )
    media = enrollment.media_shipments.filter(received_on__isnull=False).exists()

    def score(holder: AccountHolder) -> tuple[bool, bool, bool]:
        return (
            holder.account_issued_on is not None,
            holder.pk in opened,
            holder.vein_registered_on is not None,
        )

    best = max(holders.values(), key=score, default=None)
    rows = []
    for terminal in terminals:
        holder = holders.get(terminal.latest_tester_id) or best
        issued, received, vein = score(holder) if holder else (False, False, False)
        rows.append(
            TerminalReadiness(
                terminal=terminal,
                holder=holder,
                setup_media=media,
                account_issued=issued,
                account_received=received,
                vein_registered=vein,
                connection_test=bool(terminal.latest_passed),
            )
        )
    return rows
