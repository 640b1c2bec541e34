"""The office's view of the mail that could not be sent, and resending it (ledgered).

The outbox (``notifications``, layer 1) knows neither roles nor the ledger; this is where the
reviewer's permission, the outbox and the ledger meet, one layer above both.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import NotVisible, RuleViolation
from dsg.notifications.models import OutboxMessage
from dsg.notifications.selectors import outbox_counts, outbox_troubled
from dsg.notifications.services import RESENDABLE, outbox_resend

from .models import User
from .permissions import require_permission

ACTION = "outbox.resend"
PAGE_SIZE = 200


def outbox_troubled_for(*, actor: User) -> tuple[list[OutboxMessage], dict[str, object]]:
    """The first ``PAGE_SIZE`` failed and retrying messages (no bodies) and the counts."""
    require_permission(actor=actor, action=ACTION)
    messages: QuerySet[OutboxMessage] = outbox_troubled()
    return list(messages[:PAGE_SIZE]), outbox_counts()


def outbox_message_resend(*, actor: User, message_id: int) -> OutboxMessage:
    """The office sends a failed or retrying message again, now, with a fresh round of attempts."""
    require_permission(actor=actor, action=ACTION)
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            raise NotVisible()
        if message.status not in RESENDABLE:
            raise RuleViolation(
                _("This mail is being sent or was sent already: it cannot be resent."),
                code="not_resendable",
                status=409,
            )
        before = outbox_resend(message=message)
        audit_record(
            actor=actor,
            action=ACTION,
            obj=message,
            company_id=message.company_id,
            before={**before, "kind": message.kind},
            after={"status": message.status, "attempts": message.attempts},
        )
    return message
