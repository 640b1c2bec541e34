"""The case's own open items: what its state asks of whom (core.todos).

The items other apps know of (a date to pick or confirm, a deficiency to report on, an account
link to open) are theirs; this provider answers what only the case's state says: the application
to fill in or correct, to review, the round of ② or ⑦ to open, the step of ③–⑤ to record, the
terminals to set up before ⑦ is requested. One query over every case the person sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.core.calendar import add_business_days
from dsg.core.todos import (
    COMPANY,
    OFFICE,
    PROVIDER,
    Todo,
    TodoQuery,
    TodoRows,
    kept_objects,
    register_todos,
    url_maker,
)
from dsg.inspections.models import Inspection, InspectionStatus
from dsg.orgs import permissions
from dsg.schedule.selectors import step_durations_current

from .models import AFTER_TRANSITION, Enrollment, State

KEY = "enrollment"

# state -> (code, who, what, the action of whoever does it, the page's anchor or form)
ITEMS: dict[str, tuple[str, str, Any, str, str, Any]] = {
    State.DRAFT: (
        "application.fill",
        COMPANY,
        _("Fill in and submit the application (加入申請書)"),
        "enrollment.submit",
        "application",
        _("Open the application"),
    ),
    State.RETURNED: (
        "application.correct",
        COMPANY,
        _("Correct the application and submit it again (補正)"),
        "enrollment.submit",
        "application",
        _("Open the application"),
    ),
    State.SUBMITTED: (
        "application.review",
        OFFICE,
        _("Review the application (審査)"),
        "application.review",
        "application",
        _("Review the application"),
    ),
    State.INSPECTION_REMEDIATION: (
        "remediation.send",
        COMPANY,
        _("Report each deficiency's remediation, then send the remediation report (改善報告)"),
        "remediation.report",
        "actions",
        _("Report the remediation"),
    ),
    State.FINAL_REMEDIATION: (
        "remediation.send",
        COMPANY,
        _("Report each deficiency's remediation, then send the remediation report (改善報告)"),
        "remediation.report",
        "actions",
        _("Report the remediation"),
    ),
    State.INSPECTION_REMEDIATION_REPORTED: (
        "remediation.decide",
        OFFICE,
        _("Decide on the remediation report: accept it or require a re-inspection"),
        "remediation.decide",
        "inspections",
        _("Decide on the remediation"),
    ),
    State.FINAL_REMEDIATION_REPORTED: (
        "remediation.decide",
        OFFICE,
        _("Decide on the remediation report: accept it or require a re-inspection"),
        "remediation.decide",
        "inspections",
        _("Decide on the remediation"),
    ),
    State.SURVEY: (
        "survey.finish",
        PROVIDER,
        _("Record the site survey (現場調査) and start the line construction"),
        "survey.record",
        "provisioning",
        _("Open the site survey"),
    ),
    State.CONSTRUCTION: (
        "construction.record",
        PROVIDER,
        _("Record the line construction (回線敷設工事)"),
        "construction.complete",
        "actions",
        _("Record the construction"),
    ),
    State.ROUTER_INSTALLATION: (
        "router.record",
        PROVIDER,
        _("Record the router installation (通信ルータの設置)"),
        "router.install",
        "actions",
        _("Record the router"),
    ),
    State.TERMINAL_SETUP: (
        "final_inspection.request",
        COMPANY,
        _("Set up and test the terminals, then request the final on-site inspection (⑦)"),
        "final_inspection.request",
        "actions",
        _("Request the final inspection"),
    ),
}
# At ② and ⑦ the office opens the round; once it is open, the round's items are the inspections'.
ROUND_TO_OPEN: dict[str, Any] = {
    State.INSPECTION: _("Open the on-site inspection (②) and propose dates"),
    State.FINAL_INSPECTION: _("Open the final on-site inspection (⑦) and propose dates"),
}


def _urls() -> Any:
    """``_url`` for many cases: each page's URL reversed once a call (core.todos.url_maker)."""
    application, detail = url_maker("application_overview"), url_maker("enrollment_detail")

    def url(enrollment_id: int, anchor: str) -> str:
        if anchor == "application":
            return application(enrollment_id)
        return f"{detail(enrollment_id)}#{anchor}"

    return url, detail


def _open_rounds() -> Any:
    return Inspection.objects.filter(
        subject_type=ContentType.objects.get_for_model(Enrollment),
        subject_id=OuterRef("pk"),
    ).exclude(status=InspectionStatus.FINISHED)


def _cases(query: TodoQuery) -> Any:
    rounds = _open_rounds()
    states = [state for state, item in ITEMS.items() if query.asks(item[1])]
    if query.asks(OFFICE):
        states += list(ROUND_TO_OPEN)
    cases = Enrollment.objects.filter(state__in=states)
    ids = query.ids(KEY)
    if ids is not None:
        cases = cases.filter(pk__in=ids)
    return (
        permissions.restrict(query.user, cases)
        .annotate(round_open=Exists(rounds))
        .select_related("site__company")
        .order_by()
    )


def enrollment_todos(query: TodoQuery) -> Iterator[Todo]:
    if not query.wants(KEY):
        return
    review_days: int | None = None
    url, page = _urls()
    for case in kept_objects(query, "enrollment.cases", KEY, _cases):
        if case.state in ROUND_TO_OPEN:
            if case.round_open:
                continue
            item = (
                "inspection.open",
                OFFICE,
                ROUND_TO_OPEN[case.state],
                "inspection.schedule",
                "inspections",
                _("Open the inspection"),
            )
        else:
            item = ITEMS[case.state]
        code, who, what, action, anchor, button = item
        due = None
        if case.state == State.SUBMITTED:
            if review_days is None:
                review_days = step_durations_current()[1]
            due = add_business_days(timezone.localdate(case.state_changed_at), review_days)
        yield Todo(
            code=code,
            case=(KEY, case.pk),
            who=who,
            what=what,
            url=url(case.pk, anchor),
            action=action,
            due=due,
            since=case.state_changed_at,
            number=case.number,
            case_url=page(case.pk),
            company=case.site.company.name,
            site_id=case.site_id,
            site=case.site.name,
            button=button,
        )


def enrollment_todo_rows(query: TodoQuery) -> Iterator[TodoRows]:
    """The same items as rows, one kind per code (core.todos.TodoRows)."""
    if not query.wants(KEY):
        return
    visible = Enrollment.objects.all()
    ids = query.ids(KEY)
    if ids is not None:
        visible = visible.filter(pk__in=ids)
    visible = permissions.restrict(query.user, visible)
    kinds: dict[str, tuple[str, str, list[str]]] = {}
    labels: dict[str, Any] = {}
    for state, (code, who, what, action, _anchor, _button) in ITEMS.items():
        kinds.setdefault(code, (who, action, []))[2].append(state)
        labels[code] = what
    for code, (who, action, states) in kinds.items():
        if not query.asks(who):
            continue
        yield TodoRows(
            key=KEY,
            code=code,
            who=who,
            action=action,
            rows=visible.filter(state__in=states),
            since=F("state_changed_at"),
            # The review's due date is business days from the day it arrived (in Python): in
            # the order of the day it arrived.
            due_order=F("state_changed_at") if code == "application.review" else None,
            label=labels[code],
        )
    if query.asks(OFFICE):
        yield TodoRows(
            key=KEY,
            code="inspection.open",
            who=OFFICE,
            action="inspection.schedule",
            rows=visible.filter(state__in=list(ROUND_TO_OPEN)).exclude(Exists(_open_rounds())),
            since=F("state_changed_at"),
            label=_("Open the on-site inspection (② or ⑦) and propose dates"),
        )


def register() -> None:
    register_todos("enrollment", enrollment_todos, enrollment_todo_rows)


def transition_done_message(name: str) -> str:
    """What transition ``name`` did and what comes next (今後の流れ), said to whoever took it,
    with the office's business days where it names them (models.AFTER_TRANSITION)."""
    message, step = AFTER_TRANSITION.get(name, (_("Done: the case was updated."), None))
    if step is None:
        return str(message)
    return str(message).format(days=step_durations_current()[step])
