"""Who hears about the 年次確認, and what the mail says (in Japanese, as every mail of the portal:
people have no language of their own). Mails name the round, the company and the due date and
point to the portal; they never carry the company's data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.notifications.services import in_reader_language, mail_queue
from dsg.orgs.models import Role, User
from dsg.orgs.selectors import emails_of, psa_emails

from .models import AnnualConfirmation, AnnualRound, ReminderKind


def confirmation_link(confirmation: AnnualConfirmation) -> str:
    return f"/annual/confirmations/{confirmation.pk}/"


def _psa_emails_by_company(company_ids: Iterable[int]) -> dict[int, list[str]]:
    """The protection system administrators of many companies, in one query."""
    people = User.objects.filter(
        organization_id__in=list(company_ids), role=Role.PSA, is_active=True
    ).values_list("organization_id", "email")
    found: dict[int, list[str]] = {}
    for company_id, email in people:
        found.setdefault(company_id, []).append(email)
    return found


def notify_opened(annual_round: AnnualRound, confirmations: list[AnnualConfirmation]) -> None:
    """Each company's PSA is asked to confirm, by the due date."""
    emails = _psa_emails_by_company(c.company_id for c in confirmations)
    for confirmation in confirmations:
        mail_queue(
            to=emails.get(confirmation.company_id, []),
            about=annual_round.title,
            subject=_("please confirm your registered data (年次確認)"),
            lines=[
                format_lazy(
                    _(
                        "The office asks {company} to confirm, by {due}, that the sites, contacts, "
                        "terminals, removable media and software the portal holds are current."
                    ),
                    company=confirmation.company.name,
                    due=annual_round.due_on.isoformat(),
                ),
                _(
                    "If something has changed, file a change application and tell the portal "
                    "on the confirmation page."
                ),
            ],
            link=confirmation_link(confirmation),
            kind="annual.open",
            company_id=confirmation.company_id,
        )


def notify_answered(confirmation: AnnualConfirmation, actor: User) -> None:
    """The office hears of the company's answer; the PSAs get a copy."""
    mail_queue(
        to=emails_of(roles=[Role.REVIEWER]) + psa_emails(confirmation.company_id),
        exclude=[actor.email],
        about=confirmation.round.title,
        subject=in_reader_language(confirmation.get_state_display),
        lines=[
            format_lazy(
                _("{company} answered the annual confirmation: {state}."),
                company=confirmation.company.name,
                state=in_reader_language(confirmation.get_state_display),
            )
        ],
        link=confirmation_link(confirmation),
        kind=f"annual.{confirmation.state}",
        company_id=confirmation.company_id,
    )


REMINDER_SUBJECTS: dict[str, Any] = {
    ReminderKind.DUE_SOON: _("the annual confirmation is due soon"),
    ReminderKind.OVERDUE: _("the annual confirmation is overdue"),
}


def notify_reminder(confirmation: AnnualConfirmation, kind: str) -> None:
    due = confirmation.round.due_on.isoformat()
    line = (
        _("Reminder: {company} has not yet answered the annual confirmation due on {due}.")
        if kind == ReminderKind.DUE_SOON
        else _("The annual confirmation of {company} was due on {due} and is not answered.")
    )
    mail_queue(
        to=psa_emails(confirmation.company_id),
        about=confirmation.round.title,
        subject=REMINDER_SUBJECTS[kind],
        lines=[format_lazy(line, company=confirmation.company.name, due=due)],
        link=confirmation_link(confirmation),
        kind=f"annual.reminder.{kind}",
        company_id=confirmation.company_id,
    )
