"""Every decision on a change goes through the one confirmation page (core.views.confirm_action,
core/confirm.html, #12): GET states what it does and to whom and changes nothing; a POST that
skips the page draws it and changes nothing; 補正 and 却下 need the comment the company reads
(the error beside the field, linked from the summary); the POST from the page changes the state,
writes the ledger and says what comes next (今後の流れ, requests.after.AFTER_ACTION)."""

from __future__ import annotations

import html
import re

import pytest
from django.utils import translation

from dsg.audit.models import AuditEvent
from dsg.requests.after import AFTER_ACTION, AFTER_EXTRA, change_done_message
from dsg.requests.models import ChangeRequest, ChangeState, ProviderWork
from dsg.requests.views import DECISIONS

from ..walk import today
from .helpers import submitted
from .test_views import as_, relocation, snapshot

pytestmark = pytest.mark.django_db

WHO = {"return": "reviewer", "reject": "reviewer", "accept": "reviewer", "withdraw": "psa"}
TRANSITION = {
    "return": ("return_for_correction", ChangeState.RETURNED),
    "reject": ("reject", ChangeState.REJECTED),
    "withdraw": ("withdraw", ChangeState.WITHDRAWN),
    "accept": ("accept", ChangeState.ACCEPTED),
}


def person(name, cast, reviewer):
    return reviewer if name == "reviewer" else cast.psa


def ledger(change, name) -> int:
    return AuditEvent.objects.filter(action=f"change.{name}", object_id=str(change.pk)).count()


def shown_message(response) -> str:
    found = re.search(r'<p class="notice notice--success">(.*?)</p>', response.content.decode())
    assert found, "no message"
    return html.unescape(found.group(1))


def expected(action, change) -> str:
    with translation.override("ja"):
        return change_done_message(action, ChangeRequest.objects.get(pk=change.pk))


@pytest.mark.parametrize("action", ["return", "reject", "withdraw", "accept"])
def test_the_confirmation_page_states_the_consequence_and_changes_nothing(
    client, enrolled, cast, reviewer, action
):
    change = relocation(enrolled, cast)
    before = snapshot(change)
    c = as_(client, person(WHO[action], cast, reviewer))
    page = c.get(f"/changes/{change.pk}/{action}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-form="confirm"' in html and "data-consequence" in html and "data-told" in html
    assert change.number in html and 'name="confirmed"' in html
    required = DECISIONS[action]["comment"] == "required"
    assert ('data-field="comment"' in html) and ('<span class="req">' in html) == required
    assert snapshot(change) == before and ledger(change, TRANSITION[action][0]) == 0
    # the change's page links to it (a GET), it posts nothing itself
    detail = c.get(f"/changes/{change.pk}/").content.decode()
    assert f'href="/changes/{change.pk}/{action}/" data-confirm-page' in detail
    assert f'action="/changes/{change.pk}/{action}/"' not in detail


@pytest.mark.parametrize("action", ["return", "reject", "withdraw", "accept"])
def test_a_post_that_skips_the_confirmation_page_draws_it_and_changes_nothing(
    client, enrolled, cast, reviewer, action
):
    change = relocation(enrolled, cast)
    before = snapshot(change)
    c = as_(client, person(WHO[action], cast, reviewer))
    response = c.post(f"/changes/{change.pk}/{action}/", {"comment": "理由"})
    page = response.content.decode()
    assert response.status_code == 200 and 'data-form="confirm"' in page  # to confirm there
    assert "理由" in page  # what it carried
    assert snapshot(change) == before and ledger(change, TRANSITION[action][0]) == 0


@pytest.mark.parametrize("action", ["return", "reject"])
def test_return_and_reject_without_a_reason_are_refused_beside_the_field(
    client, enrolled, cast, reviewer, action
):
    change = relocation(enrolled, cast)
    before = snapshot(change)
    c = as_(client, reviewer)
    response = c.post(f"/changes/{change.pk}/{action}/", {"comment": "  ", "confirmed": "1"})
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_comment_error"' in html and 'href="#id_comment"' in html
    assert html.index("data-error-summary") < html.index('id="id_comment_error"')
    assert snapshot(change) == before and ledger(change, TRANSITION[action][0]) == 0


@pytest.mark.parametrize("action", ["return", "reject", "withdraw"])
def test_each_decision_changes_the_state_writes_the_ledger_and_says_what_comes_next(
    client, enrolled, cast, reviewer, action
):
    change = relocation(enrolled, cast)
    c = as_(client, person(WHO[action], cast, reviewer))
    response = c.post(
        f"/changes/{change.pk}/{action}/", {"comment": "根拠資料が不足", "confirmed": "1"}
    )
    assert response.status_code == 303 and response["Location"] == f"/changes/{change.pk}/"
    name, state = TRANSITION[action]
    assert ChangeRequest.objects.get(pk=change.pk).state == state
    assert ledger(change, name) == 1
    event = AuditEvent.objects.get(action=f"change.{name}", object_id=str(change.pk))
    assert event.after["comment"] == "根拠資料が不足"
    message = shown_message(c.get(response["Location"]))
    assert message == expected(action, change) and change.number in message


def test_accepting_with_the_provider_s_work_says_the_work_comes_next(
    client, enrolled, cast, reviewer
):
    change = relocation(enrolled, cast)
    c = as_(client, reviewer)
    response = c.post(
        f"/changes/{change.pk}/accept/",
        {"provider_work": ["survey"], "needs_inspection": "on", "confirmed": "1"},
    )
    assert response.status_code == 303
    accepted = ChangeRequest.objects.get(pk=change.pk)
    assert accepted.state == ChangeState.ACCEPTED and accepted.needs_inspection
    assert ledger(change, "accept") == 1
    message = shown_message(c.get(response["Location"]))
    assert message == expected("accept", change)
    with translation.override("ja"):
        assert str(AFTER_EXTRA["provider_work"]) in message
        assert str(AFTER_EXTRA["inspection"]) in message


def test_accepting_a_change_that_needs_nothing_applies_it_and_says_so(
    client, enrolled, cast, reviewer
):
    change = submitted(
        enrolled, cast, "site_name", {"site_name": "新拠点名", "description": "改称"}
    )
    c = as_(client, reviewer)
    response = c.post(f"/changes/{change.pk}/accept/", {"confirmed": "1"})
    assert response.status_code == 303
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.COMPLETED
    assert ledger(change, "accept") == 1 and ledger(change, "complete") == 1
    message = shown_message(c.get(response["Location"]))
    with translation.override("ja"):
        assert message == str(AFTER_ACTION["accept_applied"]).format(number=change.number)


def test_applying_a_change_is_confirmed_then_done(client, enrolled, cast, reviewer):
    change = relocation(enrolled, cast)
    c = as_(client, reviewer)
    c.post(f"/changes/{change.pk}/accept/", {"provider_work": ["survey"], "confirmed": "1"})
    url = f"/changes/{change.pk}/complete/"
    refused = c.get(url).content.decode()  # the work still stands: said, no button
    assert "data-refusal" in refused and 'data-form="confirm"' not in refused
    ProviderWork.objects.filter(change=change).update(done_on=today())
    page = c.get(url).content.decode()
    assert "data-consequence" in page and 'data-field="comment"' not in page
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.ACCEPTED
    assert c.post(url).status_code == 200  # not from the page: drawn, nothing done
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.ACCEPTED
    response = c.post(url, {"confirmed": "1"})
    assert response.status_code == 303
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.COMPLETED
    assert ledger(change, "complete") == 1
    assert shown_message(c.get(response["Location"])) == expected("complete", change)


def test_a_decision_no_longer_possible_is_said_and_refused(client, enrolled, cast, reviewer):
    change = relocation(enrolled, cast)
    c = as_(client, reviewer)
    c.post(f"/changes/{change.pk}/reject/", {"comment": "不備", "confirmed": "1"})
    page = c.get(f"/changes/{change.pk}/return/")
    assert page.status_code == 200 and "data-refusal" in page.content.decode()
    again = c.post(f"/changes/{change.pk}/return/", {"comment": "x", "confirmed": "1"})
    assert again.status_code == 409
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.REJECTED


def test_every_action_has_its_message_in_the_table():
    assert {"return", "reject", "withdraw", "accept", "complete"} <= set(AFTER_ACTION)
    assert set(DECISIONS) <= set(AFTER_ACTION)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_message_says_what_comes_next_in_both_languages(language):
    marker = {"ja": "今後の流れ", "en": "Next:"}[language]
    with translation.override(language):
        for key, message in AFTER_ACTION.items():
            assert marker in str(message), (language, key)
