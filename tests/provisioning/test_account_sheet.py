"""What the provider reads of the 加入申請書: the accepted version's account holders, its PSA and
its contacts, to create the accounts (⑥) — through one page and one API operation, and no other
part of the application through any page or API."""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from dsg.enrollment.models import ApplicationVersion, State
from dsg.enrollment.services import application_update
from dsg.provisioning import selectors

from ..walk import new_case, walk_to

pytestmark = pytest.mark.django_db

# A value in every part that is not the provider's to read: none may reach its pages or answers.
NOT_FOR_THE_PROVIDER = {
    "facility_description": "秘匿区画Q-17の入退室管理",
    "track_record": "契約番号ZX-9981の部品製造",
    "contract_name": "特定装備品X契約",
    "schedule_request": "第3四半期に実施希望(機微)",
    "terminal_models": "端末型式TM-PRIVATE",
}
HOLDERS = [
    {"name": "管理 一郎", "department": "情報部", "email": "ichiro@example.jp"},
    {"name": "指定 花子", "department": "設計部", "email": "hanako@example.jp"},
]
CONTACT = {"name": "連絡 次郎", "department": "総務部", "phone": "03-1234-5678", "email": "j@x.jp"}


@pytest.fixture
def case(site, cast):
    case = new_case(site, cast)
    application_update(
        enrollment=case,
        actor=cast.psa,
        data={**NOT_FOR_THE_PROVIDER, "account_holders": HOLDERS, "contacts": [CONTACT]},
    )
    return walk_to(case, State.TERMINAL_SETUP, cast)


def _text(response) -> str:
    """What an answer says, JSON with its Japanese unescaped."""
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode(errors="replace")


def _routes(patterns, prefix: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield entry.name or "", route


def _application_pages(case, version) -> list[str]:
    """Every page and API operation of the application, from the URL conf (a new part's page
    or operation is checked too)."""
    urls = []
    for name, route in _routes(get_resolver().url_patterns):
        if name.startswith("application_") or name == "review_comment_add":
            for param, value in (("enrollment_id", case.pk), ("version_id", version.pk)):
                route = route.replace(f"<int:{param}>", str(value))
                route = route.replace(f"<{param}>", str(value))
            urls.append("/" + route)
    return urls


def test_the_provider_reads_the_account_holders_and_contacts_of_the_accepted_version(
    client, case, cast
):
    client.force_login(cast.staff)
    page = client.get(f"/enrollments/{case.pk}/account-sheet/")
    assert page.status_code == 200
    text = page.content.decode()
    for holder in HOLDERS:
        assert f'data-sheet-holder="{holder["email"]}"' in text and holder["department"] in text
    assert CONTACT["phone"] in text and cast.psa.email in text
    api = client.get(f"/api/v1/enrollments/{case.pk}/account-sheet")
    assert api.status_code == 200
    body = api.json()
    assert [h["email"] for h in body["account_holders"]] == [h["email"] for h in HOLDERS]
    assert body["contacts"][0]["phone"] == CONTACT["phone"] and body["version"] == 1
    assert set(body) == {
        "version",
        "receipt_number",
        "accepted_at",
        "psa",
        "contacts",
        "account_holders",
    }
    for secret in NOT_FOR_THE_PROVIDER.values():
        assert secret not in text and secret not in _text(api)


def test_the_provider_reads_no_other_part_through_any_page_or_api(client, case, cast):
    version = ApplicationVersion.objects.get(application__enrollment=case)
    client.force_login(cast.staff)
    pages = _application_pages(case, version)
    assert len(pages) >= 10  # overview, each part, confirm, versions, compare, export ...
    answers = [(url, client.get(url)) for url in pages]
    answers += [(url, client.post(url)) for url in pages if "import" in url or "upload" in url]
    api = [
        f"/api/v1/enrollments/{case.pk}/application",
        f"/api/v1/enrollments/{case.pk}/application/versions",
        f"/api/v1/enrollments/{case.pk}/application/export",
        f"/api/v1/application-versions/{version.pk}",
    ]
    answers += [(url, client.get(url)) for url in api]
    for url, response in answers:
        assert response.status_code in (403, 404, 405), (url, response.status_code)
        for secret in NOT_FOR_THE_PROVIDER.values():
            assert secret not in _text(response), url
    detail = client.get(f"/api/v1/enrollments/{case.pk}")
    assert detail.status_code == 200 and detail.json()["application"] is None
    case_page = client.get(f"/enrollments/{case.pk}/").content.decode()
    for secret in NOT_FOR_THE_PROVIDER.values():
        assert secret not in case_page and secret not in _text(detail)
    # Control: the office reads them on the same pages.
    client.force_login(cast.reviewer)
    assert NOT_FOR_THE_PROVIDER["track_record"] in _text(client.get(api[0]))


def test_the_sheet_is_only_the_accepted_version_and_only_for_who_may_read_it(
    client, site, cast, everyone
):
    submitted = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    sheet = selectors.account_sheet_for(user=cast.reviewer, enrollment=submitted)
    assert (sheet.version, sheet.account_holders) == (None, [])  # nothing accepted yet
    client.force_login(cast.reviewer)
    page = client.get(f"/enrollments/{submitted.pk}/account-sheet/").content.decode()
    assert 'data-sheet="not-accepted"' in page
    assert client.get(f"/api/v1/enrollments/{submitted.pk}/account-sheet").json()["version"] is None
    for key, status in (("user", 403), ("other_psa", 404)):
        client.force_login(everyone[key])
        assert client.get(f"/enrollments/{submitted.pk}/account-sheet/").status_code == status, key


def test_the_provider_sees_the_sheet_only_of_its_cases(client, site, cast):
    at_inspection = walk_to(new_case(site, cast), State.INSPECTION, cast)
    client.force_login(cast.staff)
    assert client.get(f"/enrollments/{at_inspection.pk}/account-sheet/").status_code == 404
    assert client.get(f"/api/v1/enrollments/{at_inspection.pk}/account-sheet").status_code == 404


def _case_routes(case) -> list[str]:
    """Every page and API operation of one case (a route whose only parameter is the case's id),
    from the URL conf: a new one is checked too."""
    urls = []
    for _name, route in _routes(get_resolver().url_patterns):
        params = route.count("<")
        if params == 1 and "<int:enrollment_id>" in route:
            urls.append("/" + route.replace("<int:enrollment_id>", str(case.pk)))
    return urls


@pytest.mark.parametrize("state", [State.SURVEY, State.TERMINAL_SETUP])
def test_the_provider_sees_whom_to_call_and_nothing_else_of_the_application(
    client, site, cast, state
):
    """From ③ the case page gives the provider the accepted application's PSA and contacts —
    name, phone, mail (#12) — and no page or API answer of the case another part's value."""
    case = new_case(site, cast)
    application_update(
        enrollment=case,
        actor=cast.psa,
        data={**NOT_FOR_THE_PROVIDER, "account_holders": HOLDERS, "contacts": [CONTACT]},
    )
    case = walk_to(case, state, cast)
    application = case.application
    client.force_login(cast.staff)
    page = client.get(f"/enrollments/{case.pk}/").content.decode()
    contacts = page[page.index('data-sheet="case-contacts"') :]
    contacts = contacts[: contacts.index("</div>")]
    for value in (application.psa_name, application.psa_phone, application.psa_email):
        assert value and value in contacts
    for value in (CONTACT["name"], CONTACT["phone"], CONTACT["email"]):
        assert value in contacts
    assert f'href="tel:{CONTACT["phone"]}"' in contacts
    routes = _case_routes(case)
    assert len(routes) >= 15  # the case page, its schedule, ③–⑥'s pages, the API …
    for url in routes:
        response = client.get(url)
        for secret in NOT_FOR_THE_PROVIDER.values():
            assert secret not in _text(response), url
    # Control: the office reads one of them on the case page.
    client.force_login(cast.reviewer)
    assert (
        NOT_FOR_THE_PROVIDER["track_record"]
        in client.get(f"/enrollments/{case.pk}/").content.decode()
    )


def test_the_company_user_role_gets_no_contacts_box(client, site, cast, company_user):
    case = walk_to(new_case(site, cast), State.SURVEY, cast)
    client.force_login(company_user)
    response = client.get(f"/enrollments/{case.pk}/")
    assert response.status_code in (200, 404)
    assert 'data-sheet="case-contacts"' not in response.content.decode()
