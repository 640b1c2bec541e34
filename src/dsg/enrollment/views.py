from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dsg.core.errors import RuleViolation
from dsg.core.forms import ActionForm, error_summary, form_refused
from dsg.core.panels import panels_for
from dsg.core.todos import (
    COMPANY,
    INSPECTOR,
    OFFICE,
    PARTIES,
    Todo,
    TodoQueue,
    mine,
    todos_for,
    url_maker,
    waiting_by_case,
    waiting_of,
)
from dsg.core.views import Confirmation, confirm_action
from dsg.inspections.services import audit_results_of, inspection_deem_by_audit, inspection_open
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import Site, User
from dsg.orgs.selectors import site_get_for, site_list_for

from . import selectors, services
from .forms import DeemByAuditForm, TransitionForm, transition_form_for
from .models import STEP_NAMES, Enrollment
from .todos import transition_done_message

DASHBOARD_ROWS = 10  # per step (the longest waiting); the rest is one click away (#14)
CASE_LIST_PAGE = 50
QUEUE_ROWS = 20  # the office's queue on its home; the queue's page holds the rest


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Each role's home: its to-do list (every open item it may act on, soonest due first, with
    the link to the form), then the cases — per site for a company, per step for the others."""
    user = request_user(request)
    context: dict[str, object] = {
        "step_names": [(n, STEP_NAMES[n]) for n in range(1, 8)],
        "can_create_site": permissions.may(user, "site.create"),
        "today": timezone.localdate(),
    }
    if permissions.is_company_member(user):
        todos = todos_for(user=user)  # its own company's: every site's items
        context["site_rows"] = _site_rows(user, todos, waiting_by_case(todos))
    else:
        # The items of the cases listed (whose turn it is), and the office's own queue: never
        # every case's items.
        sections = _step_sections(user)
        listed = [case for section in sections for case in section["cases"]]  # type: ignore[attr-defined]  # a list of cases
        _mark_waiting(listed, waiting_of(user=user, cases={"enrollment": [c.pk for c in listed]}))
        context["sections"] = sections
        if not permissions.is_provider(user):
            # The first rows of the office's queue and of the coming visits, counted and cut in
            # the database (core.todos.TodoQueue): the rest on the queue's own page.
            def may(action: str) -> bool:
                return permissions.may(user, action)

            visits = TodoQueue(user=user, parties=(INSPECTOR,), may=may)
            queue = TodoQueue(user=user, parties=(OFFICE,), may=may)
            context["visits"] = visits[:QUEUE_ROWS]
            context["visits_count"] = visits.count()
            context["queue"] = queue[:QUEUE_ROWS]
            context["queue_count"] = queue.count()
    context["panels"] = panels_for("dashboard", request)
    return render(request, "enrollment/dashboard.html", context)


def _mark_waiting(cases: Iterable[Enrollment], waiting: dict[tuple[str, int], list[str]]) -> None:
    """Set on each case the parties it waits on (``selectors.waiting_parties_of``: from its open
    items, else from its state), with their names, for the templates."""
    listed = list(cases)
    parties = selectors.waiting_parties_of(
        cases=[(case.pk, case.state) for case in listed], open_items=waiting
    )
    for case in listed:
        case.waiting_parties = [(p, PARTIES[p]) for p in parties[case.pk]]  # type: ignore[attr-defined]  # for the templates


mark_waiting = _mark_waiting  # the office's search marks its page's rows the same way


def _site_rows(
    user: User, todos: list[Todo], waiting: dict[tuple[str, int], list[str]]
) -> list[dict[str, object]]:
    """A company's sites, each with its cases and its open items (the person's own first).

    A card shows of a case its number, state and step, and of a site its name and address: the
    rows read those columns only (not the case's application, site and company: #14), and the
    pages' URLs are reversed once a call."""
    case_url, site_url = url_maker("enrollment_detail"), url_maker("site_detail")
    cases_of_site: dict[int, list[Enrollment]] = defaultdict(list)
    shown = selectors.enrollment_list_for(user=user).select_related(None)
    for enrollment in shown.only("site", "state", "created_at"):
        enrollment.url = case_url(enrollment.pk)  # type: ignore[attr-defined]  # for the template
        cases_of_site[enrollment.site_id].append(enrollment)
    _mark_waiting([c for cases in cases_of_site.values() for c in cases], waiting)
    may = functools.cache(lambda action: permissions.may(user, action))
    items_of_site: dict[int | None, list[dict[str, object]]] = defaultdict(list)
    for todo in todos:
        own = todo.who == COMPANY and may(todo.action)
        items_of_site[todo.site_id].append({"todo": todo, "own": own})
    sites = site_list_for(user=user).select_related(None)
    return [
        {
            "site": site,
            "url": site_url(site.pk),
            "cases": cases_of_site.get(site.pk, []),
            "items": sorted(items_of_site.get(site.pk, []), key=lambda i: not i["own"]),
        }
        for site in sites.only("name", "postal_code", "prefecture", "address")
    ]


def _step_sections(user: User) -> list[dict[str, object]]:
    """Per step (①–⑦, completed, ended): how many cases, and those waiting longest."""
    counts = selectors.enrollment_counts_by_step(user=user)
    steps = [
        n
        for n in (1, 2, 3, 4, 5, 6, 7, 8, 0)
        if not (permissions.is_provider(user) and n in (0, 1, 2))
    ]
    sections: list[dict[str, object]] = [
        {
            "number": n,
            "name": STEP_NAMES.get(n),
            "count": counts.get(n, 0),
            "cases": selectors.enrollments_first_at_step(user=user, step=n, limit=DASHBOARD_ROWS)
            if counts.get(n)
            else [],
        }
        for n in steps
    ]
    return sections


@login_required
def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    """A site (拠点) and its enrollment cases; the PSA opens a case from here."""
    user = request_user(request)
    return _site_page(request, site_get_for(user=user, pk=site_id))


def _site_page(request: HttpRequest, site: Site, *, open_case: Any = None) -> HttpResponse:
    """The site page; with ``open_case`` (the refused 「加入案件を開始する」), drawn again with the
    refusal in the error summary, linked to that form (422), nothing changed."""
    user = request_user(request)
    enrollments = selectors.enrollment_list_for(user=user).filter(site=site)
    context = {
        "site": site,
        "enrollments": enrollments,
        "can_open_case": permissions.may(user, "enrollment.create", site)
        and not any(not e.is_closed for e in enrollments),
        "open_case_form": open_case,
        "panels": panels_for("site", request, site, site=site),
    }
    if open_case is not None:
        context["errors"] = error_summary(open_case)
    return render(
        request, "orgs/site_detail.html", context, status=422 if open_case is not None else 200
    )


@login_required
def enrollment_list(request: HttpRequest) -> HttpResponse:
    """Every visible case at one step (?step=), a page at a time."""
    try:
        step = int(request.GET.get("step", "1"))
    except ValueError:
        step = -1
    if step not in (0, *STEP_NAMES, 8):
        raise Http404(_("Not found."))
    user = request_user(request)
    cases = selectors.enrollments_at_step(user=user, step=step)
    page = Paginator(cases, CASE_LIST_PAGE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    _mark_waiting(listed, waiting_of(user=user, cases={"enrollment": [c.pk for c in listed]}))
    return render(
        request,
        "enrollment/enrollment_list.html",
        {
            "step": step,
            "step_text": str(step),
            "name": STEP_NAMES.get(step),
            "page": page,
            "cases": listed,
        },
    )


@login_required
@require_POST
def enrollment_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    try:
        site_id = int(request.POST.get("site_id", ""))
    except ValueError:
        site_id = 0
    site = site_get_for(user=user, pk=site_id)
    try:
        enrollment = services.enrollment_create(site=site, actor=user)
    except RuleViolation as refusal:
        form = ActionForm(request.POST, html_id="open-case")
        form_refused(form, refusal)
        return _site_page(request, site, open_case=form)
    messages.success(request, _("The enrollment case was opened. Fill in the application."))
    return redirect("application_overview", enrollment_id=enrollment.pk)


@dataclass(frozen=True)
class FailedForm:
    """A form of the case page sent back in error (#12): which one (``key``: a transition's name,
    or a panel's form and row, as in ``account-issued:12``) and the bound form, drawn in place of
    the empty one with its errors beside its fields. Its fields' ids start with ``key``'s slug,
    and the page's error summary links to them."""

    key: str
    form: forms.Form

    @staticmethod
    def auto_id(key: str) -> str:
        """The ids of the failed form's fields: unique on the page, as the other forms draw none
        (or their own)."""
        return slugify(key.replace(":", "-")) + "-%s"


@login_required
def enrollment_detail(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = request_user(request)
    return case_page(request, selectors.enrollment_get_for(user=user, pk=enrollment_id))


def case_page(
    request: HttpRequest, enrollment: Enrollment, *, failed: FailedForm | None = None
) -> HttpResponse:
    """The case page; with ``failed``, drawn again with that form's errors beside its fields and
    in the error summary (422), nothing changed."""
    user = request_user(request)
    todos = todos_for(user=user, cases={"enrollment": [enrollment.pk]})
    _mark_waiting([enrollment], waiting_by_case(todos))
    own = mine(todos, lambda action: permissions.may(user, action))  # rows already restricted
    panels = panels_for("case", request, enrollment, enrollment=enrollment, failed=failed)
    show_application = permissions.may(user, "application.view", enrollment)
    contents = _contents(user, enrollment, panels, show_application=show_application)
    open_sections = _open_sections(enrollment)
    if failed is not None:
        open_sections |= {"provisioning", "inspections"}  # where the form in error stands
    context: dict[str, Any] = {
        "enrollment": enrollment,
        "steps": [(n, STEP_NAMES[n]) for n in range(1, 8)],
        "options": selectors.transition_options_for(user=user, enrollment=enrollment),
        "records": selectors.step_records_for(user=user, enrollment=enrollment),
        "show_application": show_application,
        "can_edit_application": permissions.may(user, "enrollment.edit_application", enrollment)
        and enrollment.state in ("draft", "returned"),
        "transition_form": TransitionForm(),
        "panels": panels,
        "next_action": own[0] if own else None,
        "more_actions": own[1:],
        "others": [t for t in todos if t not in own],
        "today": timezone.localdate(),
        "contents": contents,
        "folded": {anchor for anchor, _label in contents},
        "open_sections": open_sections,
        "failed": failed,
    }
    if failed is not None:
        context["errors"] = error_summary(failed.form)
    return render(
        request,
        "enrollment/enrollment_detail.html",
        context,
        status=422 if failed is not None else 200,
    )


def _open_sections(enrollment: Enrollment) -> set[str]:
    """The case page's sections shown open: those of the step the case is at. The others are
    folded (a contents link opens them)."""
    step = enrollment.step
    opened = {"actions", "documents"}
    if step == 1:
        opened.add("application")
    if step in (2, 7):
        opened.add("inspections")
    if 3 <= step <= 6:
        opened.add("provisioning")
    return opened


def _contents(
    user: User, enrollment: Enrollment, panels: Sequence[str], *, show_application: bool
) -> list[tuple[str, str]]:
    """The case page's sections, for its contents list (in-page links)."""
    rendered = "".join(panels)
    shown = [
        ("actions", _("What you can do now"), True),
        ("application", _("Application (加入申請書)"), show_application),
        ("schedule", _("Schedule (スケジュール表)"), bool(enrollment.step)),
        (
            "inspections",
            _("On-site inspections (現地確認・最終現地確認)"),
            permissions.may(user, "inspection.view", enrollment),
        ),
        ("provisioning", _("Line, router and terminals (③–⑥)"), 'id="provisioning"' in rendered),
        ("documents", _("Document folder (申請書等格納フォルダ)"), True),
        ("history", _("History"), True),
    ]
    return [(anchor, label) for anchor, label, show in shown if show]


@login_required
@require_POST
def enrollment_transition(request: HttpRequest, enrollment_id: int, name: str) -> HttpResponse:
    user = request_user(request)
    enrollment = selectors.enrollment_get_for(user=user, pk=enrollment_id)
    back = reverse("enrollment_detail", args=[enrollment.pk])
    if name in selectors.CONFIRM_PAGES:  # never by one click: through its own page, unchanged
        page = reverse(selectors.CONFIRM_PAGES[name].url_name, args=[enrollment.pk])
        return HttpResponseRedirect(page, status=303)
    # Every step a person takes has its page (CONFIRM_PAGES); what is left is an inspection's
    # outcome, recorded as a round, or no step at all: refused, said on the case page.
    refusal = services.transition_refused(name) or RuleViolation(
        _("Unknown action."), code="unknown_transition", status=404
    )
    if refusal.status == 404:
        raise Http404(str(refusal))
    messages.error(request, str(refusal))
    return HttpResponseRedirect(back + "#inspections", status=303)


# 取下げ, 却下, 補正, 受理 and 改善報告: each through a page that says what it does and what the
# other side is told (#12: never by one click). What each page of selectors.CONFIRM_PAGES says:
# here those that carry nothing from the case page, in RECORDED those that do.
CONFIRMED: dict[str, dict[str, Any]] = {
    "withdraw": {
        "permission": "enrollment.withdraw",
        "title": gettext_lazy("Withdraw (取下げ)"),
        "success": gettext_lazy("The case was withdrawn (取下げ)."),
        "comment": "optional",
        "consequence": (
            gettext_lazy(
                "The case ends as withdrawn (取下げ). It cannot be reopened: to enroll the site "
                "later, a new case is opened and the application is filed again."
            ),
            gettext_lazy(
                "Its history, the submitted versions of the application and its documents are kept."
            ),
        ),
        "told_who": gettext_lazy("the Information Systems Management Office"),
        "told": (
            gettext_lazy(
                "The office (and the service provider while the case is at ③–⑥) receive a mail "
                "that the case was withdrawn, with your comment if you write one."
            ),
        ),
    },
    "reject": {
        "permission": "enrollment.reject",
        "title": gettext_lazy("Reject (却下)"),
        "success": gettext_lazy("The case was rejected (却下)."),
        "comment": "required",
        "consequence": (
            gettext_lazy(
                "The case ends as rejected (却下). It cannot be reopened: the company would have "
                "to open a new case and file the application again."
            ),
            gettext_lazy(
                "Its history, the submitted versions of the application and its documents are kept."
            ),
        ),
        "told_who": gettext_lazy("the company"),
        "told": (
            gettext_lazy(
                "The company's protection system administrators receive a mail that the case was "
                "rejected, with your reason, which also stands in the case's history."
            ),
        ),
    },
    "accept": {
        "permission": "enrollment.accept",
        "title": gettext_lazy("Accept the application (受理)"),
        "comment": "optional",
        "consequence": (
            gettext_lazy(
                "The application is accepted (受理) as submitted: the version under review is the "
                "one that counts from now on, and the case moves on to the on-site inspection (②)."
            ),
            gettext_lazy(
                "It cannot be returned for correction or rejected afterwards; the case can still "
                "be withdrawn by the company."
            ),
        ),
        "told_who": gettext_lazy("the company"),
        "told": (
            gettext_lazy(
                "The company's protection system administrators receive a mail that the case "
                "moved on to the on-site inspection; your comment, if you write one, stands in "
                "the case's history."
            ),
        ),
        "danger": False,
    },
    "report_remediation": {
        "permission": "remediation.report",
        "title": gettext_lazy("Report the remediation"),
        "comment": "required",
        "consequence": (
            gettext_lazy(
                "The reports on each deficiency (改善報告) go to the office as they stand: they "
                "cannot be changed afterwards."
            ),
            gettext_lazy("The office then decides: it accepts the remediation or inspects again."),
        ),
        "told_who": gettext_lazy("the Information Systems Management Office"),
        "told": (
            gettext_lazy(
                "The office's reviewers receive a mail that the remediation was reported and "
                "find it among their open items; your comment stands in the case's history."
            ),
        ),
        "danger": False,
    },
    "return_for_correction": {
        "permission": "enrollment.return",
        "title": gettext_lazy("Return for correction (補正)"),
        "success": gettext_lazy("The application was returned for correction (補正)."),
        "comment": "required",
        "consequence": (
            gettext_lazy(
                "The application goes back to the company for correction (補正). The version "
                "under review stays as it was submitted; the company corrects the application "
                "and submits it again under a new receipt number (到達番号)."
            ),
        ),
        "told_who": gettext_lazy("the company"),
        "told": (
            gettext_lazy(
                "The company's protection system administrators receive a mail with your "
                "comment; the comments on each part are shown beside that part."
            ),
        ),
    },
}


# The records of ③–⑥ that move the case on, and the company's request for ⑦ (#12): each through
# its page, the case page's form (a date, the router's serial, a comment) carried there and
# checked there. Every one of them mails the company's PSAs, the office's reviewers and, while the
# case is at ③–⑦, the service provider's staff (notifications.recipients_of), not the one acting.
_RECORD_TOLD = gettext_lazy(
    "The company's protection system administrators, the office's reviewers and the service "
    "provider's staff receive a mail that the case moved on (not you); your comment, if you "
    "write one, stands in the case's history."
)
RECORDED: dict[str, dict[str, Any]] = {
    "complete_survey": {
        "permission": "survey.record",
        "title": gettext_lazy("Finish the site survey (③)"),
        "consequence": (
            gettext_lazy(
                "The site survey (③) is finished and the case moves on to the line "
                "construction (④)."
            ),
            gettext_lazy(
                "This cannot be undone: the survey and the ancillary work can no longer be "
                "recorded or changed in this case."
            ),
        ),
        "told_who": gettext_lazy("the company and the office"),
        "told": (_RECORD_TOLD,),
    },
    "complete_construction": {
        "permission": "construction.complete",
        "title": gettext_lazy("Record the line construction as completed (④)"),
        "consequence": (
            gettext_lazy(
                "The line construction (④) is recorded as completed on the date entered, the "
                "confirmed construction date is closed on that day, and the case moves on to the "
                "router installation (⑤)."
            ),
            gettext_lazy("This cannot be undone: the date cannot be changed afterwards."),
        ),
        "told_who": gettext_lazy("the company and the office"),
        "told": (_RECORD_TOLD,),
    },
    "install_router": {
        "permission": "router.install",
        "title": gettext_lazy("Record the router as installed (⑤)"),
        "consequence": (
            gettext_lazy(
                "The router installation (⑤) is recorded with the date and the serial number "
                "entered, and the case moves on to the terminals' setup and connection tests "
                "(⑥): the account holders of the accepted application are registered, and the "
                "service provider then delivers their account information."
            ),
            gettext_lazy(
                "This cannot be undone: the date cannot be changed afterwards, and a mistyped "
                "serial number is corrected only with a reason (the ledger keeps both values)."
            ),
        ),
        "told_who": gettext_lazy("the company and the office"),
        "told": (_RECORD_TOLD,),
    },
    "request_final_inspection": {
        "permission": "final_inspection.request",
        "title": gettext_lazy("Request the final on-site inspection (⑦)"),
        "consequence": (
            gettext_lazy(
                "The case moves on to the final on-site inspection (⑦): terminals, connection "
                "tests and account information of ⑥ can no longer be recorded in this case."
            ),
            gettext_lazy(
                "This cannot be undone. The office then proposes dates for the visit and your "
                "company's PSA picks one."
            ),
        ),
        "told_who": gettext_lazy("the office and the service provider"),
        "told": (_RECORD_TOLD,),
    },
}


@login_required
def enrollment_confirm(request: HttpRequest, enrollment_id: int, name: str) -> HttpResponse:
    """GET: the confirmation page of 取下げ, 却下, 補正, 受理, 改善報告 or of a step's record
    (nothing changes). POST from that page: the transition, with the comment the other side
    needs — or, for a record, the date, serial or comment the case page's form carried there,
    checked here and refused beside its field."""
    user = request_user(request)
    enrollment = selectors.enrollment_get_for(user=user, pk=enrollment_id)
    carries = selectors.CONFIRM_PAGES[name].carries
    spec = (RECORDED if carries else CONFIRMED)[name]
    if not permissions.may(user, spec["permission"], enrollment):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    back = reverse("enrollment_detail", args=[enrollment.pk])
    possible = any(
        t.name == name for t in enrollment.transitions_from_here() if t.has_perm(enrollment, user)
    )
    refusal = (
        ""
        if possible
        else _("This cannot be done while the case is “{state}”.").format(
            state=enrollment.get_state_display()
        )
    )
    confirmation = Confirmation(
        title=spec["title"],
        object_label=enrollment.number,
        back=back,
        success=spec.get("success") or transition_done_message(name),
        consequence=spec["consequence"],
        told=spec["told"],
        told_who=spec["told_who"],
        comment=spec.get("comment", "optional"),
        danger=spec.get("danger", not carries),
        crumbs=(
            (_("Dashboard"), reverse("dashboard")),
            (enrollment.site.name, reverse("site_detail", args=[enrollment.site_id])),
            (enrollment.number, back),
        ),
        refusal=refusal,
    )

    def act(data: dict[str, Any]) -> None:
        values = {field: data[field] for field in INPUTS if data.get(field) is not None}
        services.enrollment_transition(
            enrollment=enrollment,
            name=name,
            actor=user,
            data=services.TransitionInput(**values),
        )

    if not carries:
        return confirm_action(request, confirmation, act)
    payload = next(t for t in enrollment.get_all_state_transitions() if t.name == name).custom[
        "payload"
    ]
    return confirm_action(
        request,
        confirmation,
        act,
        form=lambda data: transition_form_for(payload, data, auto_id=f"{name}-%s"),
    )


INPUTS = ("comment", "performed_on", "router_serial")  # what a step's form gives its service


@login_required
@require_POST
def enrollment_inspection_open(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """The office opens the case's round of ② or ⑦ from the case page, then plans it on the
    round's page; a refusal (no checklist published, a round already open…) comes back on the
    case page in the error summary, linked to the button's form (422, #12)."""
    user = request_user(request)
    enrollment = selectors.enrollment_get_for(user=user, pk=enrollment_id)
    if not permissions.may(user, "inspection.schedule", enrollment):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    try:
        inspection = inspection_open(subject=enrollment, actor=user)
    except RuleViolation as refusal:
        form = ActionForm(request.POST, html_id=OPEN_ROUND)
        form_refused(form, refusal)
        enrollment = selectors.enrollment_get_for(user=user, pk=enrollment.pk)
        return case_page(request, enrollment, failed=FailedForm(key=OPEN_ROUND, form=form))
    return HttpResponseRedirect(reverse("inspection_detail", args=[inspection.pk]), status=303)


OPEN_ROUND = "inspection-open"  # the case page's form that opens a round, and its id


@login_required
def enrollment_deem_by_audit(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """② deemed done by an earlier audit result, through its confirmation page (#12: the case
    moves on to ③ with no visit, which cannot be undone): the case page sends the notice chosen
    and the comment there; a missing comment or an unknown notice is said beside its field."""
    user = request_user(request)
    enrollment = selectors.enrollment_get_for(user=user, pk=enrollment_id)
    if not permissions.may(user, "inspection.deem_by_audit", enrollment):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    documents = audit_results_of(enrollment.site.company_id)
    back = reverse("enrollment_detail", args=[enrollment.pk])
    confirmation = Confirmation(
        title=_("Deem the inspection done by an audit result (監査結果)"),
        object_label=enrollment.number,
        back=back + "#inspections",
        done=back,
        success=_("The inspection was deemed done by the audit result."),
        consequence=(
            _(
                "The on-site inspection (②) is deemed done by the audit-result notice chosen: no "
                "visit takes place and the case moves on to ③. This cannot be undone."
            ),
            _("The case's history keeps which notice stood in for the visit, and your comment."),
        ),
        told_who=_("the company"),
        told=(
            _(
                "The company's protection system administrators receive a mail that the case "
                "moved on."
            ),
        ),
        danger=False,
        crumbs=((enrollment.number, back),),
    )

    def act(data: dict[str, Any]) -> None:
        inspection_deem_by_audit(
            subject=enrollment,
            actor=user,
            comment=data["comment"],
            document_id=data["document_id"],
        )

    return confirm_action(
        request,
        confirmation,
        act,
        form=lambda data: DeemByAuditForm(data, documents=documents, auto_id="deem-%s"),
    )
