"""The provider's work across every case, one list ordered by date (for its dashboard and API).

Each kind of task is one query over the cases the provider sees; they are joined with UNION ALL,
ordered, counted and sliced in the database, and the page's rows are completed with a fixed
number of queries: the same count for ten tasks or ten thousand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, F, Max, Min, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.appointments.models import ACTIVE_STATES, Appointment, AppointmentState
from dsg.enrollment.models import STEP_OF_STATE, Enrollment, State, StepRecord
from dsg.enrollment.schedule import (
    COUNTING_STATES,
    MONTH_RULE_STEPS,
    STEP_OF_PURPOSE,
    MonthWarning,
    month_rule_warnings,
)
from dsg.inspections.models import Inspection
from dsg.orgs import permissions
from dsg.orgs.models import User

from .models import (
    AccountDelivery,
    AccountDeliveryState,
    AccountHolder,
    AncillaryWork,
    AppointmentPurpose,
    SetupMediaShipment,
)
from .selectors import holder_of

TASK_LABELS: dict[str, Any] = {
    "appointment_proposed": _("Appointment proposed, waiting for the company"),
    "appointment_confirmed": _("Confirmed appointment"),
    "appointment_repropose": _("Another date requested: propose a new date"),
    "survey": _("Record the site survey (現場調査)"),
    "ancillary_work": _("Ancillary work (付帯工事) pending at the company"),
    "media": _("Ship the setup media (セットアップ媒体)"),
    "account": _("Deliver the account information (アカウント情報)"),
    "account_reissue": _("The PSA asks for the account information again: issue it again"),
    "vein": _("Arrange the vein registration (静脈認証登録)"),
}
HOLDER_TASKS = ("account", "account_reissue", "vein")
ADDED_LABEL = _("added after acceptance")
SETUP_STATES = (State.ROUTER_INSTALLATION, State.TERMINAL_SETUP)
# What the ④–⑦ rule weighs: the appointments of those steps, and the states of those steps.
RULE_PURPOSES = [p for p, step in STEP_OF_PURPOSE.items() if step in MONTH_RULE_STEPS]
RULE_STATES = [s for s, step in STEP_OF_STATE.items() if step in MONTH_RULE_STEPS]
STEP_STATES = (
    State.SURVEY,
    State.CONSTRUCTION,
    State.ROUTER_INSTALLATION,
    State.TERMINAL_SETUP,
    State.FINAL_INSPECTION,
    State.FINAL_REMEDIATION,
    State.FINAL_REMEDIATION_REPORTED,
)


def _row(queryset: QuerySet, kind: Any, at: str, case: str) -> QuerySet:
    kind_value = kind if not isinstance(kind, str) else Value(kind, output_field=CharField())
    return (
        queryset.order_by()
        .annotate(
            task_kind=kind_value,
            task_at=F(at) if isinstance(at, str) else at,
            task_case=F(case),
            task_ref=F("pk"),
        )
        .values("task_kind", "task_at", "task_case", "task_ref")
    )


def provider_task_rows(*, user: User) -> QuerySet:
    """Every open task as (task_kind, task_at, task_case, task_ref), ordered by date."""
    cases = permissions.restrict(user, Enrollment.objects.all()).values("pk")
    dates = Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(Enrollment),
        purpose__in=AppointmentPurpose.values,
    )
    active = dates.filter(subject_id__in=cases, state__in=ACTIVE_STATES)
    proposed = _row(
        active.filter(state=AppointmentState.PROPOSED),
        "appointment_proposed",
        "starts_at",
        "subject_id",
    )
    confirmed = _row(
        active.filter(state=AppointmentState.CONFIRMED),
        "appointment_confirmed",
        "starts_at",
        "subject_id",
    )
    newer = dates.filter(  # a newer date stands, or took place (its record closed it)
        subject_id=OuterRef("subject_id"),
        purpose=OuterRef("purpose"),
        party=OuterRef("party"),
        state__in=[*ACTIVE_STATES, AppointmentState.DONE],
        pk__gt=OuterRef("pk"),
    )
    in_provisioning = Enrollment.objects.filter(pk__in=cases, state__in=STEP_STATES[:4])
    repropose = _row(
        dates.filter(
            subject_id__in=in_provisioning.values("pk"),
            state=AppointmentState.OTHER_DATE_REQUESTED,
        )
        .exclude(Exists(newer.filter(person=OuterRef("person"))))
        .exclude(Exists(newer.filter(person__isnull=True)), person__isnull=True),
        "appointment_repropose",
        "closed_at",
        "subject_id",
    )
    survey = _row(
        Enrollment.objects.filter(
            pk__in=cases, state=State.SURVEY, provisioning__surveyed_on__isnull=True
        ),
        "survey",
        "state_changed_at",
        "pk",
    )
    works = _row(
        AncillaryWork.objects.filter(
            enrollment__in=cases, enrollment__state=State.SURVEY, done_on__isnull=True
        ),
        "ancillary_work",
        "added_at",
        "enrollment_id",
    )
    media = _row(
        Enrollment.objects.filter(pk__in=cases, state__in=SETUP_STATES).exclude(
            Exists(SetupMediaShipment.objects.filter(enrollment=OuterRef("pk")))
        ),
        "media",
        "state_changed_at",
        "pk",
    )
    holders = AccountHolder.objects.filter(
        enrollment__in=cases, enrollment__state=State.TERMINAL_SETUP
    )
    delivered = AccountDelivery.objects.filter(holder=OuterRef("pk")).filter(
        Q(state=AccountDeliveryState.OPENED)
        | Q(state=AccountDeliveryState.WAITING, expires_at__gt=timezone.now())
    )  # an expired link is to be issued again
    asked_again = holders.filter(reissue_requested_at__isnull=False)
    accounts = _row(
        holders.filter(reissue_requested_at__isnull=True).exclude(Exists(delivered)),
        "account",
        "added_at",
        "enrollment_id",
    )
    reissue = _row(asked_again, "account_reissue", "reissue_requested_at", "enrollment_id")
    vein_booked = dates.filter(
        subject_id=OuterRef("enrollment_id"),
        party=OuterRef("holder_party"),
        purpose=AppointmentPurpose.VEIN_REGISTRATION,
        state__in=ACTIVE_STATES,
    )
    vein = _row(  # once the account information is received (the guideline's order)
        holders.filter(account_received_at__isnull=False, vein_registered_on__isnull=True)
        .annotate(holder_party=Concat(Value("account_holder:"), Cast("pk", CharField())))
        .exclude(Exists(vein_booked)),
        "vein",
        "account_received_at",
        "enrollment_id",
    )
    union = proposed.union(
        confirmed, repropose, survey, works, media, accounts, reissue, vein, all=True
    )
    return union.order_by("task_at", "task_kind", "task_ref")


@dataclass(frozen=True)
class ProviderTask:
    kind: str
    at: dt.datetime
    enrollment: Enrollment
    appointment: Appointment | None = None
    holder: AccountHolder | None = None
    work: AncillaryWork | None = None

    @property
    def label(self) -> Any:
        return TASK_LABELS[self.kind]

    @property
    def detail(self) -> str:
        if self.appointment is not None:
            text = str(self.appointment.get_purpose_display())
            who = self.holder.name if self.holder is not None else self.appointment.person
            return f"{text} — {who}" if who else text
        if self.holder is not None:
            if self.holder.is_added:
                return f"{self.holder.name} ({ADDED_LABEL})"
            return self.holder.name
        if self.work is not None:
            return self.work.description
        return ""


def provider_tasks_complete(rows: list[dict[str, Any]]) -> list[ProviderTask]:
    """The rows of one page as tasks with their case and object: four queries in all."""

    def refs(*kinds: str) -> set[int]:
        return {r["task_ref"] for r in rows if r["task_kind"] in kinds}

    cases = Enrollment.objects.select_related("site", "site__company").in_bulk(
        {r["task_case"] for r in rows}
    )
    appointments = Appointment.objects.select_related("person").in_bulk(
        refs("appointment_proposed", "appointment_confirmed", "appointment_repropose")
    )
    holder_ids = refs(*HOLDER_TASKS) | {
        pk for a in appointments.values() if (pk := holder_of(a)) is not None
    }
    holders = AccountHolder.objects.in_bulk(holder_ids)
    works = AncillaryWork.objects.in_bulk(refs("ancillary_work"))
    tasks = []
    for r in rows:
        kind, ref = r["task_kind"], r["task_ref"]
        appointment = appointments.get(ref) if kind.startswith("appointment") else None
        holder_id = holder_of(appointment) if appointment is not None else ref
        tasks.append(
            ProviderTask(
                kind=kind,
                at=r["task_at"],
                enrollment=cases[r["task_case"]],
                appointment=appointment,
                holder=holders.get(holder_id)
                if kind in HOLDER_TASKS or appointment is not None
                else None,
                work=works.get(ref) if kind == "ancillary_work" else None,
            )
        )
    return tasks


def month_rule_candidates(cases: QuerySet[Enrollment]) -> list[int]:
    """Of ``cases``, those whose dates that may count for ④–⑦ span two calendar months or more:
    the earliest and latest of each kind of date, per case, read in the database (three
    grouped queries and the rounds of the cases), not every date of every case in Python. The
    dates are a superset of those ``month_rule_warnings`` weighs (a step record of ④–⑦ counts
    here whichever way it moved, by the day given with it and the day it was recorded), so
    every case it warns of is among these (#14)."""
    zone = timezone.get_current_timezone()
    case_type = ContentType.objects.get_for_model(Enrollment)
    ids = cases.order_by().values("pk")
    spans: dict[int, list[dt.date]] = {}

    def note(case: int, *days: dt.date | dt.datetime) -> None:
        for day in days:
            local = timezone.localtime(day, zone).date() if isinstance(day, dt.datetime) else day
            spans.setdefault(case, []).append(local)

    appointments = Appointment.objects.order_by().filter(purpose__in=RULE_PURPOSES)
    planned = (
        appointments.filter(subject_type=case_type, subject_id__in=ids, state__in=COUNTING_STATES)
        .values("subject_id")
        .annotate(first=Min("starts_at"), last=Max("starts_at"))
    )
    for row in planned:
        note(row["subject_id"], row["first"], row["last"])
    case_of_round = dict(
        Inspection.objects.filter(subject_type=case_type, subject_id__in=ids).values_list(
            "pk", "subject_id"
        )
    )
    taken = (
        appointments.filter(
            subject_type=ContentType.objects.get_for_model(Inspection),
            subject_id__in=list(case_of_round),
            state=AppointmentState.CONFIRMED,
        )
        .values("subject_id")
        .annotate(first=Min("starts_at"), last=Max("starts_at"))
    )
    for kept in taken:
        note(case_of_round[kept["subject_id"]], kept["first"], kept["last"])
    # A record's day is the day given with it, else the day it was recorded: both count here
    # (plain MIN/MAX over indexed columns; no date conversion per row).
    recorded = (
        StepRecord.objects.order_by()
        .filter(Q(step__in=MONTH_RULE_STEPS) | Q(to_state__in=RULE_STATES), enrollment_id__in=ids)
        .values("enrollment_id")
        .annotate(
            first=Min("recorded_at"),
            last=Max("recorded_at"),
            first_given=Min("performed_on"),
            last_given=Max("performed_on"),
        )
    )
    for span in recorded:
        given = [day for day in (span["first_given"], span["last_given"]) if day is not None]
        note(span["enrollment_id"], span["first"], span["last"], *given)
    return sorted(
        case
        for case, days in spans.items()
        if (min(days).year, min(days).month) != (max(days).year, max(days).month)
    )


def provider_month_warning_list(*, user: User) -> list[MonthWarning]:
    """The provider's cases at ③–⑦ whose ④–⑦ dates no longer fit one calendar month, earliest
    first: the dates of those that may (``month_rule_candidates``) weighed in Python. The cases
    themselves are not read: a page loads those it shows (``month_warnings_with_cases``)."""
    visible = permissions.restrict(user, Enrollment.objects.filter(state__in=STEP_STATES))
    return month_rule_warnings(month_rule_candidates(visible))


def month_warnings_with_cases(
    warnings: Iterable[MonthWarning],
) -> list[tuple[Enrollment, MonthWarning]]:
    """The warnings shown on a page with their cases, site and company (one query)."""
    warnings = list(warnings)
    cases = Enrollment.objects.select_related("site", "site__company").in_bulk(
        [w.enrollment_id for w in warnings]
    )
    return [(cases[w.enrollment_id], w) for w in warnings]


def provider_month_warnings(*, user: User) -> list[tuple[Enrollment, MonthWarning]]:
    """Every warning of ``provider_month_warning_list`` with its case."""
    return month_warnings_with_cases(provider_month_warning_list(user=user))
