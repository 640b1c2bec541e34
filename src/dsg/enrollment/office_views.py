"""The office's pages over every case: the search (and its .xlsx / CSV export), the overview and
the queue (every open item the person may act on, a page at a time).

The search is the office's and the provider's (over the cases it sees); a company's people have
their sites on their dashboard and get 403 here. The overview is the office's; the apps above add
their sections to it as panels (page ``office_overview``: change and equipment requests).
"""

from __future__ import annotations

from functools import partial
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dsg.core.charts import bar_chart
from dsg.core.errors import RuleViolation
from dsg.core.panels import panels_for
from dsg.core.todos import (
    INSPECTOR,
    OFFICE,
    PARTIES,
    QUEUE_SORTS,
    Todo,
    TodoQueue,
    todo_rows,
    waiting_of,
)
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.japan import PREFECTURES
from dsg.orgs.models import User

from . import office_exports, overview
from .excel import XLSX
from .models import STEP_NAMES, State
from .search import (
    STEP_CHOICES,
    WAITING_CHOICES,
    CaseQuery,
    case_query_from,
    enrollment_search,
)
from .search import ignored_message as _ignored
from .views import mark_waiting

SEARCH_PAGE = 50
QUEUE_PAGE = 50
COLUMNS = [  # (sort key or "", heading)
    ("number", gettext_lazy("Case")),
    ("company", gettext_lazy("Company")),
    ("site", gettext_lazy("Site")),
    ("prefecture", gettext_lazy("Prefecture")),
    ("state", gettext_lazy("State")),
    ("", gettext_lazy("Waiting on")),
    ("receipt", gettext_lazy("Receipt number (到達番号)")),
    ("since", gettext_lazy("Since")),
]


def _forbidden() -> RuleViolation:
    return RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)


def _searcher(request: HttpRequest) -> User:
    """The office or the provider: a company's people have no page here."""
    user = request_user(request)
    if not (permissions.is_office(user) or permissions.is_provider(user)):
        raise _forbidden()
    return user


def _step_label(number: int) -> str:
    if number == 8:
        return _("Completed (加入完了)")
    if number == 0:
        return _("Ended (取下げ・却下)")
    return f"{'①②③④⑤⑥⑦'[number - 1]} {STEP_NAMES[number]}"


@login_required
def office_cases(request: HttpRequest) -> HttpResponse:
    """Every case the office sees, searched, filtered, sorted, a page at a time; from the
    dashboard's search box (``jump``) a single match opens the case itself."""
    user = _searcher(request)
    query = case_query_from(request.GET)
    if query.ignored:
        messages.warning(request, _ignored(query))
    cases = enrollment_search(user=user, query=query)
    if request.GET.get("jump") and query.q.strip():
        found = list(cases.values_list("pk", flat=True)[:2])
        if len(found) == 1:
            return redirect("enrollment_detail", enrollment_id=found[0])
    page = Paginator(cases, SEARCH_PAGE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    # 次の対応者 of each row as the homes say it: from the page's cases' open items.
    mark_waiting(listed, waiting_of(user=user, cases={"enrollment": [c.pk for c in listed]}))
    receipts = permissions.is_office(user)
    columns = [
        {
            "heading": heading,
            "key": key,
            "sorted": key == query.sort,
            "href": "?" + urlencode(query.params(sort=_next_sort(query, key))) if key else "",
            "aria": ("descending" if query.descending else "ascending")
            if key == query.sort
            else "",
        }
        for key, heading in COLUMNS
        if receipts or key != "receipt"
    ]
    return render(
        request,
        "enrollment/office_cases.html",
        {
            "query": query,
            "page": page,
            "cases": listed,
            "columns": columns,
            "receipts": receipts,
            "pager_query": urlencode(query.params()) + "&" if query.params() else "",
            "export_query": urlencode(query.params()),
            "steps": [(str(n), _step_label(n)) for n in STEP_CHOICES],
            "states": State.choices,
            "waiting_choices": _waiting_choices(),
            "prefectures": PREFECTURES,
            "is_office": permissions.is_office(user),
        },
    )


def _next_sort(query: CaseQuery, key: str) -> str:
    return f"-{key}" if key == query.sort and not query.descending else key


def _waiting_choices() -> list[tuple[str, str]]:
    return [(key, str(PARTIES[key])) for key in WAITING_CHOICES]


@login_required
def office_cases_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The same list as the page, every row, as .xlsx or CSV (ledgered)."""
    user = _searcher(request)
    if fmt not in ("xlsx", "csv"):
        raise Http404(_("Not found."))
    query = case_query_from(request.GET)
    cases = enrollment_search(user=user, query=query)
    rows = office_exports.case_rows(cases, user=user, receipts=permissions.is_office(user))
    if fmt == "csv":
        body = office_exports.cases_csv(user=user, query=query, rows=rows).encode()
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        data = office_exports.cases_xlsx(user=user, query=query, rows=rows)
        response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="dsg-cases.{fmt}"'
    return response


@login_required
def office_overview(request: HttpRequest) -> HttpResponse:
    """Cases per step, cases behind their plan, the median days per step, and what the apps
    above add (requests by kind and state)."""
    user = request_user(request)
    if not permissions.is_office(user):
        raise _forbidden()
    cases_url = reverse("office_cases")
    counts = overview.step_counts(user=user)
    behind_count, behind = overview.behind_plan(user=user)
    times = overview.step_times(user=user)
    return render(
        request,
        "enrollment/office_overview.html",
        {
            "steps_chart": bar_chart(
                _("Open cases per step"),
                _("Cases"),
                [(_step_label(n), count, f"{cases_url}?step={n}") for n, _name, count in counts],
                label_heading=_("Step"),
            ),
            "times_chart": bar_chart(
                _("Median days per step (steps ended in the last 12 months)"),
                _("Median days"),
                [(_step_label(t.step), t.median_days, "") for t in times],
                label_heading=_("Step"),
            ),
            "times": times,
            "behind_count": behind_count,
            "behind": behind,
            "behind_url": f"{cases_url}?overdue=1",
            "panels": panels_for("office_overview", request),
        },
    )


@login_required
def office_queue(request: HttpRequest) -> HttpResponse:
    """The office's queue: every open item the person may act on, whose item it is (the office's
    reviewer: ``who=office``; the inspector's visits: ``who=inspector``), of one kind when asked
    (``kind``: the step of the work, such as the review or the dates to propose), soonest due
    first, oldest first or by case (``sort``), a page at a time — counted and cut in the
    database, whatever the number of open items."""
    user = request_user(request)
    if not permissions.is_office(user):
        raise _forbidden()
    ignored: list[str] = []

    def pick(name: str, allowed: list[str], default: str) -> str:
        value = request.GET.get(name, "").strip()
        if value and value not in allowed:
            ignored.append(name)
            return default
        return value or default

    who = pick("who", [OFFICE, INSPECTOR], OFFICE)
    sort = pick("sort", list(QUEUE_SORTS), "due")
    may = partial(permissions.may, user)
    kinds: dict[str, str] = {}
    for kind in todo_rows(user=user, parties=(who,), may=may):  # no query: the kinds' rows
        kinds.setdefault(kind.code, str(kind.label or kind.code))
    code = pick("kind", list(kinds), "")
    if ignored:
        messages.warning(
            request,
            _("These parameters were not understood and were ignored: {names}.").format(
                names=", ".join(ignored)
            ),
        )
    queue = TodoQueue(user=user, parties=(who,), may=may, codes=[code] if code else None, sort=sort)
    paginator: Paginator[Todo] = Paginator(cast(Any, queue), QUEUE_PAGE)  # a lazy sequence
    page = paginator.get_page(request.GET.get("page"))
    params = {"who": who, "kind": code, "sort": sort}
    kept = {k: v for k, v in params.items() if v}
    return render(
        request,
        "enrollment/office_queue.html",
        {
            "page": page,
            "items": page.object_list,
            "who": who,
            "kind": code,
            "sort": sort,
            "whose": [(OFFICE, _("The office's items")), (INSPECTOR, _("Visits (inspectors)"))],
            "kinds": sorted(kinds.items(), key=lambda pair: pair[1]),
            "sorts": [
                ("due", _("Soonest due first")),
                ("age", _("Oldest first")),
                ("case", _("By case")),
            ],
            "pager_query": urlencode(kept) + "&",
        },
    )
