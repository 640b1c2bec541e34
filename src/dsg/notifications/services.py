"""Queue mail inside a change's transaction; deliver it after commit, retrying what failed."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


def outbox_queue(
    *, recipients: list[str], subject: str, body: str, kind: str, company_id: int | None = None
) -> OutboxMessage | None:
    """Write the message in the current transaction; it is sent only if the change commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_queue must run inside the change's transaction")
    recipients = sorted({address for address in recipients if address})
    if not recipients:
        return None
    message = OutboxMessage.objects.create(
        recipients=recipients, subject=subject[:200], body=body, kind=kind, company_id=company_id
    )
    transaction.on_commit(_enqueue_delivery)
    return message


def _enqueue_delivery() -> None:
    from .tasks import outbox_deliver

    try:
        outbox_deliver.enqueue()
    except Exception:  # the outbox row is durable; `dsg outbox send` or the next run delivers it
        logger.exception("could not enqueue outbox delivery")


def outbox_deliver_pending(*, limit: int = 200) -> tuple[int, int]:
    """Send unsent messages, each under a row lock so two workers never send one twice."""
    sent = failed = 0
    pending = OutboxMessage.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    for pk in list(pending.order_by("pk").values_list("pk", flat=True)[:limit]):
        if _deliver_one(pk):
            sent += 1
        else:
            failed += 1
    return sent, failed


def _deliver_one(pk: int) -> bool:
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update().filter(pk=pk, sent_at__isnull=True).first()
        )
        if message is None:
            return True
        try:
            EmailMessage(
                subject=message.subject,
                body=message.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=message.recipients,
                connection=get_connection(timeout=30),
            ).send()
        except Exception as error:  # noqa: BLE001 — any mail failure is recorded and retried
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.save(update_fields=["attempts", "last_error"])
            return False
        message.sent_at, message.attempts = timezone.now(), message.attempts + 1
        message.save(update_fields=["sent_at", "attempts"])
        return True
