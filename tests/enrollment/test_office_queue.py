"""The office's queue at scale (#12/#14): the home shows its first rows, soonest due first with
their age, and links to the queue's page (every open item the person may act on, a page at a
time, by whose item and kind of work, in the order asked), counted and cut in the database; the
search's 「次の対応者」 answers as the homes do, from the open items (core.todos)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dsg.core import todos
from dsg.enrollment import office_views, views
from dsg.enrollment.models import State
from dsg.inspections import services as insp

from ..factories import SiteFactory
from ..inspections.helpers import tomorrow_at
from ..walk import new_case, walk_to


def submitted(company, cast, n: int) -> list:
    return [
        walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast)
        for _ in range(n)
    ]


def offered_dates(company, cast):
    """A case at ② (its state waits on the office) whose round offers dates: the PSA's turn."""
    case = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
    round_ = insp.inspection_open(subject=case, actor=cast.inspector)
    insp.inspection_propose_slots(inspection=round_, actor=cast.reviewer, starts=[tomorrow_at()])
    return case, round_


def rows(page: str, marker: str = 'data-todo-case="') -> list[str]:
    return [part.split('"', 1)[0] for part in page.split(marker)[1:]]


@pytest.mark.django_db
def test_the_home_shows_the_first_rows_and_the_queue_page_holds_every_item(
    client, company, cast, monkeypatch
):
    cases = submitted(company, cast, 5)
    monkeypatch.setattr(views, "QUEUE_ROWS", 2)
    monkeypatch.setattr(office_views, "QUEUE_PAGE", 2)
    client.force_login(cast.reviewer)
    home = client.get("/").content.decode()
    # the oldest application first (the review is due soonest), its age shown
    assert rows(home) == [cases[0].number, cases[1].number]
    assert 'data-queue-link="office"' in home and "/office/queue/" in home
    first = client.get("/office/queue/")
    assert first.status_code == 200
    page = first.content.decode()
    assert rows(page) == [cases[0].number, cases[1].number]
    assert 'data-todo="application.review"' in page and "data-count>5<" in page
    third = client.get("/office/queue/?page=3").content.decode()
    assert rows(third) == [cases[4].number]
    newest = client.get("/office/queue/?sort=case&page=1").content.decode()
    assert rows(newest) == [cases[0].number, cases[1].number]
    due = timezone.localdate()
    assert first.context["items"][0].due >= due and first.context["items"][0].age_days == 0


@pytest.mark.django_db
def test_the_queue_filters_by_whose_item_and_kind_of_work(client, company, cast):
    cases = submitted(company, cast, 2)
    case, round_ = offered_dates(company, cast)
    opened = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
    client.force_login(cast.reviewer)
    page = client.get("/office/queue/?kind=application.review").content.decode()
    assert rows(page) == [c.number for c in cases]
    page = client.get("/office/queue/?kind=inspection.open").content.decode()
    assert rows(page) == [opened.number]
    # the kinds offered are the office's own (the PSA's date to pick is not one)
    response = client.get("/office/queue/")
    assert {"application.review", "inspection.open", "inspection.propose_slots"} <= {
        code for code, _label in response.context["kinds"]
    }
    assert "inspection.pick_slot" not in dict(response.context["kinds"])
    # the inspector's visits: the date taken
    [slot] = round_.appointments.all()
    insp.inspection_pick_slot(inspection=round_, actor=cast.psa, slot_id=slot.pk)
    client.force_login(cast.inspector)
    visits = client.get("/office/queue/?who=inspector").content.decode()
    assert rows(visits) == [case.number] and 'data-todo="inspection.visit"' in visits


@pytest.mark.django_db
def test_unknown_queue_parameters_are_ignored_and_named(client, company, cast):
    submitted(company, cast, 1)
    client.force_login(cast.reviewer)
    response = client.get("/office/queue/?who=boss&kind=nothing&sort=random")
    assert response.status_code == 200
    [warning] = [str(m) for m in response.context["messages"]]
    assert "who, sort, kind" in warning
    assert len(rows(response.content.decode())) == 1  # the office's items, soonest due first


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["psa", "delegate", "user", "provider_staff"])
def test_only_the_office_has_the_queue_page(client, everyone, who):
    client.force_login(everyone[who])
    assert client.get("/office/queue/").status_code == 403


@pytest.mark.django_db
def test_the_search_waits_on_whom_the_homes_say_not_on_the_state_alone(client, company, cast):
    """At ② the state waits on the office; once the office offered dates, the case waits on the
    PSA to pick one: the search's filter and column say so, as the home does."""
    case, _round = offered_dates(company, cast)
    untouched = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
    client.force_login(cast.reviewer)

    def found(waiting: str) -> list[str]:
        page = client.get(f"/office/cases/?waiting={waiting}&step=2").content.decode()
        return rows(page, 'data-case="')

    assert found("company") == [case.number]
    assert found("office") == [untouched.number]  # no item open but the round to open
    page = client.get(f"/office/cases/?q={case.number}").content.decode()
    assert 'data-waiting="company"' in page and 'data-waiting="office"' not in page
    # the home marks it the same way
    home = client.get("/enrollments/?step=2").content.decode()
    assert 'data-waiting="company"' in home
    # the export's 次の対応者 too
    csv = client.get(f"/office/cases/export.csv?q={case.number}").content.decode()
    assert "加入企業" in csv.splitlines()[1]
    # and the API's list and detail
    listed = client.get(f"/api/v1/enrollments?q={case.number}").json()["items"]
    assert [(c["waiting_on"], c["waiting_parties"]) for c in listed] == [("company", ["company"])]
    detail = client.get(f"/api/v1/enrollments/{case.pk}").json()
    assert detail["waiting_on"] == "company"
    other = client.get(f"/api/v1/enrollments?q={untouched.number}").json()["items"]
    assert [(c["waiting_on"], c["waiting_parties"]) for c in other] == [("office", ["office"])]


@pytest.mark.django_db
def test_with_no_open_item_the_search_falls_back_on_the_state(client, company, cast):
    """A case completed has no open item and no party; a case at ③ whose survey is the
    provider's waits on the provider by its own item, the one at ⑤ by its state."""
    survey = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    client.force_login(cast.reviewer)
    page = client.get("/office/cases/?waiting=provider").content.decode()
    assert survey.number in page
    page = client.get("/office/cases/?waiting=inspector").content.decode()
    assert survey.number not in page


@pytest.mark.django_db
def test_a_page_of_the_queue_builds_only_its_own_items(client, company, cast, monkeypatch):
    """The providers are asked for the page's cases only, never for every open item."""
    submitted(company, cast, 4)
    monkeypatch.setattr(views, "QUEUE_ROWS", 2)
    monkeypatch.setattr(office_views, "QUEUE_PAGE", 2)
    asked: list = []
    providers = todos.todo_providers()
    for name, provider in providers.items():

        def spy(query, provider=provider):
            asked.append(query.cases)
            return provider(query)

        monkeypatch.setitem(todos._PROVIDERS, name, spy)
    client.force_login(cast.reviewer)
    assert client.get("/office/queue/?page=2").status_code == 200
    assert client.get("/").status_code == 200
    assert asked and None not in asked  # never every case's items
    assert all(len(cases.get("enrollment", ())) <= 20 for cases in asked)
    queue_calls = [cases for cases in asked if len(cases.get("enrollment", ())) == 2]
    assert queue_calls  # the queue's page and the home's first rows: two cases each
