"""Input the guideline's 加入申請書 would not accept, on every way in (service, part page, API,
Excel, submission): dates in the past; 法人番号, 郵便番号 and telephone numbers typed in 全角 with
〒 and ー (normalised, then validated, stored normalised); a 郵便番号 of another 都道府県."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from dsg.core.errors import RuleViolation
from dsg.enrollment.excel import SHEET, application_import, application_workbook
from dsg.enrollment.models import Application, ApplicationContact, State
from dsg.enrollment.parts import application_tasks
from dsg.enrollment.services import application_update

from ..walk import act, new_case, today
from .test_application_parts import refused, stored

pytestmark = pytest.mark.django_db

YESTERDAY = today() - dt.timedelta(days=1)
MISMATCH_JA = "郵便番号 100-0001 は東京都の番号です。都道府県（神奈川県）と一致しません。"
# 国税庁's 法人番号, typed in full width: a valid check digit once normalised.
FULL_WIDTH_CORPORATE_NUMBER = "７００００１２０５０００２"


def ja_client(user) -> Client:
    client = Client(headers={"Accept-Language": "ja"})
    client.force_login(user)
    return client


def application_of(enrollment) -> Application:
    return Application.objects.get(enrollment=enrollment)


def _workbook(enrollment, cells: dict[str, object]) -> bytes:
    """The application's exported workbook, with ``cells`` (by item key) filled in."""
    workbook = load_workbook(io.BytesIO(application_workbook(enrollment=enrollment)))
    for row in workbook[SHEET].iter_rows():
        if row[3].value in cells:
            row[2].value = cells[row[3].value]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# 利用開始希望日 and 契約締結の予定日 may not be in the past ------------------------------


@pytest.mark.parametrize(
    ("field", "name_ja"),
    [("desired_start", "利用開始希望日"), ("contract_expected_on", "契約締結の予定日")],
)
def test_a_past_date_is_refused_by_the_service_naming_the_field(site, cast, field, name_ja):
    enrollment = new_case(site, cast)
    with translation.override("ja"):
        refusal = refused(enrollment, cast.psa, {field: YESTERDAY})
        message = str(refusal.message)
    assert (refusal.status, refusal.code, refusal.field) == (422, "date_in_past", field)
    assert name_ja in message and YESTERDAY.isoformat() in message
    application_update(enrollment=enrollment, actor=cast.psa, data={field: today()})
    assert getattr(application_of(enrollment), field) == today()


def test_a_past_desired_start_is_refused_on_the_part_page(site, cast):
    enrollment = new_case(site, cast)
    before = stored(enrollment)
    response = ja_client(cast.psa).post(
        f"/enrollments/{enrollment.pk}/application/schedule/",
        {"desired_start": YESTERDAY.isoformat(), "contract_name": "契約"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "field--error" in page and "利用開始希望日" in page and "過去" in page
    assert stored(enrollment) == before


def test_the_date_inputs_of_the_schedule_part_start_today(site, cast):
    enrollment = new_case(site, cast)
    page = ja_client(cast.psa).get(f"/enrollments/{enrollment.pk}/application/schedule/")
    html = page.content.decode()
    assert html.count(f'min="{today().isoformat()}"') == 2


def test_a_past_desired_start_is_refused_by_the_api(site, cast):
    enrollment = new_case(site, cast)
    before = stored(enrollment)
    response = ja_client(cast.psa).patch(
        f"/api/v1/enrollments/{enrollment.pk}/application",
        {"desired_start": YESTERDAY.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == ("date_in_past", "desired_start")
    assert "利用開始希望日" in body["detail"]
    assert stored(enrollment) == before


def test_a_past_desired_start_in_a_workbook_is_refused(site, cast):
    enrollment = new_case(site, cast)
    data = _workbook(enrollment, {"desired_start": dt.datetime.combine(YESTERDAY, dt.time())})
    before = stored(enrollment)
    with pytest.raises(RuleViolation) as refusal:
        application_import(enrollment=enrollment, actor=cast.psa, data=data)
    assert (refusal.value.code, refusal.value.field) == ("date_in_past", "desired_start")
    assert stored(enrollment) == before


@pytest.mark.parametrize(
    ("field", "name_ja"),
    [("desired_start", "利用開始希望日"), ("contract_expected_on", "契約締結の予定日")],
)
def test_a_draft_whose_date_has_since_passed_is_not_submitted(site, cast, field, name_ja):
    """Saved last month with a date that was then in the future: the submission names it."""
    enrollment = new_case(site, cast)
    Application.objects.filter(enrollment=enrollment).update(**{field: YESTERDAY})  # time passed
    schedule = {t.part.key: t for t in application_tasks(application_of(enrollment))}["schedule"]
    assert schedule.status == "incomplete" and field in schedule.missing_keys
    with translation.override("ja"), pytest.raises(RuleViolation) as refusal:
        act(enrollment, "submit", cast.psa)
    assert refusal.value.code == "application_incomplete"
    with translation.override("ja"):
        message = str(refusal.value.message)
    assert name_ja in message and YESTERDAY.isoformat() in message
    enrollment.refresh_from_db()
    assert enrollment.state == State.DRAFT
    # Another part can still be saved; the date itself is corrected on its part.
    application_update(enrollment=enrollment, actor=cast.psa, data={"terminal_models": "T2"})
    application_update(enrollment=enrollment, actor=cast.psa, data={field: today()})
    assert act(enrollment, "submit", cast.psa).state == State.SUBMITTED


def test_the_confirmation_page_names_the_passed_date(site, cast):
    enrollment = new_case(site, cast)
    Application.objects.filter(enrollment=enrollment).update(desired_start=YESTERDAY)
    client = ja_client(cast.psa)
    response = client.post(f"/enrollments/{enrollment.pk}/application/confirm/", follow=True)
    page = response.content.decode()
    assert "利用開始希望日" in page and YESTERDAY.isoformat() in page
    enrollment.refresh_from_db()
    assert enrollment.state == State.DRAFT


# 全角 digits, 〒 and ー: normalised on every way in, stored normalised -------------------------

TYPED = {
    "company_corporate_number": FULL_WIDTH_CORPORATE_NUMBER,
    "company_postal_code": "１００－０００１",
    "site_postal_code": "〒162‐0845",
    "psa_phone": "０３－３２６８－３１１１",
}
NORMALIZED = {
    "company_corporate_number": "7000012050002",
    "company_postal_code": "100-0001",
    "site_postal_code": "162-0845",
    "psa_phone": "03-3268-3111",
}


def assert_normalized(enrollment) -> None:
    application = application_of(enrollment)
    assert {name: getattr(application, name) for name in NORMALIZED} == NORMALIZED
    assert (application.company_prefecture, application.site_prefecture) == ("13", "13")


def test_the_service_stores_what_is_typed_normalised(site, cast):
    enrollment = new_case(site, cast, complete=False)
    contacts = [{"name": "連絡 一郎", "phone": "０９０ー１２３４ー５６７８", "email": "a@x.jp"}]
    application_update(enrollment=enrollment, actor=cast.psa, data={**TYPED, "contacts": contacts})
    assert_normalized(enrollment)
    contact = ApplicationContact.objects.get(application__enrollment=enrollment)
    assert contact.phone == "090-1234-5678"


def test_the_part_pages_store_what_is_typed_normalised(site, cast):
    enrollment = new_case(site, cast, complete=False)
    client = ja_client(cast.psa)
    base = f"/enrollments/{enrollment.pk}/application"
    application = application_of(enrollment)
    company = {
        "company_corporate_number": TYPED["company_corporate_number"],
        "company_name": application.company_name,
        "company_postal_code": TYPED["company_postal_code"],
        "company_prefecture": "13",
        "company_address": application.company_address,
    }
    site_part = {
        "site_name": application.site_name,
        "site_postal_code": TYPED["site_postal_code"],
        "site_prefecture": "13",
        "site_address": application.site_address,
        "facility_name": "3階",
    }
    contacts = {
        "psa_name": "保護 太郎",
        "psa_department": "情報管理部",
        "psa_phone": TYPED["psa_phone"],
        "psa_email": "hogo@test.example.jp",
        "contact-TOTAL_FORMS": "1",
        "contact-INITIAL_FORMS": "0",
        "contact-0-name": "連絡 花子",
        "contact-0-phone": "０３‐３２６８―３１１２",
        "contact-0-email": "hanako@test.example.jp",
    }
    for part, form in (("company", company), ("site", site_part), ("contacts", contacts)):
        response = client.post(f"{base}/{part}/", form)
        assert response.status_code == 302, (part, response.content.decode()[:3000])
    assert_normalized(enrollment)
    assert [c.phone for c in application_of(enrollment).contacts.all()] == ["03-3268-3112"]


def test_the_api_stores_what_is_typed_normalised(site, cast):
    enrollment = new_case(site, cast, complete=False)
    response = ja_client(cast.psa).patch(
        f"/api/v1/enrollments/{enrollment.pk}/application",
        {
            **TYPED,
            "contacts": [{"name": "連絡", "phone": "０３－３２６８－３１１１", "email": "c@x.jp"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert {name: body[name] for name in NORMALIZED} == NORMALIZED
    assert body["contacts"][0]["phone"] == "03-3268-3111"
    assert_normalized(enrollment)


def test_a_workbook_typed_in_full_width_is_stored_normalised(site, cast):
    enrollment = new_case(site, cast, complete=False)
    contact = {
        "contact.1.name": "記入 三郎",
        "contact.1.phone": "０３－１２３４－５６７８",
        "contact.1.email": "k@x.jp",
    }
    data = _workbook(enrollment, {**TYPED, **contact})
    application_import(enrollment=enrollment, actor=cast.psa, data=data)
    assert_normalized(enrollment)
    assert [c.phone for c in application_of(enrollment).contacts.all()] == ["03-1234-5678"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("company_corporate_number", "１２３４５６７８９０１２３"),  # wrong check digit
        ("company_corporate_number", "7" * 10_000),
        ("company_postal_code", "1" * 10_000),
        ("company_postal_code", "１００－０００１<script>"),
        ("site_postal_code", "〒１６２‐０８４"),  # six digits
        ("psa_phone", "０３－３２６８－３１１１\x00"),
        ("psa_phone", "０" * 500),
        ("psa_phone", "03-3268-3111; DROP TABLE"),
    ],
)
def test_malicious_or_oversized_numbers_are_refused_and_nothing_changes(site, cast, field, value):
    enrollment = new_case(site, cast)
    refusal = refused(enrollment, cast.psa, {"facility_name": "変わらないはず", field: value})
    assert (refusal.status, refusal.field) == (422, field)
    assert str(refusal.message)


@pytest.mark.parametrize("value", ["1" * 5000, "〒１６２‐０８４５５５"])
def test_the_api_refuses_oversized_numbers_with_a_message(site, cast, value):
    enrollment = new_case(site, cast)
    before = stored(enrollment)
    response = ja_client(cast.psa).patch(
        f"/api/v1/enrollments/{enrollment.pk}/application",
        {"site_postal_code": value},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["detail"]
    assert stored(enrollment) == before


# 郵便番号 ↔ 都道府県 (Japan Post's data) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("postal", "prefecture"),
    [("company_postal_code", "company_prefecture"), ("site_postal_code", "site_prefecture")],
)
def test_a_postal_code_of_another_prefecture_is_refused_naming_both(site, cast, postal, prefecture):
    enrollment = new_case(site, cast)
    with translation.override("ja"):
        refusal = refused(enrollment, cast.psa, {postal: "１００－０００１", prefecture: "14"})
        message = str(refusal.message)
    assert (refusal.status, refusal.field) == (422, postal)
    assert message == MISMATCH_JA


def test_a_changed_prefecture_alone_is_checked_against_the_stored_postal_code(site, cast):
    enrollment = new_case(site, cast)
    assert application_of(enrollment).company_postal_code == "100-0001"  # from the company
    refusal = refused(enrollment, cast.psa, {"company_prefecture": "14"})
    assert refusal.field == "company_postal_code"


def test_an_empty_prefecture_is_filled_from_the_postal_code(site, cast):
    enrollment = new_case(site, cast)
    application_update(
        enrollment=enrollment,
        actor=cast.psa,
        data={"site_postal_code": "231-0023", "site_prefecture": ""},
    )
    assert application_of(enrollment).site_prefecture == "14"


def test_a_postal_code_unknown_to_the_data_is_accepted_and_noted_on_the_page(site, cast):
    enrollment = new_case(site, cast)
    assert application_of(enrollment).site_postal_code == "162-8870"  # not in the data
    application_update(enrollment=enrollment, actor=cast.psa, data={"site_prefecture": "27"})
    assert application_of(enrollment).site_prefecture == "27"
    page = ja_client(cast.psa).get(f"/enrollments/{enrollment.pk}/application/site/")
    assert "162-8870" in page.content.decode() and "日本郵便" in page.content.decode()


@pytest.mark.parametrize(
    ("postal", "prefecture", "part"),
    [
        ("company_postal_code", "company_prefecture", "company"),
        ("site_postal_code", "site_prefecture", "site"),
    ],
)
def test_a_draft_whose_address_does_not_match_is_not_submitted(
    site, cast, postal, prefecture, part
):
    """A pair stored before the check (or by hand): the part and the submission name it."""
    enrollment = new_case(site, cast)
    Application.objects.filter(enrollment=enrollment).update(
        **{postal: "100-0001", prefecture: "14"}
    )
    task = {t.part.key: t for t in application_tasks(application_of(enrollment))}[part]
    assert task.status == "incomplete" and postal in task.missing_keys
    with translation.override("ja"), pytest.raises(RuleViolation) as refusal:
        act(enrollment, "submit", cast.psa)
    assert refusal.value.code == "application_incomplete"
    with translation.override("ja"):
        assert MISMATCH_JA in str(refusal.value.message)
    enrollment.refresh_from_db()
    assert enrollment.state == State.DRAFT
    # Correcting the prefecture on the part clears it.
    application_update(enrollment=enrollment, actor=cast.psa, data={prefecture: "13"})
    task = {t.part.key: t for t in application_tasks(application_of(enrollment))}[part]
    assert postal not in task.missing_keys


def test_the_company_page_refuses_a_mismatch_and_fills_an_empty_prefecture(site, cast):
    enrollment = new_case(site, cast)
    application = application_of(enrollment)
    url = f"/enrollments/{enrollment.pk}/application/company/"
    form = {
        "company_corporate_number": application.company_corporate_number,
        "company_name": application.company_name,
        "company_postal_code": "100-0001",
        "company_prefecture": "14",
        "company_address": application.company_address,
    }
    before = stored(enrollment)
    client = ja_client(cast.psa)
    response = client.post(url, form)
    assert response.status_code == 200 and MISMATCH_JA in response.content.decode()
    assert stored(enrollment) == before
    # Without JavaScript: the prefecture left empty is filled from the postal code on save.
    response = client.post(
        url, {**form, "company_postal_code": "231-0023", "company_prefecture": ""}
    )
    assert response.status_code == 302
    assert application_of(enrollment).company_prefecture == "14"


def test_the_address_parts_wire_the_postal_code_to_the_script(site, cast):
    enrollment = new_case(site, cast)
    client = ja_client(cast.psa)
    for part in ("company", "site"):
        page = client.get(f"/enrollments/{enrollment.pk}/application/{part}/").content.decode()
        assert f'data-postal-prefecture="id_{part}_prefecture"' in page
        assert f'data-postal-address="id_{part}_address"' in page
        assert 'data-postal-lookup="/postal-codes/"' in page
        assert 'src="/static/dsg/postal.js"' in page


def test_telephone_and_mail_inputs_are_typed_as_such(site, cast):
    """The PSA's own phone and mail fill in from the browser (autocomplete tel / email); another
    person's (a contact, an account holder) are typed the same (type=tel, type=email: the phone's
    keypad, the @) but never filled in with the PSA's own details (#12)."""
    enrollment = new_case(site, cast, complete=False)
    page = ja_client(cast.psa).get(f"/enrollments/{enrollment.pk}/application/contacts/")
    html = page.content.decode()
    assert page.status_code == 200

    def tag(name: str) -> str:
        found = re.search(r'<input[^>]*name="' + name + r'"[^>]*>', html)
        assert found, name
        return found.group(0)

    assert 'type="tel"' in tag("psa_phone") and 'autocomplete="tel"' in tag("psa_phone")
    assert 'type="email"' in tag("psa_email") and 'autocomplete="email"' in tag("psa_email")
    for name in ("contact-0-phone",):
        assert 'type="tel"' in tag(name) and 'autocomplete="off"' in tag(name)
    for name in ("contact-0-email",):
        assert 'type="email"' in tag(name) and 'autocomplete="off"' in tag(name)
