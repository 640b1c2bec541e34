"""The REST API of the 年次確認: the rounds (the office opens one), each company's confirmation
and the PSA's answer. Errors are JSON ``{detail, code}`` as everywhere in the API."""

# No "from __future__ import annotations" here: ninja builds the query parameters' model from the
# signature at import time, and a dynamic Enum named only as a string would not resolve.

import datetime as dt
import enum
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from dsg.core.api_enums import code_labels
from dsg.core.errors import RuleViolation
from dsg.core.pagination import LimitOffsetPagination
from dsg.core.schemas import ERRORS, READ_ERRORS, Error
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import User

from . import selectors, services
from .models import AnnualConfirmation, AnnualRound, ConfirmationState
from .services import STATEMENT_MAX, TITLE_MAX

router = Router(tags=["annual"])

ConfirmationFilter = enum.Enum(  # type: ignore[misc]  # members: the states and "overdue"
    "ConfirmationFilter", {s: s for s in selectors.FILTERS}, type=str
)
code_labels(ConfirmationFilter, [*ConfirmationState.choices, (selectors.OVERDUE, _("Overdue"))])
OFFICE_READ_ERRORS = {**READ_ERRORS, 403: Error}


class RoundCounts(Schema):
    total: int
    pending: int
    overdue: int
    confirmed: int
    changes_filed: int


class RoundOut(Schema):
    id: int
    title: str
    due_on: dt.date
    opened_at: dt.datetime
    counts: RoundCounts | None = Field(
        None, description="Per state, across companies: for the office only."
    )

    @staticmethod
    def resolve_counts(obj: AnnualRound) -> dict[str, int] | None:
        if not hasattr(obj, "total"):
            return None
        names = ("total", "pending", "overdue", "confirmed", "changes_filed")
        return {name: getattr(obj, name) for name in names}


class RoundIn(Schema):
    title: str = Field(..., max_length=TITLE_MAX)
    due_on: dt.date


class ConfirmationOut(Schema):
    id: int
    round_id: int
    round_title: str
    due_on: dt.date
    company_id: int
    company_name: str
    state: ConfirmationState
    state_label: str
    is_overdue: bool
    is_due_soon: bool
    answered_at: dt.datetime | None
    answered_by: str | None
    statement: str

    @staticmethod
    def resolve_round_title(obj: AnnualConfirmation) -> str:
        return obj.round.title

    @staticmethod
    def resolve_due_on(obj: AnnualConfirmation) -> dt.date:
        return obj.round.due_on

    @staticmethod
    def resolve_company_name(obj: AnnualConfirmation) -> str:
        return obj.company.name

    @staticmethod
    def resolve_state_label(obj: AnnualConfirmation) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_answered_by(obj: AnnualConfirmation) -> str | None:
        return str(obj.answered_by) if obj.answered_by_id else None


class ConfirmationDetailOut(ConfirmationOut):
    holdings: dict[str, Any] = Field(
        ...,
        description="While pending, what the portal holds now; once answered, what the company "
        "looked at: the company, its protection system administrators and, per site, address, "
        "handling facility, contacts, terminals, removable media and software.",
    )

    @staticmethod
    def resolve_holdings(obj: AnnualConfirmation) -> dict[str, Any]:
        if obj.is_pending:
            return selectors.holdings_snapshot(selectors.holdings_of(obj.company))
        return dict(obj.reviewed or {})


class ConfirmIn(Schema):
    statement: str = Field("", max_length=STATEMENT_MAX)


class ChangesFiledIn(Schema):
    statement: str = Field(..., max_length=STATEMENT_MAX)


def _office(request: HttpRequest) -> User:
    user = request_user(request)
    if not permissions.is_office(user):
        raise RuleViolation(_("Only the office reads the rounds."), code="forbidden", status=403)
    return user


@router.get("/annual/rounds", response={200: list[RoundOut], **READ_ERRORS})
@paginate(LimitOffsetPagination)
def round_list(request: HttpRequest) -> QuerySet[AnnualRound]:
    """The rounds, newest first: every round with its counts for the office; for a company's
    PSA and delegate, the rounds that asked their company (without counts)."""
    return selectors.round_list_for(user=request_user(request))


@router.post("/annual/rounds", response={201: RoundOut, **ERRORS})
def round_open(request: HttpRequest, payload: RoundIn) -> Status[AnnualRound]:
    """The office opens a round: every company with a site that completed 加入 and is not closed
    is asked to confirm by ``due_on`` (after today); each company's PSA is mailed."""
    user = request_user(request)
    opened = services.annual_round_open(actor=user, title=payload.title, due_on=payload.due_on)
    return Status(201, selectors.round_get_for(user=user, pk=opened.pk))


@router.get("/annual/rounds/{round_id}", response={200: RoundOut, **OFFICE_READ_ERRORS})
def round_detail(request: HttpRequest, round_id: int) -> AnnualRound:
    """One round with its counts (the office)."""
    return selectors.round_get_for(user=_office(request), pk=round_id)


@router.get(
    "/annual/rounds/{round_id}/confirmations",
    response={200: list[ConfirmationOut], **OFFICE_READ_ERRORS},
)
@paginate(LimitOffsetPagination)
def round_confirmations(
    request: HttpRequest, round_id: int, state: ConfirmationFilter | None = None
) -> QuerySet[AnnualConfirmation]:
    """Every company of a round, by name (the office); ``state``: a state or ``overdue``."""
    user = _office(request)
    annual_round = selectors.round_get_for(user=user, pk=round_id)
    return selectors.round_confirmations(
        user=user, annual_round=annual_round, state=state.value if state else None
    )


@router.get("/annual/confirmations", response={200: list[ConfirmationOut], **READ_ERRORS})
@paginate(LimitOffsetPagination)
def confirmation_list(
    request: HttpRequest, state: ConfirmationFilter | None = None
) -> QuerySet[AnnualConfirmation]:
    """The confirmations the caller sees — a company's PSA and delegate their own, the office
    every company's —, newest round first; ``state``: a state or ``overdue``."""
    rows = selectors.confirmation_list_for(user=request_user(request))
    return selectors.with_state(rows, state.value if state else None)


@router.get(
    "/annual/confirmations/{confirmation_id}",
    response={200: ConfirmationDetailOut, **READ_ERRORS},
)
def confirmation_detail(request: HttpRequest, confirmation_id: int) -> AnnualConfirmation:
    return selectors.confirmation_get_for(user=request_user(request), pk=confirmation_id)


@router.post(
    "/annual/confirmations/{confirmation_id}/confirm",
    response={200: ConfirmationDetailOut, **ERRORS},
)
def confirmation_confirm(
    request: HttpRequest, confirmation_id: int, payload: ConfirmIn
) -> AnnualConfirmation:
    """「現在の内容に相違ありません」: the PSA confirms that what the portal holds is current."""
    user = request_user(request)
    confirmation = selectors.confirmation_get_for(user=user, pk=confirmation_id)
    return services.annual_confirmation_confirm(
        confirmation=confirmation, actor=user, statement=payload.statement
    )


@router.post(
    "/annual/confirmations/{confirmation_id}/changes-filed",
    response={200: ConfirmationDetailOut, **ERRORS},
)
def confirmation_changes_filed(
    request: HttpRequest, confirmation_id: int, payload: ChangesFiledIn
) -> AnnualConfirmation:
    """The PSA says that something changed and was filed as change applications (``statement``:
    what changed and which applications; required)."""
    user = request_user(request)
    confirmation = selectors.confirmation_get_for(user=user, pk=confirmation_id)
    return services.annual_confirmation_changes_filed(
        confirmation=confirmation, actor=user, statement=payload.statement
    )
