"""The pages of the 年次確認: each page for each role, the PSA's two answers through their
confirmation steps, the office's rounds with the overdue flag, the filter and the export, and
both dashboards."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings

from dsg.annual.models import AnnualConfirmation, AnnualRound, ConfirmationState

from ..db_rows import table_rows
from .conftest import TITLE, move_due_date


def as_(client, user):
    client.force_login(user)
    return client


def state_of(confirmation: AnnualConfirmation) -> tuple:
    row = AnnualConfirmation.objects.get(pk=confirmation.pk)
    return row.state, row.answered_at, row.statement


# Each page for each role ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "listed"),
    [
        ("psa", 200, True),
        ("delegate", 200, True),
        ("user", 403, False),
        ("reviewer", 200, True),
        ("inspector", 200, True),
        ("provider_staff", 403, False),
        ("other_psa", 200, False),
    ],
)
def test_the_list_for_each_role(client, confirmation, everyone, who, status, listed):
    response = as_(client, everyone[who]).get("/annual/")
    assert response.status_code == status
    page = response.content.decode()
    if who in ("reviewer", "inspector"):  # the office: the rounds
        assert f'data-round="{confirmation.round_id}"' in page
    else:
        assert (f'data-confirmation="{confirmation.pk}"' in page) == listed


@pytest.mark.parametrize(
    ("who", "status", "may_answer"),
    [
        ("psa", 200, True),
        ("delegate", 200, False),
        ("user", 404, False),
        ("reviewer", 200, False),
        ("inspector", 200, False),
        ("provider_staff", 404, False),
        ("other_psa", 404, False),
    ],
)
def test_the_confirmation_page_for_each_role(
    client, confirmation, enrolled, everyone, who, status, may_answer
):
    response = as_(client, everyone[who]).get(f"/annual/confirmations/{confirmation.pk}/")
    assert response.status_code == status
    page = response.content.decode()
    if status == 404:
        assert "data-holdings" not in page and "PC-01" not in page
        if who != "user":  # a 利用者 sees the own company's name in the header
            assert enrolled.name not in page and confirmation.company.name not in page
        return
    assert enrolled.name in page and "PC-01" in page  # the site and its terminal
    assert enrolled.full_address in page
    assert ('data-link="confirm"' in page) == may_answer
    assert ('data-link="changes"' in page) == may_answer


@pytest.mark.parametrize("path", ["confirm/", "changes/"])
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("delegate", 403),
        ("user", 404),
        ("reviewer", 403),
        ("provider_staff", 404),
        ("other_psa", 404),
    ],
)
def test_only_the_psa_reaches_the_answer_pages(client, confirmation, everyone, path, who, status):
    before = state_of(confirmation)
    client = as_(client, everyone[who])
    url = f"/annual/confirmations/{confirmation.pk}/{path}"
    assert client.get(url).status_code == status
    form = {"statement": "変更あり", "filed": "on", "confirmed": "1"}
    assert client.post(url, form).status_code == status
    assert state_of(confirmation) == before


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("psa", 403),
        ("delegate", 403),
        ("user", 403),
        ("inspector", 200),
        ("provider_staff", 403),
        ("other_psa", 403),
    ],
)
def test_the_round_page_is_the_offices(client, confirmation, everyone, who, status):
    client = as_(client, everyone[who])
    url = f"/annual/rounds/{confirmation.round_id}/"
    assert client.get(url).status_code == status
    assert client.get(f"{url}export.csv").status_code == status


# The PSA's answers ----------------------------------------------------------------------------


def test_the_psa_confirms_on_the_confirmation_page(client, confirmation, enrolled, cast):
    """「現在の内容に相違ありません」 through ``core.views.confirm_action`` (#12): GET and a POST
    that did not come from the page change nothing; the page's own POST records the answer."""
    client = as_(client, cast.psa)
    url = f"/annual/confirmations/{confirmation.pk}/confirm/"
    before = table_rows()
    page = client.get(url).content.decode()
    assert 'data-answer-kind="confirm"' in page and 'name="confirmed"' in page
    assert "data-consequence" in page and confirmation.company.name in page
    assert "data-told" in page  # the office is told
    assert enrolled.name in page and "PC-01" in page  # what is confirmed
    assert 'data-link="change-new"' not in page
    assert table_rows() == before
    skipped = client.post(url, {"statement": "異動なし"})  # no ``confirmed``: not from the page
    assert skipped.status_code == 200 and "異動なし" in skipped.content.decode()
    assert table_rows() == before
    response = client.post(url, {"statement": "異動なし", "confirmed": "1"}, follow=True)
    assert response.redirect_chain == [(f"/annual/confirmations/{confirmation.pk}/", 303)]
    state, answered_at, statement = state_of(confirmation)
    assert (state, statement) == (ConfirmationState.CONFIRMED, "異動なし") and answered_at
    page = response.content.decode()
    assert 'data-state="confirmed"' in page and 'data-link="confirm"' not in page
    assert "今後の流れ" in page  # what comes next, after the answer (#12)
    # Asked again: said on the page, without the form; nothing changes.
    before = table_rows()
    again = client.post(url, {"statement": "二度目", "confirmed": "1"})
    assert again.status_code == 409 and "data-refusal" in again.content.decode()
    assert 'name="confirmed"' not in again.content.decode()
    assert client.get(url).status_code == 200
    assert table_rows() == before


def test_something_changed_links_to_the_change_application_of_each_site(
    client, confirmation, enrolled, cast
):
    client = as_(client, cast.psa)
    url = f"/annual/confirmations/{confirmation.pk}/changes/"
    page = client.get(url).content.decode()
    assert f'href="/changes/new/?site={enrolled.pk}"' in page
    assert 'data-answer-kind="changes"' in page and "data-told" in page
    # Without the statement and the PSA's word that the applications were filed: nothing, each
    # error beside its field.
    before = table_rows()
    for form, field in (
        ({"statement": "", "filed": "on", "confirmed": "1"}, "statement"),
        ({"statement": "連絡先を変更", "confirmed": "1"}, "filed"),
    ):
        response = client.post(url, form)
        html = response.content.decode()
        assert response.status_code == 422 and "data-error-summary" in html
        assert f'href="#annual-{field}"' in html and f'id="annual-{field}_error"' in html
        assert table_rows() == before
    skipped = client.post(url, {"statement": "連絡先を変更", "filed": "on"})
    assert skipped.status_code == 200 and table_rows() == before
    response = client.post(url, {"statement": "連絡先を変更", "filed": "on", "confirmed": "1"})
    assert response.status_code == 303
    assert state_of(confirmation)[:1] == (ConfirmationState.CHANGES_FILED,)


def test_a_refused_answer_changes_nothing(client, confirmation, cast):
    """The service refuses (the confirmation was answered between the page and the click): said
    on the page, nothing recorded twice."""
    from dsg.annual import services

    client = as_(client, cast.psa)
    url = f"/annual/confirmations/{confirmation.pk}/changes/"
    assert client.get(url).status_code == 200
    services.annual_confirmation_confirm(confirmation=confirmation, actor=cast.psa)
    before = table_rows()
    response = client.post(url, {"statement": "連絡先を変更", "filed": "on", "confirmed": "1"})
    assert response.status_code == 409 and "data-refusal" in response.content.decode()
    assert table_rows() == before
    assert state_of(confirmation)[0] == ConfirmationState.CONFIRMED


def test_the_answered_page_shows_what_was_looked_at(client, confirmation, enrolled, cast):
    from dsg.annual import services
    from dsg.orgs.models import Site

    services.annual_confirmation_confirm(confirmation=confirmation, actor=cast.psa)
    Site.objects.filter(pk=enrolled.pk).update(name="改名後の拠点")
    page = as_(client, cast.reviewer).get(f"/annual/confirmations/{confirmation.pk}/")
    assert enrolled.name in page.content.decode()
    assert "改名後の拠点" not in page.content.decode()


# The office's pages ---------------------------------------------------------------------------


def test_the_reviewer_opens_a_round_on_its_confirmation_page(client, enrolled, cast):
    """Opening a round mails every company: through ``core.views.confirm_action`` (#12)."""
    from ..walk import today

    client = as_(client, cast.reviewer)
    before = table_rows()
    page = client.get("/annual/rounds/new/").content.decode()
    assert "data-consequence" in page and "data-told" in page and 'name="confirmed"' in page
    assert 'data-list="companies" data-count="1"' in page and enrolled.company.name in page
    assert table_rows() == before
    due = (today().replace(year=today().year + 1)).isoformat()
    form = {"title": TITLE, "due_on": due}
    skipped = client.post("/annual/rounds/new/", form)  # not from the page: carried, not done
    assert skipped.status_code == 200 and TITLE in skipped.content.decode()
    assert table_rows() == before
    response = client.post("/annual/rounds/new/", {**form, "confirmed": "1"}, follow=True)
    assert response.redirect_chain == [("/annual/", 303)]
    annual_round = AnnualRound.objects.get()
    assert f'data-round="{annual_round.pk}"' in response.content.decode()
    assert annual_round.confirmations.get().company == enrolled.company


def test_a_round_in_the_past_is_refused_beside_its_field(client, enrolled, cast):
    from ..walk import today

    client = as_(client, cast.reviewer)
    before = table_rows()
    form = {"title": TITLE, "due_on": today().isoformat(), "confirmed": "1"}
    response = client.post("/annual/rounds/new/", form)
    assert response.status_code == 422
    assert 'data-field="due_on"' in response.content.decode()
    assert "field--error" in response.content.decode()
    assert 'href="#round-due_on"' in response.content.decode()
    assert table_rows() == before


@pytest.mark.parametrize("who", ["inspector", "psa", "user", "provider_staff"])
def test_only_a_reviewer_reaches_the_new_round_page(client, enrolled, everyone, who):
    client = as_(client, everyone[who])
    assert client.get("/annual/rounds/new/").status_code == 403
    assert client.post("/annual/rounds/new/", {"title": "x", "confirmed": "1"}).status_code == 403
    assert not AnnualRound.objects.exists()


def test_the_round_page_flags_the_overdue_and_filters_by_state(client, confirmation, cast):
    url = f"/annual/rounds/{confirmation.round_id}/"
    client = as_(client, cast.reviewer)
    page = client.get(url).content.decode()
    assert f'data-confirmation="{confirmation.pk}"' in page and "data-annual-overdue" not in page
    move_due_date(confirmation.round, -1)
    page = client.get(url).content.decode()
    assert "data-annual-overdue" in page
    overdue = client.get(f"{url}?state=overdue").content.decode()
    assert f'data-confirmation="{confirmation.pk}"' in overdue
    confirmed = client.get(f"{url}?state=confirmed").content.decode()
    assert f'data-confirmation="{confirmation.pk}"' not in confirmed


def test_the_round_exports_as_csv(client, confirmation, cast):
    from dsg.annual import services

    services.annual_confirmation_changes_filed(
        confirmation=confirmation, actor=cast.psa, statement="拠点名の変更を申請"
    )
    response = as_(client, cast.reviewer).get(f"/annual/rounds/{confirmation.round_id}/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    assert row[0] == confirmation.company.name and "拠点名の変更を申請" in row


# The dashboards -------------------------------------------------------------------------------


def test_the_company_home_flags_an_overdue_confirmation(client, confirmation, cast):
    page = as_(client, cast.psa).get("/").content.decode()
    assert 'data-panel="annual"' in page and f'data-confirmation="{confirmation.pk}"' in page
    # due in 30 days: neither flag
    assert "data-annual-overdue" not in page and "data-annual-due-soon" not in page
    move_due_date(confirmation.round, 10)
    assert "data-annual-due-soon" in as_(client, cast.psa).get("/").content.decode()
    move_due_date(confirmation.round, -2)
    page = as_(client, cast.delegate).get("/").content.decode()
    assert "data-annual-overdue" in page


def test_the_offices_home_counts_the_overdue_and_due_soon(client, confirmation, cast):
    move_due_date(confirmation.round, 5)
    page = as_(client, cast.reviewer).get("/").content.decode()
    assert 'data-panel="annual"' in page
    assert 'data-count="due-soon">1<' in page and 'data-count="overdue">0<' in page
    move_due_date(confirmation.round, -1)
    page = as_(client, cast.inspector).get("/").content.decode()
    assert 'data-count="overdue">1<' in page and "data-annual-overdue" in page


@pytest.mark.parametrize("who", ["user", "provider_staff", "other_psa"])
def test_no_annual_panel_for_those_it_does_not_concern(client, confirmation, everyone, who):
    move_due_date(confirmation.round, -1)
    page = as_(client, everyone[who]).get("/").content.decode()
    assert 'data-panel="annual"' not in page


def test_an_answered_confirmation_leaves_the_company_home(client, confirmation, cast):
    from dsg.annual import services

    services.annual_confirmation_confirm(confirmation=confirmation, actor=cast.psa)
    assert 'data-panel="annual"' not in as_(client, cast.psa).get("/").content.decode()


def test_the_pages_are_in_japanese_by_default_and_in_english_on_request(client, confirmation, cast):
    client = as_(client, cast.psa)
    url = f"/annual/confirmations/{confirmation.pk}/"
    page = client.get(url).content.decode()
    assert "現在の内容に相違ありません" in page and "年次確認" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The data is current" in english
