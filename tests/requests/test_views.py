"""The pages of 加入申請内容の変更: each page for each role, the whole filing and review through the
pages, bad input answered on the page with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dsg.documents.models import Document
from dsg.orgs.models import Site
from dsg.requests import services
from dsg.requests.models import ActionRequest, ChangeRequest, ChangeState, RegisteredChange

from ..factories import SiteFactory
from ..walk import small_pdf, today
from .helpers import attach, submitted

LATER = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
NEW_ADDRESS = {
    "site_postal_code": "231-0023",
    "site_prefecture": "14",
    "site_address": "横浜市中区山下町1",
}


def as_(client, user):
    client.force_login(user)
    return client


def relocation(enrolled, cast, *, submit: bool = True) -> ChangeRequest:
    change = services.change_start(actor=cast.psa, site=enrolled, kind="relocation")
    services.change_update(
        change=change,
        actor=cast.psa,
        data={**NEW_ADDRESS, "description": "移転", "effective_on": LATER},
    )
    attach(change, cast.psa)
    if submit:
        services.change_submit(change=change, actor=cast.psa)
    change.refresh_from_db()
    return change


def snapshot(change: ChangeRequest) -> tuple:
    change = ChangeRequest.objects.get(pk=change.pk)
    return (change.state, change.proposed, change.description, change.effective_on)


# Each page for each role ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("psa", 200),
        ("delegate", 200),
        ("user", 404),
        ("reviewer", 200),
        ("inspector", 200),
        ("provider_staff", 200),
        ("other_psa", 404),
    ],
)
def test_the_detail_page_of_a_relocation_for_each_role(
    client, enrolled, cast, everyone, who, status
):
    change = relocation(enrolled, cast)
    response = as_(client, everyone[who]).get(f"/changes/{change.pk}/")
    assert response.status_code == status
    if status == 404:
        assert change.number not in response.content.decode()
        return
    page = response.content.decode()
    assert change.receipt_number in page and "横浜市中区山下町1" in page
    if who == "provider_staff":  # never the review: versions, comments, records
        assert 'id="review"' not in page and 'id="records"' not in page
        assert "data-version" not in page
    else:
        assert 'data-version="1"' in page and "data-records" in page


@pytest.mark.parametrize(("who", "status"), [("provider_staff", 404), ("reviewer", 200)])
def test_the_provider_does_not_see_a_change_that_does_not_concern_it(
    client, enrolled, cast, everyone, who, status
):
    change = submitted(enrolled, cast, "site_name", {"site_name": "新拠点", "description": "x"})
    assert as_(client, everyone[who]).get(f"/changes/{change.pk}/").status_code == status


@pytest.mark.parametrize(
    ("who", "status", "listed"),
    [
        ("psa", 200, True),
        ("delegate", 200, True),
        ("user", 403, False),
        ("reviewer", 200, True),
        ("provider_staff", 200, True),
        ("other_psa", 200, False),
    ],
)
def test_the_list_shows_each_role_its_changes(
    client, enrolled, cast, everyone, who, status, listed
):
    change = relocation(enrolled, cast)
    response = as_(client, everyone[who]).get("/changes/")
    assert response.status_code == status
    assert (f'data-change="{change.pk}"' in response.content.decode()) == listed


def test_the_list_filters_by_state_and_kind(client, enrolled, cast):
    change = relocation(enrolled, cast)
    draft = services.change_start(actor=cast.psa, site=enrolled, kind="contacts")
    client = as_(client, cast.psa)
    page = client.get("/changes/?state=submitted").content.decode()
    assert f'data-change="{change.pk}"' in page and f'data-change="{draft.pk}"' not in page
    page = client.get("/changes/?kind=contacts").content.decode()
    assert f'data-change="{change.pk}"' not in page and f'data-change="{draft.pk}"' in page


@pytest.mark.parametrize(
    "path", ["edit/", "confirm/", "return/", "accept/", "reject/", "withdraw/", "complete/"]
)
def test_another_companys_psa_gets_404_on_every_page_of_the_change(
    client, enrolled, cast, other_psa, path
):
    change = relocation(enrolled, cast)
    before = snapshot(change)
    client = as_(client, other_psa)
    assert client.get(f"/changes/{change.pk}/{path}").status_code == 404
    assert (
        client.post(f"/changes/{change.pk}/{path}", {"comment": "x", "confirmed": "1"}).status_code
        == 404
    )
    assert snapshot(change) == before


def test_a_delegate_reads_but_does_not_edit(client, enrolled, cast):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="site_name")
    before = snapshot(change)
    client = as_(client, cast.delegate)
    assert client.get(f"/changes/{change.pk}/").status_code == 200
    assert client.get(f"/changes/{change.pk}/edit/").status_code == 403
    response = client.post(f"/changes/{change.pk}/edit/", {"site_name": "X", "description": "x"})
    assert response.status_code == 403 and snapshot(change) == before
    assert client.get("/changes/new/").status_code == 403


# The site page ------------------------------------------------------------------------------


def test_the_site_page_offers_the_start_to_the_psa_and_the_history_to_everyone(
    client, enrolled, cast, company_user
):
    page = as_(client, cast.psa).get(f"/sites/{enrolled.pk}/").content.decode()
    assert f"/changes/new/?site={enrolled.pk}" in page and 'id="history"' in page
    page = as_(client, company_user).get(f"/sites/{enrolled.pk}/").content.decode()
    assert "/changes/new/" not in page and 'id="history"' in page


def test_a_site_that_has_not_completed_enrollment_offers_no_start(client, site, cast):
    page = as_(client, cast.psa).get(f"/sites/{site.pk}/").content.decode()
    assert "/changes/new/" not in page


# Filing through the pages ----------------------------------------------------------------------


def test_the_start_page_groups_the_kinds_and_starts_from_the_registered_data(
    client, enrolled, cast
):
    client = as_(client, cast.psa)
    page = client.get(f"/changes/new/?site={enrolled.pk}").content.decode()
    assert "拠点・取扱施設等の変更" in page and "登録情報の変更" in page
    response = client.post("/changes/new/", {"site": enrolled.pk, "kind": "site_name"})
    change = ChangeRequest.objects.get()
    assert response.status_code == 303 and response["Location"] == f"/changes/{change.pk}/edit/"
    assert change.proposed["fields"]["site_name"] == enrolled.name


def test_a_second_open_change_of_the_same_kind_is_refused_on_the_page(client, enrolled, cast):
    services.change_start(actor=cast.psa, site=enrolled, kind="site_name")
    response = as_(client, cast.psa).post(
        "/changes/new/", {"site": enrolled.pk, "kind": "site_name"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "data-error-summary" in page and "同じ種類の手続き中の変更申請" in page
    assert ChangeRequest.objects.count() == 1


def test_a_site_that_has_not_completed_enrollment_is_refused_on_the_page(client, site, cast):
    response = as_(client, cast.psa).post("/changes/new/", {"site": site.pk, "kind": "site_name"})
    assert response.status_code == 422 and "data-error-summary" in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_the_start_page_of_another_companys_site_is_404(client, enrolled, other_psa):
    assert as_(client, other_psa).get(f"/changes/new/?site={enrolled.pk}").status_code == 404


def test_the_edit_page_shows_the_registered_value_beside_each_field(client, enrolled, cast):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="relocation")
    page = as_(client, cast.psa).get(f"/changes/{change.pk}/edit/").content.decode()
    assert 'data-registered="site_address"' in page and enrolled.address in page
    assert 'name="effective_on"' in page and 'data-form="change-upload"' in page


def test_a_wrong_postal_code_is_answered_beside_the_field_and_nothing_changes(
    client, enrolled, cast
):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="relocation")
    before = snapshot(change)
    response = as_(client, cast.psa).post(
        f"/changes/{change.pk}/edit/",
        {
            "site_postal_code": "100-0001",  # 東京都
            "site_prefecture": "14",  # 神奈川県
            "site_address": "横浜市中区山下町1",
            "description": "移転",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "data-error-summary" in page and 'data-field="site_postal_code"' in page
    assert 'field--error" data-field="site_postal_code"' in page
    assert snapshot(change) == before


def test_a_date_in_the_past_is_answered_beside_the_field_and_nothing_changes(
    client, enrolled, cast
):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="closure")
    before = snapshot(change)
    response = as_(client, cast.psa).post(
        f"/changes/{change.pk}/edit/", {"description": "閉鎖", "effective_on": "2000-01-01"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'field--error" data-field="effective_on"' in page and "2000-01-01" in page
    assert snapshot(change) == before


def test_contacts_are_edited_as_rows_and_a_bad_row_is_answered_beside_it(client, enrolled, cast):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="contacts")
    form = {
        "contact-TOTAL_FORMS": "2",
        "contact-INITIAL_FORMS": "0",
        "contact-0-name": "連絡 花子",
        "contact-0-phone": "03-1234-5678",
        "contact-0-email": "not-an-email",
        "description": "担当交代",
    }
    client = as_(client, cast.psa)
    assert client.post(f"/changes/{change.pk}/edit/", form).status_code == 422
    assert ChangeRequest.objects.get(pk=change.pk).proposed == change.proposed
    form["contact-0-email"] = "hanako@example.jp"
    assert client.post(f"/changes/{change.pk}/edit/", form).status_code == 303
    contacts = ChangeRequest.objects.get(pk=change.pk).proposed["contacts"]
    assert [c["email"] for c in contacts] == ["hanako@example.jp"]


def test_a_document_is_uploaded_to_the_change(client, enrolled, cast):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="relocation")
    response = as_(client, cast.psa).post(
        f"/changes/{change.pk}/documents/",
        {
            "kind": "layout",
            "file": SimpleUploadedFile("レイアウト図.pdf", small_pdf(), "application/pdf"),
        },
    )
    assert response.status_code == 303
    document = Document.objects.get(subject_id=change.pk, subject_type__model="changerequest")
    assert (document.kind, document.subject_id, document.company_id) == (
        "layout",
        change.pk,
        change.company_id,
    )


def test_a_bad_upload_is_answered_on_the_page_and_stores_nothing(client, enrolled, cast):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="relocation")
    response = as_(client, cast.psa).post(
        f"/changes/{change.pk}/documents/",
        {"kind": "layout", "file": SimpleUploadedFile("x.pdf", b"not a pdf", "application/pdf")},
    )
    assert response.status_code == 422 and "data-error-summary" in response.content.decode()
    assert not Document.objects.filter(subject_type__model="changerequest").exists()


def test_the_check_page_highlights_what_differs_and_says_what_is_missing(client, enrolled, cast):
    change = services.change_start(actor=cast.psa, site=enrolled, kind="relocation")
    services.change_update(change=change, actor=cast.psa, data={**NEW_ADDRESS})
    client = as_(client, cast.psa)
    page = client.get(f"/changes/{change.pk}/confirm/").content.decode()
    assert 'data-changed="site_address"' in page and 'data-changed="site_name"' not in page
    assert 'id="missing"' in page and "レイアウト図" in page
    response = client.post(f"/changes/{change.pk}/confirm/")
    assert response.status_code == 422 and "data-error-summary" in response.content.decode()
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.DRAFT


# The whole filing and review ---------------------------------------------------------------------


def _decide(client, change, action, **data):
    """A decision: its confirmation page (GET) changes nothing, nor a POST that skips it (the
    page drawn again); the POST from the page (``confirmed``) acts."""
    url = f"/changes/{change.pk}/{action}/"
    before = snapshot(change)
    shown = client.get(url)
    assert shown.status_code == 200 and "data-consequence" in shown.content.decode()
    assert client.post(url, data).status_code == 200
    assert snapshot(change) == before
    return client.post(url, {**data, "confirmed": "1"})


def test_a_relocation_filed_reviewed_and_applied_through_the_pages(
    client, enrolled, cast, reviewer, provider_staff
):
    psa = as_(client, cast.psa)
    psa.post("/changes/new/", {"site": enrolled.pk, "kind": "relocation"})
    change = ChangeRequest.objects.get()
    form = {**NEW_ADDRESS, "description": "本社移転に伴う拠点の移転", "effective_on": LATER}
    form.update(facility_name="新取扱施設", facility_description="")
    assert psa.post(f"/changes/{change.pk}/edit/", {**form, "next": "confirm"}).status_code == 303
    psa.post(
        f"/changes/{change.pk}/documents/",
        {
            "kind": "layout",
            "file": SimpleUploadedFile("layout.pdf", small_pdf(), "application/pdf"),
        },
    )
    response = psa.post(f"/changes/{change.pk}/confirm/")
    assert (
        response.status_code == 303 and response["Location"] == f"/changes/{change.pk}/submitted/"
    )
    change.refresh_from_db()
    page = psa.get(response["Location"]).content.decode()
    assert change.receipt_number in page and "今後の流れ" in page

    office = as_(client, reviewer)
    office.post(f"/changes/{change.pk}/comments/", {"part": "site_address", "text": "番地を確認"})
    assert _decide(office, change, "return", comment="補正してください").status_code == 303
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.RETURNED

    psa = as_(client, cast.psa)
    page = psa.get(f"/changes/{change.pk}/edit/").content.decode()
    assert 'data-comments="site_address"' in page and "番地を確認" in page
    psa.post(f"/changes/{change.pk}/edit/", {**form, "site_address": "横浜市中区山下町2"})
    assert psa.post(f"/changes/{change.pk}/confirm/").status_code == 303

    office = as_(client, reviewer)
    response = _decide(office, change, "accept", provider_work=["survey", "line_work"])
    assert response.status_code == 303
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.ACCEPTED
    assert Site.objects.get(pk=enrolled.pk).address != "横浜市中区山下町2"

    staff = as_(client, provider_staff)
    for work in change.provider_work.order_by("pk"):
        response = staff.post(
            f"/provider-work/{work.pk}/done/",
            {
                f"work-{work.pk}-done_on": today().isoformat(),
                f"work-{work.pk}-note": "完了",
                f"work-{work.pk}-confirmed": "1",  # from its confirmation page (#12)
            },
        )
        assert response.status_code == 303
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.COMPLETED
    site = Site.objects.get(pk=enrolled.pk)
    assert (site.prefecture, site.address) == ("14", "横浜市中区山下町2")
    page = as_(client, cast.psa).get(f"/sites/{enrolled.pk}/").content.decode()
    assert 'data-history-field="site_address"' in page and "横浜市中区山下町2" in page


def test_a_return_and_a_rejection_without_a_comment_change_nothing(
    client, enrolled, cast, reviewer
):
    change = relocation(enrolled, cast)
    before = snapshot(change)
    office = as_(client, reviewer)
    for action in ("return", "reject"):
        response = office.post(
            f"/changes/{change.pk}/{action}/", {"comment": " ", "confirmed": "1"}
        )
        assert response.status_code == 422
        assert 'field--error" data-field="comment"' in response.content.decode()
    assert snapshot(change) == before
    assert _decide(office, change, "reject", comment="根拠資料がありません").status_code == 303
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.REJECTED


def test_the_psa_withdraws_through_a_confirmation(client, enrolled, cast):
    change = relocation(enrolled, cast)
    client = as_(client, cast.psa)
    page = client.get(f"/changes/{change.pk}/withdraw/").content.decode()
    assert "data-consequence" in page
    assert _decide(client, change, "withdraw").status_code == 303
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.WITHDRAWN


def test_the_reviewer_cannot_withdraw_nor_the_psa_accept(client, enrolled, cast, reviewer):
    change = relocation(enrolled, cast)
    before = snapshot(change)
    assert (
        as_(client, reviewer)
        .post(f"/changes/{change.pk}/withdraw/", {"confirmed": "1"})
        .status_code
        == 403
    )
    assert (
        as_(client, cast.psa).post(f"/changes/{change.pk}/accept/", {"confirmed": "1"}).status_code
        == 403
    )
    assert snapshot(change) == before


def test_a_closure_waits_and_says_what_still_stands(client, enrolled, cast, reviewer):
    change = submitted(enrolled, cast, "closure", {"description": "閉鎖", "effective_on": LATER})
    office = as_(client, reviewer)
    assert _decide(office, change, "accept").status_code == 303
    page = office.get(f"/changes/{change.pk}/").content.decode()
    assert "data-outstanding" in page and "PC-01" in page
    response = office.post(f"/changes/{change.pk}/complete/", {"confirmed": "1"})
    assert response.status_code == 409 and "PC-01" in response.content.decode()
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.ACCEPTED


def test_the_office_asks_and_the_psa_answers_on_the_page(client, enrolled, cast, reviewer):
    change = relocation(enrolled, cast)
    office = as_(client, reviewer)
    response = office.post(
        f"/changes/{change.pk}/ask/", {"text": "登記簿を格納してください", "due_on": LATER}
    )
    assert response.status_code == 303
    asked = ActionRequest.objects.get()
    psa = as_(client, cast.psa)
    response = psa.post(f"/action-requests/{asked.pk}/answer/", {f"answer-{asked.pk}-answer": " "})
    assert response.status_code == 422
    response = psa.post(
        f"/action-requests/{asked.pk}/answer/", {f"answer-{asked.pk}-answer": "格納しました"}
    )
    assert response.status_code == 303
    asked.refresh_from_db()
    assert asked.answer == "格納しました"


def test_an_ask_with_a_past_due_date_is_refused_and_an_overdue_one_is_marked(
    client, enrolled, cast, reviewer
):
    change = relocation(enrolled, cast)
    office = as_(client, reviewer)
    response = office.post(f"/changes/{change.pk}/ask/", {"text": "資料", "due_on": "2000-01-01"})
    assert response.status_code == 422 and not ActionRequest.objects.exists()
    assert 'field--error" data-field="due_on"' in response.content.decode()
    services.action_request_ask(change=change, actor=reviewer, text="資料", due_on=LATER)
    ActionRequest.objects.update(due_on=today() - dt.timedelta(days=1))
    assert "data-overdue" in as_(client, cast.psa).get(f"/changes/{change.pk}/").content.decode()


def test_the_provider_asks_on_a_relocation_and_sees_no_answer_form(
    client, enrolled, cast, provider_staff
):
    change = relocation(enrolled, cast)
    staff = as_(client, provider_staff)
    assert (
        staff.post(f"/changes/{change.pk}/ask/", {"text": "搬入経路", "due_on": LATER}).status_code
        == 303
    )
    asked = ActionRequest.objects.get()
    assert 'data-form="answer"' not in staff.get(f"/changes/{change.pk}/").content.decode()
    response = staff.post(
        f"/action-requests/{asked.pk}/answer/", {f"answer-{asked.pk}-answer": "x"}
    )
    assert response.status_code == 403


def test_an_answer_to_another_companys_request_is_404(client, enrolled, cast, reviewer, other_psa):
    change = relocation(enrolled, cast)
    asked = services.action_request_ask(change=change, actor=reviewer, text="資料", due_on=LATER)
    response = as_(client, other_psa).post(
        f"/action-requests/{asked.pk}/answer/", {f"answer-{asked.pk}-answer": "横取り"}
    )
    assert response.status_code == 404
    asked.refresh_from_db()
    assert not asked.is_answered


def test_the_inspection_is_opened_from_the_change_and_listed(client, enrolled, cast, reviewer):
    change = relocation(enrolled, cast)
    services.change_accept(change=change, actor=reviewer, needs_inspection=True)
    office = as_(client, reviewer)
    assert (
        'data-form="change-inspection-open"'
        in office.get(f"/changes/{change.pk}/").content.decode()
    )
    response = office.post(f"/changes/{change.pk}/inspection/")
    assert response.status_code == 303 and response["Location"].startswith("/inspections/")
    page = as_(client, cast.psa).get(f"/changes/{change.pk}/").content.decode()
    assert "data-rounds" in page


def test_the_pages_are_in_english_on_request(client, enrolled, cast):
    change = relocation(enrolled, cast)
    client = as_(client, cast.psa)
    client.cookies["django_language"] = "en"
    page = client.get(f"/changes/{change.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "What the change changes" in page


def test_other_companys_site_history_is_not_shown(client, enrolled, cast, other_company, other_psa):
    foreign = SiteFactory(company=other_company)
    assert as_(client, cast.psa).get(f"/sites/{foreign.pk}/").status_code == 404
    assert not RegisteredChange.objects.exists()
