"""The change applications' open items (core.todos): a draft waits on the company, a submitted
application on the office, a 依頼 on the company's PSA by its date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dsg.core.todos import todos_for
from dsg.requests import services

from .helpers import submitted

KEY = "change"


def items(user, change) -> list[tuple[str, str]]:
    return [(t.code, t.who) for t in todos_for(user=user, cases={KEY: [change.pk]})]


@pytest.mark.django_db
def test_a_change_waits_on_the_company_then_the_office_and_a_request_on_the_psa(enrolled, cast):
    draft = services.change_start(actor=cast.psa, site=enrolled, kind="site_name")
    assert items(cast.psa, draft) == [("change.submit", "company")]
    change = services.change_update(
        change=draft, actor=cast.psa, data={"site_name": "X", "description": "理由"}
    )
    services.change_submit(change=change, actor=cast.psa)
    assert items(cast.reviewer, change) == [("change.review", "office")]
    due = timezone.localdate() + dt.timedelta(days=7)
    services.action_request_ask(change=change, actor=cast.reviewer, text="図面を", due_on=due)
    found = todos_for(user=cast.psa, cases={KEY: [change.pk]})
    [answer] = [t for t in found if t.code == "change.answer"]
    assert (answer.who, answer.due) == ("company", due)
    assert answer.url == f"/changes/{change.pk}/#asks" and answer.site_id == enrolled.pk
    services.action_request_answer(asked=answer_row(change), actor=cast.psa, answer="添付しました")
    assert ("change.answer", "company") not in items(cast.psa, change)


def answer_row(change):
    return change.action_requests.get(answered_at__isnull=True)


@pytest.mark.django_db
def test_a_company_user_and_another_company_see_no_change_items(enrolled, cast, everyone):
    change = submitted(enrolled, cast, "site_name", {"site_name": "X", "description": "理由"})
    assert items(everyone["other_psa"], change) == []
    assert items(everyone["provider_staff"], change) == []
