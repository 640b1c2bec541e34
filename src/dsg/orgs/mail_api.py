"""The office's undelivered mail in the API: the same list and resend as ``/office/mail/``."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from dsg.core.schemas import ERRORS, Error
from dsg.notifications.models import OutboxMessage

from .auth import request_user
from .mail import outbox_message_resend, outbox_troubled_for

router = Router(tags=["office"])


class MailOut(Schema):
    id: int
    created_at: dt.datetime
    kind: str
    subject: str
    recipients: list[str]
    company_id: int | None
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_error: str

    @staticmethod
    def resolve_next_attempt_at(obj: OutboxMessage) -> dt.datetime | None:
        return obj.next_attempt_at if obj.status == "pending" else None


class MailCounts(Schema):
    pending: int
    retrying: int
    failed: int
    oldest_unsent_seconds: int | None


class UndeliveredOut(Schema):
    counts: MailCounts
    messages: list[MailOut]


class ResendIn(Schema):
    message_id: int


@router.get("/office/mail", response={200: UndeliveredOut, 401: Error, 403: Error})
def office_mail(request: HttpRequest) -> dict[str, object]:
    """Reviewers: mail that failed after its last attempt or is being retried (no bodies)."""
    rows, counts = outbox_troubled_for(actor=request_user(request))
    return {"counts": counts, "messages": rows}


@router.post("/office/mail/resend", response={200: MailOut, **ERRORS})
def office_mail_resend(request: HttpRequest, payload: ResendIn) -> OutboxMessage:
    """Reviewers: send a failed or retrying mail again now (written to the audit ledger)."""
    return outbox_message_resend(actor=request_user(request), message_id=payload.message_id)
