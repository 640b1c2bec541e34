"""The records of ③–⑥ that move a case on, and the company's request for ⑦, go through their
confirmation pages (#12: nothing irreversible by one click): the case page's form carries its
date, serial or comment there; GET and a POST without ``confirmed`` change nothing; confirmed, the
step is taken with its 今後の流れ; a refusal (a date in the future, a wrong role or state) is said
on the page and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone, translation

from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.selectors import CONFIRM_PAGES
from dsg.enrollment.services import INSPECTION_TRANSITIONS
from dsg.enrollment.todos import transition_done_message
from dsg.notifications.models import OutboxMessage

from ..db_rows import table_rows
from ..walk import new_case, prepare_for, walk_to
from .field_errors import assert_error_beside

pytestmark = pytest.mark.django_db

VOLATILE = frozenset({"last_login"})


def today() -> str:
    return timezone.localdate().isoformat()


# name: (its page's slug, the state it is taken from, who takes it, what the form sends, after)
RECORDS: dict[str, tuple[str, str, str, dict[str, Any], str]] = {
    "complete_survey": ("complete-survey", State.SURVEY, "staff", {}, State.CONSTRUCTION),
    "complete_construction": (
        "complete-construction",
        State.CONSTRUCTION,
        "staff",
        {"performed_on": "today"},
        State.ROUTER_INSTALLATION,
    ),
    "install_router": (
        "install-router",
        State.ROUTER_INSTALLATION,
        "staff",
        {"performed_on": "today", "router_serial": "RTR-CONFIRM-7"},
        State.TERMINAL_SETUP,
    ),
    "request_final_inspection": (
        "request-final-inspection",
        State.TERMINAL_SETUP,
        "psa",
        {"comment": "全端末の接続テストを終えました"},
        State.FINAL_INSPECTION,
    ),
}


def _case(site, cast, name: str) -> tuple[Enrollment, Client, str, dict[str, str]]:
    slug, state, who, values, _after = RECORDS[name]
    case = walk_to(new_case(site, cast), state, cast)
    prepare_for(case, name, cast)
    client = Client()
    client.force_login(getattr(cast, who))
    sent = {k: today() if v == "today" else v for k, v in values.items()}
    return case, client, f"/enrollments/{case.pk}/{slug}/", sent


def _rows() -> dict[str, Any]:
    return table_rows(volatile=VOLATILE)


def test_every_step_a_person_takes_has_a_page_of_its_own():
    from dsg.enrollment.services import TRANSITION_NAMES

    by_people = set(TRANSITION_NAMES) - set(INSPECTION_TRANSITIONS)
    assert by_people <= set(CONFIRM_PAGES), sorted(by_people - set(CONFIRM_PAGES))


def test_the_pages_table_is_the_urls_the_words_and_the_forms_of_every_page():
    """One table names the confirmation pages: each is served at its path with its name, says
    its words (CONFIRMED, or RECORDED for those the case page's form carries values to) and,
    carried, draws the fields its transition asks for."""
    from dsg.enrollment.services import TRANSITION_NAMES
    from dsg.enrollment.views import CONFIRMED, RECORDED

    assert set(CONFIRM_PAGES) <= set(TRANSITION_NAMES)
    served = {name: page for name, page in CONFIRM_PAGES.items() if page.slug}
    assert set(CONFIRMED) == {name for name, page in served.items() if not page.carries}
    assert set(RECORDED) == {name for name, page in served.items() if page.carries} == set(RECORDS)
    for name, page in CONFIRM_PAGES.items():
        url = reverse(page.url_name, args=[7])
        if page.slug:
            assert url == f"/enrollments/7/{page.slug}/"
            assert resolve(url).kwargs == {"enrollment_id": 7, "name": name}
    assert {name: page.slug for name, page in served.items() if page.carries} == {
        name: record[0] for name, record in RECORDS.items()
    }


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_a_record_is_taken_only_when_confirmed_on_its_page(site, cast, name):
    case, client, url, sent = _case(site, cast, name)
    state, after = RECORDS[name][1], RECORDS[name][4]
    before = _rows()

    detail = client.get(f"/enrollments/{case.pk}/").content.decode()
    assert f'action="{url}"' in detail  # the case page's form posts to the page
    shown = client.get(url)
    html = shown.content.decode()
    assert shown.status_code == 200 and 'data-form="confirm"' in html
    assert "data-consequence" in html and "data-told" in html
    assert _rows() == before

    carried = client.post(url, sent)  # the case page's form: drawn, nothing done
    html = carried.content.decode()
    assert carried.status_code == 200 and 'data-form="confirm"' in html
    for value in sent.values():
        assert value in html, value
    generic = client.post(f"/enrollments/{case.pk}/transitions/{name}/", sent)
    assert generic.status_code == 303 and generic["Location"] == url  # never acts
    assert _rows() == before
    case.refresh_from_db()
    assert case.state == state

    mails = OutboxMessage.objects.count()
    done = client.post(url, {**sent, "confirmed": "1"}, follow=True)
    assert done.redirect_chain == [(f"/enrollments/{case.pk}/", 303)]
    with translation.override("ja"):
        assert transition_done_message(name) in done.content.decode()  # 今後の流れ
    case.refresh_from_db()
    assert case.state == after
    record = case.records.get(transition=name)
    if "performed_on" in sent:
        assert record.performed_on == timezone.localdate()
    assert record.comment == sent.get("comment", "")
    assert OutboxMessage.objects.count() > mails  # the others are told, as the page said


def test_the_router_s_serial_is_checked_on_the_page_and_kept_when_refused(site, cast):
    case, client, url, sent = _case(site, cast, "install_router")
    before = _rows()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(url, {**sent, "performed_on": tomorrow, "confirmed": "1"})
    page = assert_error_beside(
        response, data_form="confirm", field_id="install_router-performed_on"
    )
    assert 'value="RTR-CONFIRM-7"' in page  # what was typed is kept
    assert _rows() == before
    case.refresh_from_db()
    assert case.state == State.ROUTER_INSTALLATION


@pytest.mark.parametrize(
    ("name", "who"),
    [
        ("complete_survey", "psa"),
        ("install_router", "delegate"),
        ("request_final_inspection", "staff"),
    ],
)
def test_a_role_that_may_not_take_the_step_is_refused_its_page(site, cast, name, who):
    case, _client, url, sent = _case(site, cast, name)
    other = Client()
    other.force_login(getattr(cast, who))
    before = _rows()
    assert other.get(url).status_code == 403
    assert other.post(url, {**sent, "confirmed": "1"}).status_code == 403
    assert _rows() == before
    case.refresh_from_db()
    assert case.state == RECORDS[name][1]


def test_a_step_of_another_state_is_refused_on_its_page(site, cast):
    case = walk_to(new_case(site, cast), State.SURVEY, cast)
    client = Client()
    client.force_login(cast.staff)
    url = f"/enrollments/{case.pk}/install-router/"
    before = _rows()
    shown = client.get(url)
    assert shown.status_code == 200 and "data-refusal" in shown.content.decode()
    sent = {"performed_on": today(), "router_serial": "RTR-1", "confirmed": "1"}
    assert client.post(url, sent).status_code == 409
    assert _rows() == before
