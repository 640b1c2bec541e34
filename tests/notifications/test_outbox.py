"""Mail goes through the outbox and a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import email
from email.header import decode_header, make_header

import pytest
from django.core.management import call_command
from django.db import transaction

from dsg.core.errors import RuleViolation
from dsg.enrollment.models import State
from dsg.notifications.models import OutboxMessage
from dsg.notifications.services import outbox_deliver_pending, outbox_queue

from ..walk import act, after_commit, inspect_round, new_case, walk_to
from .smtp import body_of, free_port


def _subject(message: email.message.Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


@pytest.mark.django_db(transaction=True)
def test_submission_mails_the_office_through_the_worker(smtp, site, cast):
    enrollment = new_case(site, cast)
    act(enrollment, "submit", cast.psa)
    message = OutboxMessage.objects.get(kind="enrollment.submit")
    assert cast.reviewer.email in message.recipients
    assert cast.psa.email not in message.recipients  # the actor knows already
    assert cast.staff.email not in message.recipients  # not the provider's business before ③
    call_command("worker", "--batch", "--no-startup-delay")
    message.refresh_from_db()
    assert message.sent_at is not None
    # The PSA gets the receipt (到達) mail of their own; this is the office's.
    [received] = [m for m in smtp.messages if m["To"] == cast.reviewer.email]
    assert "審査中" in _subject(received)
    body = received.get_payload(decode=True).decode(received.get_content_charset())
    assert "到達番号" in body and enrollment.application.receipt_number in body


@pytest.mark.django_db(transaction=True)
def test_mail_never_carries_findings_or_comments(smtp, site, cast):
    """The round of ② finds a 不適合 with a note; the mails about it never quote the note."""
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    smtp.messages.clear()
    with after_commit():
        inspect_round(enrollment, cast, deficient=True)  # note: 入退室記録なし
    enrollment.refresh_from_db()
    assert enrollment.state == State.INSPECTION_REMEDIATION
    outbox_deliver_pending()
    assert smtp.messages
    for message in smtp.messages:
        assert "入退室記録" not in body_of(message)


@pytest.mark.django_db(transaction=True)
def test_a_refused_transition_queues_no_mail(site, cast):
    enrollment = new_case(site, cast, complete=False)
    with pytest.raises(RuleViolation):
        act(enrollment, "submit", cast.psa)
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_mail():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        outbox_queue(recipients=["a@test.example.jp"], subject="s", body="b", kind="test")
        1 / 0  # noqa: B018 — the change fails after queueing
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_mail_that_cannot_be_sent_stays_queued_and_is_retried(settings, smtp):
    with transaction.atomic():
        outbox_queue(recipients=["a@test.example.jp"], subject="件名", body="本文", kind="test")
    settings.EMAIL_PORT = free_port()  # nobody listens there
    assert outbox_deliver_pending() == (0, 1)
    message = OutboxMessage.objects.get()
    assert message.sent_at is None and message.attempts == 1 and message.last_error
    assert message.status == "pending" and message.next_attempt_at > message.last_attempt_at
    assert outbox_deliver_pending() == (0, 0)  # not before its backoff has passed
    settings.EMAIL_PORT = smtp.port  # the server is back, and the retry is due
    OutboxMessage.objects.update(next_attempt_at=message.last_attempt_at)
    assert outbox_deliver_pending() == (1, 0)
    assert len(smtp.messages) == 1
    assert outbox_deliver_pending() == (0, 0)  # never sent twice


@pytest.mark.django_db(transaction=True)
def test_outbox_queue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        outbox_queue(recipients=["a@test.example.jp"], subject="s", body="b", kind="test")
