"""Reads of 加入案件 that depend on who asks; a miss is a 404."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from dsg.core.errors import NotVisible, RuleViolation
from dsg.core.prepared import PreparedCache, PreparedQuery, int_sentinels, person_key
from dsg.core.todos import waiting_of
from dsg.orgs import permissions
from dsg.orgs.models import Site, User

from .models import (
    STEP_OF_STATE,
    WAITING_ON,
    ApplicationVersion,
    Enrollment,
    ReviewComment,
    ReviewDecision,
    State,
    StepRecord,
)
from .rules import conditions_of


def enrollment_list_for(*, user: User) -> QuerySet[Enrollment]:
    """Visible cases, with the step of their latest record (where a closed case stopped)."""
    last_step = (
        StepRecord.objects.filter(enrollment=OuterRef("pk"))
        .order_by("-recorded_at", "-pk")
        .values("step")[:1]
    )
    queryset = Enrollment.objects.select_related("site", "site__company", "application").annotate(
        last_step=Subquery(last_step)
    )
    return permissions.restrict(user, queryset)


# One case as ``user`` sees it, compiled once per person, role and organisation (the tenancy
# filters), the case's id a parameter: compiling the case with its site, company and ~140
# columns of application took ~4 ms a call, running it 0.1 ms (docs/performance.md). Its
# building reads no row (tests/enrollment/test_case_prepared.py).
_CASE = int_sentinels(1)
_CASES: PreparedCache[PreparedQuery] = PreparedCache(size=256)


def enrollment_get_for(*, user: User, pk: int) -> Enrollment:
    query = _CASES.get(
        person_key(user),
        lambda: PreparedQuery(enrollment_list_for(user=user).filter(pk=_CASE[0])[:1], _CASE),
    )
    found = query.objects([int(pk)])
    if not found:
        raise NotVisible()
    return cast(Enrollment, found[0])


def step_records_for(*, user: User, enrollment: Enrollment) -> QuerySet[StepRecord]:
    """The step records of a visible case that ``user`` may read: the provider never reads the
    review or the inspection findings (the design's "not inspection findings"; see policy.py)."""
    return permissions.restrict(user, enrollment.records.select_related("actor"))


@dataclass(frozen=True)
class TransitionOption:
    name: str
    label: Any
    payload: dict[str, bool]  # field name -> required
    blocked_by: list[Any]  # messages of the rules that stop it now
    confirm_page: str = ""  # the URL name of the page it goes through (irreversible, or ①'s check)
    carries: bool = False  # the case page's form sends its values to that page (a step's record)


@dataclass(frozen=True)
class ConfirmPage:
    """The page a transition goes through instead of one click: its URL name, its path under the
    case (none for a page of its own) and whether the case page's form carries its values there."""

    url_name: str
    slug: str = ""
    carries: bool = False  # a step's record: the date, the router's serial, the comment


def _case_confirm(slug: str, *, carries: bool = False) -> ConfirmPage:
    """A page of ``enrollment_confirm`` at ``enrollments/<id>/<slug>/``."""
    return ConfirmPage(f"enrollment_{slug.replace('-', '_')}", slug, carries)


# Transitions never taken by one click: the irreversible ones through their confirmation page,
# the submission through 入力内容の確認 (the check-answers page of the task list). The one table
# of them: the URLconf draws its paths from it, the case page its links, the view its form.
CONFIRM_PAGES: dict[str, ConfirmPage] = {
    "withdraw": _case_confirm("withdraw"),
    "reject": _case_confirm("reject"),
    "return_for_correction": _case_confirm("return"),
    "accept": _case_confirm("accept"),
    "report_remediation": _case_confirm("report-remediation"),
    "submit": ConfirmPage("application_confirm"),
    # the records of ③–⑥ that move the case on, and ⑦'s request (#12): the case page's form (a
    # date, the router's serial, a comment) is sent to the page, and the step is taken there
    "complete_survey": _case_confirm("complete-survey", carries=True),
    "complete_construction": _case_confirm("complete-construction", carries=True),
    "install_router": _case_confirm("install-router", carries=True),
    "request_final_inspection": _case_confirm("request-final-inspection", carries=True),
}


def transition_options_for(*, user: User, enrollment: Enrollment) -> list[TransitionOption]:
    """The transitions ``user`` may take from the case's current state, with what blocks them."""
    options = []
    for transition in enrollment.transitions_from_here():
        if transition.custom.get("taken_by") or not transition.has_perm(enrollment, user):
            continue  # ② and ⑦ are recorded as inspection rounds, on their own pages
        blocked = [
            rule.message_for(enrollment)
            for rule in conditions_of(transition)
            if not rule(enrollment)
        ]
        page = CONFIRM_PAGES.get(transition.name)
        options.append(
            TransitionOption(
                transition.name,
                transition.custom["label"],
                transition.custom["payload"],
                blocked,
                page.url_name if page else "",
                bool(page and page.carries),
            )
        )
    return options


def states_of_step(step: int) -> list[str]:
    """The states of one of ①–⑦, 8 for completed, 0 for withdrawn or rejected."""
    return [state for state, number in STEP_OF_STATE.items() if number == step]


# The office's and the provider's homes: how many cases at each step and the longest waiting of
# each (nine lists), their queries kept compiled per person (the tenancy filters), step and
# length — building and compiling them took ~4 ms a list, running them 0.2 ms
# (docs/performance.md, the sixth run). Their building reads no row
# (tests/enrollment/test_step_lists_kept.py).
_STEP_LISTS: PreparedCache[PreparedQuery] = PreparedCache(size=1024)


def _counts_by_state(user: User) -> QuerySet[Any]:
    return (
        permissions.restrict(user, Enrollment.objects.all())
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )


def enrollment_counts_by_step(*, user: User) -> dict[int, int]:
    query = _STEP_LISTS.get(
        ("counts", *person_key(user)), lambda: PreparedQuery(_counts_by_state(user), [])
    )
    counts: dict[int, int] = {}
    for state, n in query.rows([]):
        step = STEP_OF_STATE[state]
        counts[step] = counts.get(step, 0) + n
    return counts


def enrollments_first_at_step(*, user: User, step: int, limit: int) -> list[Enrollment]:
    """The first ``limit`` cases of ``enrollments_at_step``, with their site and company."""
    query = _STEP_LISTS.get(
        ("at_step", *person_key(user), step, limit),
        lambda: PreparedQuery(_first_at_step(user=user, step=step, limit=limit), []),
    )
    return cast(list[Enrollment], query.objects([]))


def _first_at_step(*, user: User, step: int, limit: int) -> QuerySet[Enrollment]:
    """``enrollments_at_step(...)[:limit]`` as a query each database answers without sorting
    every case of the step with its site and company: the step's first ``limit`` ids are chosen
    from the case's own columns (the index on state, ``state_changed_at`` and id holds them in
    that order: a step of one state is read in order and stops at ``limit``, a step of several
    sorts their index entries only), then those cases are read with their site and company.
    SQLite joined every case of the step to its site and company and sorted them all (~1 ms a
    large step; docs/performance.md, the office dashboard's run of 2026-12-01). The same rows in
    the same order (tests/enrollment/test_step_lists_kept.py)."""
    first_ids = (
        permissions.restrict(user, Enrollment.objects.all())
        .filter(state__in=states_of_step(step))
        .order_by("state_changed_at", "pk")
        .values("pk")[:limit]
    )
    cases = Enrollment.objects.select_related("site", "site__company").only(*_LISTED)
    return (
        permissions.restrict(user, cases)
        .filter(pk__in=first_ids)
        .order_by("state_changed_at", "pk")[:limit]
    )


# What a home's step list shows of a case (its number, state, since when, site and company:
# ``{% case_rows %}``) and what 「次の対応者」 reads (its id and state): the other columns of the
# case, its site and company are not read, nor converted (#14).
_LISTED = (
    "state",
    "created_at",
    "state_changed_at",
    "site__name",
    "site__company__name",
)


def enrollments_at_step(*, user: User, step: int) -> QuerySet[Enrollment]:
    """The cases at one step, those waiting longest first. A list's rows carry their site and
    company only: not the application (joined and built for every row) nor the step of the
    latest record (a correlated subquery the database ran for every case of the step before
    sorting them), which no list shows (bench/pages.py, docs/performance.md)."""
    queryset = Enrollment.objects.select_related("site", "site__company")
    return (
        permissions.restrict(user, queryset)
        .filter(state__in=states_of_step(step))
        .order_by("state_changed_at", "pk")
    )


# 加入申請書: versions, review comments, status -------------------------------------------------
APPLICATION_STATUS: dict[str, Any] = {
    "draft": _("Draft (下書き)"),
    "arrived": _("Received (到達)"),
    "under_review": _("Under review (審査中)"),
    "returned": _("Returned for correction (補正)"),
    "accepted": _("Accepted (受理)"),
    "withdrawn": _("Withdrawn (取下げ)"),
    "rejected": _("Rejected (却下)"),
}


def application_status(enrollment: Enrollment, version: ApplicationVersion | None) -> str:
    """到達 → 審査中 → 受理, or 補正 / 取下げ: from the case state and the latest version."""
    if enrollment.state == State.WITHDRAWN:
        return "withdrawn"
    if enrollment.state == State.REJECTED:
        return "rejected"
    if version is None:  # a case from before versions were kept reads by its step
        return "accepted" if enrollment.step >= 2 else "draft"
    if version.decision == ReviewDecision.ACCEPTED:
        return "accepted"
    if enrollment.state == State.RETURNED or version.decision == ReviewDecision.RETURNED:
        return "returned"
    if enrollment.state == State.SUBMITTED:
        return "under_review" if version.review_started_at else "arrived"
    return "accepted"


def application_visible(*, user: User, enrollment: Enrollment) -> None:
    """The case is visible (selectors made sure); may ``user`` read its application?"""
    if not permissions.may(user, "application.view", enrollment):
        raise RuleViolation(
            _("Your role does not read the application."), code="forbidden", status=403
        )


def versions_of(enrollment: Enrollment) -> QuerySet[ApplicationVersion]:
    return ApplicationVersion.objects.filter(application__enrollment=enrollment).select_related(
        "submitted_by", "decided_by", "review_started_by"
    )


def version_get_for(*, user: User, pk: int) -> ApplicationVersion:
    """A submitted version of a case ``user`` sees and whose application they may read."""
    cases = permissions.restrict(user, Enrollment.objects.all())
    version = (
        ApplicationVersion.objects.select_related(
            "application__enrollment__site__company",
            "submitted_by",
            "decided_by",
            "review_started_by",
        )
        .filter(pk=pk, application__enrollment__in=cases)
        .first()
    )
    if version is None:
        raise NotVisible()
    application_visible(user=user, enrollment=version.application.enrollment)
    return version


def version_by_number(*, enrollment: Enrollment, number: Any) -> ApplicationVersion:
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise NotVisible() from None
    version = versions_of(enrollment).filter(number=number).first()
    if version is None:
        raise NotVisible()
    return version


def comments_by_part(version: ApplicationVersion | None) -> dict[str, list[ReviewComment]]:
    grouped: dict[str, list[ReviewComment]] = {}
    if version is None:
        return grouped
    for comment in ReviewComment.objects.filter(version=version).select_related("author"):
        grouped.setdefault(comment.part, []).append(comment)
    return grouped


def returned_version(enrollment: Enrollment) -> ApplicationVersion | None:
    """The version the office returned, while the PSA corrects it (its comments guide them)."""
    if enrollment.state != State.RETURNED:
        return None
    return versions_of(enrollment).filter(decision=ReviewDecision.RETURNED).last()


# Sites through 加入 (for the requests after it) -------------------------------------------------
def completed_case(site: Site) -> Enrollment | None:
    """The site's case that completed 加入 (the newest), or None while the site is not enrolled."""
    return site.enrollments.filter(state=State.COMPLETED).order_by("-created_at").first()


def enrolled_sites() -> QuerySet[Site]:
    """Every site that completed 加入 and is not closed. No permission filter: for services."""
    completed = Enrollment.objects.filter(state=State.COMPLETED).values("site_id")
    return Site.objects.filter(closed_on__isnull=True, pk__in=completed)


def waiting_parties(*, user: User, cases: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    """Whom each case (its id and state) waits on, as the homes and the office's search say it:
    the parties of its open items that ``user`` sees, soonest due first; with none open, the
    party its state waits on (``WAITING_ON``). One query for all the cases."""
    states = dict(cases)
    open_items = waiting_of(user=user, cases={"enrollment": list(states)})
    return waiting_parties_of(cases=states.items(), open_items=open_items)


def waiting_parties_of(
    *, cases: Iterable[tuple[int, str]], open_items: Mapping[tuple[str, int], list[str]]
) -> dict[int, list[str]]:
    """``waiting_parties`` from the parties of the open items already read (``waiting_of``, or
    ``core.todos.waiting_by_case`` of the items a page built): the one place that says whom a
    case waits on. No query."""
    result: dict[int, list[str]] = {}
    for pk, state in cases:
        parties = open_items.get(("enrollment", pk))
        fallback = WAITING_ON.get(state)
        result[pk] = list(parties) if parties else [fallback] if fallback else []
    return result
