"""Reads of provisioning records through the visibility of their case; a miss is a 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, Model, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _

from dsg.appointments.models import Appointment
from dsg.core import subjects
from dsg.core.errors import NotVisible, RuleViolation
from dsg.core.prepared import PreparedCache, PreparedQuery, person_key
from dsg.enrollment.application_services import accepted_version
from dsg.enrollment.models import ApplicationVersion, Enrollment, ReviewDecision
from dsg.enrollment.parts import account_sheet
from dsg.enrollment.rules import site_terminals
from dsg.orgs import permissions
from dsg.orgs.models import Role, Site, User
from dsg.registry.models import ConnectionTest, Terminal
from dsg.registry.selectors import TestedTerminal

from .models import (
    AccountDelivery,
    AccountHolder,
    AncillaryWork,
    AppointmentPurpose,
    Provisioning,
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
    return sheet_of(accepted_version(enrollment))


def sheet_of(version: ApplicationVersion | None) -> AccountSheet:
    """The account sheet of the accepted version (None: not accepted yet)."""
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
    return readiness_of(
        terminals,
        list(enrollment.account_holders.select_related("person")),
        media_received=enrollment.media_shipments.filter(received_on__isnull=False).exists(),
    )


def readiness_of(
    terminals: list[TestedTerminal], holders: list[AccountHolder], *, media_received: bool
) -> list[TerminalReadiness]:
    """``terminal_readiness`` of what is read already: the case's terminals, every account
    holder of the case, whether its setup media were received."""
    by_key = {h.party: h for h in holders}  # their key in the connection tests

    def score(holder: AccountHolder) -> tuple[bool, bool, bool]:
        return (
            holder.account_issued_on is not None,
            holder.account_received,
            holder.vein_registered,
        )

    best = max(by_key.values(), key=score, default=None)  # a terminal never tested: this one
    rows = []
    for terminal in terminals:
        holder = by_key.get(terminal.latest_tester_key or "") or best
        issued, received, vein = score(holder) if holder else (False, False, False)
        rows.append(
            TerminalReadiness(
                terminal=terminal,
                holder=holder,
                setup_media=media_received,
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
    return named_only(terminal_readiness(enrollment, terminals=terminals), named)


def named_only(rows: list[TerminalReadiness], named: set[int]) -> list[TerminalReadiness]:
    """``rows`` with the holders not in ``named`` (those the person does not read) left out."""
    return [
        row if row.holder is None or row.holder.pk in named else replace(row, holder=None)
        for row in rows
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
    tests = ConnectionTest.objects.filter(
        terminal__site_id=enrollment.site_id,
        passed=True,
        tester_key__in=[h.party for h in holders],
    ).values_list("tester_key", "tested_on")
    return progress_of(holders, list(deliveries_of(enrollment)), list(tests))


def progress_of(
    holders: list[AccountHolder],
    deliveries: list[AccountDelivery],
    passed_tests: list[tuple[str, Any]],
) -> list[HolderProgress]:
    """``holder_progress`` of what is read already: the holders, the case's deliveries (oldest
    first) and passed connection tests at its site (the tester's key, the day)."""
    latest = {d.holder_id: d for d in deliveries}  # oldest first: the last wins
    keys = {h.party for h in holders}
    passed: dict[str, Any] = {}
    for key, day in passed_tests:
        if key in keys:
            passed[key] = max(day, passed.get(key, day))
    return [HolderProgress(h, latest.get(h.pk), passed.get(h.party)) for h in holders]


# The case page's ③–⑥ panel, read by queries kept compiled (#14) -------------------------------
# Building and compiling the panel's dozen querysets on each request was ~40 % of the case page,
# running them well under a millisecond (docs/performance.md). Each read is compiled once per
# person (``person_key``: what ``restrict()`` reads of them) and the content types, the
# case's and its site's ids parameters, and gives rows only of a case the person sees (``_gate``):
# run with any id, a person's kept query never answers of another company's case. Building them
# reads no row (tests/provisioning/test_case_panel_kept.py). Positive sentinels: an appointment's
# ``subject_id`` is a PositiveBigIntegerField, and Django answers a lookup out of a field's range
# with no SQL rather than compare it.
_PANEL: PreparedCache[PreparedQuery] = PreparedCache(size=1024)
_CASE_ID, _SITE_ID = 2**62 + 7_391_000_101, 2**62 + 7_391_000_102


@dataclass(frozen=True)
class CasePanel:
    """What the ③–⑥ panel shows of a case, as one person reads it."""

    provisioning: Provisioning | None
    ancillary_works: list[AncillaryWork]
    appointments: list[Appointment]
    shipments: list[SetupMediaShipment]
    terminals: list[TestedTerminal]  # from ⑥ on (none before)
    holder_rows: list[HolderProgress]  # from ⑥ on: the holders the person reads
    readiness: list[TerminalReadiness]  # from ⑥ on
    sheet: AccountSheet | None  # to those who may read it
    people: list[tuple[int, str]]  # whom the PSA may add as an account holder


def _kept(
    name: str,
    user: User,
    build: Callable[[Enrollment], QuerySet[Any]],
    *,
    site: bool = False,
    first: bool = False,
) -> PreparedQuery:
    """``build(case)`` of a case whose id (and its site's, with ``site``) is a parameter, its
    rows only if ``user`` sees the case (``first``: its first row only), compiled once."""

    def prepare() -> PreparedQuery:
        case = Enrollment(pk=_CASE_ID, site=Site(pk=_SITE_ID))
        gate = permissions.restrict(user, Enrollment.objects.filter(pk=_CASE_ID))
        queryset = build(case).filter(Exists(gate))
        if gate.query.is_empty():  # a person who sees no case: never asked
            return PreparedQuery(queryset.none(), [])
        return PreparedQuery(
            queryset[:1] if first else queryset, [_CASE_ID, _SITE_ID] if site else [_CASE_ID]
        )

    return _PANEL.get((name, *person_key(user), _content_types()), prepare)


def _content_types() -> tuple[int, ...]:
    """The content types a read's building names (the case's; the subjects' in ``restrict()``
    of an appointment): in the key, so a kept query never names one a flush renumbered, and
    read (from Django's cache) before a query is built."""
    models: list[type[Model]] = [Enrollment, *(known.model for known in subjects.subject_types())]
    found = ContentType.objects.get_for_models(*models)
    return tuple(found[model].pk for model in models)


def _holders_named_for(user: User) -> Callable[[Enrollment], QuerySet[AccountHolder]]:
    """Every account holder of a case, each marked ``named`` if ``user`` reads it (a 利用者
    reads none: it sees what a terminal lacks, not whose account)."""

    def build(case: Enrollment) -> QuerySet[AccountHolder]:
        read = permissions.restrict(user, AccountHolder.objects.filter(pk=OuterRef("pk")))
        return (
            AccountHolder.objects.filter(enrollment_id=case.pk)
            .select_related("person", "added_by")
            .annotate(named=Value(False) if read.query.is_empty() else Exists(read))
        )

    return build


def _accepted_versions(case: Enrollment) -> QuerySet[ApplicationVersion]:
    """The case's accepted versions, latest first: ``accepted_version`` is the first."""
    return ApplicationVersion.objects.filter(
        application__enrollment_id=case.pk, decision=ReviewDecision.ACCEPTED
    ).order_by("-number")


def _people(case: Enrollment) -> QuerySet[User]:
    """The PSAs and delegates of the case's company: whom its PSA may add as a holder."""
    company = Enrollment.objects.filter(pk=case.pk).values("site__company_id")
    return User.objects.filter(
        organization_id=Subquery(company), role__in=(Role.PSA, Role.DELEGATE)
    )


def case_panel_for(*, user: User, enrollment: Enrollment, sheet: bool, people: bool) -> CasePanel:
    """The ③–⑥ panel of a case ``user`` sees (from ``enrollment_get_for``) by kept queries, as
    the selectors above read it (``sheet``: the account sheet, to those who may read it;
    ``people``: to the PSA who may add a holder). Four queries before ⑥; from ⑥ on the
    terminals and the holders, and the deliveries and passed tests of the holders it reads."""
    ids = [enrollment.pk]
    found = _kept("provisioning", user, _provisioning_of).objects(ids)
    shipments = cast(list[SetupMediaShipment], _kept("shipments", user, shipments_of).objects(ids))
    works = _kept("ancillary_works", user, _works_of).objects(ids)
    appointments = _kept(
        "appointments", user, lambda case: appointments_of(user=user, enrollment=case)
    ).objects(ids)
    return CasePanel(
        provisioning=cast(Provisioning, found[0]) if found else None,
        ancillary_works=cast(list[AncillaryWork], works),
        appointments=cast(list[Appointment], appointments),
        shipments=shipments,
        **(_from_step_six(user, enrollment, shipments) if enrollment.step >= 6 else _NOT_YET),
        sheet=_sheet_kept(user, enrollment) if sheet else None,
        people=[(p.pk, str(p)) for p in _kept("people", user, _people).objects(ids)]
        if people
        else [],
    )


_NOT_YET: dict[str, list[Any]] = {"terminals": [], "holder_rows": [], "readiness": []}


def _from_step_six(
    user: User, enrollment: Enrollment, shipments: list[SetupMediaShipment]
) -> dict[str, list[Any]]:
    """⑥'s terminals, the holders ``user`` reads with their progress, what each terminal lacks."""
    ids, both = [enrollment.pk], [enrollment.pk, enrollment.site_id]
    terminals = _kept("terminals", user, terminals_of, site=True).objects(both)
    holders = cast(list[Any], _kept("holders", user, _holders_named_for(user)).objects(ids))
    named = [h for h in holders if h.named]
    rows: list[HolderProgress] = []
    if named:
        deliveries = _kept("deliveries", user, deliveries_of).objects(ids)
        tests = _kept("passed_tests", user, _passed_tests, site=True).rows(both)
        rows = progress_of(named, cast(list[AccountDelivery], deliveries), tests)
    received = any(s.received_on is not None for s in shipments)
    readiness = readiness_of(cast(list[Any], terminals), holders, media_received=received)
    return {
        "terminals": terminals,
        "holder_rows": rows,
        "readiness": named_only(readiness, {h.pk for h in named}),
    }


def _sheet_kept(user: User, enrollment: Enrollment) -> AccountSheet:
    version = _kept("accepted_version", user, _accepted_versions, first=True).objects(
        [enrollment.pk]
    )
    return sheet_of(cast(ApplicationVersion, version[0]) if version else None)


def _provisioning_of(case: Enrollment) -> QuerySet[Provisioning]:
    return Provisioning.objects.filter(enrollment_id=case.pk)


def _works_of(case: Enrollment) -> QuerySet[AncillaryWork]:
    return AncillaryWork.objects.filter(enrollment_id=case.pk)


def _passed_tests(case: Enrollment) -> QuerySet[ConnectionTest]:
    """The passed connection tests at the case's site: (the tester's key, the day)."""
    return ConnectionTest.objects.filter(terminal__site_id=case.site_id, passed=True).values_list(
        "tester_key", "tested_on"
    )  # type: ignore[return-value]
