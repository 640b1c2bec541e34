"""The outbox never gives up silently, and never sends inside a database transaction.

Real parts: an aiosmtpd server on loopback that the test stops and starts again, a socket server
that accepts and never answers (a hung SMTP server), and django-tasks' own worker in a thread.
The backoff schedule is shortened by settings; nothing here measures speed.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from dsg.audit.models import AuditEvent
from dsg.notifications import services
from dsg.notifications.checks import outbox_settings_check
from dsg.notifications.models import OutboxMessage, OutboxStatus
from dsg.notifications.services import (
    outbox_claim,
    outbox_deliver_pending,
    outbox_queue,
    retry_delay,
)
from dsg.orgs.models import Role

from ..factories import UserFactory
from .outage import HungServer, Smtp, WorkerThread, eventually
from .smtp import body_of, free_port


@pytest.fixture
def fast_retries(settings):
    """Seconds become hundredths; many attempts, so that nothing fails during the outage."""
    settings.DSG_OUTBOX_RETRY_DELAY = 0.02
    settings.DSG_OUTBOX_RETRY_MAX_DELAY = 0.1
    settings.DSG_OUTBOX_MAX_ATTEMPTS = 10_000
    settings.EMAIL_TIMEOUT = 10
    return settings


@pytest.fixture
def outage(settings):
    """A loopback port where nobody listens yet; ``outage.start()`` brings SMTP up there."""
    smtp = Smtp(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    yield smtp
    smtp.stop()


def _queue(n: int, *, kind: str = "test") -> OutboxMessage:
    with transaction.atomic():
        message = outbox_queue(
            recipients=[f"user{n}@test.example.jp"],
            subject=f"件名 {n}",
            body=f"本文の秘密 {n}",
            kind=kind,
        )
    assert message is not None
    return message


def _statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in OutboxMessage.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def _reset_request(client: Client, email: str, n: int) -> int:
    response = client.post(
        reverse("account_reset_password"), {"email": email}, REMOTE_ADDR=f"127.0.1.{n}"
    )
    return response.status_code


# The schedule ---------------------------------------------------------------------------------


def test_the_default_schedule_doubles_from_a_minute_to_hours_for_about_three_days(settings):
    delays = [retry_delay(n) for n in range(1, settings.DSG_OUTBOX_MAX_ATTEMPTS)]
    assert 48 <= delays[0] <= 72  # 1 min ± 20 %
    assert 96 <= delays[1] <= 144  # 2 min
    assert max(delays) <= 4 * 3600 * 1.2  # capped at 4 h
    assert 2.4 * 86400 <= sum(delays) <= 3.6 * 86400  # about 3 days


# Through an outage: 24 mails, none lost, none twice ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_24_mails_queued_during_an_outage_are_all_delivered_once_after_it(
    fast_retries, outage, reviewer, psa
):
    """12 password resets asked for over HTTP and 12 portal mails, while SMTP is down; the
    worker retries on its own schedule (no new commit, nobody runs ``dsg outbox send``)."""
    people = [UserFactory(organization=psa.organization, role=Role.USER) for _ in range(12)]
    client = Client()
    with WorkerThread():
        statuses = [_reset_request(client, person.email, n) for n, person in enumerate(people)]
        assert statuses == [302] * 12  # no request failed
        for n in range(12):
            _queue(n)
        assert OutboxMessage.objects.count() == 24
        eventually(
            lambda: not OutboxMessage.objects.filter(attempts__lt=3).exists(),
            what="every mail tried three times while SMTP is down",
        )
        assert _statuses().keys() <= {OutboxStatus.PENDING, OutboxStatus.SENDING}
        outage.start()  # SMTP is back
        eventually(
            lambda: OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 24,
            what="all 24 delivered",
        )
    received = [(m["To"], m["Subject"]) for m in outage.inbox.messages]
    assert len(received) == 24 and len(set(received)) == 24  # 0 lost, 0 twice
    assert {to for to, _subject in received} == {
        m.recipients[0] for m in OutboxMessage.objects.all()
    }
    resets = [m for m in outage.inbox.messages if "/accounts/password/reset/key/" in body_of(m)]
    assert len(resets) == 12
    # The reset links do not outlive their delivery in the database.
    for message in OutboxMessage.objects.filter(kind__startswith="account."):
        assert message.secret and message.body == services.ERASED_BODY


@pytest.mark.django_db(transaction=True)
def test_the_worker_schedules_the_retry_itself(fast_retries, outage):
    fast_retries.DSG_OUTBOX_RETRY_DELAY = 3600  # the retry is an hour away
    fast_retries.DSG_OUTBOX_RETRY_MAX_DELAY = 3600
    message = _queue(1)
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1 and message.last_error
    queued = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path="dsg.notifications.tasks.outbox_deliver"
    )
    assert queued.filter(run_after__gt=timezone.now()).exists()  # a run is queued for later
    # When the time comes, the queued run sends it.
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    queued.update(run_after=timezone.now())
    outage.start()
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and len(outage.inbox.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_what_was_left_when_it_starts(outage):
    _queue(1)
    DBTaskResult.objects.all().delete()  # the queued run was lost (say, the database restored)
    outage.start()
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(outage.inbox.messages) == 1


# A hung SMTP server holds no database lock ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_while_smtp_hangs_the_database_stays_writable(settings, reviewer, psa):
    """The send blocks (the server accepted and says nothing) while another thread writes the
    database, asks for a password reset over HTTP and locks the very row being sent."""
    hung = HungServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", hung.port
    settings.EMAIL_TIMEOUT = 120  # longer than this test: only the release ends the send
    message = _queue(1)
    result: list[tuple[int, int]] = []
    sender = threading.Thread(target=lambda: result.append(outbox_deliver_pending(limit=1)))
    sender.start()
    try:
        assert hung.accepted.wait(60), "the sender never connected"
        message.refresh_from_db()
        assert message.status == OutboxStatus.SENDING  # claimed and committed before the send
        # Meanwhile: a change with its mail, a request, the health check, the row itself.
        other = _queue(2)
        assert Client().get(reverse("readyz")).status_code == 200
        assert _reset_request(Client(), psa.email, 200) == 302
        with transaction.atomic():
            locked = OutboxMessage.objects.select_for_update(
                nowait=connection.features.has_select_for_update_nowait
            ).get(pk=message.pk)
            assert locked.status == OutboxStatus.SENDING
        assert not hung.released.is_set()  # all of it while the send still hangs
    finally:
        hung.release()
        sender.join()
    assert result == [(0, 1)]
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and "SMTPServerDisconnected" in message.last_error
    assert OutboxMessage.objects.filter(pk=other.pk, status=OutboxStatus.PENDING).exists()


@pytest.mark.django_db(transaction=True)
def test_a_hung_server_costs_one_bounded_attempt(settings):
    hung = HungServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", hung.port
    settings.EMAIL_TIMEOUT = 0.3
    try:
        message = _queue(1)
        assert outbox_deliver_pending() == (0, 1)  # the timeout ended it, not the server
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING and "timed out" in message.last_error
        assert message.next_attempt_at > timezone.now()
    finally:
        hung.release()


@pytest.mark.django_db(transaction=True)
def test_mail_is_never_sent_inside_a_transaction(outage):
    _queue(1)
    outage.start()
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_deliver_pending()
    assert outage.inbox.messages == []
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING


# A worker that dies mid-send ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_message_whose_lease_ran_out_is_sent_by_the_next_worker(outage):
    message = _queue(1)
    dead = outbox_claim()  # the worker claimed it and died before sending
    assert dead is not None and dead.pk == message.pk
    outage.start()
    assert outbox_deliver_pending() == (0, 0)  # its lease still holds
    OutboxMessage.objects.filter(pk=message.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert outbox_deliver_pending() == (1, 0)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 2
    # Had the dead worker come back with a failure, the message stays sent, and once.
    services._record_failure(dead, "late")
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and not message.last_error
    assert len(outage.inbox.messages) == 1


# After the last attempt: the office sees it, /readyz counts it, resend delivers it -------------


@pytest.mark.django_db(transaction=True)
def test_a_mail_that_failed_for_good_is_shown_counted_and_resent(settings, outage, reviewer, psa):
    settings.DSG_OUTBOX_RETRY_DELAY = 0
    settings.DSG_OUTBOX_MAX_ATTEMPTS = 3
    message = _queue(1, kind="enrollment.submit")
    assert outbox_deliver_pending() == (0, 3)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and message.attempts == 3
    assert outbox_deliver_pending() == (0, 0)  # given up: no fourth attempt

    health = Client().get(reverse("readyz")).json()
    assert health["status"] == "degraded" and health["outbox"]["failed"] == 1

    office = Client()
    office.force_login(reviewer)
    page = office.get(reverse("office_mail")).content.decode()
    assert f'data-mail="{message.pk}" data-status="failed"' in page
    assert "本文の秘密" not in page  # the list shows no bodies
    assert 'data-mail-failed="1"' in office.get(reverse("dashboard")).content.decode()

    company = Client()
    company.force_login(psa)
    assert company.get(reverse("office_mail")).status_code == 403
    assert company.post(reverse("office_mail"), {"message": message.pk}).status_code == 403
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED

    outage.start()
    assert office.post(reverse("office_mail"), {"message": message.pk}).status_code == 302
    event = AuditEvent.objects.get(action="outbox.resend")
    assert event.object_id == str(message.pk) and event.actor_id == reviewer.pk
    assert event.before["status"] == "failed" and event.after == {
        "status": "pending",
        "attempts": 0,
    }
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and len(outage.inbox.messages) == 1
    assert Client().get(reverse("readyz")).json()["outbox"] == {
        "pending": 0,
        "retrying": 0,
        "failed": 0,
        "oldest_unsent_seconds": None,
    }
    # A sent mail is not sent again by a second click.
    response = office.post(reverse("office_mail"), {"message": message.pk}, follow=True)
    assert "cannot be resent" in response.content.decode() or "再送" in response.content.decode()
    assert AuditEvent.objects.filter(action="outbox.resend").count() == 1


@pytest.mark.django_db(transaction=True)
def test_password_reset_is_queued_not_lost_when_smtp_is_down(outage, psa):
    assert _reset_request(Client(), psa.email, 201) == 302
    message = OutboxMessage.objects.get()
    assert message.recipients == [psa.email] and message.kind == "account.password_reset_key"
    assert message.secret and "/accounts/password/reset/key/" in message.body
    outage.start()
    assert outbox_deliver_pending() == (1, 0)
    [received] = outage.inbox.messages
    assert "/accounts/password/reset/key/" in body_of(received)


# Settings that would undo the above are refused -----------------------------------------------


def test_an_unbounded_smtp_timeout_or_a_short_lease_is_reported(settings):
    assert outbox_settings_check() == []  # the defaults
    settings.EMAIL_TIMEOUT = None
    assert [m.id for m in outbox_settings_check()] == ["dsg.notifications.E001"]
    settings.EMAIL_TIMEOUT, settings.DSG_OUTBOX_LEASE = 30, 60
    assert [m.id for m in outbox_settings_check()] == ["dsg.notifications.W001"]


@pytest.mark.django_db(transaction=True)
def test_the_api_lists_and_resends_for_the_reviewer_only(settings, outage, reviewer, psa):
    settings.DSG_OUTBOX_RETRY_DELAY, settings.DSG_OUTBOX_MAX_ATTEMPTS = 0, 2
    message = _queue(1)
    assert outbox_deliver_pending() == (0, 2)
    office, company = Client(), Client()
    office.force_login(reviewer)
    company.force_login(psa)
    listed = office.get("/api/v1/office/mail").json()
    assert listed["counts"]["failed"] == 1
    [row] = listed["messages"]
    assert row["id"] == message.pk and row["status"] == "failed" and "body" not in row
    assert company.get("/api/v1/office/mail").status_code == 403
    url, body = "/api/v1/office/mail/resend", {"message_id": message.pk}
    assert company.post(url, body, content_type="application/json").status_code == 403
    outage.start()
    answer = office.post(url, body, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "pending"
    assert outbox_deliver_pending() == (1, 0)
    again = office.post(url, body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "not_resendable"
    missing = office.post(url, {"message_id": 10**9}, content_type="application/json")
    assert missing.status_code == 404
    assert AuditEvent.objects.filter(action="outbox.resend").count() == 1
