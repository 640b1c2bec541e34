"""Who hears about a change application, and what the mail says (in Japanese, as the office
writes). Mails name the change and its new state and point to the portal; they never carry the
change's values, comments or documents."""

from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.notifications.services import in_reader_language, mail_queue
from dsg.orgs.models import Role
from dsg.orgs.selectors import emails_of, psa_emails

from .models import ActionRequest, ChangeRecord, ChangeRequest

# Transitions the provider hears of, for the changes that concern it.
PROVIDER_HEARS = frozenset({"accept", "complete", "reject", "withdraw"})


def provider_concerned(change: ChangeRequest) -> bool:
    kind = change.kind
    return kind.concerns_provider and (
        not kind.requires_layout or change.moves_equipment or kind.may_need_provider_work
    )


def _link(change: ChangeRequest) -> str:
    return f"/changes/{change.pk}/"


def notify_transition(change: ChangeRequest, record: ChangeRecord) -> None:
    state = in_reader_language(change.get_state_display)
    to = psa_emails(change.company_id) + emails_of(roles=[Role.REVIEWER])
    if record.transition in PROVIDER_HEARS and provider_concerned(change):
        to += emails_of(roles=[Role.PROVIDER_STAFF])
    lines: list[Any] = [
        format_lazy(
            _("The change application {number} ({kind}, {site}, {company}) changed."),
            number=change.number,
            kind=change.kind.name_ja,
            site=change.site.name,
            company=change.company.name,
        ),
        format_lazy(_("New state: {state}"), state=state),
    ]
    receipt = record.data.get("receipt_number")
    if receipt:
        lines.append(format_lazy(_("Receipt number (到達番号): {receipt}"), receipt=receipt))
    mail_queue(
        to=to,
        exclude=[record.actor.email],
        about=change.number,
        subject=state,
        lines=lines,
        link=_link(change),
        kind=f"change.{record.transition}",
        company_id=change.company_id,
    )


def notify_asked(change: ChangeRequest, asked: ActionRequest) -> None:
    """The PSA is asked for an action or a document (what is asked stays behind the login)."""
    mail_queue(
        to=psa_emails(change.company_id),
        about=change.number,
        subject=_("an action or a document is requested"),
        lines=[
            format_lazy(
                _(
                    "An action or a document is requested for the change application {number} "
                    "({site}), by {due}."
                ),
                number=change.number,
                site=change.site.name,
                due=asked.due_on.isoformat(),
            )
        ],
        link=_link(change),
        kind="change.ask",
        company_id=change.company_id,
    )


def notify_answered(change: ChangeRequest, asked: ActionRequest) -> None:
    mail_queue(
        to=[asked.asked_by.email] if asked.asked_by.is_active else [],
        about=change.number,
        subject=_("your request was answered"),
        lines=[
            format_lazy(
                _("The company answered your request on the change application {number} ({site})."),
                number=change.number,
                site=change.site.name,
            )
        ],
        link=_link(change),
        kind="change.answer",
        company_id=change.company_id,
    )


def notify_new_psa(change: ChangeRequest, person: Any, *, created: bool) -> None:
    """The new protection system administrator learns of the role (and, when the account is new,
    how to set a password: the portal's password reset, which mails a one-time link)."""
    lines: list[Any] = [
        format_lazy(
            _(
                "With the change application {number}, you are the protection system administrator "
                "(保護システム管理者) of {company} in the DSG Portal."
            ),
            number=change.number,
            company=change.company.name,
        )
    ]
    if created:
        lines.append(
            _(
                "An account was created for this address: set your password with “Forgot your "
                "password?” on the login page."
            )
        )
    mail_queue(
        to=[person.email],
        about=change.number,
        subject=_("you are the protection system administrator"),
        lines=lines,
        link="/accounts/login/",
        kind="change.new_psa",
        company_id=change.company_id,
    )
