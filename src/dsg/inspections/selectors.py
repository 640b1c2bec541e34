"""Reads of inspections that depend on who asks (see policy.py); a miss is a 404.

The provider never reads inspections, findings, deficiencies or their photos, at any step; in a
company, the PSA and the delegate read their own (the 利用者 role does not).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from dsg.appointments.models import Appointment, AppointmentState
from dsg.core import subjects
from dsg.core.errors import NotVisible
from dsg.core.prepared import PreparedCache, PreparedQuery, person_key
from dsg.orgs import permissions
from dsg.orgs.models import User

from .models import (
    ChecklistTemplate,
    Deficiency,
    Finding,
    Inspection,
    RemediationReport,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class Scheduled(TypedDict):
    """What ``inspection_list_for`` adds to each round: the start of its confirmed date."""

    scheduled_for: dt.datetime | None


ScheduledInspection: TypeAlias = "WithAnnotations[Inspection, Scheduled]"


def rounds_of(subject: Any, kind: str | None = None) -> QuerySet[Inspection]:
    """The inspection rounds of a subject (of one kind), in the order they were held (no
    permission filter: for services and rules)."""
    rounds = subjects.attached_to(Inspection.objects.all(), subject).order_by("pk")
    return rounds if kind is None else rounds.filter(kind=kind)


def inspection_list_for(*, user: User) -> QuerySet[ScheduledInspection]:
    """The rounds ``user`` may see, with their dates (``scheduled_for``: the date taken)."""
    taken = Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(Inspection),
        subject_id=OuterRef("pk"),
        state=AppointmentState.CONFIRMED,
    ).order_by("starts_at")
    return (
        permissions.restrict(user, Inspection.objects.all())
        .select_related("company", "checklist_version__template", "inspector", "audit_document")
        .annotate(scheduled_for=Subquery(taken.values("starts_at")[:1]))
        .prefetch_related("appointments", subjects.subjects_prefetch())
    )


def inspection_get_for(*, user: User, pk: int) -> Inspection:
    inspection = inspection_list_for(user=user).filter(pk=pk).first()
    if inspection is None:
        raise NotVisible()
    return inspection


def _rounds_of(*, user: User, subject: Any) -> QuerySet[Inspection]:
    """The rounds of a subject ``user`` sees, with how many findings are recorded (no
    prefetch)."""
    return (
        subjects.attached_to(inspection_list_for(user=user), subject)
        .prefetch_related(None)
        .order_by("pk")
        .annotate(
            recorded=Count("findings", filter=~Q(findings__result="")),
            total=Count("findings"),
        )
    )


# The rounds of one subject as a person sees them, compiled once per person (the tenancy
# filters), kind of subject and the subjects' content types (what the building reads: no row,
# tests/inspections/test_rounds_kept.py), the subject's id a parameter: building and compiling
# it (four joins, two counts, the date taken) cost the case page ~6 ms, running it 0.2 ms
# (docs/performance.md, the sixth run).
_ROUNDS: PreparedCache[PreparedQuery] = PreparedCache(size=256)
# A positive sentinel: ``subject_id`` is a PositiveBigIntegerField, and Django makes a lookup of a
# value out of its range match nothing (no SQL) rather than compare it.
_SUBJECT = [2**62 + 7_391_000_001]


def _content_type_ids() -> tuple[int, ...]:
    models: list[type[Model]] = [Inspection, *(known.model for known in subjects.subject_types())]
    found = ContentType.objects.get_for_models(*models)
    return tuple(found[model].pk for model in models)


def inspections_of(*, user: User, subject: Any) -> list[Inspection]:
    """Every round of a subject's inspections, with their deficiencies and reports (fixed
    queries); each round's subject is ``subject``."""
    kind = type(subject)
    key = (*person_key(user), kind, _content_type_ids())
    query = _ROUNDS.get(
        key,
        lambda: PreparedQuery(_rounds_of(user=user, subject=kind(pk=_SUBJECT[0])), _SUBJECT),
    )
    rounds = cast(list[Inspection], query.objects([subject.pk]))
    for inspection in rounds:
        inspection.subject = subject  # the one asked about: no query for it
    if rounds:
        dates, deficiencies, reports = _ROUND_PARTS.get(key, lambda: _round_parts(user, kind))
        _prefetched(rounds, "appointments", dates.objects([subject.pk]), "subject_id")
        found = cast(list[Deficiency], deficiencies.objects([subject.pk]))
        _prefetched(rounds, "deficiencies", found, "inspection_id", back="inspection")
        _prefetched(found, "reports", reports.objects([subject.pk]), "deficiency_id", "deficiency")
    return rounds


# What inspections_of's rounds carry, as ``prefetch_related_objects`` gave it: their dates,
# deficiencies (with the finding's item) and the deficiencies' reports, each read by a query kept
# compiled with the rounds' (the same key), over the rounds of the subject the person sees — the
# subject's id a parameter. Building the three prefetches cost the case page ~10 ms at ② and ⑦
# (docs/performance.md); their building reads no row (tests/inspections/test_rounds_kept.py).
_ROUND_PARTS: PreparedCache[tuple[PreparedQuery, PreparedQuery, PreparedQuery]] = PreparedCache(
    size=256
)


def _round_parts(
    user: User, kind: type[Model]
) -> tuple[PreparedQuery, PreparedQuery, PreparedQuery]:
    seen = subjects.attached_to(
        permissions.restrict(user, Inspection.objects.all()), kind(pk=_SUBJECT[0])
    )
    rounds = seen.order_by().values("pk")
    dates = Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(Inspection), subject_id__in=rounds
    )
    deficiencies = Deficiency.objects.filter(inspection__in=rounds).select_related("finding__item")
    reports = RemediationReport.objects.filter(deficiency__inspection__in=rounds).select_related(
        "reported_by", "evidence"
    )
    return (
        PreparedQuery(dates, _SUBJECT),
        PreparedQuery(deficiencies, _SUBJECT),
        PreparedQuery(reports, _SUBJECT),
    )


def _prefetched(
    owners: Sequence[Model], name: str, rows: Sequence[Model], key: str, back: str = ""
) -> None:
    """``rows`` set on their ``owners`` (by the owner's id in ``key``) as ``name``, as
    ``prefetch_related_objects`` sets them (and each row's ``back`` to its owner)."""
    of: dict[Any, list[Model]] = defaultdict(list)
    for row in rows:
        of[getattr(row, key)].append(row)
    for owner in owners:
        mine = of.get(owner.pk, [])
        if back:
            for row in mine:
                setattr(row, back, owner)
        cached = getattr(owner, name).get_queryset()
        cached._result_cache = mine
        cached._prefetch_done = True
        prefetched: dict[str, Any] = owner.__dict__.setdefault("_prefetched_objects_cache", {})
        prefetched[name] = cached


def findings_of(inspection: Inspection) -> list[Finding]:
    return list(inspection.findings.select_related("item", "photo", "recorded_by"))


def deficiency_get_for(*, user: User, pk: int) -> Deficiency:
    deficiency = (
        Deficiency.objects.filter(inspection__in=inspection_list_for(user=user).values("pk"))
        .select_related("inspection__company", "finding__item")
        .prefetch_related(subjects.subjects_prefetch("inspection__subject"))
        .filter(pk=pk)
        .first()
    )
    if deficiency is None:
        raise NotVisible()
    return deficiency


def overdue_deficiencies_for(*, user: User) -> QuerySet[Deficiency]:
    """Open deficiencies past their due date with no report: flagged to both sides."""
    return (
        Deficiency.objects.filter(
            inspection__in=inspection_list_for(user=user).values("pk"),
            resolved_at__isnull=True,
            due_on__lt=timezone.localdate(),
            reports__isnull=True,
        )
        .select_related("inspection__company", "finding__item")
        .prefetch_related(subjects.subjects_prefetch("inspection__subject"))
        .order_by("due_on", "pk")
    )


def checklist_template_list_for(*, user: User) -> QuerySet[ChecklistTemplate]:
    if not permissions.may(user, "checklist.view"):
        return ChecklistTemplate.objects.none()
    return ChecklistTemplate.objects.all()


def checklist_template_get_for(*, user: User, pk: int) -> ChecklistTemplate:
    template = checklist_template_list_for(user=user).filter(pk=pk).first()
    if template is None:
        raise NotVisible()
    return template


def may(user: User, action: str, obj: Any = None) -> bool:
    return permissions.may(user, action, obj)


def findings_by_theme(findings: list[Any]) -> list[tuple[str, list[Any]]]:
    """Findings grouped by theme, themes in the order they first appear."""
    order: dict[str, int] = {}
    for finding in findings:
        order.setdefault(finding.item.theme, len(order))
    ordered = sorted(findings, key=lambda f: (order[f.item.theme], f.order))
    return [(theme, list(group)) for theme, group in groupby(ordered, key=lambda f: f.item.theme)]
