"""Nothing irreversible by one click (#12): 取下げ, 却下 and 補正 of a case go through a
confirmation page — GET states what it does and what the other side is told and changes nothing,
POST without the reason the other side needs is refused with the error beside the field, POST
with it takes the step. The case page and the version page link to these pages; the generic
transition URL never takes them directly. The submission goes through 入力内容の確認."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from dsg.enrollment.models import State
from dsg.inspections import services as inspections

from ..inspections.helpers import record
from ..walk import new_case, today, walk_to

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ids_of(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def summary_links(html: str) -> list[str]:
    box = re.search(r"<div class=\"error-summary\".*?</div>", html, re.S)
    assert box, "no error summary"
    return re.findall(r'href="#([^"]+)"', box.group(0))


CASES = [
    # (page, who, the state before, the state after, a comment required)
    ("withdraw", "psa", State.SUBMITTED, State.WITHDRAWN, False),
    ("reject", "reviewer", State.SUBMITTED, State.REJECTED, True),
    ("return", "reviewer", State.SUBMITTED, State.RETURNED, True),
]


@pytest.mark.parametrize(("slug", "who", "before", "after", "comment_required"), CASES)
def test_an_irreversible_step_goes_through_its_confirmation_page(
    site, cast, slug, who, before, after, comment_required
):
    case = walk_to(new_case(site, cast), before, cast)
    client = client_of(getattr(cast, who))
    url = f"/enrollments/{case.pk}/{slug}/"

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-consequence" in html and "data-told" in html and 'name="comment"' in html
    case.refresh_from_db()
    assert case.state == before, "a GET changed the case"

    if comment_required:
        refused = client.post(url, {"comment": "  ", "confirmed": "1"})
        assert refused.status_code == 422
        html = refused.content.decode()
        # the error beside the field, and the summary's link lands on it
        assert 'id="id_comment_error"' in html
        assert summary_links(html) == ["id_comment"]
        assert "id_comment" in ids_of(html)
        case.refresh_from_db()
        assert case.state == before

    done = client.post(url, {"comment": "理由を記入しました。", "confirmed": "1"})
    assert done.status_code == 303 and done["Location"] == f"/enrollments/{case.pk}/"
    case.refresh_from_db()
    assert case.state == after
    assert case.records.latest("pk").comment == "理由を記入しました。"


def test_the_generic_transition_url_never_takes_an_irreversible_step(site, cast):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    for name, slug, who in (
        ("withdraw", "withdraw", cast.psa),
        ("reject", "reject", cast.reviewer),
        ("return_for_correction", "return", cast.reviewer),
    ):
        answer = client_of(who).post(
            f"/enrollments/{case.pk}/transitions/{name}/", {"comment": "x"}
        )
        assert answer.status_code == 303 and answer["Location"] == f"/enrollments/{case.pk}/{slug}/"
        case.refresh_from_db()
        assert case.state == State.SUBMITTED


def test_the_generic_transition_url_refuses_what_has_no_page(site, cast):
    """An inspection's outcome is recorded as a round, and a name that is no step is not found:
    a crafted POST changes nothing and is told why on the case page."""
    case = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspector = client_of(cast.inspector)
    answer = inspector.post(f"/enrollments/{case.pk}/transitions/pass_inspection/", follow=True)
    assert answer.redirect_chain == [(f"/enrollments/{case.pk}/#inspections", 303)]
    assert "現地確認の結果は、現地確認の回として通知書とともに記録します" in answer.content.decode()
    unknown = inspector.post(f"/enrollments/{case.pk}/transitions/approve_everything/")
    assert unknown.status_code == 404
    case.refresh_from_db()
    assert case.state == State.INSPECTION


def test_the_case_page_links_to_the_confirmation_pages(site, cast):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    html = client_of(cast.reviewer).get(f"/enrollments/{case.pk}/").content.decode()
    assert f'href="/enrollments/{case.pk}/reject/"' in html
    assert f'action="/enrollments/{case.pk}/transitions/reject/"' not in html
    html = client_of(cast.psa).get(f"/enrollments/{case.pk}/").content.decode()
    assert f'href="/enrollments/{case.pk}/withdraw/"' in html
    assert f'action="/enrollments/{case.pk}/transitions/withdraw/"' not in html


def test_the_version_page_offers_return_and_reject_through_their_pages(site, cast):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    version = case.application.versions.get()
    html = client_of(cast.reviewer).get(f"/application-versions/{version.pk}/").content.decode()
    assert f'href="/enrollments/{case.pk}/return/"' in html
    assert f'href="/enrollments/{case.pk}/reject/"' in html
    assert "/transitions/return_for_correction/" not in html


def test_a_step_that_cannot_be_taken_now_is_said_on_the_page(site, cast):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    client_of(cast.psa).post(f"/enrollments/{case.pk}/withdraw/", {"comment": "", "confirmed": "1"})
    page = client_of(cast.psa).get(f"/enrollments/{case.pk}/withdraw/")
    assert page.status_code == 200 and "data-refusal" in page.content.decode()
    assert 'data-form="confirm"' not in page.content.decode()
    assert client_of(cast.psa).post(f"/enrollments/{case.pk}/withdraw/").status_code == 409


def test_only_the_roles_that_may_take_the_step_open_its_page(site, cast, company_user):
    case = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    assert client_of(cast.psa).get(f"/enrollments/{case.pk}/reject/").status_code == 403
    assert client_of(company_user).get(f"/enrollments/{case.pk}/withdraw/").status_code == 403
    assert client_of(cast.reviewer).get(f"/enrollments/{case.pk}/withdraw/").status_code == 403


def test_the_case_page_submits_only_through_check_your_answers(site, cast):
    case = new_case(site, cast)
    html = client_of(cast.psa).get(f"/enrollments/{case.pk}/").content.decode()
    assert f'href="/enrollments/{case.pk}/application/confirm/"' in html
    assert "/transitions/submit/" not in html
    # a post to the generic URL goes to the check-answers page and submits nothing
    answer = client_of(cast.psa).post(f"/enrollments/{case.pk}/transitions/submit/")
    assert answer.status_code == 303
    assert answer["Location"] == f"/enrollments/{case.pk}/application/confirm/"
    case.refresh_from_db()
    assert case.state == State.DRAFT


def test_finishing_the_final_inspection_completes_the_case_only_once_confirmed(site, cast):
    """Completing a case: finishing ⑦'s round issues the notices and ends the procedure."""
    case = walk_to(new_case(site, cast), State.FINAL_INSPECTION, cast)
    inspection = inspections.inspection_open(subject=case, actor=cast.inspector)
    record(inspection, cast)
    client = client_of(cast.inspector)
    url = f"/inspections/{inspection.pk}/finish/"
    detail = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert f'action="{url}"' in detail and 'method="get"' in detail

    page = client.get(url, {"performed_on": today().isoformat()})
    html = page.content.decode()
    assert page.status_code == 200 and "加入完了" in html and 'name="effective_on"' in html
    case.refresh_from_db()
    assert case.state == State.FINAL_INSPECTION

    future = (today() + dt.timedelta(days=3)).isoformat()
    refused = client.post(url, {"performed_on": future, "confirmed": "1"})
    assert refused.status_code == 422
    assert 'id="id_performed_on_error"' in refused.content.decode()
    assert summary_links(refused.content.decode()) == ["id_performed_on"]
    case.refresh_from_db()
    assert case.state == State.FINAL_INSPECTION

    done = client.post(url, {"performed_on": today().isoformat(), "confirmed": "1"})
    assert done.status_code == 303
    case.refresh_from_db()
    assert case.state == State.COMPLETED
