"""Told in their language, mailed what they chose (#12): the header's language switch saves a
signed-in person's language (their mail follows it); the office decides which mails are
required on its page; 個人設定 turns off the optional ones only."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dsg.audit.models import AuditEvent
from dsg.notifications.models import MailOptOut, OutboxMessage
from dsg.notifications.services import mail_queue
from dsg.orgs.services import mail_categories_required_set

pytestmark = pytest.mark.django_db


def _mail(person) -> OutboxMessage:
    with transaction.atomic():
        [message] = mail_queue(
            to=[person.email],
            about="DSG-2026-0001",
            subject=_("a notice was issued"),
            lines=[_("a notice was issued")],
            link="/",
            kind="enrollment.submit",
        )
    return message


def test_the_header_switch_saves_a_signed_in_person_s_language(client, psa):
    client.force_login(psa)
    assert 'action="/i18n/switch/"' in client.get("/").content.decode()
    response = client.post("/i18n/switch/", {"language": "en", "next": "/sites/"})
    assert response.status_code == 302 and response["Location"] == "/sites/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    psa.refresh_from_db()
    assert psa.language == "en"
    event = AuditEvent.objects.get(action="user.preferences")
    assert event.before == {"language": "ja"} and event.after == {"language": "en"}
    message = _mail(psa)
    assert message.language == "en" and "a notice was issued" in message.body
    client.post("/i18n/switch/", {"language": "ja", "next": "/"})
    psa.refresh_from_db()
    assert psa.language == "ja"
    assert "通知書が発行されました" in _mail(psa).body


def test_the_login_brings_the_person_s_own_language_to_the_pages(client, company_user):
    """Chosen once (個人設定, or the switch while signed in), the language follows the person to
    every browser they log in from: the login's answer sets the cookie the switch sets."""
    from ..factories import PASSWORD

    company_user.language = "en"
    company_user.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"  # the browser last showed Japanese
    response = client.post("/accounts/login/", {"login": company_user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get("/").content.decode()


def test_for_a_visitor_the_switch_stays_the_cookie(client, psa):
    response = client.post("/i18n/switch/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Log in" in client.get("/accounts/login/").content.decode()
    psa.refresh_from_db()
    assert psa.language == "ja" and not AuditEvent.objects.filter(action="user.preferences")


def test_a_language_the_portal_does_not_speak_changes_nothing(client, psa):
    client.force_login(psa)
    response = client.post("/i18n/switch/", {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    psa.refresh_from_db()
    assert psa.language == "ja" and not AuditEvent.objects.filter(action="user.preferences")
    assert client.get("/i18n/switch/").status_code == 405


def test_the_settings_page_switches_the_pages_too(client, psa):
    client.force_login(psa)
    response = client.post("/account/settings/", {"language": "en", "receive": ["reminder"]})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Your settings" in client.get("/account/settings/").content.decode()


def test_the_office_page_marks_categories_required(client, reviewer, psa):
    MailOptOut.objects.create(user=psa, category="reminder")
    client.force_login(reviewer)
    page = client.get("/office/mail/categories/").content.decode()
    assert 'value="action"' in page and 'value="reminder"' in page
    assert 'value="account"' not in page  # always required: not the office's to choose
    assert 'data-link="mail-categories"' in client.get("/").content.decode()  # in its menu
    response = client.post("/office/mail/categories/", {"required": ["action", "reminder"]})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="mail.required").count() == 1
    assert not MailOptOut.objects.exists()  # the PSA receives the reminders again
    refused = client.post("/office/mail/categories/", {"required": ["newsletter"]})
    assert refused.status_code == 200 and 'class="field__error"' in refused.content.decode()
    # the PSA's settings no longer offer the reminders to turn off: required, listed as such
    client.force_login(psa)
    settings_page = client.get("/account/settings/").content.decode()
    assert 'value="reminder"' not in settings_page and 'value="information"' in settings_page
    assert "期限のお知らせ（リマインダー）" in settings_page.split("data-required")[1]


@pytest.mark.parametrize("role", ["psa", "delegate", "company_user", "inspector", "provider_staff"])
def test_only_the_office_s_administrator_opens_the_page(client, request, role):
    person = request.getfixturevalue(role)
    client.force_login(person)
    assert client.get("/office/mail/categories/").status_code == 403
    response = client.post("/office/mail/categories/", {"required": ["action", "reminder"]})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="mail.required").exists()


def test_a_category_made_required_after_the_page_was_drawn_is_refused_clearly(
    client, psa, reviewer
):
    client.force_login(psa)
    client.get("/account/settings/")  # drawn with the reminders optional
    mail_categories_required_set(actor=reviewer, required=["action", "reminder"])
    response = client.post("/account/settings/", {"language": "ja", "receive": []})
    # the form now offers only "information": "reminder" is no longer a choice to turn off
    assert response.status_code == 302
    assert set(MailOptOut.objects.values_list("category", flat=True)) == {"information"}


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def test_the_settings_pages_take_the_same_queries_however_many_people_and_choices(
    client, psa, reviewer, company
):
    from ..factories import UserFactory

    pages = {psa: ["/account/settings/", "/api/v1/me/preferences"]}
    pages[reviewer] = ["/office/mail/categories/"]
    before = {}
    for person, urls in pages.items():
        client.force_login(person)
        before.update({(person.pk, url): _queries(client, url) for url in urls})
    for other in UserFactory.create_batch(4, organization=company):
        MailOptOut.objects.create(user=other, category="reminder")
    MailOptOut.objects.create(user=psa, category="information")
    mail_categories_required_set(actor=reviewer, required=["action"])  # every rule stored
    for person, urls in pages.items():
        client.force_login(person)
        for url in urls:
            assert _queries(client, url) == before[(person.pk, url)], url
