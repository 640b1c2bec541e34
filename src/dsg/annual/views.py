"""Pages of the 年次確認: the office's rounds (open one, every company's answer, the export) and
the company's confirmation (what the portal holds, then 「現在の内容に相違ありません」 or "changes
filed", each through a confirmation step).

Every page reads through the selectors (a confirmation another party may not see is a 404) and
acts through one service; a refusal is shown beside its field and changes nothing. A 利用者 and
the provider have no page here (403).
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from dsg.core.errors import RuleViolation
from dsg.core.forms import form_refused
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import User

from . import selectors, services
from .forms import ChangesFiledForm, ConfirmForm, RoundForm, StateFilterForm
from .models import AnnualConfirmation, AnnualRound
from .policy import READERS

ROUND_PAGE = 50


def _forbidden() -> RuleViolation:
    return RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)


def _office_only(user: User) -> None:
    if not permissions.is_office(user):
        raise _forbidden()


def _reader(user: User) -> None:
    """The office, or a company's PSA or delegate: a 利用者 and the provider have no page here."""
    company_reader = permissions.is_company_member(user) and user.role in READERS
    if not (permissions.is_office(user) or company_reader):
        raise _forbidden()


def error_summary(form: Any) -> list[dict[str, str]]:
    """Every error of the form, each with a link to its field."""
    summary = []
    for name, errors in form.errors.items():
        bound = form[name] if name in form.fields else None
        for error in errors:
            summary.append(
                {
                    "label": str(bound.label) if bound is not None else "",
                    "message": str(error),
                    "anchor": bound.id_for_label if bound is not None else "",
                }
            )
    return summary


def change_start_url(site_id: int) -> str | None:
    """The change applications' start page for a site, when the portal has it."""
    try:
        return f"{reverse('change_new')}?{urlencode({'site': site_id})}"
    except NoReverseMatch:
        return None


# The list: the office's rounds, or the company's confirmations ------------------------------------


@login_required
def annual_home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    _reader(user)
    if permissions.is_office(user):
        return render(
            request,
            "annual/round_list.html",
            {
                "rounds": selectors.round_list_for(user=user),
                "can_open": permissions.may(user, "annual.open"),
            },
        )
    return render(
        request,
        "annual/confirmation_list.html",
        {"confirmations": selectors.confirmation_list_for(user=user)},
    )


# The office: open a round, read it, export it ---------------------------------------------------


@login_required
def annual_round_new(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: the same page to confirm, naming the companies that will be asked;
    POST with ``confirmed``: the service."""
    user = request_user(request)
    if not permissions.may(user, "annual.open"):
        raise _forbidden()
    form = RoundForm(request.POST if request.method == "POST" else None)
    confirming = request.method == "POST" and form.is_valid()
    if confirming:
        try:
            services.annual_round_check(**form.cleaned_data)
        except RuleViolation as refusal:
            form_refused(form, refusal)
            confirming = False
    if confirming and request.POST.get("confirmed"):
        try:
            annual_round = services.annual_round_open(
                actor=user, title=form.cleaned_data["title"], due_on=form.cleaned_data["due_on"]
            )
        except RuleViolation as refusal:
            form_refused(form, refusal)
            confirming = False
        else:
            messages.success(
                request,
                _("The round “{title}” is open: {n} companies were asked.").format(
                    title=annual_round.title, n=annual_round.confirmations.count()
                ),
            )
            url = reverse("annual_round_detail", args=[annual_round.pk])
            return HttpResponseRedirect(url, status=303)
    return render(
        request,
        "annual/round_new.html",
        {
            "form": form,
            "confirming": confirming,
            "companies": list(selectors.eligible_companies()) if confirming else [],
            "errors": error_summary(form),
        },
        status=422 if form.errors else 200,
    )


def _round(request: HttpRequest, round_id: int) -> tuple[User, AnnualRound]:
    user = request_user(request)
    _office_only(user)
    return user, selectors.round_get_for(user=user, pk=round_id)


@login_required
def annual_round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    """Every company of the round with its state, overdue flagged; filtered by state."""
    user, annual_round = _round(request, round_id)
    filters = StateFilterForm(request.GET or None)
    state = filters.cleaned_data["state"] if filters.is_valid() else None
    rows = selectors.round_confirmations(user=user, annual_round=annual_round, state=state)
    page = Paginator(rows, ROUND_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "annual/round_detail.html",
        {
            "round": annual_round,
            "filters": filters,
            "state": state or "",
            "page": page,
            "confirmations": page.object_list,
            "query": urlencode({"state": state}) if state else "",
        },
    )


@login_required
def annual_round_export(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round as CSV (UTF-8 with a BOM, as Excel opens it), one row per company."""
    user, annual_round = _round(request, round_id)
    rows = selectors.round_confirmations(user=user, annual_round=annual_round)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="annual-{annual_round.pk}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Company"),
            _("Corporate number"),
            _("State"),
            _("Overdue"),
            _("Answered at"),
            _("Answered by"),
            _("Statement"),
            _("Reminders"),
        ]
    )
    for confirmation in rows:
        writer.writerow(_export_row(confirmation))
    return response


def _export_row(confirmation: AnnualConfirmation) -> list[str]:
    answered = confirmation.answered_at
    return [
        confirmation.company.name,
        confirmation.company.corporate_number or "",
        str(confirmation.get_state_display()),
        _("yes") if confirmation.is_overdue else "",
        f"{timezone.localtime(answered):%Y-%m-%d %H:%M}" if answered else "",
        str(confirmation.answered_by or ""),
        confirmation.statement,
        " ".join(
            f"{r.kind}:{timezone.localtime(r.sent_at):%Y-%m-%d}"
            for r in confirmation.reminders.all()
        ),
    ]


# The company's confirmation -----------------------------------------------------------------------


def _confirmation(request: HttpRequest, confirmation_id: int) -> tuple[User, AnnualConfirmation]:
    user = request_user(request)
    return user, selectors.confirmation_get_for(user=user, pk=confirmation_id)


def _shown(confirmation: AnnualConfirmation) -> dict[str, Any]:
    """What the page shows: the portal's data now while pending, else what was looked at."""
    if confirmation.is_pending:
        return selectors.holdings_snapshot(selectors.holdings_of(confirmation.company))
    return confirmation.reviewed or {}


def _with_links(data: dict[str, Any]) -> dict[str, Any]:
    for site in data.get("sites", []):
        site["change_url"] = change_start_url(site["id"])
    return data


@login_required
def annual_confirmation_detail(request: HttpRequest, confirmation_id: int) -> HttpResponse:
    user, confirmation = _confirmation(request, confirmation_id)
    return render(
        request,
        "annual/confirmation_detail.html",
        {
            "confirmation": confirmation,
            "data": _with_links(_shown(confirmation)),
            "can_answer": confirmation.is_pending
            and permissions.may(user, "annual.confirm", confirmation),
        },
    )


def _answer_page(
    request: HttpRequest, confirmation_id: int, *, form_class: Any, kind: str
) -> HttpResponse:
    """GET: what is being stated, and the form. POST: the service (``confirmed`` given)."""
    user, confirmation = _confirmation(request, confirmation_id)
    if not permissions.may(user, "annual.confirm", confirmation):
        raise _forbidden()
    context: dict[str, Any] = {"confirmation": confirmation, "kind": kind}
    if not confirmation.is_pending:  # said on the page, without the form; nothing changes
        context["refusal"] = _("This confirmation was already answered: “{state}”.").format(
            state=confirmation.get_state_display()
        )
        status = 409 if request.method == "POST" else 200
        return render(request, "annual/confirmation_answer.html", context, status=status)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and request.POST.get("confirmed"):
        try:
            answered = _answer(confirmation, user, kind, form.cleaned_data["statement"])
        except RuleViolation as refusal:
            form_refused(form, refusal)
        else:
            messages.success(
                request,
                _("Thank you: the annual confirmation is recorded as “{state}”.").format(
                    state=answered.get_state_display()
                ),
            )
            url = reverse("annual_confirmation_detail", args=[confirmation.pk])
            return HttpResponseRedirect(url, status=303)
    context.update(
        form=form,
        data=_with_links(_shown(confirmation)),
        errors=error_summary(form),
    )
    return render(
        request,
        "annual/confirmation_answer.html",
        context,
        status=422 if form.errors else 200,
    )


def _answer(
    confirmation: AnnualConfirmation, user: User, kind: str, statement: str
) -> AnnualConfirmation:
    if kind == "confirm":
        return services.annual_confirmation_confirm(
            confirmation=confirmation, actor=user, statement=statement
        )
    return services.annual_confirmation_changes_filed(
        confirmation=confirmation, actor=user, statement=statement
    )


@login_required
def annual_confirmation_confirm(request: HttpRequest, confirmation_id: int) -> HttpResponse:
    """「現在の内容に相違ありません」, through a confirmation step."""
    return _answer_page(request, confirmation_id, form_class=ConfirmForm, kind="confirm")


@login_required
def annual_confirmation_changes(request: HttpRequest, confirmation_id: int) -> HttpResponse:
    """Something changed: the change applications to file, then "changes filed"."""
    return _answer_page(request, confirmation_id, form_class=ChangesFiledForm, kind="changes")
