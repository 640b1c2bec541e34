"""Who hears about a step of a case, and what the mail says (in Japanese, as the office writes).

Mails name the case and its new state and point to the portal; they never carry findings,
comments or documents, which stay behind the login.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from dsg.notifications.services import outbox_queue
from dsg.orgs.models import OrganizationKind, Role, User

from .models import PROVIDER_VISIBLE_STATES, Enrollment, StepRecord


def _emails(**filters: object) -> list[str]:
    return list(User.objects.filter(is_active=True, **filters).values_list("email", flat=True))


def recipients_of(enrollment: Enrollment, record: StepRecord) -> list[str]:
    """The company's PSAs, the office's reviewers, and the provider while the case is theirs."""
    emails = _emails(organization_id=enrollment.site.company_id, role=Role.PSA)
    emails += _emails(organization__kind=OrganizationKind.OFFICE, role=Role.REVIEWER)
    if record.to_state in PROVIDER_VISIBLE_STATES and record.to_state != "completed":
        emails += _emails(organization__kind=OrganizationKind.PROVIDER, role=Role.PROVIDER_STAFF)
    return [email for email in emails if email != record.actor.email]


def notify_transition(enrollment: Enrollment, record: StepRecord) -> None:
    with translation.override("ja"):
        subject = _("[DSG Portal] {number}: {state}").format(
            number=enrollment.number, state=enrollment.get_state_display()
        )
        lines = [
            _("The enrollment case {number} ({site}, {company}) changed.").format(
                number=enrollment.number,
                site=enrollment.site.name,
                company=enrollment.site.company.name,
            ),
            _("New state: {state}").format(state=enrollment.get_state_display()),
        ]
        receipt = record.data.get("receipt_number")
        if receipt:
            lines.append(_("Receipt number (到達番号): {receipt}").format(receipt=receipt))
        lines += [
            "",
            _("Please log in to the portal for the details: {url}").format(
                url=f"{settings.PORTAL_URL}/enrollments/{enrollment.pk}/"
            ),
        ]
    outbox_queue(
        recipients=recipients_of(enrollment, record),
        subject=subject,
        body="\n".join(lines),
        kind=f"enrollment.{record.transition}",
        company_id=enrollment.site.company_id,
    )


def notify_receipt(enrollment: Enrollment, version: object) -> None:
    """The 到達 notice to the company's PSAs: the receipt number (到達番号), nothing else."""
    with translation.override("ja"):
        subject = _("[DSG Portal] {number}: application received ({receipt})").format(
            number=enrollment.number,
            receipt=version.receipt_number,  # type: ignore[attr-defined]
        )
        body = "\n".join(
            [
                _("The application of {number} ({site}) reached the office.").format(
                    number=enrollment.number, site=enrollment.site.name
                ),
                _("Receipt number (到達番号): {receipt}").format(
                    receipt=version.receipt_number  # type: ignore[attr-defined]
                ),
                _("Version: {n}").format(n=version.number),  # type: ignore[attr-defined]
                "",
                _("Please log in to the portal for the details: {url}").format(
                    url=f"{settings.PORTAL_URL}/enrollments/{enrollment.pk}/application/"
                ),
            ]
        )
    outbox_queue(
        recipients=_emails(organization_id=enrollment.site.company_id, role=Role.PSA),
        subject=subject,
        body=body,
        kind="application.receipt",
        company_id=enrollment.site.company_id,
    )
