"""The case page's transition forms and the reviewer's comments: a bad input draws the page again
with the error beside its field and in the summary, and changes nothing (#12)."""

from __future__ import annotations

import pytest

from dsg.enrollment.models import ReviewComment, State

from ..walk import (
    DaysFromToday,
    attach_documents,
    new_case,
    report_every_deficiency,
    walk_to,
)
from .field_errors import Unchanged, assert_error_beside

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"performed_on": "", "router_serial": "RT-1"}, "performed_on", "実施日を入力"),
        ({"performed_on": "来週", "router_serial": "RT-1"}, "performed_on", ""),
        ({"performed_on": DaysFromToday(3), "router_serial": "RT-1"}, "performed_on", ""),
        ({"performed_on": DaysFromToday(0), "router_serial": "  "}, "router_serial", "製造番号"),
    ],
    ids=["date-missing", "date-not-a-date", "date-in-future", "serial-missing"],
)
def test_a_transition_with_a_bad_input_shows_the_error_beside_its_field(
    client, site, cast, data, field, message
):
    case = walk_to(new_case(site, cast), State.ROUTER_INSTALLATION, cast)
    client.force_login(cast.staff)
    with Unchanged():  # checked on its confirmation page (#12), where it is confirmed
        response = client.post(
            f"/enrollments/{case.pk}/install-router/", {**data, "confirmed": "1"}
        )
    assert response.status_code == 422
    page = response.content.decode()
    assert f'href="#install_router-{field}"' in page
    form = page[page.index('data-form="confirm"') :]
    form = form[: form.index("</form>")]
    assert f'id="install_router-{field}_error"' in form and f'id="install_router-{field}"' in form
    if message:
        assert message in form
    if data.get("router_serial", "").strip():  # what was typed is kept
        assert 'value="RT-1"' in form
    case.refresh_from_db()
    assert case.state == State.ROUTER_INSTALLATION


def test_a_required_comment_missing_is_said_beside_the_comment(client, site, cast):
    case = walk_to(new_case(site, cast), State.INSPECTION_REMEDIATION, cast)
    report_every_deficiency(case, cast)
    client.force_login(cast.psa)
    url = f"/enrollments/{case.pk}/report-remediation/"  # its confirmation page (#12)
    with Unchanged():
        generic = client.post(f"/enrollments/{case.pk}/transitions/report_remediation/")
        assert generic.status_code == 303 and generic["Location"] == url  # never one click
        response = client.post(url, {"comment": " ", "confirmed": "1"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'href="#id_comment"' in page and 'id="id_comment_error"' in page
    case.refresh_from_db()
    assert case.state == State.INSPECTION_REMEDIATION
    done = client.post(url, {"comment": "是正しました", "confirmed": "1"})
    assert done.status_code == 303
    case.refresh_from_db()
    assert case.state == State.INSPECTION_REMEDIATION_REPORTED


def test_the_application_is_accepted_through_its_confirmation_page(client, site, cast):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    client.force_login(cast.reviewer)
    url = f"/enrollments/{case.pk}/accept/"
    detail = client.get(f"/enrollments/{case.pk}/").content.decode()
    assert f'href="{url}" data-confirm-page' in detail
    assert 'action="/enrollments/{case.pk}/transitions/accept/"' not in detail
    with Unchanged():
        assert client.post(f"/enrollments/{case.pk}/transitions/accept/").status_code == 303
        skipped = client.post(url)  # not from the page: drawn, nothing done
        assert skipped.status_code == 200 and "data-consequence" in skipped.content.decode()
    assert client.post(url, {"comment": "", "confirmed": "1"}).status_code == 303
    case.refresh_from_db()
    assert case.state == State.INSPECTION


def test_the_transition_forms_carry_their_help_text(client, site, cast):
    case = walk_to(new_case(site, cast), State.ROUTER_INSTALLATION, cast)
    client.force_login(cast.staff)
    page = client.get(f"/enrollments/{case.pk}/").content.decode()
    assert 'id="install_router-router_serial_helptext"' in page
    assert 'id="install_router-performed_on_helptext"' in page


@pytest.mark.parametrize("part", ["site", "general"])
def test_an_empty_review_comment_is_said_beside_its_part(client, site, cast, part):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    version = case.application.versions.get()
    client.force_login(cast.reviewer)
    client.get(f"/application-versions/{version.pk}/")  # the review starts on opening
    with Unchanged():
        response = client.post(
            f"/application-versions/{version.pk}/comments/", {"part": part, "text": "   "}
        )
    page = response.content.decode()
    assert response.status_code == 422
    assert f'href="#comment-{part}-text"' in page
    form = page[page.index(f'data-form="review-comment" data-part="{part}"') :]
    form = form[: form.index("</form>")]
    assert f'id="comment-{part}-text_error"' in form
    assert not ReviewComment.objects.filter(version=version).exists()


def test_a_comment_on_no_part_of_the_application_is_refused_at_the_top(client, site, cast):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    version = case.application.versions.get()
    client.force_login(cast.reviewer)
    response = client.post(
        f"/application-versions/{version.pk}/comments/", {"part": "nowhere", "text": "x"}
    )
    assert response.status_code == 422
    assert 'class="error-summary"' in response.content.decode()
    assert not ReviewComment.objects.filter(version=version).exists()


@pytest.fixture
def with_audit_result(site, cast):
    case = walk_to(new_case(site, cast), State.INSPECTION, cast)
    attach_documents(case, cast.psa, kinds=("audit_result",))
    return case


def test_deeming_without_a_comment_is_said_beside_the_comment(client, with_audit_result, cast):
    case = with_audit_result
    client.force_login(cast.reviewer)
    page = client.get(f"/enrollments/{case.pk}/").content.decode()
    assert 'data-form="deem-by-audit"' in page and 'id="deem-comment_helptext"' in page
    url = f"/enrollments/{case.pk}/deem-by-audit/"
    with Unchanged():
        # from the case page (no ``confirmed``): its confirmation page, the comment carried
        shown = client.post(url, {"comment": "令和8年の監査結果で代替"})
        assert shown.status_code == 200 and "data-consequence" in shown.content.decode()
        assert "令和8年の監査結果で代替" in shown.content.decode()
        response = client.post(url, {"comment": " ", "confirmed": "1"})
    page = assert_error_beside(response, data_form="confirm", field_id="deem-comment")
    case.refresh_from_db()
    assert case.state == State.INSPECTION

    response = client.post(url, {"comment": "令和8年の監査結果で代替", "confirmed": "1"})
    assert response.status_code == 303
    case.refresh_from_db()
    assert case.state == State.SURVEY


def test_only_the_office_deems_an_inspection_done(client, with_audit_result, cast):
    client.force_login(cast.psa)
    response = client.post(
        f"/enrollments/{with_audit_result.pk}/deem-by-audit/",
        {"comment": "自分で", "confirmed": "1"},
    )
    assert response.status_code == 403
    assert client.get(f"/enrollments/{with_audit_result.pk}/deem-by-audit/").status_code == 403
