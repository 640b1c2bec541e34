"""The office's mail in the API: the undelivered list and resend as ``/office/mail/``, and the
required mails as ``/office/mail/categories/``."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema

from dsg.core.schemas import ERRORS, READ_ERRORS, Error
from dsg.notifications.kinds import ALWAYS_REQUIRED, required_categories
from dsg.notifications.models import MailCategory, OutboxMessage

from .auth import request_user
from .mail import outbox_message_resend, outbox_troubled_for
from .permissions import require_permission
from .services import mail_categories_required_set

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


# The office's choice of the required mails (as on /office/mail/categories/, #12) --------------


class MailCategoryOut(Schema):
    category: str = Field(description="account, action, reminder or information")
    label: str
    required: bool = Field(description="Mailed to everyone it concerns: nobody may turn it off")
    office_decides: bool = Field(description="False for the account's mails: always required")


class MailCategoriesIn(Schema):
    required: list[str] = Field(
        max_length=10,
        description="Every category the office requires (action, reminder, information); the "
        "account's mails are always required. An unknown category is refused (422).",
    )


def _categories() -> list[MailCategoryOut]:
    required = required_categories()
    return [
        MailCategoryOut(
            category=str(category),
            label=str(category.label),
            required=str(category) in required,
            office_decides=category not in ALWAYS_REQUIRED,
        )
        for category in MailCategory
    ]


@router.get(
    "/office/mail/categories", response={200: list[MailCategoryOut], **READ_ERRORS, 403: Error}
)
def mail_categories(request: HttpRequest) -> list[MailCategoryOut]:
    """Reviewers: which categories of mail the office requires."""
    require_permission(actor=request_user(request), action="mail.required")
    return _categories()


@router.put("/office/mail/categories", response={200: list[MailCategoryOut], **ERRORS})
def mail_categories_set(request: HttpRequest, payload: MailCategoriesIn) -> list[MailCategoryOut]:
    """Reviewers: require exactly these categories (ledgered per category changed); those who
    had turned a category now required off receive it again."""
    mail_categories_required_set(actor=request_user(request), required=payload.required)
    return _categories()
