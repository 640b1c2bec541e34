"""Pages of the 年次確認: the office's rounds (open one, every company's answer, the export) and
the company's confirmation (what the portal holds, then 「現在の内容に相違ありません」 or "changes
filed") — opening a round and each answer through the one confirmation page,
``core.views.confirm_action`` (#12: acts only on a POST from that page).

Every page reads through the selectors (a confirmation another party may not see is a 404) and
acts through one service; a refusal is shown beside its field and changes nothing. A 利用者 and
the provider have no page here (403).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dsg.core.errors import RuleViolation
from dsg.core.views import Confirmation, confirm_action
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import User

from . import selectors, services
from .forms import ChangesFiledForm, ConfirmForm, RoundForm, StateFilterForm
from .models import AnnualConfirmation, AnnualRound, ConfirmationState
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


class _Opened:
    """The success message of opening a round, known once it is open (how many were asked)."""

    def __init__(self) -> None:
        self.text = ""

    def __str__(self) -> str:
        return self.text


@login_required
def annual_round_new(request: HttpRequest) -> HttpResponse:
    """Opening a round on its confirmation page (#12, ``core.views.confirm_action``): the title
    and due date, the companies that will be asked and what they are told; GET changes nothing,
    a POST that did not come from the page acts on nothing (its values filled in to confirm), a
    refusal (a due date past, a title taken) is said beside its field."""
    user = request_user(request)
    if not permissions.may(user, "annual.open"):
        raise _forbidden()
    companies = list(selectors.eligible_companies())
    back = reverse("annual_home")
    opened = _Opened()
    page = Confirmation(
        title=gettext_lazy("Open a round"),
        back=back,
        success=opened,
        consequence=(
            _(
                "Companies asked to confirm their registered data by the due date: {n} (listed "
                "below). A round cannot be closed or withdrawn once open."
            ).format(n=len(companies)),
        ),
        told_who=_("the companies"),
        told=(
            _(
                "Each company's protection system administrator gets a mail; reminders follow 7 "
                "days before the due date and after it."
            ),
        ),
        danger=False,
        crumbs=(
            (_("Dashboard"), reverse("dashboard")),
            (_("Annual confirmation (年次確認)"), back),
        ),
        template="annual/round_new.html",
        extra={"companies": companies},
    )

    def act(data: dict[str, Any]) -> None:
        annual_round = services.annual_round_open(
            actor=user, title=data["title"], due_on=data["due_on"]
        )
        opened.text = _("The round “{title}” is open: {n} companies were asked.").format(
            title=annual_round.title, n=annual_round.confirmations.count()
        )

    return confirm_action(request, page, act, form=lambda data: RoundForm(data, auto_id="round-%s"))


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


@dataclass(frozen=True)
class Answer:
    """One of the PSA's two answers, as its confirmation page says it (#12: through
    ``core.views.confirm_action``, like every irreversible action)."""

    title: Any
    consequence: tuple[Any, ...]
    after: Any  # 今後の流れ: what comes next, after the answer is recorded
    form_class: Any
    change_links: bool  # each site's 「この拠点の変更を申請する」 on the page


ANSWERS: dict[str, Answer] = {
    "confirm": Answer(
        title=gettext_lazy("The data is current (現在の内容に相違ありません)"),
        consequence=(
            gettext_lazy(
                "You state for {company} that the sites, contacts, terminals, removable media "
                "and software below are current."
            ),
            gettext_lazy(
                "What is shown below is kept with your answer. An answer cannot be changed: if "
                "something is not current, answer “Something has changed” instead."
            ),
        ),
        after=gettext_lazy(
            "What comes next: nothing more is asked of you in this round. Keep the portal's "
            "data current through change applications as things change."
        ),
        form_class=ConfirmForm,
        change_links=False,
    ),
    "changes": Answer(
        title=gettext_lazy("Something has changed"),
        consequence=(
            gettext_lazy(
                "File a change application for each site where something changed (the buttons "
                "below open the change application of that site). Terminals, removable media "
                "and software are applied for on their own requests."
            ),
            gettext_lazy(
                "Then say here what changed and which change applications you filed: the "
                "confirmation is marked “changes filed” and the office is told."
            ),
        ),
        after=gettext_lazy(
            "What comes next: the office reviews each change application you filed on its own "
            "page; you are told of each decision."
        ),
        form_class=ChangesFiledForm,
        change_links=True,
    ),
}


def _answer_page(request: HttpRequest, confirmation_id: int, *, kind: str) -> HttpResponse:
    """GET: the confirmation page — what is stated, what the portal holds, who is told — and
    nothing changes. POST from that page (its hidden ``confirmed``): the service; a POST that did
    not come from it acts on nothing (``confirm_action``)."""
    user, confirmation = _confirmation(request, confirmation_id)
    if not permissions.may(user, "annual.confirm", confirmation):
        raise _forbidden()
    answer = ANSWERS[kind]
    back = reverse("annual_confirmation_detail", args=[confirmation.pk])
    refusal = (
        ""
        if confirmation.is_pending
        else _("This confirmation was already answered: “{state}”.").format(
            state=confirmation.get_state_display()
        )
    )
    state = ConfirmationState.CONFIRMED if kind == "confirm" else ConfirmationState.CHANGES_FILED
    recorded = _("Thank you: the annual confirmation is recorded as “{state}”.").format(
        state=ConfirmationState(state).label
    )
    page = Confirmation(
        title=answer.title,
        object_label=confirmation.round.title,
        back=back,
        success=f"{recorded} {answer.after}",
        consequence=[
            str(line).format(company=confirmation.company.name) for line in answer.consequence
        ],
        told_who=_("the office"),
        told=(
            _(
                "The office's reviewers receive a mail with your answer; your company's other "
                "protection system administrators get a copy."
            ),
        ),
        danger=False,
        crumbs=(
            (_("Dashboard"), reverse("dashboard")),
            (_("Annual confirmation (年次確認)"), reverse("annual_home")),
            (confirmation.round.title, back),
        ),
        refusal=refusal,
        template="annual/confirmation_answer.html",
        extra={
            "kind": kind,
            "company": confirmation.company,
            "data": _with_links(_shown(confirmation)) if not refusal else {},
            "show_change_links": answer.change_links,
        },
    )

    def act(data: dict[str, Any]) -> None:
        _answer(confirmation, user, kind, data["statement"])

    return confirm_action(
        request, page, act, form=lambda data: answer.form_class(data, auto_id="annual-%s")
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
    return _answer_page(request, confirmation_id, kind="confirm")


@login_required
def annual_confirmation_changes(request: HttpRequest, confirmation_id: int) -> HttpResponse:
    """Something changed: the change applications to file, then "changes filed"."""
    return _answer_page(request, confirmation_id, kind="changes")
