"""The API's case list marks 「計画より遅れ」 (behind_plan) on its page's rows after the page is cut
(enrollment.search.behind_plan_mark, issue #14), not by a condition over every visible case:
each row says what the search's condition says of the same case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dsg.enrollment.models import ApplicationVersion, State
from dsg.enrollment.search import CaseQuery, enrollment_search

from ..factories import SiteFactory
from ..walk import act, new_case, walk_to

pytestmark = pytest.mark.django_db


def _submitted_days_ago(case, days: int, terminals: int | None = None) -> None:
    ApplicationVersion.objects.filter(application__enrollment=case).update(
        submitted_at=timezone.now() - dt.timedelta(days=days)
    )
    if terminals is not None:
        case.application.planned_terminals = terminals
        case.application.save(update_fields=["planned_terminals"])


def test_the_pages_marks_are_the_searchs_condition(company, cast, client):
    def at(state):
        return walk_to(new_case(SiteFactory(company=company), cast), state, cast)

    late, recent, long_survey, ended = (
        at(State.SUBMITTED),
        at(State.SUBMITTED),
        at(State.SURVEY),
        at(State.SUBMITTED),
    )
    _submitted_days_ago(late, 60)
    _submitted_days_ago(recent, 1)
    _submitted_days_ago(long_survey, 200, terminals=45)  # a longer ⑥
    _submitted_days_ago(ended, 90)
    act(ended, "reject", cast.reviewer, comment="要件を満たさない")
    draft = new_case(SiteFactory(company=company), cast)
    searched = enrollment_search(user=cast.reviewer, query=CaseQuery())
    expected = dict(searched.values_list("pk", "behind_plan"))
    assert expected[late.pk] and expected[long_survey.pk]
    assert not expected[recent.pk] and not expected[ended.pk] and not expected[draft.pk]
    client.force_login(cast.reviewer)
    for limit in (50, 2):  # one page, and pages cut by cursor
        marks, url = {}, f"/api/v1/enrollments?limit={limit}"
        while url:
            body = client.get(url).json()
            marks |= {row["id"]: row["behind_plan"] for row in body["items"]}
            url = body["next"] and f"/api/v1/enrollments?limit={limit}&cursor={body['next']}"
        assert marks == expected
    overdue = client.get("/api/v1/enrollments", {"overdue": "true"}).json()["items"]
    assert {row["id"] for row in overdue} == {late.pk, long_survey.pk}
    assert all(row["behind_plan"] for row in overdue)
