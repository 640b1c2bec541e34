"""Queue mail inside a change's transaction; deliver it after commit, retrying what failed.

``mail_queue`` is the one mail every part of the portal writes: in Japanese (the office's
language, whatever the actor's), "[DSG Portal] <number>: <subject>", a few lines naming what
changed, the link to the portal, and the footer the apps above register (``footer``: the
問い合わせ先 of §6). Mails never carry findings, comments, documents or account information;
those stay behind the login.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from .footer import footer_lines
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


def mail_queue(
    *,
    to: Iterable[str],
    about: str,
    subject: Any,
    lines: Iterable[Any],
    link: str,
    kind: str,
    company_id: int | None = None,
    exclude: Iterable[str] = (),
) -> OutboxMessage | None:
    """Compose the portal's mail and queue it in the current transaction.

    ``about`` names what the mail is about (a case number); ``subject`` and ``lines`` may be
    lazy messages (``gettext_lazy``, ``format_lazy``): they are rendered in Japanese here. ``link``
    is a path of the portal. Addresses in ``exclude`` (the actor's own) get no copy.
    """
    with translation.override("ja"):
        title = gettext("[DSG Portal] {number}: {subject}").format(number=about, subject=subject)
        body = [str(line) for line in lines]
        body += [
            "",
            gettext("Please log in to the portal for the details: {url}").format(
                url=f"{settings.PORTAL_URL}{link}"
            ),
        ]
        footer = footer_lines()
        body += ["", "-- ", *footer] if footer else []
    skip = set(exclude)
    return outbox_queue(
        recipients=[address for address in to if address not in skip],
        subject=title,
        body="\n".join(body),
        kind=kind,
        company_id=company_id,
    )


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
