"""The one confirmation mechanism (core.views.confirm_action) on the other irreversible actions:
cancelling an appointment (the company needs the reason) and revoking an API token; and the error
summary every page with a form in error draws at its top (core/_error_summary.html, #12)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from dsg.appointments.models import Appointment, AppointmentState
from dsg.enrollment.models import State
from dsg.notifications.models import OutboxMessage
from dsg.orgs.models import ApiToken
from dsg.orgs.services import api_token_create
from dsg.provisioning import services as prov

from ..appointments.dates import business_day_at
from ..walk import new_case, walk_to

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def summary_anchors(html: str) -> list[str]:
    box = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert box, "no error summary"
    assert "入力内容に誤りがあります" in box.group(0)
    return re.findall(r'href="#([^"]+)"', box.group(0))


def ids_of(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


@pytest.fixture
def proposed(site, cast):
    case = walk_to(new_case(site, cast), State.SURVEY, cast)
    start = business_day_at(3, 10)
    appointment = prov.appointment_propose(
        enrollment=case,
        actor=cast.staff,
        purpose="survey",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )
    appointment.case = case
    return appointment


def test_cancelling_an_appointment_is_confirmed_with_the_reason_the_company_needs(proposed, cast):
    url = f"/appointments/{proposed.pk}/cancel/"
    case_page = client_of(cast.staff).get(f"/enrollments/{proposed.case.pk}/").content.decode()
    assert f'href="{url}"' in case_page and f'action="{url}"' not in case_page

    page = client_of(cast.staff).get(url)
    assert page.status_code == 200 and "data-told" in page.content.decode()
    assert Appointment.objects.get().state == AppointmentState.PROPOSED

    refused = client_of(cast.staff).post(url, {"comment": "", "confirmed": "1"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert summary_anchors(html) == ["id_comment"] and "id_comment" in ids_of(html)
    assert 'id="id_comment_error"' in html
    assert Appointment.objects.get().state == AppointmentState.PROPOSED
    assert not OutboxMessage.objects.filter(kind="appointment.cancel").exists()

    done = client_of(cast.staff).post(url, {"comment": "機器の入荷が遅れるため", "confirmed": "1"})
    assert done.status_code == 303
    cancelled = Appointment.objects.get()
    assert cancelled.state == AppointmentState.CANCELLED
    assert "機器の入荷が遅れるため" in cancelled.notes
    # a second time: the page says the date is no longer open and offers no button
    again = client_of(cast.staff).get(url).content.decode()
    assert "data-refusal" in again and 'data-form="confirm"' not in again


def test_only_who_may_cancel_opens_the_cancellation(proposed, cast):
    assert client_of(cast.psa).get(f"/appointments/{proposed.pk}/cancel/").status_code == 403


def test_revoking_a_token_is_confirmed(psa):
    api_token_create(actor=psa, name="夜間バッチ")
    token = ApiToken.objects.get(user=psa)
    client = client_of(psa)
    url = f"/account/api-tokens/{token.pk}/revoke/"
    assert f'href="{url}"' in client.get("/account/api-tokens/").content.decode()
    page = client.get(url)
    assert page.status_code == 200 and "data-consequence" in page.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.post(url, {"confirmed": "1"}).status_code == 303
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_api_tokens_are_offered_only_to_roles_that_may_use_the_api(psa, company_user):
    assert 'data-link="api-tokens"' in client_of(psa).get("/").content.decode()
    assert 'data-link="api-tokens"' not in client_of(company_user).get("/").content.decode()
    assert client_of(company_user).get("/account/api-tokens/").status_code == 403


def test_a_form_in_error_has_the_summary_at_the_top_linking_to_each_field(psa):
    # the site form: any page's bound form in error is summarised by base.html
    response = client_of(psa).post("/sites/new/", {"name": "", "postal_code": "abc"})
    html = response.content.decode()
    anchors = summary_anchors(html)
    assert anchors and set(anchors) <= ids_of(html), anchors
    assert html.index("data-error-summary") < html.index("<h1")


def test_a_page_without_errors_has_no_summary(psa):
    assert "data-error-summary" not in client_of(psa).get("/sites/new/").content.decode()


def test_a_refused_upload_is_shown_beside_its_field_not_only_in_a_banner(site, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    enrollment = new_case(site, cast, complete=False)
    response = client_of(cast.psa).post(
        f"/enrollments/{enrollment.pk}/application/upload/",
        {"part": "documents", "kind": "layout", "file": SimpleUploadedFile("x.pdf", b"MZ\\x90")},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_file_error"' in html and "PDF" in html
    assert summary_anchors(html) == ["id_file"] and "id_file" in ids_of(html)


def test_a_date_choice_refused_is_shown_beside_the_choices(site, cast):
    from dsg.inspections import services as inspections

    from ..inspections.helpers import tomorrow_at

    case = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = inspections.inspection_open(subject=case, actor=cast.reviewer)
    start = tomorrow_at(10).strftime("%Y-%m-%dT%H:%M")
    client_of(cast.reviewer).post(
        f"/inspections/{inspection.pk}/slots/", {"starts_at": [start], "hours": "2"}
    )
    psa = client_of(cast.psa)
    refused = psa.post(f"/inspections/{inspection.pk}/pick/", {"entry_notes": "正門受付"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'id="slot_error"' in html and "正門受付" in html  # what was typed is kept
    assert summary_anchors(html) == ["slot-0"] and "slot-0" in ids_of(html)
    inspection.refresh_from_db()
    assert inspection.scheduled_at is None


def test_confirming_a_disposal_goes_through_its_page(site, psa, reviewer):
    """The office's confirmation takes the terminal out of the registry: never by one click."""
    from dsg.registry.models import DisposalState

    from ..registry.disposal import record, terminal_at

    terminal = terminal_at(site, psa)
    disposal = record(terminal, psa)
    url = f"/disposals/{disposal.pk}/confirm/"
    office = client_of(reviewer)
    shown = office.get(f"/terminals/{terminal.pk}/disposal/").content.decode()
    assert f'action="{url}"' in shown and 'method="get"' in shown
    page = office.get(url)
    assert page.status_code == 200 and "data-told" in page.content.decode()
    disposal.refresh_from_db()
    assert disposal.state == DisposalState.RECORDED
    assert client_of(psa).get(url).status_code == 403
    assert office.post(url, {"confirmed": "1"}).status_code == 303
    disposal.refresh_from_db()
    assert disposal.state == DisposalState.CONFIRMED
    assert "data-refusal" in office.get(url).content.decode()  # once: said, no button
