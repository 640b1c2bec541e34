"""Queries compiled once and run with other values (core.prepared, issue #14): 「次の対応者」 of a
page of cases reuses the page's compiled UNION for other cases and gives what building it anew
gives; its building reads no row (so the cache's key — person, role, organisation, day, minute,
number of cases — holds all it depends on)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsg.core import todos
from dsg.core.prepared import PreparedQuery, int_sentinels, text_sentinel
from dsg.core.todos import todos_for, waiting_by_case, waiting_of
from dsg.enrollment.models import Enrollment, State
from dsg.orgs.models import Organization

from ..factories import SiteFactory
from ..walk import new_case, walk_to

pytestmark = pytest.mark.django_db

STATES = [State.SUBMITTED, State.INSPECTION, State.SURVEY, State.TERMINAL_SETUP]


@pytest.fixture
def cases(company, cast):
    return [walk_to(new_case(SiteFactory(company=company), cast), s, cast) for s in STATES]


def test_waiting_of_reuses_its_query_for_other_cases_and_answers_as_built(
    cases, everyone, monkeypatch
):
    todos._WAITING.clear()
    built = []
    original = todos._waiting_prepared
    monkeypatch.setattr(todos, "_waiting_prepared", lambda *a: built.append(a) or original(*a))
    first, second = [c.pk for c in cases[:2]], [c.pk for c in cases[2:]]
    for who, user in everyone.items():
        for ids in (first, second, second[::-1], first):
            asked = {"enrollment": ids}
            expected = waiting_by_case(todos_for(user=user, cases=asked))
            assert waiting_of(user=user, cases=asked) == expected, (who, ids)
    assert len(built) == len(everyone)  # one build a person: the other pages reused it
    answered = waiting_of(user=everyone["reviewer"], cases={"enrollment": first + second})
    assert {pk for _key, pk in answered} == {c.pk for c in cases}  # each case waits on someone


def test_building_the_waiting_query_reads_no_row(cases, everyone):
    """What the building reads must be in the cache's key: nothing from the database."""
    keys = ("enrollment",)
    for user in everyone.values():
        todos._waiting_prepared(user, keys)  # content types are read (and kept) once
    for who, user in everyone.items():
        with CaptureQueriesContext(connection) as captured:
            built = todos._waiting_prepared(user, keys)
        assert captured.captured_queries == [], who
        assert built is not None and built[0].sql, who  # a query was built, for every role


def test_a_prepared_query_gives_the_querysets_rows_and_objects(company, other_company):
    names = text_sentinel("name")
    query = PreparedQuery(
        Organization.objects.filter(name=names).order_by("pk").values_list("pk", "name"), [names]
    )
    assert query.rows([company.name]) == [(company.pk, company.name)]
    assert query.rows([other_company.name]) == [(other_company.pk, other_company.name)]
    assert query.rows(["no such company"]) == []
    ids = int_sentinels(2)
    objects = PreparedQuery(
        Enrollment.objects.select_related("site__company").filter(pk__in=ids).order_by("pk"), ids
    )
    assert objects.objects([0, -1]) == []
    empty = PreparedQuery(Organization.objects.none(), [])
    assert empty.rows([]) == [] and empty.objects([]) == []


def test_a_prepared_query_refuses_sentinels_it_does_not_hold():
    with pytest.raises(ValueError, match="sentinels not found"):
        PreparedQuery(Organization.objects.filter(name="x"), [text_sentinel("name")])


def test_a_sentinel_passed_wrapped_is_still_replaced(company, cast):
    """On PostgreSQL Django hands some integers to psycopg wrapped (Int8: the slots' subquery of
    a round's offered dates): the sentinel is matched by value and the call's value wrapped the
    same way — else that part of the union kept the sentinel and found nothing (the PSA's turn
    to pick a date was not seen)."""
    from ..enrollment.test_office_queue import offered_dates

    case, _round = offered_dates(company, cast)
    todos._WAITING.clear()
    asked = {"enrollment": [case.pk]}
    expected = waiting_by_case(todos_for(user=cast.reviewer, cases=asked))
    assert expected == {("enrollment", case.pk): ["company"]}
    assert waiting_of(user=cast.reviewer, cases=asked) == expected


@pytest.mark.parametrize("pk", [2**63, 2**70, -(2**63) - 1])
def test_an_id_beyond_64_bits_finds_nothing_instead_of_failing(company, pk):
    """No row has such an id; SQLite's driver refuses it (OverflowError, a 500 schemathesis
    found): the query runs with an id no row has."""
    ids = int_sentinels(1)
    query = PreparedQuery(Organization.objects.filter(pk__in=ids).values_list("pk"), ids)
    assert query.rows([pk]) == []
    assert query.rows([company.pk]) == [(company.pk,)]
