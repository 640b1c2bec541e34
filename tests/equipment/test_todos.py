"""The §5 requests' open items (core.todos): filed → the office takes it up, under review → the
office decides, 追加資料依頼 → the company's PSA answers by its date; the PSA's home lists it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dsg.core.todos import todos_for
from dsg.equipment import services

KEY = "equipment_request"


def items(user, request) -> list[tuple[str, str]]:
    return [(t.code, t.who) for t in todos_for(user=user, cases={KEY: [request.pk]})]


def terminal_line(name: str = "PC-10") -> dict[str, str]:
    return {"action": "add", "name": name, "model_name": "ThinkPad", "serial_number": f"SN-{name}"}


@pytest.mark.django_db
def test_a_request_waits_on_the_office_then_the_psa_then_the_office(enrolled, cast, client):
    request = services.request_file(
        site=enrolled, actor=cast.psa, kind="terminal", purpose="増設", lines=[terminal_line()]
    ).request
    assert items(cast.reviewer, request) == [("equipment_request.take_up", "office")]
    services.request_take_up(request=request, actor=cast.reviewer)
    assert items(cast.reviewer, request) == [("equipment_request.decide", "office")]
    due = timezone.localdate() + dt.timedelta(days=10)
    services.request_ask(request=request, actor=cast.reviewer, message="仕様書を", due_on=due)
    [answer] = todos_for(user=cast.psa, cases={KEY: [request.pk]})
    assert (answer.code, answer.who, answer.due) == ("equipment_request.answer", "company", due)
    assert answer.url == f"/equipment-requests/{request.pk}/#asks"
    assert answer.site_id == enrolled.pk and answer.number == request.receipt_number
    # The PSA's home lists it under the site, with the link to the answer form.
    client.force_login(cast.psa)
    page = client.get("/").content.decode()
    assert 'data-todo="equipment_request.answer"' in page and answer.url in page
    services.request_answer(request=request, actor=cast.psa, answer="添付しました")
    assert items(cast.reviewer, request) == [("equipment_request.decide", "office")]


@pytest.mark.django_db
def test_a_company_user_and_another_company_see_no_request_items(enrolled, cast, everyone):
    request = services.request_file(
        site=enrolled, actor=cast.psa, kind="terminal", purpose="増設", lines=[terminal_line()]
    ).request
    assert items(everyone["user"], request) == []
    assert items(everyone["other_psa"], request) == []
    assert items(everyone["delegate"], request) == [("equipment_request.take_up", "office")]
