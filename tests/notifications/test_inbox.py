"""The inbox (#12): every mail a person was sent, read and unread, with what became of it; the
mails a person may turn off, within what the office requires."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.notifications.inbox import mail_opt_outs_set
from dsg.notifications.kinds import category_of, is_optional
from dsg.notifications.models import MailCategory, Notification, OutboxMessage, OutboxStatus
from dsg.notifications.selectors import DeliveryState, delivery_state
from dsg.notifications.services import mail_queue, outbox_claim, outbox_send

from .smtp import free_port

pytestmark = pytest.mark.django_db


def _queue(to: list[str], *, kind: str = "enrollment.submit", subject: str = "申請") -> None:
    with transaction.atomic():
        mail_queue(
            to=to,
            about="DSG-2026-0001",
            subject=subject,
            lines=[_("a notice was issued")],
            link="/enrollments/1/",
            kind=kind,
        )


def test_every_mail_is_in_the_inbox_of_each_of_its_people(psa, reviewer):
    _queue([psa.email, reviewer.email])
    assert Notification.objects.filter(user=psa).count() == 1
    assert Notification.objects.filter(user=reviewer).count() == 1
    assert Notification.objects.get(user=psa).read_at is None


def test_the_inbox_shows_only_the_person_own_mail_and_opening_one_reads_it(client, psa, reviewer):
    _queue([psa.email], subject="PSAへの件名")
    _queue([reviewer.email], subject="審査担当への件名")
    client.force_login(psa)
    page = client.get("/notifications/").content.decode()
    assert "PSAへの件名" in page and "審査担当への件名" not in page
    assert 'data-read="no"' in page and 'data-unread="1"' in page  # the header's count
    mine = Notification.objects.get(user=psa)
    theirs = Notification.objects.get(user=reviewer)
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/").status_code == 404
    detail = client.get(f"/notifications/{mine.pk}/")
    assert detail.status_code == 200
    assert "通知書が発行されました" in detail.content.decode()  # Japanese
    assert "http://" in detail.content.decode()
    mine.refresh_from_db()
    assert mine.read_at is not None
    page = client.get("/notifications/").content.decode()
    assert 'data-read="yes"' in page and "data-unread" not in page
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # and back to unread, then all read at once
    assert client.post(f"/notifications/{mine.pk}/").status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is None
    assert client.post("/notifications/read-all/").status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_the_header_count_costs_one_query(client, psa):
    for n in range(3):
        _queue([psa.email], subject=f"件名{n}")
    client.force_login(psa)
    client.get("/sites/")  # warm what a first page loads once
    from dsg.notifications.inbox_views import inbox_context

    request = client.get("/sites/").wsgi_request
    with CaptureQueriesContext(connection) as queries:
        context = inbox_context(request)
        assert str(context["inbox_unread"]) == "3"
        assert bool(context["inbox_unread"])
    assert len(queries) == 1


def test_the_inbox_page_costs_the_same_whatever_the_mails(client, psa):
    client.force_login(psa)
    _queue([psa.email])
    client.get("/notifications/")
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    for n in range(10):
        _queue([psa.email], subject=f"件名{n}")
    with CaptureQueriesContext(connection) as many:
        client.get("/notifications/")
    assert len(many) == len(few)


def test_each_mail_shows_its_delivery_state(settings, smtp, psa):
    _queue([psa.email])
    notification = Notification.objects.get(user=psa)
    assert delivery_state(notification) == DeliveryState.QUEUED
    settings.EMAIL_PORT = free_port()  # nobody listens: the attempt fails and is retried
    claim = outbox_claim()
    assert claim is not None
    assert not outbox_send(claim)
    notification = Notification.objects.select_related("message").get(pk=notification.pk)
    assert delivery_state(notification) == DeliveryState.RETRIED
    OutboxMessage.objects.update(next_attempt_at=notification.message.created_at)
    settings.EMAIL_PORT = smtp.port
    claim = outbox_claim()
    assert claim is not None and outbox_send(claim)
    notification = Notification.objects.select_related("message").get(pk=notification.pk)
    assert delivery_state(notification) == DeliveryState.SENT
    OutboxMessage.objects.update(status=OutboxStatus.FAILED)
    notification = Notification.objects.select_related("message").get(pk=notification.pk)
    assert delivery_state(notification) == DeliveryState.FAILED


def test_the_kinds_fall_in_their_categories():
    assert category_of("annual.reminder.due_soon") == MailCategory.REMINDER
    assert category_of("inspection.reminder") == MailCategory.REMINDER
    assert category_of("inspection.overdue") == MailCategory.REMINDER
    assert category_of("account.password_reset_key") == MailCategory.ACCOUNT
    assert category_of("account_delivery.create") == MailCategory.ACCOUNT
    assert category_of("mfa.changed") == MailCategory.ACCOUNT
    assert category_of("catalogue.publish") == MailCategory.INFORMATION
    assert category_of("enrollment.return_application") == MailCategory.ACTION
    assert category_of("notice.issued") == MailCategory.ACTION
    assert not is_optional("enrollment.submit") and is_optional("annual.reminder.overdue")


def test_an_optional_mail_turned_off_reaches_the_inbox_only(psa, delegate):
    with transaction.atomic():
        mail_opt_outs_set(user_id=psa.pk, off=[MailCategory.REMINDER])
    _queue([psa.email, delegate.email], kind="annual.reminder.overdue")
    [message] = OutboxMessage.objects.all()
    assert message.recipients == [delegate.email]
    assert Notification.objects.get(user=psa).mailed is False
    assert delivery_state(Notification.objects.get(user=psa)) == DeliveryState.NOT_MAILED
    # a required one still goes out
    _queue([psa.email], kind="enrollment.return_application")
    assert OutboxMessage.objects.latest("pk").recipients == [psa.email]
    # nobody left to mail: kept for the inboxes, never sent
    _queue([psa.email], kind="inspection.reminder")
    skipped = OutboxMessage.objects.latest("pk")
    assert skipped.status == OutboxStatus.SKIPPED and skipped.recipients == []
    assert outbox_claim() is not None  # the others are due …
    assert not OutboxMessage.objects.filter(pk=skipped.pk).exclude(status="skipped").exists()


def test_a_required_mail_cannot_be_turned_off(psa):
    with pytest.raises(RuleViolation), transaction.atomic():
        mail_opt_outs_set(user_id=psa.pk, off=[MailCategory.ACTION])
    assert not psa.mail_opt_outs.exists()


def test_the_settings_page_sets_the_language_and_the_optional_mails(client, psa):
    client.force_login(psa)
    page = client.get("/account/settings/").content.decode()
    assert 'value="reminder"' in page and 'value="action"' not in page  # required: no box
    response = client.post("/account/settings/", {"language": "en", "receive": ["information"]})
    assert response.status_code == 302
    psa.refresh_from_db()
    assert psa.language == "en"
    assert set(psa.mail_opt_outs.values_list("category", flat=True)) == {"reminder"}
    event = AuditEvent.objects.filter(action="user.preferences").latest("sequence")
    assert event.after == {"language": "en", "mail_off": ["reminder"]}
    _queue([psa.email], kind="enrollment.submit")
    assert OutboxMessage.objects.latest("pk").language == "en"
    # a language the portal does not speak changes nothing
    assert client.post("/account/settings/", {"language": "fr"}).status_code == 200
    psa.refresh_from_db()
    assert psa.language == "en"


def test_the_api_lists_only_the_caller_s_notifications_and_marks_them_read(client, psa, reviewer):
    _queue([psa.email], subject="PSAへの件名")
    _queue([reviewer.email], subject="審査担当への件名")
    client.force_login(psa)
    listed = client.get("/api/v1/notifications").json()
    assert listed["count"] == 1
    [item] = listed["items"]
    assert item["subject"].endswith("PSAへの件名") and item["read_at"] is None
    assert item["delivery"] == "queued" and item["language"] == "ja" and "http" in item["body"]
    theirs = Notification.objects.get(user=reviewer)
    refused = client.post(
        "/api/v1/notifications/read",
        {"notification_id": theirs.pk},
        content_type="application/json",
    )
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None
    done = client.post(
        "/api/v1/notifications/read",
        {"notification_id": item["id"]},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json() == {"unread": 0}
    assert client.get("/api/v1/notifications?unread=true").json()["count"] == 0
    _queue([psa.email], subject="もう一通")
    assert client.post(
        "/api/v1/notifications/read", {}, content_type="application/json"
    ).json() == {"unread": 0}


def test_the_header_count_kept_counts_as_the_query_built_anew(psa, reviewer, monkeypatch):
    """``inbox_unread_count`` runs a count kept compiled (#14): for each person it answers what
    the query built anew answers — as mails arrive, are read, made unread, read all at once —
    another person's mails never counted; building it reads no row."""
    from dsg.notifications import selectors

    from ..kept_builds import Builds

    builds = Builds()
    monkeypatch.setattr(selectors, "_UNREAD", builds.cache())
    people = [psa, reviewer]

    def assert_counts() -> None:
        for person in people:
            fresh = Notification.objects.filter(user=person, read_at__isnull=True).count()
            assert selectors.inbox_unread_count(user_id=person.pk) == fresh

    assert_counts()
    _queue([psa.email], subject="一通目")
    _queue([psa.email, reviewer.email], subject="二通目")
    assert_counts()
    assert selectors.inbox_unread_count(user_id=psa.pk) == 2
    assert selectors.inbox_unread_count(user_id=reviewer.pk) == 1
    first = Notification.objects.filter(user=psa).order_by("pk").first()
    assert first is not None
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    assert_counts()
    assert selectors.inbox_unread_count(user_id=psa.pk) == 1
    Notification.objects.filter(user=psa).update(read_at=timezone.now())
    assert_counts()
    assert selectors.inbox_unread_count(user_id=psa.pk) == 0
    assert selectors.inbox_unread_count(user_id=reviewer.pk) == 1
    assert selectors.inbox_unread_count(user_id=10**9) == 0  # no such person
    assert builds.keys == ["unread"]  # built once, for everyone
