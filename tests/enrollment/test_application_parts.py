"""The 加入申請書 part by part: validation, the task list, the confirmation page, submission."""

from __future__ import annotations

import datetime as dt

import pytest
from django.forms.models import model_to_dict

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.core.subjects import attached_to
from dsg.documents.models import Document
from dsg.enrollment.models import Application, ApplicationContact, State
from dsg.enrollment.parts import application_tasks
from dsg.enrollment.services import application_update

from ..factories import corporate_number
from ..walk import COMPLETE_APPLICATION, act, attach_documents, new_case, small_pdf, today

pytestmark = pytest.mark.django_db


def stored(enrollment) -> tuple:
    application = Application.objects.get(enrollment=enrollment)
    contacts = list(ApplicationContact.objects.filter(application=application).values())
    return model_to_dict(application), contacts, AuditEvent.objects.count()


def refused(enrollment, actor, data) -> RuleViolation:
    before = stored(enrollment)
    with pytest.raises(RuleViolation) as refusal:
        application_update(enrollment=enrollment, actor=actor, data=data)
    assert stored(enrollment) == before, "a refused save changed something"
    return refusal.value


def tasks_of(enrollment) -> dict[str, object]:
    application = Application.objects.get(enrollment=enrollment)
    return {task.part.key: task for task in application_tasks(application)}


# Prefill ---------------------------------------------------------------------------------------


def test_a_new_application_starts_from_the_company_the_site_and_the_psa(site, cast):
    enrollment = new_case(site, cast, complete=False)
    application = Application.objects.get(enrollment=enrollment)
    company = site.company
    assert application.company_corporate_number == company.corporate_number
    assert (application.company_name, application.company_prefecture) == (company.name, "13")
    assert (application.site_name, application.site_address) == (site.name, site.address)
    assert (application.psa_name, application.psa_email) == (cast.psa.full_name, cast.psa.email)


# Validation of each part ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "code_in_message"),
    [
        ("company_corporate_number", "1234567890123", "法人番号"),  # wrong check digit
        ("company_corporate_number", "12345", "13"),
        # full-width digits are read as digits (normalised): then the check digit is wrong
        ("company_corporate_number", "１２３４５６７８９０１２３", "法人番号"),
        ("company_corporate_number", "１２３４５", "13"),
        ("company_prefecture", "99", "47"),  # outside Japan
        ("site_prefecture", "US", "47"),
        ("site_prefecture", "00", "47"),
        ("company_postal_code", "1000", "7"),
        ("site_postal_code", "ABC-DEFG", "7"),
        ("psa_phone", "call me", "03"),
        ("psa_email", "not-an-address", ""),
        ("planned_terminals", 0, ""),
        ("planned_terminals", 1000, ""),
        ("facility_basis", "maybe", ""),
    ],
)
def test_invalid_values_of_a_part_are_refused_and_nothing_changes(
    site, cast, field, value, code_in_message
):
    enrollment = new_case(site, cast)
    refusal = refused(enrollment, cast.psa, {"facility_name": "変わらないはず", field: value})
    assert (refusal.status, refusal.code, refusal.field) == (422, "invalid", field)
    assert code_in_message in str(refusal.message)


def test_a_valid_corporate_number_with_its_check_digit_is_accepted(site, cast):
    enrollment = new_case(site, cast, complete=False)
    number = corporate_number(700000001)
    application_update(
        enrollment=enrollment, actor=cast.psa, data={"company_corporate_number": number}
    )
    assert Application.objects.get(enrollment=enrollment).company_corporate_number == number


def test_a_contract_date_in_the_past_is_refused_with_a_message(site, cast):
    enrollment = new_case(site, cast)
    refusal = refused(
        enrollment, cast.psa, {"contract_expected_on": today() - dt.timedelta(days=1)}
    )
    assert (refusal.status, refusal.code, refusal.field) == (
        422,
        "date_in_past",
        "contract_expected_on",
    )
    assert "past" in str(refusal.message) or "過去" in str(refusal.message)
    application_update(
        enrollment=enrollment, actor=cast.psa, data={"contract_expected_on": today()}
    )


def test_contacts_are_replaced_as_a_list_and_each_is_validated(site, cast):
    enrollment = new_case(site, cast, complete=False)
    rows = [
        {"name": "連絡 一郎", "department": "総務部", "phone": "03-1111-2222", "email": "a@x.jp"},
        {"name": "連絡 二郎", "department": "", "phone": "090-1234-5678", "email": "b@x.jp"},
    ]
    application_update(enrollment=enrollment, actor=cast.psa, data={"contacts": rows})
    saved = ApplicationContact.objects.filter(application__enrollment=enrollment)
    assert [(c.name, c.position) for c in saved] == [("連絡 一郎", 0), ("連絡 二郎", 1)]
    refusal = refused(enrollment, cast.psa, {"contacts": [{**rows[0], "phone": "??"}]})
    assert (refusal.status, refusal.field) == (422, "contacts.0.phone")
    refusal = refused(enrollment, cast.psa, {"contacts": rows * 6})  # 12 > 10
    assert refusal.field == "contacts"
    application_update(enrollment=enrollment, actor=cast.psa, data={"contacts": []})
    assert not ApplicationContact.objects.filter(application__enrollment=enrollment).exists()


# Task list ---------------------------------------------------------------------------------------


def test_the_task_list_shows_each_part_complete_incomplete_or_blocked(site, cast):
    enrollment = new_case(site, cast, complete=False)
    tasks = tasks_of(enrollment)
    # Prefilled from the company: 会社 complete; 拠点 lacks the facility; the rest follows.
    assert tasks["company"].status == "complete"
    assert tasks["site"].status == "incomplete"
    assert tasks["site"].missing_keys == ["facility_name"]
    assert tasks["contacts"].status == "incomplete"  # department and phone
    assert tasks["terminals"].status == "blocked"  # needs the site first
    assert tasks["requirements"].status == "blocked"
    assert tasks["documents"].status == "blocked"
    assert any("拠点" in str(m) for m in tasks["terminals"].missing)

    application_update(enrollment=enrollment, actor=cast.psa, data={"facility_name": "3階"})
    tasks = tasks_of(enrollment)
    assert tasks["terminals"].status == "incomplete"
    assert tasks["documents"].missing_keys == ["document:layout"]

    application_update(enrollment=enrollment, actor=cast.psa, data={"company_name": ""})
    assert tasks_of(enrollment)["contacts"].status == "blocked"  # contacts after the company


def test_facility_exception_needs_its_document(site, cast):
    enrollment = new_case(site, cast)
    assert tasks_of(enrollment)["requirements"].status == "complete"
    application_update(enrollment=enrollment, actor=cast.psa, data={"facility_basis": "exception"})
    requirement = tasks_of(enrollment)["requirements"]
    assert requirement.missing_keys == ["document:facility_exception"]
    assert "特約条項" in str(requirement.missing[0])
    attach_documents(enrollment, cast.psa, kinds=("facility_exception",))
    assert tasks_of(enrollment)["requirements"].status == "complete"


def test_the_task_list_page_names_what_is_missing(client, site, cast):
    enrollment = new_case(site, cast, complete=False)
    client.force_login(cast.psa)
    page = client.get(f"/enrollments/{enrollment.pk}/application/").content.decode()
    assert 'data-part="company" data-status="complete"' in page
    assert 'data-part="terminals" data-status="blocked"' in page
    assert 'data-part="documents" data-status="blocked"' in page
    assert 'data-part="schedule" data-status="incomplete"' in page


# Part pages and escaping --------------------------------------------------------------------------


def test_a_part_is_saved_from_its_page_as_a_draft(client, site, cast):
    enrollment = new_case(site, cast, complete=False)
    client.force_login(cast.psa)
    url = f"/enrollments/{enrollment.pk}/application/contacts/"
    response = client.post(
        url,
        {
            "psa_name": "保護 太郎",
            "psa_department": "情報管理部",
            "psa_phone": "03-3268-3111",
            "psa_email": "hogo@test.example.jp",
            "contact-TOTAL_FORMS": "2",
            "contact-INITIAL_FORMS": "0",
            "contact-0-name": "連絡 花子",
            "contact-0-phone": "03-3268-3112",
            "contact-0-email": "hanako@test.example.jp",
        },
    )
    assert response.status_code == 302
    application = Application.objects.get(enrollment=enrollment)
    assert application.psa_department == "情報管理部"
    assert [c.name for c in application.contacts.all()] == ["連絡 花子"]
    page = client.get(url).content.decode()
    assert "連絡 花子" in page


def test_a_wrong_value_on_a_part_page_is_shown_next_to_the_field(client, site, cast):
    enrollment = new_case(site, cast, complete=False)
    client.force_login(cast.psa)
    before = stored(enrollment)
    response = client.post(
        f"/enrollments/{enrollment.pk}/application/schedule/",
        {"contract_name": "契約", "contract_expected_on": "2000-01-01"},
    )
    assert response.status_code == 200
    assert "field--error" in response.content.decode()
    assert stored(enrollment) == before


def test_html_in_text_is_shown_escaped(client, site, cast):
    enrollment = new_case(site, cast)
    script = "<script>alert('x')</script>"
    application_update(
        enrollment=enrollment,
        actor=cast.psa,
        data={"track_record": script, "schedule_request": f"<b>{script}</b>"},
    )
    client.force_login(cast.psa)
    for url in ("confirm/", "requirements/", "schedule/"):
        page = client.get(f"/enrollments/{enrollment.pk}/application/{url}").content.decode()
        assert script not in page and "<b>" not in page, url
        assert "&lt;script&gt;" in page, url


def test_documents_are_uploaded_through_the_document_store(client, site, cast):
    enrollment = new_case(site, cast, complete=False)
    client.force_login(cast.psa)
    url = f"/enrollments/{enrollment.pk}/application/upload/"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        url,
        {"part": "documents", "kind": "layout", "file": SimpleUploadedFile("図.pdf", small_pdf())},
    )
    assert response.status_code == 303
    layout = attached_to(Document.objects.filter(kind="layout"), enrollment).get()
    assert layout.filename == "図.pdf" and len(layout.sha256) == 64
    # Not a PDF: refused with the documents' message, nothing stored.
    response = client.post(
        url,
        {"part": "documents", "kind": "layout", "file": SimpleUploadedFile("x.pdf", b"MZ\x90")},
        follow=True,
    )
    assert attached_to(Document.objects.all(), enrollment).count() == 1
    assert "PDF" in response.content.decode()
    # A kind that is not the part's is refused by the form.
    client.post(
        url,
        {"part": "documents", "kind": "notice", "file": SimpleUploadedFile("n.pdf", small_pdf())},
    )
    assert attached_to(Document.objects.all(), enrollment).count() == 1


def test_an_audit_result_is_attached_with_the_date_printed_on_it(client, site, cast):
    """§3①: the audit-result notice (監査結果通知書) of the application carries its date."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    enrollment = new_case(site, cast, complete=False)
    client.force_login(cast.psa)
    page = client.get(f"/enrollments/{enrollment.pk}/application/documents/").content.decode()
    assert 'name="dated_on"' in page
    url = f"/enrollments/{enrollment.pk}/application/upload/"
    form = {"part": "documents", "kind": "audit_result"}
    client.post(url, {**form, "file": SimpleUploadedFile("監査.pdf", small_pdf())})
    assert not attached_to(Document.objects.filter(kind="audit_result"), enrollment).exists()
    dated = today() - dt.timedelta(days=200)
    response = client.post(
        url,
        {
            **form,
            "dated_on": dated.isoformat(),
            "file": SimpleUploadedFile("監査.pdf", small_pdf()),
        },
    )
    assert response.status_code == 303
    audit = attached_to(Document.objects.filter(kind="audit_result"), enrollment).get()
    assert audit.dated_on == dated


# Confirmation and submission ----------------------------------------------------------------------


def test_the_confirm_page_shows_everything_and_submits(client, site, cast):
    enrollment = new_case(site, cast)
    client.force_login(cast.psa)
    url = f"/enrollments/{enrollment.pk}/application/confirm/"
    page = client.get(url).content.decode()
    for value in ("第1取扱施設", "03-3268-3111", "指定端末 DSG-T1", "試験契約", "layout.pdf"):
        assert value in page
    assert 'data-form="application-submit"' in page and 'id="missing"' not in page
    response = client.post(url)
    application = Application.objects.get(enrollment=enrollment)
    version = application.versions.get()
    assert response.status_code == 302
    assert response["Location"] == f"/application-versions/{version.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert version.receipt_number in page
    assert application.receipt_number == version.receipt_number


def test_submit_is_refused_with_the_list_of_what_is_missing(client, site, cast):
    enrollment = new_case(site, cast, complete=False)
    application_update(
        enrollment=enrollment,
        actor=cast.psa,
        data={k: v for k, v in COMPLETE_APPLICATION.items() if k != "terminal_models"},
    )
    with pytest.raises(RuleViolation) as refusal:
        act(enrollment, "submit", cast.psa)
    message = str(refusal.value.message)
    assert refusal.value.code == "application_incomplete"
    assert "terminal" in message.lower() or "利用端末" in message
    assert "レイアウト図" in message and "実績等" in message
    client.force_login(cast.psa)
    url = f"/enrollments/{enrollment.pk}/application/confirm/"
    page = client.get(url).content.decode()
    assert 'id="missing"' in page and "レイアウト図" in page
    response = client.post(url, follow=True)
    assert "レイアウト図" in response.content.decode()
    assert Application.objects.get(enrollment=enrollment).submission_count == 0
    assert enrollment.records.count() == 0


def test_only_the_psa_sees_the_submit_button_and_the_editable_form(client, site, cast, everyone):
    enrollment = new_case(site, cast)
    client.force_login(everyone["delegate"])
    page = client.get(f"/enrollments/{enrollment.pk}/application/confirm/").content.decode()
    assert 'data-form="application-submit"' not in page
    page = client.get(f"/enrollments/{enrollment.pk}/application/site/").content.decode()
    assert "<input" not in page.split('data-form="application"')[1].split("</form>")[0]
    assert client.post(f"/enrollments/{enrollment.pk}/application/confirm/").status_code == 403
    client.force_login(everyone["user"])  # 利用者 does not read the application
    assert client.get(f"/enrollments/{enrollment.pk}/application/").status_code == 403


def test_the_application_is_read_only_once_submitted(client, site, cast):
    enrollment = new_case(site, cast)
    act(enrollment, "submit", cast.psa)
    assert Application.objects.get(enrollment=enrollment).enrollment.state == State.SUBMITTED
    client.force_login(cast.psa)
    before = stored(enrollment)
    response = client.post(
        f"/enrollments/{enrollment.pk}/application/terminals/", {"planned_terminals": "5"}
    )
    assert response.status_code == 200
    assert stored(enrollment) == before


def test_the_provider_never_reads_the_application_even_from_the_survey_on(client, site, cast):
    from ..walk import walk_to

    enrollment = walk_to(new_case(site, cast), State.SURVEY, cast)
    version = enrollment.application.versions.get()
    client.force_login(cast.staff)
    assert client.get(f"/enrollments/{enrollment.pk}/").status_code == 200  # the case: yes
    for url in (
        f"/enrollments/{enrollment.pk}/application/",
        f"/enrollments/{enrollment.pk}/application/confirm/",
        f"/enrollments/{enrollment.pk}/application/export/",
        f"/application-versions/{version.pk}/",
        f"/api/v1/enrollments/{enrollment.pk}/application",
        f"/api/v1/application-versions/{version.pk}",
        f"/api/v1/enrollments/{enrollment.pk}/application/export",
    ):
        response = client.get(url)
        assert response.status_code == 403, (url, response.status_code)
        assert version.receipt_number not in response.content.decode()
