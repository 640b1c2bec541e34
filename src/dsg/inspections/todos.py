"""The open items of ② and ⑦ rounds (core.todos), whatever their subject.

A round not held yet waits on the office to propose dates (again, when the company asked for
others), on the company's PSA to pick one of the dates offered, then on the inspector to visit
(and, once a round held on paper is kept, to finish it on its confirmation page); a round that
found deficiencies waits on the company to report on each by its due date. Four queries over
every round the person sees, whatever their number.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db.models import (
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.appointments.models import Appointment, AppointmentState
from dsg.core import subjects
from dsg.core.todos import (
    COMPANY,
    INSPECTOR,
    OFFICE,
    Todo,
    TodoQuery,
    TodoRows,
    kept_objects,
    register_todos,
)
from dsg.orgs import permissions

from .inspected import inspected
from .models import Deficiency, Inspection, InspectionStatus, Outcome, RemediationReport


def _rounds(query: TodoQuery) -> Any:
    rounds = Inspection.objects.filter(
        ~Q(status=InspectionStatus.FINISHED) | Q(outcome=Outcome.REMEDIATION, decision="")
    )
    if query.cases is not None:
        wanted = Q(pk__in=[])
        for key, ids in query.cases.items():
            model = subjects.subject_type(key).model
            wanted |= Q(subject_type=ContentType.objects.get_for_model(model), subject_id__in=ids)
        rounds = rounds.filter(wanted)
    return permissions.restrict(query.user, rounds).select_related("company").order_by()


_ROUNDS = "inspections.round"  # the rounds' ids, as the kept queries below are asked them


def _round_dates(query: TodoQuery) -> Any:
    return Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(Inspection),
        subject_id__in=query.ids(_ROUNDS) or (),
    )


def _round_unreported(query: TodoQuery) -> Any:
    reported = RemediationReport.objects.filter(deficiency=OuterRef("pk"))
    return Deficiency.objects.filter(
        resolved_at__isnull=True, inspection_id__in=query.ids(_ROUNDS) or ()
    ).exclude(Exists(reported))


def _round_subjects(known: subjects.SubjectType) -> Any:
    def build(query: TodoQuery) -> Any:
        rows = known.model._default_manager.select_related(*known.related)
        return rows.filter(pk__in=query.ids(_ROUNDS))

    return build


def _open_rounds(query: TodoQuery) -> list[Any]:
    """The rounds with open items, with their dates, unreported deficiencies and subjects: each
    query kept compiled (core.todos.kept_objects; the rounds' ids put in at each call) and its
    rows set on the rounds as ``prefetch_related_objects`` sets them (#14: building the three
    prefetches each request was most of this provider's time)."""
    keys = tuple(query.cases) if query.cases is not None else ()
    rounds = kept_objects(query, "inspections.rounds", keys, _rounds)
    if not rounds:
        return rounds
    asked = dataclasses.replace(query, cases={_ROUNDS: [r.pk for r in rounds]})
    dates: dict[int, list[Any]] = defaultdict(list)
    for date in kept_objects(asked, "inspections.round_dates", _ROUNDS, _round_dates):
        dates[date.subject_id].append(date)
    unreported: dict[int, list[Any]] = defaultdict(list)
    for deficiency in kept_objects(asked, "inspections.unreported", _ROUNDS, _round_unreported):
        unreported[deficiency.inspection_id].append(deficiency)
    subject_of: dict[tuple[int, int], Any] = {}
    for known in subjects.subject_types():
        type_id = ContentType.objects.get_for_model(known.model).pk
        ids = [r.subject_id for r in rounds if r.subject_type_id == type_id]
        if ids:
            wanted = dataclasses.replace(query, cases={_ROUNDS: ids})
            name = f"inspections.subjects:{known.key}"
            for subject in kept_objects(wanted, name, _ROUNDS, _round_subjects(known)):
                subject_of[(type_id, subject.pk)] = subject
    link = Inspection._meta.get_field("subject")
    for inspection in rounds:
        manager = inspection.appointments  # as prefetch_related_objects leaves it
        cached = manager.get_queryset()
        cached._result_cache = dates.get(inspection.pk, [])
        cached._prefetch_done = True
        inspection._prefetched_objects_cache = {"appointments": cached}
        inspection.unreported = unreported.get(inspection.pk, [])
        subject = subject_of.get((inspection.subject_type_id, inspection.subject_id))
        if subject is not None:
            link.set_cached_value(inspection, subject)
    return rounds


def _item(inspection: Inspection) -> tuple[str, str, Any, str, str, Any, Any]:
    """(code, who, what, action, anchor, due, button) of a round."""
    if inspection.status == InspectionStatus.FINISHED:
        due = min((d.due_on for d in inspection.unreported), default=None)  # type: ignore[attr-defined]  # Prefetch to_attr
        return (
            "remediation.report",
            COMPANY,
            _("Report the remediation of each deficiency (改善報告)"),
            "remediation.report",
            "deficiencies",
            due,
            _("Report the remediation"),
        )
    chosen = inspection.appointment
    if chosen is not None:
        return (
            "inspection.visit",
            INSPECTOR,
            _("Visit the site and record the checklist"),
            "inspection.record",
            "findings",
            timezone.localdate(chosen.starts_at),
            _("Open the checklist"),
        )
    offered = inspection.offered
    if offered:
        first = min(a.starts_at for a in offered)
        return (
            "inspection.pick_slot",
            COMPANY,
            _("Choose the date of the on-site inspection from the dates offered"),
            "inspection.pick_slot",
            "appointment",
            timezone.localdate(first),
            _("Pick the date"),
        )
    again = inspection.slot_request
    return (
        "inspection.propose_slots",
        OFFICE,
        _("The company asked for other dates: propose new dates")
        if again
        else _("Propose dates for the on-site inspection"),
        "inspection.schedule",
        "appointment",
        None,
        _("Propose dates"),
    )


def inspection_todos(query: TodoQuery) -> Iterator[Todo]:
    if query.cases is not None and not any(query.cases.values()):
        return
    for inspection in _open_rounds(query):
        if inspection.status == InspectionStatus.FINISHED and not inspection.unreported:
            continue  # every deficiency reported: the subject's own item (the report, the decision)
        code, who, what, action, anchor, due, button = _item(inspection)
        url = reverse("inspection_detail", args=[inspection.pk]) + f"#{anchor}"
        if code == "inspection.visit" and inspection.paper_checklist_id is not None:
            # Held on paper and kept: what is left is to finish it (the same item, its rows).
            what = _("Finish the round held on paper: its transcription and scan are kept")
            url = reverse("inspection_paper", args=[inspection.pk]) + "#paper-finish"
            button = _("Finish the round")
        subject = subjects.linked_subject(inspection)
        subject_type = subjects.subject_type_of(subject)
        site = getattr(subject, "site", None)
        since = inspection.finished_at if code == "remediation.report" else inspection.created_at
        if code == "inspection.pick_slot":
            proposed = [a.proposed_at for a in inspection.appointments.all()]
            since = max(proposed, default=since)
        yield Todo(
            code=code,
            case=(subject_type.key, subject.pk),
            who=who,
            what=what,
            url=url,
            action=action,
            due=due,
            since=since,
            number=subject_type.number(subject),
            case_url=subject_type.url(subject),
            company=inspection.company.name,
            site_id=site.pk if site is not None else None,
            site=site.name if site is not None else "",
            detail=str(_("Round {round}")).format(round=inspection.round),
            button=button,
        )


def _dates(state: str) -> Any:
    """The round's dates in ``state`` (a subquery on the round's rows)."""
    return Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(Inspection),
        subject_id=OuterRef("pk"),
        state=state,
    ).order_by()


def _inspected(model: Any) -> bool:
    try:
        inspected(model)
    except ImproperlyConfigured:
        return False
    return True


def _day(field: str) -> Any:
    return TruncDate(field, tzinfo=timezone.get_default_timezone())


def inspection_todo_rows(query: TodoQuery) -> Iterator[TodoRows]:
    """The same items as rows (core.todos.TodoRows): per kind of subject a round can have, the
    deficiencies to report on, the visit, the date to pick, the dates to propose."""
    if query.cases is not None and not any(query.cases.values()):
        return
    unreported = Deficiency.objects.filter(
        inspection=OuterRef("pk"), resolved_at__isnull=True
    ).exclude(Exists(RemediationReport.objects.filter(deficiency=OuterRef("pk"))))
    confirmed = _dates(AppointmentState.CONFIRMED)
    proposed = _dates(AppointmentState.PROPOSED)
    every_date = Appointment.objects.filter(
        subject_type=ContentType.objects.get_for_model(Inspection), subject_id=OuterRef("pk")
    ).order_by()
    held = ~Q(status=InspectionStatus.FINISHED)
    for subject_type in subjects.subject_types():
        key = subject_type.key
        if query.cases is not None and not query.cases.get(key):
            continue
        if not _inspected(subject_type.model):
            continue  # no round is held of it (an inspection round, a §5 request)
        rounds = Inspection.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject_type.model)
        )
        ids = query.ids(key)
        if ids is not None:
            rounds = rounds.filter(subject_id__in=ids)
        rounds = permissions.restrict(query.user, rounds)
        common = {"key": key, "case": "subject_id"}
        if query.asks(COMPANY):
            yield TodoRows(
                code="remediation.report",
                who=COMPANY,
                action="remediation.report",
                rows=rounds.filter(
                    status=InspectionStatus.FINISHED, outcome=Outcome.REMEDIATION, decision=""
                ).filter(Exists(unreported)),
                due=Subquery(
                    unreported.values("inspection")
                    .annotate(first=Min("due_on"))
                    .values("first")[:1]
                ),
                since=F("finished_at"),
                label=_("Report the remediation of each deficiency (改善報告)"),
                **common,
            )
        if query.asks(INSPECTOR):
            yield TodoRows(
                code="inspection.visit",
                who=INSPECTOR,
                action="inspection.record",
                rows=rounds.filter(held).filter(Exists(confirmed)),
                due=Subquery(confirmed.annotate(day=_day("starts_at")).values("day")[:1]),
                since=F("created_at"),
                label=_("Visit the site and record the checklist"),
                **common,
            )
        if query.asks(COMPANY):
            yield TodoRows(
                code="inspection.pick_slot",
                who=COMPANY,
                action="inspection.pick_slot",
                rows=rounds.filter(held).exclude(Exists(confirmed)).filter(Exists(proposed)),
                due=Subquery(
                    proposed.annotate(day=_day("starts_at")).order_by("starts_at").values("day")[:1]
                ),
                since=Coalesce(
                    Subquery(
                        every_date.values("subject_id")
                        .annotate(last=Max("proposed_at"))
                        .values("last")[:1]
                    ),
                    F("created_at"),
                ),
                label=_("Choose the date of the on-site inspection from the dates offered"),
                **common,
            )
        if query.asks(OFFICE):
            yield TodoRows(
                code="inspection.propose_slots",
                who=OFFICE,
                action="inspection.schedule",
                rows=rounds.filter(held).exclude(Exists(confirmed)).exclude(Exists(proposed)),
                since=F("created_at"),
                label=_("Propose dates for the on-site inspection"),
                **common,
            )


def register() -> None:
    register_todos("inspections", inspection_todos, inspection_todo_rows)
