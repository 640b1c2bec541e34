"""Who hears about a §5 request, and what the mail says. Mails name the request, its site and
what happened, and point to the portal; they never carry the lines, hashes or documents."""

from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.notifications.services import in_reader_language, mail_queue
from dsg.orgs.models import Role, User
from dsg.orgs.selectors import emails_of, psa_emails

from .models import EquipmentRequest, HelpdeskRequest, InfoRequest


def request_link(request: EquipmentRequest) -> str:
    return f"/equipment-requests/{request.pk}/"


def helpdesk_link(ticket: HelpdeskRequest) -> str:
    return f"/helpdesk/{ticket.pk}/"


def _send(
    request: EquipmentRequest,
    *,
    event: str,
    to: list[str],
    actor: User | None,
    subject: Any,
    what: Any,
) -> None:
    site = request.site
    mail_queue(
        to=to,
        exclude=[actor.email] if actor is not None else [],
        about=request.receipt_number,
        subject=subject,
        lines=[
            format_lazy(
                _("{kind} {number} ({site}, {company}): {what}"),
                kind=in_reader_language(request.get_kind_display),
                number=request.receipt_number,
                site=site.name,
                company=site.company.name,
                what=what,
            )
        ],
        link=request_link(request),
        kind=f"equipment_request.{event}",
        company_id=site.company_id,
    )


def _reviewers(request: EquipmentRequest) -> list[str]:
    reviewer = request.reviewer
    if reviewer is not None and reviewer.is_active:
        return [reviewer.email]
    return emails_of(roles=[Role.REVIEWER])


def filed(request: EquipmentRequest, actor: User) -> None:
    """The office hears of a new request; the PSAs get its 受付番号."""
    _send(
        request,
        event="filed",
        to=emails_of(roles=[Role.REVIEWER]) + psa_emails(request.site.company_id),
        actor=actor,
        subject=_("request filed (申請の受付)"),
        what=format_lazy(_("filed; receipt number {number}."), number=request.receipt_number),
    )


def taken_up(request: EquipmentRequest, actor: User) -> None:
    _send(
        request,
        event="taken_up",
        to=psa_emails(request.site.company_id),
        actor=actor,
        subject=_("request under review (受理・審査中)"),
        what=_("the office has taken the request up and is reviewing it."),
    )


def more_asked(request: EquipmentRequest, asked: InfoRequest, actor: User) -> None:
    """What is asked for stays behind the login; the mail says by when."""
    _send(
        request,
        event="more_asked",
        to=psa_emails(request.site.company_id),
        actor=actor,
        subject=_("more documents requested (追加資料依頼)"),
        what=(
            format_lazy(
                _("the office asks for more documents, by {due}."), due=asked.due_on.isoformat()
            )
            if asked.due_on
            else _("the office asks for more documents.")
        ),
    )


def answered(request: EquipmentRequest, asked: InfoRequest, actor: User) -> None:
    _send(
        request,
        event="answered",
        to=_reviewers(request),
        actor=actor,
        subject=_("answer to the request for more documents (追加資料の提出)"),
        what=_("the PSA has answered; the review can go on."),
    )


def withdrawn(request: EquipmentRequest, actor: User) -> None:
    _send(
        request,
        event="withdrawn",
        to=_reviewers(request) + psa_emails(request.site.company_id),
        actor=actor,
        subject=_("request withdrawn (取下げ)"),
        what=_("the PSA has withdrawn the request."),
    )


def decided(request: EquipmentRequest, actor: User | None) -> None:
    """The PSAs hear the outcome (承認 / 一部承認 / 却下); the reasons are in the portal."""
    _send(
        request,
        event="decided",
        to=psa_emails(request.site.company_id) + _reviewers(request),
        actor=actor,
        subject=format_lazy(
            _("request decided: {outcome}"), outcome=in_reader_language(request.get_outcome_display)
        ),
        what=format_lazy(
            _("decided: {outcome}. The decision on each line is in the portal."),
            outcome=in_reader_language(request.get_outcome_display),
        ),
    )


def _helpdesk_send(ticket: HelpdeskRequest, *, to: list[str], actor: User, subject: Any) -> None:
    mail_queue(
        to=to,
        exclude=[actor.email],
        about=ticket.number,
        subject=subject,
        lines=[
            format_lazy(
                _("Helpdesk request {number} ({site}, {company}): {software} {version}"),
                number=ticket.number,
                site=ticket.site.name,
                company=ticket.site.company.name,
                software=ticket.software_name,
                version=ticket.software_version,
            )
        ],
        link=helpdesk_link(ticket),
        kind="helpdesk",
        company_id=ticket.site.company_id,
    )


def helpdesk_filed(ticket: HelpdeskRequest, actor: User) -> None:
    _helpdesk_send(
        ticket,
        to=emails_of(roles=[Role.PROVIDER_STAFF]),
        actor=actor,
        subject=_("whitelisted software to enable (ヘルプデスクへの連絡)"),
    )


def helpdesk_answered(ticket: HelpdeskRequest, actor: User) -> None:
    _helpdesk_send(
        ticket,
        to=psa_emails(ticket.site.company_id),
        actor=actor,
        subject=_("the helpdesk's instructions (ヘルプデスクの回答)"),
    )
