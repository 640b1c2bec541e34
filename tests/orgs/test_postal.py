"""郵便番号 and 都道府県 of a site or an organisation: what is typed (全角, 〒, ー) is normalised on
every way in, an empty prefecture is filled from the postal code (Japan Post's data), a mismatch
is refused naming both; the lookup behind the page's postal.js is logged-in only."""

from __future__ import annotations

import pytest
from django.test import Client

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.orgs.forms import OrganizationForm, SiteAdminForm, SiteForm
from dsg.orgs.models import Organization, Site
from dsg.orgs.services import site_create

pytestmark = pytest.mark.django_db

LOOKUP = "/postal-codes/"
DATA = {
    "name": "市ヶ谷事業所",
    "postal_code": "162-0845",
    "prefecture": "13",
    "address": "新宿区市谷本村町5-1",
    "facility": "",
}
MISMATCH_JA = "郵便番号 100-0001 は東京都の番号です。都道府県（神奈川県）と一致しません。"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def unchanged() -> tuple[int, int]:
    return Site.objects.count(), AuditEvent.objects.count()


# The lookup (GET /postal-codes/?code=) ------------------------------------------------------------


def test_the_lookup_answers_prefecture_city_and_town_of_a_code_typed_any_way(psa):
    for typed in ("〒162‐0845", "１６２－０８４５", "1620845"):
        response = logged_in(psa).get(LOOKUP, {"code": typed})
        assert response.status_code == 200
        assert response.json() == {
            "found": True,
            "postal_code": "162-0845",
            "prefecture": "13",
            "prefectures": ["13"],
            "city": "新宿区",
            "town": "市谷本村町",
            "message": "東京都新宿区市谷本村町",
        }


def test_the_lookup_says_when_the_data_does_not_know_a_code(psa):
    response = logged_in(psa).get(LOOKUP, {"code": "162-8870"}, headers={"Accept-Language": "ja"})
    assert response.status_code == 200
    body = response.json()
    assert (body["found"], body["postal_code"]) == (False, "162-8870")
    assert "日本郵便" in body["message"]


@pytest.mark.parametrize("code", ["", "162-087", "abc", "1" * 5000, "<script>", "162-0845\x00"])
def test_the_lookup_refuses_what_is_not_a_postal_code(psa, code):
    response = logged_in(psa).get(LOOKUP, {"code": code})
    assert response.status_code == 400
    assert response.json()["code"] == "postal_code_format"
    assert response.json()["detail"]


def test_the_lookup_is_for_logged_in_people_only_and_only_reads(psa):
    anonymous = Client().get(LOOKUP, {"code": "100-0001"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert logged_in(psa).post(LOOKUP, {"code": "100-0001"}).status_code == 405


@pytest.mark.parametrize("key", ["psa", "delegate", "user", "reviewer", "inspector"])
def test_every_logged_in_role_may_look_up_a_postal_code(everyone, key):
    # provider_staff too: it is public reference data, not a company's.
    response = logged_in(everyone[key]).get(LOOKUP, {"code": "100-0001"})
    assert response.status_code == 200 and response.json()["prefecture"] == "13"


# The site: service, page (without JavaScript), API ------------------------------------------------


def test_a_full_width_postal_code_is_stored_normalised(psa):
    site = site_create(actor=psa, data={**DATA, "postal_code": "〒１６２－０８４５"})
    site.refresh_from_db()
    assert site.postal_code == "162-0845"


def test_an_empty_prefecture_is_filled_from_the_postal_code(psa):
    site = site_create(actor=psa, data={**DATA, "prefecture": ""})
    assert site.prefecture == "13"


def test_a_postal_code_of_another_prefecture_is_refused_naming_both(psa):
    before = unchanged()
    with pytest.raises(RuleViolation) as refusal:
        site_create(actor=psa, data={**DATA, "postal_code": "100-0001", "prefecture": "14"})
    assert (refusal.value.status, refusal.value.field) == (422, "postal_code")
    assert "100-0001" in str(refusal.value.message) and "神奈川県" in str(refusal.value.message)
    assert unchanged() == before


def test_a_postal_code_unknown_to_the_data_is_accepted_as_given(psa):
    """A large office's own code (事業所個別番号) may be missing, as may a code newer than the
    package: the format is checked, the prefecture is kept (and not filled)."""
    site = site_create(actor=psa, data={**DATA, "postal_code": "162-8870", "prefecture": "13"})
    assert (site.postal_code, site.prefecture) == ("162-8870", "13")


@pytest.mark.parametrize("postal_code", ["1" * 10_000, "162-0845<script>", "１６２－０８４"])
def test_malicious_or_oversized_postal_codes_are_refused_and_nothing_changes(psa, postal_code):
    before = unchanged()
    with pytest.raises(RuleViolation) as refusal:
        site_create(actor=psa, data={**DATA, "postal_code": postal_code})
    assert (refusal.value.status, refusal.value.field) == (422, "postal_code")
    assert str(refusal.value.message)
    assert unchanged() == before


def test_the_site_page_fills_the_prefecture_without_javascript(psa):
    client = logged_in(psa)
    response = client.post(
        "/sites/new/", {**DATA, "postal_code": "〒１６２‐０８４５", "prefecture": ""}
    )
    assert response.status_code == 302
    site = Site.objects.get(name=DATA["name"])
    assert (site.postal_code, site.prefecture) == ("162-0845", "13")


def test_the_site_page_refuses_a_mismatch_next_to_the_postal_code(psa):
    before = unchanged()
    client = logged_in(psa)
    response = client.post(
        "/sites/new/",
        {**DATA, "postal_code": "１００－０００１", "prefecture": "14"},
        headers={"Accept-Language": "ja"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert MISMATCH_JA in page
    assert unchanged() == before


def test_the_site_page_refuses_an_empty_prefecture_the_code_cannot_fill(psa):
    before = unchanged()
    response = logged_in(psa).post(
        "/sites/new/", {**DATA, "postal_code": "162-8870", "prefecture": ""}
    )
    assert response.status_code == 200
    assert "field--error" in response.content.decode()
    assert unchanged() == before


def test_the_site_page_wires_the_postal_code_to_the_script(psa):
    page = logged_in(psa).get("/sites/new/").content.decode()
    assert 'data-postal-lookup="/postal-codes/"' in page
    assert 'data-postal-prefecture="id_prefecture"' in page
    assert 'data-postal-address="id_address"' in page
    assert 'src="/static/dsg/postal.js"' in page
    assert "<script>" not in page  # no inline script: the CSP allows none
    assert "空欄の場合は、郵便番号から入力されます。" in page  # under the prefecture


def test_the_site_api_normalises_fills_and_refuses_a_mismatch(psa):
    client = logged_in(psa)
    created = client.post(
        "/api/v1/sites",
        {"name": "API拠点", "postal_code": "〒１６２－０８４５", "address": "新宿区"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert (created.json()["postal_code"], created.json()["prefecture"]) == ("162-0845", "13")
    before = unchanged()
    refused = client.post(
        "/api/v1/sites",
        {"name": "API拠点2", "postal_code": "100-0001", "prefecture": "14", "address": "x"},
        content_type="application/json",
        headers={"Accept-Language": "ja"},
    )
    assert refused.status_code == 422
    assert (refused.json()["field"], refused.json()["detail"]) == ("postal_code", MISMATCH_JA)
    oversized = client.post(
        "/api/v1/sites",
        {"name": "API拠点3", "postal_code": "1" * 5000, "prefecture": "13", "address": "x"},
        content_type="application/json",
    )
    assert oversized.status_code == 422
    assert unchanged() == before


# The operators' forms (admin) ---------------------------------------------------------------------


def test_the_organisation_form_normalises_the_corporate_number_and_the_postal_code():
    form = OrganizationForm(
        data={
            "kind": "company",
            "name": "全角工業株式会社",
            "corporate_number": "７００００１２０５０００２",
            "postal_code": "〒１００－０００１",
            "prefecture": "",
            "address": "千代田区千代田1-1",
        }
    )
    assert form.is_valid(), form.errors
    company = form.save()
    assert (company.corporate_number, company.postal_code, company.prefecture) == (
        "7000012050002",
        "100-0001",
        "13",
    )


def test_the_organisation_form_refuses_a_wrong_check_digit_and_a_mismatch():
    form = OrganizationForm(
        data={
            "kind": "company",
            "name": "誤り工業",
            "corporate_number": "１２３４５６７８９０１２３",
            "postal_code": "100-0001",
            "prefecture": "14",
            "address": "x",
        }
    )
    assert not form.is_valid()
    assert set(form.errors) == {"corporate_number", "postal_code"}
    assert not Organization.objects.filter(name="誤り工業").exists()


def test_the_admin_site_form_notes_a_stored_code_the_data_does_not_know(site, company):
    assert site.postal_code == "162-8870"  # the factory's: not in Japan Post's data
    form = SiteAdminForm(instance=site)
    assert "162-8870" in str(form.fields["postal_code"].help_text)
    form = SiteAdminForm(
        data={**DATA, "company": company.pk, "postal_code": "100-0001", "prefecture": "14"}
    )
    assert not form.is_valid() and "postal_code" in form.errors


def test_the_page_form_takes_what_is_typed_before_it_is_normalised():
    form = SiteForm()
    assert form.fields["postal_code"].widget.attrs["maxlength"] == "64"
