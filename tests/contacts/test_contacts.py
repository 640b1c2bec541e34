"""§6 お問い合わせ先: a public page with the office's contact as the guideline gives it and the
provider's helpdesk, linked from every page's footer; only the office (its reviewer) changes them,
every change in the ledger, bad input refused with a message."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.contacts import services
from dsg.contacts.models import Contact
from dsg.core.errors import RuleViolation
from dsg.orgs.models import Role

from ..factories import UserFactory

GUIDELINE = {
    "name": "防衛装備庁長官官房総務官付情報システム管理室",
    "phone": "03-3268-3111（内線 32503、32505）",  # 電話番号 as printed in 加入要領 6
    "email": "dsg-atla@atla.mod.go.jp",
}
FOOTER_LINK = 'href="/contacts/" data-link="contacts"'


def client_of(user=None, language: str | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def office_form(**changes: str) -> dict[str, str]:
    """The office's contact as the edit form posts it, with ``changes``."""
    values = {
        "name": GUIDELINE["name"],
        "phone": "03-3268-3111",
        "extensions": "32503、32505",
        "email": GUIDELINE["email"],
        "hours": "",
        "note": "",
        **changes,
    }
    return {"party": "office", **{f"office-{key}": value for key, value in values.items()}}


# --- the page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_gives_the_office_contact_exactly_as_the_guideline_does():
    html = client_of().get("/contacts/").content.decode()
    for value in GUIDELINE.values():
        assert value in html
    assert 'href="tel:+81-3-3268-3111"' in html
    assert f'href="mailto:{GUIDELINE["email"]}"' in html
    assert "サービス提供事業者が提示する連絡先又は以下の連絡先にお願いします" in html  # §6
    assert "サービス提供事業者 ヘルプデスク" in html


@pytest.mark.django_db
def test_the_seeded_contacts_are_the_guideline_values():
    office = Contact.objects.get(party="office")
    assert (office.name, office.phone_display, office.email) == tuple(GUIDELINE.values())
    assert not Contact.objects.get(party="provider").reachable  # the provider gives its own


@pytest.mark.django_db
def test_the_page_is_public_and_anyone_logged_in_reads_it(everyone):
    anonymous = client_of().get("/contacts/")
    assert anonymous.status_code == 200 and GUIDELINE["email"] in anonymous.content.decode()
    for role, person in everyone.items():
        page = client_of(person).get("/contacts/")
        assert page.status_code == 200, role
        html = page.content.decode()
        assert GUIDELINE["email"] in html
        assert ("/contacts/edit/" in html) == (role == "reviewer"), role


@pytest.mark.django_db
def test_the_page_shows_the_helpdesk_once_the_office_gives_it(reviewer):
    services.contact_update(
        actor=reviewer,
        party="provider",
        data={
            "name": "DSGヘルプデスク",
            "phone": "0120-123-456",
            "email": "helpdesk@provider.example.jp",
            "hours": "平日 9:00〜17:00",
        },
    )
    html = client_of(language="en").get("/contacts/").content.decode()
    assert "DSGヘルプデスク" in html and "0120-123-456" in html
    assert "helpdesk@provider.example.jp" in html and "平日 9:00〜17:00" in html
    assert "Not given yet" not in html


# --- the footer link on every page -------------------------------------------------------------


def _pages_without_parameters() -> list[str]:
    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if route.startswith(("admin/", "i18n/", "api/")) or "<" in route:
                continue
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                yield "/" + route

    return list(walk(get_resolver().url_patterns))


@pytest.mark.django_db
def test_every_page_links_the_contacts_in_its_footer(everyone, site):
    checked = 0
    for person in (None, everyone["psa"], everyone["reviewer"], everyone["provider_staff"]):
        client = client_of(person)
        for url in [*_pages_without_parameters(), f"/sites/{site.pk}/", "/no-such-page/"]:
            response = client.get(url)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            if response.status_code in (301, 302, 303, 405):
                continue
            assert FOOTER_LINK in response.content.decode(), (url, person)
            checked += 1
    assert checked >= 20


# --- only the office edits ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["psa", "delegate", "user", "inspector", "provider_staff"])
def test_only_the_office_reviewer_may_change_the_contacts(everyone, role):
    person = everyone[role]
    client = client_of(person)
    assert client.get("/contacts/edit/").status_code == 403
    assert client.post("/contacts/edit/", office_form(phone="03-0000-0000")).status_code == 403
    with pytest.raises(RuleViolation) as refusal:
        services.contact_update(actor=person, party="office", data={"name": "x", "email": "a@b.jp"})
    assert refusal.value.status == 403
    assert Contact.objects.get(party="office").phone == "03-3268-3111"
    assert not AuditEvent.objects.filter(action="contact.update").exists()


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in_to_change_them():
    response = client_of().get("/contacts/edit/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_office_changes_a_contact_and_the_ledger_records_it(reviewer):
    client = client_of(reviewer, language="en")
    assert client.get("/contacts/edit/").status_code == 200
    response = client.post(
        "/contacts/edit/", office_form(phone="０３－３２６８－３１１２", extensions="32503, 32506")
    )
    assert response.status_code == 302 and response["Location"] == "/contacts/edit/"
    office = Contact.objects.get(party="office")
    assert office.phone_display == "03-3268-3112（内線 32503、32506）"  # normalised as shown
    assert office.updated_by == reviewer
    event = AuditEvent.objects.get(action="contact.update")
    assert event.actor_id == reviewer.pk and event.object_id == str(office.pk)
    assert event.before == {
        "party": "office",
        "phone": "03-3268-3111",
        "extensions": "32503、32505",
    }
    assert event.after == {"party": "office", "phone": "03-3268-3112", "extensions": "32503、32506"}
    assert audit_verify().ok
    assert "03-3268-3112（内線 32503、32506）" in client_of().get("/contacts/").content.decode()


@pytest.mark.django_db
def test_saving_what_is_there_records_nothing(reviewer):
    response = client_of(reviewer).post("/contacts/edit/", office_form())
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="contact.update").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"phone": "3268-3111"}, "Enter a telephone number with its hyphens"),
        ({"phone": "03-3268-31111"}, "Enter a telephone number with its hyphens"),
        ({"email": "dsg-atla(at)atla.mod.go.jp"}, "Enter a valid email address"),
        ({"name": "   "}, "This field is required"),
        ({"phone": "", "extensions": "", "email": ""}, "a contact must be reachable"),
        ({"extensions": "内線32503"}, "Enter extension numbers separated by"),
        ({"phone": "", "extensions": "32503"}, "Extensions need the telephone number"),
        ({"note": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(reviewer, changes, message):
    response = client_of(reviewer, language="en").post("/contacts/edit/", office_form(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    office = Contact.objects.get(party="office")
    assert (office.name, office.phone_display, office.email) == tuple(GUIDELINE.values())
    assert not AuditEvent.objects.filter(action="contact.update").exists()


@pytest.mark.django_db
def test_a_refusal_is_in_japanese_by_default(reviewer):
    response = client_of(reviewer).post("/contacts/edit/", office_form(email="not-an-address"))
    assert response.status_code == 200
    assert "Enter a valid email address" not in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_party_is_refused(reviewer):
    with pytest.raises(RuleViolation) as refusal:
        services.contact_update(
            actor=reviewer, party="nobody", data={"name": "x", "email": "a@example.jp"}
        )
    assert refusal.value.status == 422 and refusal.value.field == "party"


@pytest.mark.django_db
def test_another_office_role_is_not_the_reviewer(office):
    inspector = UserFactory(organization=office, role=Role.INSPECTOR)
    assert client_of(inspector).get("/contacts/edit/").status_code == 403
