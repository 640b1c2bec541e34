"""The use cases of the 年次確認.

Every service checks the actor's permission, locks what it changes, checks its state, writes the
record and the ledger and queues its mail in one transaction; a refusal changes nothing.
Reminders run as the system (the worker's daily run, ``dsg annual remind``): each confirmation in
its own transaction, each kind of reminder at most once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from . import notifications
from .models import (
    AnnualConfirmation,
    AnnualReminder,
    AnnualRound,
    ConfirmationState,
    ReminderKind,
)
from .selectors import eligible_companies, holdings_of, holdings_snapshot

TITLE_MAX = 200
STATEMENT_MAX = 4000
# The "due soon" reminder goes this many days before the due date (unless the round was opened
# within them: its opening mail is recent enough).
REMIND_DAYS_BEFORE = 7


def _title(value: Any) -> str:
    title = str(value or "").strip()
    if not title:
        raise RuleViolation(
            _("Give the round a title, such as 「2026年度 年次確認」."),
            code="invalid",
            status=422,
            field="title",
        )
    if len(title) > TITLE_MAX:
        raise RuleViolation(
            _("At most {n} characters.").format(n=TITLE_MAX),
            code="invalid",
            status=422,
            field="title",
        )
    return title


def _due_on(value: Any) -> dt.date:
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise RuleViolation(
            _("Enter a date as YYYY-MM-DD."), code="invalid", status=422, field="due_on"
        ) from error
    if day <= timezone.localdate():
        raise RuleViolation(
            _("The due date must be after today."), code="date_in_past", status=422, field="due_on"
        )
    return day


def _statement(value: Any, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise RuleViolation(
            _("Say what changed and which change applications were filed."),
            code="statement_required",
            status=422,
            field="statement",
        )
    if len(text) > STATEMENT_MAX:
        raise RuleViolation(
            _("At most {n} characters.").format(n=STATEMENT_MAX),
            code="invalid",
            status=422,
            field="statement",
        )
    return text


# Opening a round --------------------------------------------------------------------------------


def annual_round_check(*, title: Any, due_on: Any) -> tuple[str, dt.date]:
    """The round's title and due date as a round takes them, or the refusal (the page checks
    them before its confirmation step)."""
    title, due = _title(title), _due_on(due_on)
    if AnnualRound.objects.filter(title=title).exists():
        raise _title_taken()
    return title, due


def annual_round_open(*, actor: User, title: str, due_on: Any) -> AnnualRound:
    """The office opens a round: every company with a site that completed 加入 and is not closed
    is asked to confirm by ``due_on``; each company's PSA is mailed. One transaction."""
    require_permission(actor=actor, action="annual.open")
    with transaction.atomic():
        title, due = annual_round_check(title=title, due_on=due_on)
        companies = list(eligible_companies())
        if not companies:
            raise RuleViolation(
                _("No company has a site that completed 加入: there is nobody to ask."),
                code="no_companies",
            )
        try:
            with transaction.atomic():
                annual_round = AnnualRound.objects.create(title=title, due_on=due, opened_by=actor)
        except IntegrityError as error:  # opened by someone else meanwhile
            raise _title_taken() from error
        confirmations = AnnualConfirmation.objects.bulk_create(
            [AnnualConfirmation(round=annual_round, company=company) for company in companies]
        )
        audit_record(
            actor=actor,
            action="annual.open",
            obj=annual_round,
            after={"title": title, "due_on": due, "companies": [c.pk for c in companies]},
        )
        for confirmation in confirmations:
            audit_record(
                actor=actor,
                action="annual.ask",
                obj=confirmation,
                company_id=confirmation.company_id,
                after={"round": annual_round.pk, "due_on": due},
            )
        notifications.notify_opened(annual_round, confirmations)
        transaction.on_commit(_schedule_reminders)
    return annual_round


def _title_taken() -> RuleViolation:
    return RuleViolation(
        _("A round with this title exists already."), code="title_taken", status=422, field="title"
    )


def _schedule_reminders() -> None:
    from .tasks import remind_schedule

    remind_schedule()


# The company's answer ---------------------------------------------------------------------------


def annual_confirmation_confirm(
    *, confirmation: AnnualConfirmation, actor: User, statement: str = ""
) -> AnnualConfirmation:
    """「現在の内容に相違ありません」: the PSA confirms that what the portal holds is current."""
    return _answer(confirmation, actor, "confirm", _statement(statement, required=False))


def annual_confirmation_changes_filed(
    *, confirmation: AnnualConfirmation, actor: User, statement: str
) -> AnnualConfirmation:
    """The PSA says that something changed and was filed as change applications."""
    return _answer(confirmation, actor, "file_changes", _statement(statement, required=True))


def _answer(
    confirmation: AnnualConfirmation, actor: User, name: str, statement: str
) -> AnnualConfirmation:
    require_permission(actor=actor, action="annual.confirm", obj=confirmation)
    with transaction.atomic():
        locked = (
            AnnualConfirmation.objects.select_for_update()
            .select_related("round", "company")
            .get(pk=confirmation.pk)
        )
        if locked.state != ConfirmationState.PENDING:
            raise RuleViolation(
                _("This confirmation was already answered: “{state}”.").format(
                    state=locked.get_state_display()
                ),
                code="already_answered",
            )
        getattr(locked, name)()
        locked.answered_by, locked.answered_at = actor, timezone.now()
        locked.statement = statement
        locked.reviewed = holdings_snapshot(holdings_of(locked.company))
        locked.save()
        audit_record(
            actor=actor,
            action=f"annual.{locked.state}",
            obj=locked,
            company_id=locked.company_id,
            before={"state": ConfirmationState.PENDING},
            after={
                "state": locked.state,
                "statement": statement,
                "sites": [site["id"] for site in locked.reviewed["sites"]],
            },
        )
        notifications.notify_answered(locked, actor)
    return locked


# Reminders --------------------------------------------------------------------------------------


def _reminder_due(confirmation: AnnualConfirmation, today: dt.date) -> str | None:
    """Which reminder a pending confirmation needs today, if any."""
    due = confirmation.round.due_on
    if due < today:
        return ReminderKind.OVERDUE
    window = due - dt.timedelta(days=REMIND_DAYS_BEFORE)
    opened_on = timezone.localdate(confirmation.round.opened_at)
    if window <= today and opened_on < window:
        return ReminderKind.DUE_SOON
    return None


def annual_remind_pending(*, today: dt.date | None = None) -> tuple[int, int]:
    """Queue the reminders the pending confirmations need today, each kind at most once per
    confirmation: (due soon, overdue). Running it again the same day queues nothing."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=REMIND_DAYS_BEFORE)
    candidates = AnnualConfirmation.objects.filter(
        state=ConfirmationState.PENDING, round__due_on__lte=horizon
    ).select_related("round", "company")
    sent: dict[str, int] = {ReminderKind.DUE_SOON: 0, ReminderKind.OVERDUE: 0}
    for confirmation in candidates.order_by("round__due_on", "pk"):
        kind = _reminder_due(confirmation, today)
        if kind is not None and _remind(confirmation, kind):
            sent[kind] += 1
    return sent[ReminderKind.DUE_SOON], sent[ReminderKind.OVERDUE]


def _remind(confirmation: AnnualConfirmation, kind: str) -> bool:
    """Record and mail one reminder, unless it was sent or the company answered meanwhile."""
    with transaction.atomic():
        locked = (
            AnnualConfirmation.objects.select_for_update()
            .select_related("round", "company")
            .get(pk=confirmation.pk)
        )
        if not locked.is_pending or locked.reminders.filter(kind=kind).exists():
            return False
        reminder = AnnualReminder.objects.create(confirmation=locked, kind=kind)
        audit_record(
            actor=None,
            action="annual.remind",
            obj=reminder,
            company_id=locked.company_id,
            after={"kind": kind, "due_on": locked.round.due_on},
        )
        notifications.notify_reminder(locked, kind)
    return True


def annual_pending_exists() -> bool:
    """Is any confirmation still pending (the daily reminder run keeps going while so)?"""
    return AnnualConfirmation.objects.filter(state=ConfirmationState.PENDING).exists()
