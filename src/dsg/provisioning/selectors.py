"""Reads of provisioning records through the visibility of their case; a miss is a 404."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Model, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _

from dsg.appointments.models import Appointment
from dsg.core.errors import NotVisible, RuleViolation
from dsg.enrollment.application_services import accepted_version
from dsg.enrollment.models import Enrollment
from dsg.enrollment.parts import account_sheet
from dsg.enrollment.rules import site_terminals
from dsg.orgs import permissions
from dsg.orgs.models import User
from dsg.registry.models import ConnectionTest, Terminal
from dsg.registry.selectors import TestedTerminal

from .models import (
    AccountDelivery,
    AccountHolder,
    AncillaryWork,
    AppointmentPurpose,
    SetupMediaShipment,
)

_M = TypeVar("_M", bound=Model)


def account_holders_for(*, user: User, enrollment: Enrollment) -> QuerySet[AccountHolder]:
    """The account holders of a visible case that ``user`` reads (a 利用者 reads none)."""
    return permissions.restrict(user, enrollment.account_holders.all())


def account_holder_get_for(*, user: User, pk: int) -> AccountHolder:
    return _get(
        permissions.restrict(user, AccountHolder.objects.select_related("person", "enrollment")),
        pk,
    )


@dataclass(frozen=True)
class AccountSheet:
    """What the provider reads of the accepted application to create the accounts (⑥): its
    version, and of its parts only the PSA, the contacts and the account holders (the version
    is None, and the lists empty, before the office accepted the application)."""

    version: int | None
    receipt_number: str
    accepted_at: Any
    psa: dict[str, str]
    contacts: list[dict[str, str]]
    account_holders: list[dict[str, str]]


def account_sheet_for(*, user: User, enrollment: Enrollment) -> AccountSheet:
    """The account sheet of a case ``user`` sees (``enrollment`` comes from the case selector):
    the provider, the company and the office may read it. The provider reads no other part of
    the application: it gets this sheet, never the version or its snapshot."""
    if not permissions.may(user, "account_sheet.view", enrollment):
        raise RuleViolation(
            _("Your role does not read the account holders of the application."),
            code="forbidden",
            status=403,
        )
    version = accepted_version(enrollment)
    if version is None:
        return AccountSheet(None, "", None, {}, [], [])
    return AccountSheet(
        version=version.number,
        receipt_number=version.receipt_number,
        accepted_at=version.decided_at,
        **account_sheet(version.snapshot),
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
    holder = AccountHolder.objects.annotate(
        holder_key=Concat(Value("account_holder:"), Cast("pk", output_field=CharField()))
    ).filter(enrollment_id=OuterRef("subject_id"), holder_key=OuterRef("party"))
    return (
        Appointment.objects.filter(
            subject_type=ContentType.objects.get_for_model(Enrollment),
            purpose__in=AppointmentPurpose.values,
        )
        .select_related("person", "proposed_by", "confirmed_by")
        .annotate(
            holder_id=Subquery(holder.values("pk")[:1]),
            holder_name=Subquery(holder.values("name")[:1]),
        )
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
    prefix, _sep, pk = appointment.party.partition(":")
    return int(pk) if prefix == "account_holder" and pk.isdigit() else None


def appointments_of(*, user: User, enrollment: Enrollment) -> QuerySet[Appointment]:
    """The provider's appointments of a case that ``user`` sees, earliest first (a 利用者 does
    not see another person's vein registration)."""
    return permissions.restrict(user, _provider_appointments().filter(subject_id=enrollment.pk))


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


def terminal_readiness(
    enrollment: Enrollment, *, terminals: list[TestedTerminal] | None = None
) -> list[TerminalReadiness]:
    """Per terminal: media received, and for the holder who tested it (or the most advanced
    holder, before any test) account issued and received, vein registered; latest test passed.
    Three queries whatever the number of terminals and holders (two with ``terminals``, the
    case's ``terminals_of`` already read)."""
    if terminals is None:
        terminals = list(terminals_of(enrollment))
    # By their key in the connection tests; a terminal never tested has no holder of its own.
    holders = {h.party: h for h in enrollment.account_holders.select_related("person")}
    media = enrollment.media_shipments.filter(received_on__isnull=False).exists()

    def score(holder: AccountHolder) -> tuple[bool, bool, bool]:
        return (
            holder.account_issued_on is not None,
            holder.account_received,
            holder.vein_registered,
        )

    best = max(holders.values(), key=score, default=None)
    rows = []
    for terminal in terminals:
        holder = holders.get(terminal.latest_tester_key or "") or best
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


def terminal_readiness_for(
    *, user: User, enrollment: Enrollment, terminals: list[TestedTerminal] | None = None
) -> list[TerminalReadiness]:
    """What each terminal lacks, as ``user`` reads it: the account holder is named only to those
    who read the account holders (a 利用者 sees what a terminal lacks, not whose account)."""
    named = set(account_holders_for(user=user, enrollment=enrollment).values_list("pk", flat=True))
    return [
        row if row.holder is None or row.holder.pk in named else replace(row, holder=None)
        for row in terminal_readiness(enrollment, terminals=terminals)
    ]


# Where each account holder stands at ⑥ ---------------------------------------------------------
HOLDER_STEPS: dict[str, Any] = {
    "account": _("Waiting for the account information (アカウント情報) to be received"),
    "vein": _("Account received; vein registration (静脈認証登録) next"),
    "test": _("Vein registered; connection test (接続テスト) next"),
    "tested": _("Connection test passed"),
}


@dataclass(frozen=True)
class HolderProgress:
    """One account holder's way through ⑥: received → vein registered → tested."""

    holder: AccountHolder
    delivery: AccountDelivery | None  # the latest delivery of its account information
    tested_on: Any  # the day of its latest passed connection test, if any

    @property
    def step(self) -> str:
        if not self.holder.account_received:
            return "account"
        if not self.holder.vein_registered:
            return "vein"
        return "tested" if self.tested_on else "test"

    @property
    def step_label(self) -> Any:
        return HOLDER_STEPS[self.step]


def holder_progress(*, user: User, enrollment: Enrollment) -> list[HolderProgress]:
    """Each account holder of the case that ``user`` reads, with its latest delivery and its
    latest passed connection test at the case's site: three queries whatever their number."""
    holders = list(
        account_holders_for(user=user, enrollment=enrollment).select_related("person", "added_by")
    )
    latest = {d.holder_id: d for d in deliveries_of(enrollment)}  # oldest first: the last wins
    passed: dict[str, Any] = {}
    tests = ConnectionTest.objects.filter(
        terminal__site_id=enrollment.site_id,
        passed=True,
        tester_key__in=[h.party for h in holders],
    ).values_list("tester_key", "tested_on")
    for key, day in tests:
        passed[key] = max(day, passed.get(key, day))
    return [HolderProgress(h, latest.get(h.pk), passed.get(h.party)) for h in holders]
