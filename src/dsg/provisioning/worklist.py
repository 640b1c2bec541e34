"""The provider's work across every case, one list ordered by date (for its dashboard and API).

Each kind of task is one query over the cases the provider sees; they are joined with UNION ALL,
ordered, counted and sliced in the database, and the page's rows are completed with a fixed
number of queries: the same count for ten tasks or ten thousand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.appointments.models import ACTIVE_STATES, Appointment, AppointmentState
from dsg.core.prepared import (
    PreparedCache,
    PreparedQuery,
    id_slots,
    int_sentinels,
    padded,
    person_key,
)
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.month_rule import month_rule_warnings_shown
from dsg.enrollment.schedule import MonthWarning
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


def provider_task_rows(*, user: User, now: dt.datetime | None = None) -> QuerySet:
    """Every open task as (task_kind, task_at, task_case, task_ref), ordered by date; an account
    link still valid at ``now`` (the clock's when not given) is delivered."""
    now = timezone.now() if now is None else now
    # The cases the person sees, asked of each row (EXISTS on the case's key) rather than as a
    # list (``IN (SELECT …)``): SQLite built the list of every case seen, ~2,000 ids for the
    # provider, once for each of the nine kinds — most of the union's time (#14).
    cases = permissions.restrict(user, Enrollment.objects.all())

    def seen(case: str, *, state__in: Iterable[str] | None = None) -> Exists:
        rows = cases.filter(pk=OuterRef(case))
        return Exists(rows if state__in is None else rows.filter(state__in=state__in))

    dates = Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(Enrollment),
        purpose__in=AppointmentPurpose.values,
    )
    active = dates.filter(seen("subject_id"), state__in=ACTIVE_STATES)
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
    repropose = _row(
        dates.filter(
            seen("subject_id", state__in=STEP_STATES[:4]),
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
            seen("pk"), state=State.SURVEY, provisioning__surveyed_on__isnull=True
        ),
        "survey",
        "state_changed_at",
        "pk",
    )
    works = _row(
        AncillaryWork.objects.filter(
            seen("enrollment_id"), enrollment__state=State.SURVEY, done_on__isnull=True
        ),
        "ancillary_work",
        "added_at",
        "enrollment_id",
    )
    media = _row(
        Enrollment.objects.filter(seen("pk"), state__in=SETUP_STATES).exclude(
            Exists(SetupMediaShipment.objects.filter(enrollment=OuterRef("pk")))
        ),
        "media",
        "state_changed_at",
        "pk",
    )
    holders = AccountHolder.objects.filter(
        seen("enrollment_id"), enrollment__state=State.TERMINAL_SETUP
    )
    delivered = AccountDelivery.objects.filter(holder=OuterRef("pk")).filter(
        Q(state=AccountDeliveryState.OPENED)
        | Q(state=AccountDeliveryState.WAITING, expires_at__gt=now)
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


# The task list kept compiled (#14): building the nine kinds' querysets and compiling their union
# cost the provider's home ~20 ms a request, and the paginator ran the union twice (its count,
# then its page). The union is kept per person (the tenancy filters: ``person_key``) and the
# content type of a case (what its building reads, from Django's cache: no row,
# tests/provisioning/test_tasks_kept.py); the clock it reads (an account link still valid) is a
# value of each run, and one run gives a page with the number of tasks (``COUNT(*) OVER ()``).
_TASK_LISTS: PreparedCache[tuple[PreparedQuery, PreparedQuery]] = PreparedCache(size=256)
_NOW = dt.datetime(1111, 1, 11, 11, 11, 11, 111111, tzinfo=dt.UTC)  # stands for the clock
_ORDER = '"task_at", "task_kind", "task_ref"'  # provider_task_rows' order, by its columns' names
_LIMITED = " LIMIT %s OFFSET %s"


def _kept_task_queries(user: User) -> tuple[PreparedQuery, PreparedQuery]:
    """The kept page (with the whole list's count in each row) and count of ``user``'s tasks."""
    key = (*person_key(user), ContentType.objects.get_for_model(Enrollment).pk)

    def build() -> tuple[PreparedQuery, PreparedQuery]:
        union = provider_task_rows(user=user, now=_NOW).order_by()
        now = connections[union.db].ops.adapt_datetimefield_value(_NOW)  # as the SQL has it
        page = PreparedQuery(union, [now], paged=True)
        if page.sql:  # the union's rows ordered, each with their number
            inner = page.sql.removesuffix(_LIMITED)
            page.sql = (
                f"SELECT *, COUNT(*) OVER () FROM ({inner}) provider_tasks"
                f" ORDER BY {_ORDER}{_LIMITED}"
            )
        return page, PreparedQuery(union, [now], counted=True)

    return _TASK_LISTS.get(key, build)


class ProviderTaskList:
    """The rows of ``provider_task_rows`` for ``user`` as a sequence Django's ``Paginator``
    cuts: a slice is one query over the kept union, which also counts the list; ``count()``
    before any slice, or after one past the end, is one more. ``expect(offset, limit)`` reads
    that slice at once (the page the request asks for), so that a page is one query."""

    def __init__(self, *, user: User, now: dt.datetime | None = None) -> None:
        self.page, self.counted = _kept_task_queries(user)
        now = timezone.now() if now is None else now
        ops = connections[self.page.db].ops
        self.now = ops.adapt_datetimefield_value(now)  # as the kept SQL's parameter was given
        self._count: int | None = None
        self._slices: dict[tuple[int, int], list[dict[str, Any]]] = {}

    def expect(self, offset: int, limit: int) -> None:
        self._read(max(offset, 0), max(limit, 0))

    def _read(self, offset: int, limit: int) -> list[dict[str, Any]]:
        for (start, length), rows in self._slices.items():  # a slice read holds its first rows
            if start == offset and length >= limit:
                return rows[:limit]
        found = self.page.rows([self.now, limit, offset]) if limit else []
        if found:
            self._count = int(found[0][-1])
        rows = [dict(zip(self.page.names, row[:-1], strict=True)) for row in found]
        self._slices[offset, limit] = rows
        return rows

    def count(self) -> int:
        if self._count is None:
            self._count = self.counted.count([self.now])
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("a ProviderTaskList is read a slice at a time")
        start = index.start or 0
        stop = self.count() if index.stop is None else index.stop
        return self._read(start, max(stop - start, 0))


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


# The page's objects read by queries kept compiled (#14): building the four ``in_bulk`` reads
# cost more than running them. Each takes its ids in ``_slots`` places, those not needed given
# an id no row has; building them reads no row.
_COMPLETING: PreparedCache[PreparedQuery] = PreparedCache(size=64)


def _slots(n: int) -> int:
    """The ids a kept read takes for ``n`` ids: 32 (a page of the dashboard), or the next power
    of 2."""
    return id_slots(n, 32)


def _in_bulk(name: str, queryset: Callable[[], QuerySet], ids: set[int]) -> dict[Any, Any]:
    """``queryset().in_bulk(ids)`` through a kept query (none for no id, as ``in_bulk``)."""
    if not ids:
        return {}
    slots = _slots(len(ids))
    sentinels = int_sentinels(slots)
    query = _COMPLETING.get(
        (name, slots), lambda: PreparedQuery(queryset().filter(pk__in=sentinels), sentinels)
    )
    given = sorted(ids)
    return {obj.pk: obj for obj in query.objects(padded(given, slots))}


def provider_tasks_complete(rows: list[dict[str, Any]]) -> list[ProviderTask]:
    """The rows of one page as tasks with their case and object: four queries in all."""

    def refs(*kinds: str) -> set[int]:
        return {r["task_ref"] for r in rows if r["task_kind"] in kinds}

    cases = _in_bulk(
        "cases",
        lambda: Enrollment.objects.select_related("site", "site__company"),
        {r["task_case"] for r in rows},
    )
    appointments = _in_bulk(
        "appointments",
        lambda: Appointment.objects.select_related("person"),
        refs("appointment_proposed", "appointment_confirmed", "appointment_repropose"),
    )
    holder_ids = refs(*HOLDER_TASKS) | {
        pk for a in appointments.values() if (pk := holder_of(a)) is not None
    }
    holders = _in_bulk("holders", AccountHolder.objects.all, holder_ids)
    works = _in_bulk("works", AncillaryWork.objects.all, refs("ancillary_work"))
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


def provider_month_rule_cases(*, user: User) -> QuerySet[Enrollment]:
    """The provider's cases at ③–⑦ whose ④–⑦ dates no longer fit one calendar month, earliest
    date first, with their site and company: read from the rule's result kept on the case
    (``Enrollment.month_rule_broken_from``, kept by ``enrollment.month_rule`` whenever a date
    that counts changes), so that counting them and taking a page is one indexed query each."""
    broken = Enrollment.objects.filter(state__in=STEP_STATES, month_rule_broken_from__isnull=False)
    return (
        permissions.restrict(user, broken)
        .select_related("site", "site__company")
        .order_by("month_rule_broken_from", "pk")
    )


# The dashboard's count of them and its first ones, kept compiled per person and length (#14):
# built each request, the two cost more than the indexed reads they run.
_WARNING_LISTS: PreparedCache[PreparedQuery] = PreparedCache(size=256)


def provider_month_rule_first(*, user: User, limit: int) -> tuple[int, list[Enrollment]]:
    """How many of ``provider_month_rule_cases`` there are, and the first ``limit`` of them
    (with their site and company): two indexed reads, kept compiled."""
    count = _WARNING_LISTS.get(
        ("count", *person_key(user)),
        lambda: PreparedQuery(
            provider_month_rule_cases(user=user).select_related(None).order_by(), [], counted=True
        ),
    ).count([])
    if not count:
        return 0, []
    first = _WARNING_LISTS.get(
        ("first", *person_key(user), limit),
        lambda: PreparedQuery(provider_month_rule_cases(user=user)[:limit], []),
    )
    return count, cast(list[Enrollment], first.objects([]))


def month_warnings_of(cases: Iterable[Enrollment]) -> list[tuple[Enrollment, MonthWarning]]:
    """The warnings of the cases shown (a page of ``provider_month_rule_cases``), in their order:
    each case's dates weighed afresh by the warning's own rule (``month_rule_warnings``), for its
    text and months; only these cases' dates are read, by queries kept compiled
    (``month_rule_warnings_shown``)."""
    cases = list(cases)
    weighed = {w.enrollment_id: w for w in month_rule_warnings_shown([case.pk for case in cases])}
    return [(case, weighed[case.pk]) for case in cases if case.pk in weighed]


def provider_month_warnings(*, user: User) -> list[tuple[Enrollment, MonthWarning]]:
    """Every warning of the provider's cases with its case, earliest first."""
    return month_warnings_of(provider_month_rule_cases(user=user))
