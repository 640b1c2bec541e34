"""Who hears about a step of a case, and what the mail says (in Japanese, as the office writes).

Mails name the case and its new state and point to the portal; they never carry findings,
comments or documents, which stay behind the login.
"""

from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.notifications.services import in_reader_language, mail_queue
from dsg.orgs.models import Role
from dsg.orgs.selectors import emails_of, psa_emails

from .models import PROVIDER_VISIBLE_STATES, Enrollment, StepRecord


def recipients_of(enrollment: Enrollment, record: StepRecord) -> list[str]:
    """The company's PSAs, the office's reviewers, and the provider while the case is theirs."""
    emails = psa_emails(enrollment.site.company_id) + emails_of(roles=[Role.REVIEWER])
    if record.to_state in PROVIDER_VISIBLE_STATES and record.to_state != "completed":
        emails += emails_of(roles=[Role.PROVIDER_STAFF])
    return emails


def notify_transition(enrollment: Enrollment, record: StepRecord) -> None:
    state = in_reader_language(enrollment.get_state_display)
    lines: list[Any] = [
        format_lazy(
            _("The enrollment case {number} ({site}, {company}) changed."),
            number=enrollment.number,
            site=enrollment.site.name,
            company=enrollment.site.company.name,
        ),
        format_lazy(_("New state: {state}"), state=state),
    ]
    receipt = record.data.get("receipt_number")
    if receipt:
        lines.append(format_lazy(_("Receipt number (到達番号): {receipt}"), receipt=receipt))
    mail_queue(
        to=recipients_of(enrollment, record),
        exclude=[record.actor.email],
        about=enrollment.number,
        subject=state,
        lines=lines,
        link=f"/enrollments/{enrollment.pk}/",
        kind=f"enrollment.{record.transition}",
        company_id=enrollment.site.company_id,
    )


def notify_receipt(enrollment: Enrollment, version: Any) -> None:
    """The 到達 notice to the company's PSAs: the receipt number (到達番号), nothing else."""
    mail_queue(
        to=psa_emails(enrollment.site.company_id),
        about=enrollment.number,
        subject=format_lazy(_("application received ({receipt})"), receipt=version.receipt_number),
        lines=[
            format_lazy(
                _("The application of {number} ({site}) reached the office."),
                number=enrollment.number,
                site=enrollment.site.name,
            ),
            format_lazy(_("Receipt number (到達番号): {receipt}"), receipt=version.receipt_number),
            format_lazy(_("Version: {n}"), n=version.number),
        ],
        link=f"/enrollments/{enrollment.pk}/application/",
        kind="application.receipt",
        company_id=enrollment.site.company_id,
    )
