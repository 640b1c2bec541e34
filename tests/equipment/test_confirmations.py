"""受理, 取下げ and the decision on a §5 request's lines go through the one confirmation page
(core.views.confirm_action, #12): GET states what the step does and who is told, and changes
nothing; a POST that skips the page is refused; 取下げ needs the reason the office reads and a
refused line the reason the company reads (beside the field); the POST from the page changes the
state, writes the ledger and says what comes next (今後の流れ, equipment.after), per kind."""

from __future__ import annotations

import html
import re

import pytest
from django.utils import translation

from dsg.audit.models import AuditEvent
from dsg.equipment import services
from dsg.equipment.after import AFTER_ACTION, AFTER_APPROVED, request_done_message
from dsg.equipment.models import EquipmentRequest, Outcome, RequestKind, RequestState
from dsg.registry.models import Terminal

from .test_views import as_, medium_row

pytestmark = pytest.mark.django_db


def terminal_request(site, psa, *names: str) -> EquipmentRequest:
    lines = [
        {"action": "add", "name": n, "model_name": "ThinkPad", "serial_number": f"SN-{n}"}
        for n in names
    ]
    filed = services.request_file(
        site=site, actor=psa, kind="terminal", purpose="増員", lines=lines
    ).request
    assert filed is not None
    return filed


def state_of(filed) -> str:
    return EquipmentRequest.objects.get(pk=filed.pk).state


def ledger(filed, action: str) -> int:
    return AuditEvent.objects.filter(
        action=f"equipment_request.{action}", object_id=str(filed.pk)
    ).count()


def message_after(client, response) -> str:
    assert response.status_code == 303, response.content.decode()[:800]
    page = client.get(response["Location"]).content.decode()
    found = re.search(r'<p class="notice notice--success">(.*?)</p>', page, re.S)
    assert found, "no message"
    return html.unescape(found.group(1))


def expected(action: str, filed, **values) -> str:
    with translation.override("ja"):
        text = request_done_message(action, EquipmentRequest.objects.get(pk=filed.pk), **values)
    assert "今後の流れ" in text or action == "decide"
    return text


def test_taking_a_request_up_is_confirmed_then_said(client, enrolled, cast):
    filed = terminal_request(enrolled, cast.psa, "PC-10")
    reviewer = as_(client, cast.reviewer)
    url = f"/equipment-requests/{filed.pk}/take-up/"
    page = reviewer.get(url).content.decode()
    assert 'data-form="confirm"' in page and "data-consequence" in page and "data-told" in page
    assert state_of(filed) == RequestState.FILED
    assert reviewer.post(url).status_code == 200  # not from the page: drawn, nothing done
    assert state_of(filed) == RequestState.FILED and ledger(filed, "take_up") == 0
    response = reviewer.post(url, {"confirmed": "1"})
    assert state_of(filed) == RequestState.UNDER_REVIEW and ledger(filed, "take_up") == 1
    assert message_after(reviewer, response) == expected("take_up", filed)
    again = reviewer.get(url).content.decode()  # already taken up: said, no button
    assert "data-refusal" in again and 'data-form="confirm"' not in again


def test_withdrawal_needs_the_reason_and_says_what_follows(client, enrolled, cast):
    filed = terminal_request(enrolled, cast.psa, "PC-10")
    psa = as_(client, cast.psa)
    url = f"/equipment-requests/{filed.pk}/withdraw/"
    refused = psa.post(url, {"comment": " ", "confirmed": "1"})
    shown = refused.content.decode()
    assert refused.status_code == 422
    assert 'id="id_comment_error"' in shown and 'href="#id_comment"' in shown
    assert state_of(filed) == RequestState.FILED and ledger(filed, "withdraw") == 0
    response = psa.post(url, {"comment": "計画が中止になった", "confirmed": "1"})
    assert state_of(filed) == RequestState.WITHDRAWN and ledger(filed, "withdraw") == 1
    assert EquipmentRequest.objects.get(pk=filed.pk).withdraw_reason == "計画が中止になった"
    assert message_after(psa, response) == expected("withdraw", filed)


def test_approving_a_terminal_says_the_set_up_and_the_test_come_next(client, enrolled, cast):
    filed = terminal_request(enrolled, cast.psa, "PC-10")
    reviewer = as_(client, cast.reviewer)
    url = f"/equipment-requests/{filed.pk}/decide/"
    page = reviewer.get(url).content.decode()
    assert "data-consequence" in page and 'name="line-1-verdict"' in page and "PC-10" in page
    response = reviewer.post(url, {"line-1-verdict": "approve", "confirmed": "1"})
    decided = EquipmentRequest.objects.get(pk=filed.pk)
    assert (decided.state, decided.outcome) == (RequestState.DECIDED, Outcome.APPROVED)
    assert ledger(filed, "line_decide") == 1
    assert Terminal.objects.filter(site=enrolled, name="PC-10").exists()
    message = message_after(reviewer, response)
    assert message == expected("decide", filed)
    with translation.override("ja"):
        assert str(AFTER_APPROVED[RequestKind.TERMINAL]) in message


def test_refusing_a_line_needs_its_reason_beside_it(client, enrolled, cast, terminal):
    filed = services.request_file(
        site=enrolled, actor=cast.psa, kind="medium", purpose="x", lines=[medium_row(terminal)]
    ).request
    reviewer = as_(client, cast.reviewer)
    url = f"/equipment-requests/{filed.pk}/decide/"
    refused = reviewer.post(url, {"line-1-verdict": "refuse", "confirmed": "1"})
    assert refused.status_code == 422
    assert 'id="id_line-1-reason_error"' in refused.content.decode()
    assert ledger(filed, "line_decide") == 0
    response = reviewer.post(
        url, {"line-1-verdict": "refuse", "line-1-reason": "用途が不明", "confirmed": "1"}
    )
    decided = EquipmentRequest.objects.get(pk=filed.pk)
    assert decided.outcome == Outcome.REJECTED and ledger(filed, "line_decide") == 1
    assert message_after(reviewer, response) == expected("decide", filed)


def test_deciding_some_lines_says_how_many_are_left(client, enrolled, cast):
    filed = terminal_request(enrolled, cast.psa, "PC-10", "PC-11")
    reviewer = as_(client, cast.reviewer)
    url = f"/equipment-requests/{filed.pk}/decide/"
    response = reviewer.post(url, {"line-1-verdict": "approve", "confirmed": "1"})
    assert state_of(filed) == RequestState.FILED and ledger(filed, "line_decide") == 1
    message = message_after(reviewer, response)
    assert message == expected("decide", filed, pending=1)
    page = reviewer.get(url).content.decode()  # only the line left to decide
    assert 'name="line-2-verdict"' in page and 'name="line-1-verdict"' not in page


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_message_says_what_comes_next_in_both_languages(language):
    marker = {"ja": "今後の流れ", "en": "Next:"}[language]
    with translation.override(language):
        for key, message in AFTER_ACTION.items():
            if key != "decided":  # followed by the kind's AFTER_APPROVED line
                assert marker in str(message), (language, key)
        for kind, message in AFTER_APPROVED.items():
            assert marker in str(message), (language, kind)
