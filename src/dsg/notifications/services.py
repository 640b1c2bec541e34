"""Queue mail inside a change's transaction; deliver it later, outside any transaction.

``mail_queue`` is the one mail every part of the portal writes: "[DSG Portal] <number>:
<subject>", a few lines naming what changed, the link to the portal (``DSG_PORTAL_URL``), and the
footer the apps above register (``footer``: the 問い合わせ先 of §6). It is rendered for each
recipient in the language they chose (``recipients``: Japanese unless they chose English), one
message per language; each person finds it in the portal's inbox too (``Notification``), and a
person who turned its kind off (an optional one: the office decides, ``kinds``;
``MailOptOut``) gets it there only. Mails never carry
findings, comments, documents or account information; those stay behind the login.

Delivery (``outbox_deliver_pending``, run by the worker) takes one message at a time in three
steps, so that an SMTP server that hangs never holds a database lock:

1. claim — a short transaction takes a due message (``select_for_update(skip_locked=True)`` on
   PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises the claims), marks it ``sending`` with a
   lease and a token, counts the attempt, and commits;
2. send — over SMTP with ``EMAIL_TIMEOUT`` on every operation, in no transaction;
3. record — a second short transaction marks it ``sent``, or puts its next attempt off
   (exponential backoff with jitter), or marks it ``failed`` after the last attempt.

A worker that dies between 1 and 3 leaves a ``sending`` message whose lease runs out; it is due
again then. Delivery is at least once: a message is sent twice only when a send outlives its
lease (keep ``DSG_OUTBOX_LEASE`` well above ``EMAIL_TIMEOUT``).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext

from .footer import footer_lines
from .kinds import optouts_in_force
from .models import Notification, OutboxMessage, OutboxStatus
from .recipients import Recipient, recipients_resolve

logger = logging.getLogger(__name__)
JITTER = 0.2  # each delay is drawn from ±20 % around its value, so retries do not come in waves
ERASED_BODY = "(erased after delivery)"


def outbox_queue(
    *,
    recipients: list[str],
    subject: str,
    body: str,
    kind: str,
    company_id: int | None = None,
    secret: bool = False,
    language: str = "",
) -> OutboxMessage | None:
    """Write the message in the current transaction; it is sent only if the change commits.

    ``secret`` marks a body that must not outlive its delivery (a password-reset link);
    ``language`` is the one the caller rendered it in. Each recipient who is a person of the
    portal finds it in their inbox.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_queue must run inside the change's transaction")
    people = recipients_resolve(recipients)
    if not people:
        return None
    return _outbox_write(
        mailed=people,
        inbox_only=[],
        subject=subject,
        body=body,
        kind=kind,
        company_id=company_id,
        secret=secret,
        language=language or settings.LANGUAGE_CODE,
    )


def _outbox_write(
    *,
    mailed: list[Recipient],
    inbox_only: list[Recipient],
    subject: str,
    body: str,
    kind: str,
    company_id: int | None,
    secret: bool,
    language: str,
) -> OutboxMessage:
    message = OutboxMessage.objects.create(
        recipients=[person.address for person in mailed],
        subject=subject[:200],
        body=body,
        kind=kind[:60],
        company_id=company_id,
        secret=secret,
        language=language,
        status=OutboxStatus.PENDING if mailed else OutboxStatus.SKIPPED,
    )
    Notification.objects.bulk_create(
        Notification(user_id=person.user_id, message=message, mailed=mail)
        for mail, group in ((True, mailed), (False, inbox_only))
        for person in group
        if person.user_id is not None
    )
    if mailed:
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
) -> list[OutboxMessage]:
    """Compose the portal's mail for each recipient's language and queue it in the transaction.

    ``about`` names what the mail is about (a case number); ``subject`` and ``lines`` must be
    lazy messages (``gettext_lazy``, ``format_lazy``) wherever they hold words: they are rendered
    here, once per language. ``link`` is a path of the portal. Addresses in ``exclude`` (the
    actor's own) get no copy. Returns the messages written, one per language.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("mail_queue must run inside the change's transaction")
    skip = set(exclude)
    people = recipients_resolve(address for address in to if address not in skip)
    declined = _declined(people, kind)
    lines = list(lines)
    messages = []
    by_language = sorted(people, key=lambda person: person.language)
    for language, group in groupby(by_language, key=lambda person: person.language):
        persons = list(group)
        with translation.override(language):
            title, body = _compose(about=about, subject=subject, lines=lines, link=link)
        messages.append(
            _outbox_write(
                mailed=[p for p in persons if p.user_id not in declined],
                inbox_only=[p for p in persons if p.user_id in declined],
                subject=title,
                body=body,
                kind=kind,
                company_id=company_id,
                secret=False,
                language=language,
            )
        )
    return messages


def in_reader_language(render: Callable[[], Any]) -> Any:
    """A text of the mail rendered when the mail is, in its reader's language: pass a model's
    ``get_state_display`` (or any function that translates) instead of its value, which would
    be in the actor's language."""
    return lazy(render, str)()


def _compose(*, about: str, subject: Any, lines: list[Any], link: str) -> tuple[str, str]:
    """The subject and body in the active language."""
    title = gettext("[DSG Portal] {number}: {subject}").format(number=about, subject=subject)
    body = [str(line) for line in lines]
    body += [
        "",
        gettext("Please log in to the portal for the details: {url}").format(url=portal_url(link)),
    ]
    footer = footer_lines()
    body += ["", "-- ", *footer] if footer else []
    return title, "\n".join(body)


def portal_url(path: str) -> str:
    """The address of a page of the portal as its users reach it (``DSG_PORTAL_URL``)."""
    return f"{settings.PORTAL_URL}{path}"


def _declined(people: list[Recipient], kind: str) -> set[int | None]:
    """The people who turned off the category of ``kind`` while it is optional, in one query."""
    users = [person.user_id for person in people if person.user_id is not None]
    if not users:
        return set()
    return set(optouts_in_force(users, kind).values_list("user_id", flat=True))


def _enqueue_delivery() -> None:
    from .tasks import delivery_schedule

    try:
        delivery_schedule(at=None)
    except Exception:  # the outbox row is durable; the worker's next run delivers it
        logger.exception("could not enqueue outbox delivery")


# Delivery -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A message taken by one worker: its token proves the lease is still this worker's."""

    pk: int
    token: str
    attempt: int
    lease_until: dt.datetime


def retry_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, …), with jitter."""
    base = settings.DSG_OUTBOX_RETRY_DELAY * 2 ** min(attempt - 1, 60)
    delay = min(base, settings.DSG_OUTBOX_RETRY_MAX_DELAY)
    return delay * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 — jitter, not secrecy


def _due(now: dt.datetime) -> Q:
    return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, lease_until__lt=now
    )


def outbox_claim() -> Claim | None:
    """Take the next due message in a short transaction of its own, or None when none is due."""
    with transaction.atomic(durable=True):
        now = timezone.now()
        due = OutboxMessage.objects.filter(_due(now)).order_by("next_attempt_at", "pk")
        pk = due.select_for_update(skip_locked=True).values_list("pk", flat=True).first()
        if pk is None:
            return None
        token = uuid.uuid4().hex
        lease_until = now + dt.timedelta(seconds=settings.DSG_OUTBOX_LEASE)
        message = OutboxMessage.objects.get(pk=pk)
        message.status, message.lease_token, message.lease_until = (
            OutboxStatus.SENDING,
            token,
            lease_until,
        )
        message.attempts, message.last_attempt_at = message.attempts + 1, now
        message.save(
            update_fields=["status", "lease_token", "lease_until", "attempts", "last_attempt_at"]
        )
        return Claim(pk=pk, token=token, attempt=message.attempts, lease_until=lease_until)


def outbox_send(claim: Claim) -> bool:
    """Send the claimed message outside any transaction, then record the outcome."""
    if transaction.get_connection().in_atomic_block and not _only_test_atomics():
        raise RuntimeError("mail is sent outside any database transaction")
    message = OutboxMessage.objects.get(pk=claim.pk)
    try:
        EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=message.recipients,
            connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
        ).send()
    except Exception as error:  # noqa: BLE001 — any mail failure is recorded and retried
        _record_failure(claim, f"{type(error).__name__}: {error}"[:2000])
        return False
    _record_sent(claim, erase=message.secret)
    return True


def _only_test_atomics() -> bool:
    """True inside a test case's own transaction (Django marks it), which is no real change."""
    blocks = transaction.get_connection().atomic_blocks
    return all(getattr(block, "_from_testcase", False) for block in blocks)


def _record_sent(claim: Claim, *, erase: bool) -> None:
    """Mark the message sent, even if its lease ran out meanwhile: it was delivered."""
    changes: dict[str, Any] = {
        "status": OutboxStatus.SENT,
        "sent_at": timezone.now(),
        "lease_until": None,
        "lease_token": "",
        "last_error": "",
    }
    if erase:
        changes["body"] = ERASED_BODY
    with transaction.atomic(durable=True):
        OutboxMessage.objects.filter(pk=claim.pk).exclude(status=OutboxStatus.SENT).update(
            **changes
        )


def _record_failure(claim: Claim, error: str) -> None:
    """Put the next attempt off, or mark the message failed after its last attempt.

    Only while the lease is still this worker's: a worker that outlived its lease leaves the
    message to the one that took it over.
    """
    last = claim.attempt >= settings.DSG_OUTBOX_MAX_ATTEMPTS
    if last:
        changes: dict[str, Any] = {"status": OutboxStatus.FAILED}
    else:
        later = timezone.now() + dt.timedelta(seconds=retry_delay(claim.attempt))
        changes = {"status": OutboxStatus.PENDING, "next_attempt_at": later}
    with transaction.atomic(durable=True):
        recorded = OutboxMessage.objects.filter(
            pk=claim.pk, status=OutboxStatus.SENDING, lease_token=claim.token
        ).update(lease_until=None, lease_token="", last_error=error, **changes)
    if recorded and last:
        logger.error("outbox message %s failed for good after %s attempts", claim.pk, claim.attempt)


def outbox_deliver_pending(
    *, limit: int = 200, on_claim: Callable[[Claim], None] | None = None
) -> tuple[int, int]:
    """Send up to ``limit`` due messages one by one; (sent, failed attempts).

    ``on_claim`` is called after each claim, before the send (the worker schedules its next run
    there, so that a worker that dies mid-send is followed up).
    """
    sent = failed = 0
    for _ in range(limit):
        claim = outbox_claim()
        if claim is None:
            break
        if on_claim is not None:
            on_claim(claim)
        if outbox_send(claim):
            sent += 1
        else:
            failed += 1
    return sent, failed


def outbox_next_due() -> dt.datetime | None:
    """When a message is next due: the earliest pending attempt or running lease."""
    times = OutboxMessage.objects.aggregate(
        pending=Min("next_attempt_at", filter=Q(status=OutboxStatus.PENDING)),
        sending=Min("lease_until", filter=Q(status=OutboxStatus.SENDING)),
    )
    due = [moment for moment in times.values() if moment is not None]
    return min(due) if due else None


# The office: what could not be sent, and sending it again ------------------------------------

RESENDABLE = (OutboxStatus.FAILED, OutboxStatus.PENDING)


def outbox_resend(*, message: OutboxMessage) -> dict[str, Any]:
    """Make a failed (or retrying) message due now with a fresh round of attempts.

    Runs in the caller's transaction with ``message`` locked (the office's service writes its
    ledger event beside it); returns what changed, for that event. Delivery follows the commit.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_resend must run inside the change's transaction")
    before = {"status": message.status, "attempts": message.attempts}
    message.status, message.attempts = OutboxStatus.PENDING, 0
    message.next_attempt_at, message.lease_until, message.lease_token = timezone.now(), None, ""
    message.save(
        update_fields=["status", "attempts", "next_attempt_at", "lease_until", "lease_token"]
    )
    transaction.on_commit(_enqueue_delivery)
    return before
