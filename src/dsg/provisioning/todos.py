"""The open items of ③–⑥ (core.todos): dates to confirm or to propose again, visits, the
ancillary work at the company, setup media to ship and to confirm received, account information
to deliver and links to open, veins to register, terminals to test.

The provider's full work list stays its own (``worklist``, on its dashboard); these items are
what the other parties wait on and what the company must do. Nine queries over every case the
person sees, whatever their number.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Now, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.appointments.models import ACTIVE_STATES, Appointment, AppointmentState
from dsg.core.todos import (
    COMPANY,
    PROVIDER,
    Todo,
    TodoQuery,
    TodoRows,
    kept_objects,
    register_todos,
)
from dsg.enrollment.models import Enrollment, State
from dsg.orgs import permissions
from dsg.registry.models import ConnectionTest, Terminal

from .models import (
    AccountDelivery,
    AccountDeliveryState,
    AccountHolder,
    AncillaryWork,
    AppointmentPurpose,
    SetupMediaShipment,
)
from .worklist import SETUP_STATES, STEP_STATES

KEY = "enrollment"


def _scoped(query: TodoQuery, queryset: QuerySet[Any], path: str) -> QuerySet[Any]:
    ids = query.ids(KEY)
    if ids is not None:
        queryset = queryset.filter(**{f"{path}__in": ids})
    return permissions.restrict(query.user, queryset).order_by()


def _todo(case: Enrollment, **fields: Any) -> Todo:
    anchor = fields.pop("anchor")
    page = reverse("enrollment_detail", args=[case.pk])
    return Todo(
        case=(KEY, case.pk),
        url=f"{page}#{anchor}",
        number=case.number,
        case_url=page,
        company=case.site.company.name,
        site_id=case.site_id,
        site=case.site.name,
        **fields,
    )


def _open_dates(query: TodoQuery) -> QuerySet[Any]:
    """The dates that stand, and the other dates asked for that no newer date answers."""
    dates = Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(Enrollment),
        purpose__in=AppointmentPurpose.values,
    )
    newer = dates.filter(  # a newer date stands, or took place
        subject_id=OuterRef("subject_id"),
        purpose=OuterRef("purpose"),
        party=OuterRef("party"),
        state__in=[*ACTIVE_STATES, AppointmentState.DONE],
        pk__gt=OuterRef("pk"),
    )
    in_provisioning = Enrollment.objects.filter(state__in=STEP_STATES[:4]).values("pk")
    return _scoped(
        query,
        dates.filter(
            Q(state__in=ACTIVE_STATES)
            | Q(state=AppointmentState.OTHER_DATE_REQUESTED, subject_id__in=in_provisioning)
        ).exclude(Q(state=AppointmentState.OTHER_DATE_REQUESTED) & Exists(newer)),
        "subject_id",
    )


def _cases_of(rows: QuerySet[Any], column: str) -> QuerySet[Any]:
    """The cases (with their site and company) that ``rows`` name in ``column``."""
    return Enrollment.objects.filter(pk__in=rows.values(column)).select_related("site__company")


def _kept(query: TodoQuery, name: str, build: Any) -> list[Any]:
    """``build(query)``'s instances, its query kept compiled (core.todos.kept_objects)."""
    return kept_objects(query, f"provisioning.{name}", KEY, build)


def _appointments(query: TodoQuery) -> Iterator[Todo]:
    appointments = _kept(query, "dates", lambda q: _open_dates(q).select_related("person"))
    if not appointments:
        return
    cases = {
        case.pk: case
        for case in _kept(query, "dates.cases", lambda q: _cases_of(_open_dates(q), "subject_id"))
    }
    for a in appointments:
        case = cases.get(a.subject_id)
        if case is None:
            continue
        detail = f"{a.get_purpose_display()}" + (f" — {a.person}" if a.person else "")
        common = {"detail": detail, "since": a.proposed_at, "anchor": "appointments"}
        if a.state == AppointmentState.PROPOSED:
            yield _todo(
                case,
                code="appointment.confirm",
                who=COMPANY,
                what=_("Confirm the date the service provider proposed, or ask for another"),
                action="appointment.respond",
                due=timezone.localdate(a.starts_at),
                button=_("Confirm the date"),
                **common,
            )
        elif a.state == AppointmentState.CONFIRMED:
            yield _todo(
                case,
                code="appointment.visit",
                who=PROVIDER,
                what=_("Visit on the confirmed date and record it"),
                action="appointment.close",
                due=timezone.localdate(a.starts_at),
                button=_("Open the case"),
                **common,
            )
        else:
            yield _todo(
                case,
                code="appointment.propose",
                who=PROVIDER,
                what=_("The company asked for another date: propose a new date"),
                action="appointment.propose",
                button=_("Propose a date"),
                **{**common, "since": a.closed_at or a.proposed_at},
            )


def _open_work(query: TodoQuery) -> QuerySet[Any]:
    return _scoped(
        query,
        AncillaryWork.objects.filter(enrollment__state=State.SURVEY, done_on__isnull=True),
        "enrollment_id",
    )


def _unreceived(query: TodoQuery) -> QuerySet[Any]:
    return _scoped(
        query,
        SetupMediaShipment.objects.filter(
            enrollment__state__in=SETUP_STATES, received_on__isnull=True
        ),
        "enrollment_id",
    )


def _waiting_links(query: TodoQuery) -> QuerySet[Any]:
    return _scoped(
        query,
        AccountDelivery.objects.filter(state=AccountDeliveryState.WAITING, expires_at__gt=Now()),
        "enrollment_id",
    )


def _company_work(query: TodoQuery) -> Iterator[Todo]:
    works = _kept(
        query, "work", lambda q: _open_work(q).select_related("enrollment__site__company")
    )
    for work in works:
        yield _todo(
            work.enrollment,
            code="ancillary_work.done",
            who=COMPANY,
            what=_("Carry out the ancillary work (付帯工事) and record it as done"),
            action="ancillary_work.mark_done",
            detail=work.description,
            since=work.added_at,
            anchor="provisioning",
            button=_("Record the work as done"),
        )
    shipments = _kept(
        query, "unreceived", lambda q: _unreceived(q).select_related("enrollment__site__company")
    )
    for shipment in shipments:
        yield _todo(
            shipment.enrollment,
            code="media.receive",
            who=COMPANY,
            what=_("Confirm that the setup media (セットアップ媒体) arrived"),
            action="media.receive",
            since=shipment.recorded_at,
            anchor="setup-media",
            button=_("Confirm receipt"),
        )
    links = _kept(
        query,
        "links",
        lambda q: _waiting_links(q).select_related("enrollment__site__company", "holder"),
    )
    for link in links:
        yield _todo(
            link.enrollment,
            code="account_delivery.open",
            who=COMPANY,
            what=_("Open the one-time link to the account information (mailed to the PSA)"),
            action="account_delivery.open",
            detail=link.holder.name,
            due=timezone.localdate(link.expires_at),
            since=link.created_at,
            anchor="accounts",
            button=_("Open the account holders"),
        )


def _setup(query: TodoQuery) -> Iterator[Todo]:
    """⑥: the setup media to ship, each holder's account to deliver and veins to register (the
    provider), each terminal's connection test (the company)."""
    unshipped = _kept(query, "unshipped", lambda q: _unshipped(q).select_related("site__company"))
    for case in unshipped:
        yield _todo(
            case,
            code="media.ship",
            who=PROVIDER,
            what=_("Ship the setup media (セットアップ媒体)"),
            action="media.ship",
            since=case.state_changed_at,
            anchor="setup-media",
            button=_("Open the case"),
        )
    holders = _kept(
        query,
        "holders",
        lambda q: (
            _holders(q)
            .annotate(link_waiting=Exists(_link_waiting()))
            .select_related("enrollment__site__company")
        ),
    )
    for holder in holders:
        if holder.account_received_at is None and holder.link_waiting:
            continue  # the company's: the link to open
        received = holder.account_received_at is not None
        yield _todo(
            holder.enrollment,
            code="vein.register" if received else "account.deliver",
            who=PROVIDER,
            what=_("Register the person's veins (静脈認証登録)")
            if received
            else _("Deliver the account information (アカウント情報)"),
            action="vein_registration.record" if received else "account_delivery.create",
            detail=holder.name,
            since=holder.account_received_at or holder.added_at,
            anchor="accounts",
            button=_("Open the account holders"),
        )
    yield from _untested(query)


def _unshipped(query: TodoQuery) -> QuerySet[Any]:
    return _scoped(
        query,
        Enrollment.objects.filter(state__in=SETUP_STATES).exclude(
            Exists(SetupMediaShipment.objects.filter(enrollment=OuterRef("pk")))
        ),
        "pk",
    )


def _link_waiting() -> QuerySet[Any]:
    return AccountDelivery.objects.filter(
        holder=OuterRef("pk"), state=AccountDeliveryState.WAITING, expires_at__gt=Now()
    )


def _holders(query: TodoQuery) -> QuerySet[Any]:
    return _scoped(
        query,
        AccountHolder.objects.filter(enrollment__state=State.TERMINAL_SETUP).filter(
            Q(account_received_at__isnull=True) | Q(vein_registered_on__isnull=True)
        ),
        "enrollment_id",
    )


def _untested_terminals(query: TodoQuery) -> QuerySet[Any]:
    at_setup = Enrollment.objects.filter(state=State.TERMINAL_SETUP)
    ids = query.ids(KEY)
    if ids is not None:
        at_setup = at_setup.filter(pk__in=ids)
    passed = ConnectionTest.objects.filter(terminal=OuterRef("pk"), passed=True)
    return permissions.restrict(
        query.user,
        Terminal.objects.filter(
            origin_type=ContentType.objects.get_for_model(Enrollment),
            origin_id__in=at_setup.values("pk"),
        ).exclude(Exists(passed)),
    ).order_by()


def _untested(query: TodoQuery) -> Iterator[Todo]:
    terminals = _kept(query, "untested", _untested_terminals)
    if not terminals:
        return
    cases = {
        case.pk: case
        for case in _kept(
            query, "untested.cases", lambda q: _cases_of(_untested_terminals(q), "origin_id")
        )
    }
    for terminal in terminals:
        case = cases.get(terminal.origin_id)
        if case is None:  # left set-up between the two reads
            continue
        yield _todo(
            case,
            code="connection_test.record",
            who=COMPANY,
            what=_("Set up the terminal and record its connection test"),
            action="connection_test.record",
            detail=terminal.name,
            since=terminal.registered_at,
            anchor="terminals",
            button=_("Record the connection test"),
        )


def provisioning_todos(query: TodoQuery) -> Iterator[Todo]:
    if not query.wants(KEY) or not query.asks(COMPANY, PROVIDER):
        return
    yield from _appointments(query)
    yield from _company_work(query)
    yield from _setup(query)


def _day(field: str) -> Any:
    return TruncDate(field, tzinfo=timezone.get_default_timezone())


def provisioning_todo_rows(query: TodoQuery) -> Iterator[TodoRows]:
    """The same items as rows (core.todos.TodoRows), one kind per code."""
    if not query.wants(KEY) or not query.asks(COMPANY, PROVIDER):
        return
    dates = _open_dates(query)
    holders = _holders(query)
    received = Q(account_received_at__isnull=False)
    kinds: list[tuple[str, str, str, QuerySet[Any], str, Any, Any]] = [
        # (code, who, action, rows, case, since, due)
        (
            "appointment.confirm",
            COMPANY,
            "appointment.respond",
            dates.filter(state=AppointmentState.PROPOSED),
            "subject_id",
            F("proposed_at"),
            _day("starts_at"),
        ),
        (
            "appointment.visit",
            PROVIDER,
            "appointment.close",
            dates.filter(state=AppointmentState.CONFIRMED),
            "subject_id",
            F("proposed_at"),
            _day("starts_at"),
        ),
        (
            "appointment.propose",
            PROVIDER,
            "appointment.propose",
            dates.filter(state=AppointmentState.OTHER_DATE_REQUESTED),
            "subject_id",
            Coalesce("closed_at", "proposed_at"),
            None,
        ),
        (
            "ancillary_work.done",
            COMPANY,
            "ancillary_work.mark_done",
            _open_work(query),
            "enrollment_id",
            F("added_at"),
            None,
        ),
        (
            "media.receive",
            COMPANY,
            "media.receive",
            _unreceived(query),
            "enrollment_id",
            F("recorded_at"),
            None,
        ),
        (
            "account_delivery.open",
            COMPANY,
            "account_delivery.open",
            _waiting_links(query),
            "enrollment_id",
            F("created_at"),
            _day("expires_at"),
        ),
        (
            "media.ship",
            PROVIDER,
            "media.ship",
            _unshipped(query),
            "pk",
            F("state_changed_at"),
            None,
        ),
        (
            "vein.register",
            PROVIDER,
            "vein_registration.record",
            holders.filter(received),
            "enrollment_id",
            F("account_received_at"),
            None,
        ),
        (
            "account.deliver",
            PROVIDER,
            "account_delivery.create",
            holders.exclude(received).exclude(Exists(_link_waiting())),
            "enrollment_id",
            F("added_at"),
            None,
        ),
        (
            "connection_test.record",
            COMPANY,
            "connection_test.record",
            _untested_terminals(query),
            "origin_id",
            F("registered_at"),
            None,
        ),
    ]
    for code, who, action, rows, case, since, due in kinds:
        if query.asks(who):
            yield TodoRows(
                key=KEY,
                code=code,
                who=who,
                action=action,
                rows=rows,
                case=case,
                since=since,
                due=due,
            )


def register() -> None:
    register_todos("provisioning", provisioning_todos, provisioning_todo_rows)
