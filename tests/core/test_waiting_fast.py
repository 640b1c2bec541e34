"""「次の対応者」 from one parameter (core.todos.waiting_of, #14): the API's case list and detail
and the office's dashboard ask it for every page, and it is kept compiled with the page's ids as
one JSON parameter of each kind of item (no longer 64 placeholders a kind) and sorted once. It
must answer exactly as the plain computation — the parties of every open item the person sees,
built by the providers (``waiting_by_case(todos_for(...))``), in the order of their first item —
for every role, on any page of ids (random sizes, orders, repeats, ids of another company, ids
no row has), after the data changed under a kept query, and never with another company's case.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from django.db import connection

from dsg.appointments.models import Appointment
from dsg.core import todos
from dsg.core.prepared import PreparedQuery, int_sentinels, text_sentinel
from dsg.core.todos import todos_for, waiting_by_case, waiting_of
from dsg.enrollment.models import Enrollment, State
from dsg.equipment import services as equipment
from dsg.equipment.models import EquipmentRequest, RequestState
from dsg.inspections import services as insp
from dsg.inspections.selectors import rounds_of
from dsg.orgs.models import Organization
from dsg.provisioning import services as prov

from ..appointments.dates import business_day_at
from ..factories import SiteFactory
from ..inspections.helpers import tomorrow_at
from ..walk import act, new_case, walk_to
from .test_todo_rows import scene  # noqa: F401  # the fixture: items of every app

pytestmark = pytest.mark.django_db

COMPANY_ROLES = ("psa", "delegate", "user")
# The states a random case is walked to (each step's own items, and none at all)
RANDOM_STATES = [
    State.DRAFT,
    State.RETURNED,
    State.SUBMITTED,
    State.INSPECTION,
    State.INSPECTION_REMEDIATION_REPORTED,
    State.SURVEY,
    State.CONSTRUCTION,
    State.TERMINAL_SETUP,
    State.FINAL_INSPECTION,
    State.COMPLETED,
    State.WITHDRAWN,
]


def plain(user, asked) -> dict:
    """「次の対応者」 as the providers' items say it, built anew."""
    return waiting_by_case(todos_for(user=user, cases=asked))


def pages(ids: list[int], strangers: list[int], rng: random.Random) -> list[list[int]]:
    """Pages of ids as the lists ask them, and as nobody should: 1 id, a page, more than 64, in
    any order, repeated, with another company's cases and ids no row has."""
    shuffled = rng.sample(ids, len(ids))
    result = [
        shuffled[:1],
        shuffled,
        shuffled[::-1],
        (shuffled * 10)[:70],  # past 64 ids, each several times
        rng.sample(ids, rng.randint(1, len(ids))) + strangers,
        [0, 10**9, 2**63 - 1, 2**70, -(2**70), *shuffled[:3]],
    ]
    for _ in range(3):
        result.append([rng.choice(ids + strangers) for _ in range(rng.randint(1, 80))])
    return result


def assert_answers_as_built(everyone, ids, strangers, rng, theirs) -> int:
    """Every role, every page: the kept answer equals the plain one, and a company's people are
    never answered another company's case. Returns how many cases were answered."""
    answered = 0
    for who, user in everyone.items():
        for page in pages(ids, strangers, rng):
            asked = {"enrollment": page}
            got = waiting_of(user=user, cases=asked)
            assert got == plain(user, asked), (who, page)
            cases = {pk for _key, pk in got}
            if who in COMPANY_ROLES:
                assert cases.isdisjoint(theirs), (who, page)
            if who == "other_psa":
                assert cases <= set(theirs), page
            answered += len(cases)
    return answered


@pytest.fixture
def their_cases(other_company, other_psa, cast):
    """Another company's cases, each waiting on someone (the office's review, the PSA's form)."""
    theirs = dataclasses.replace(cast, psa=other_psa)
    return [
        walk_to(new_case(SiteFactory(company=other_company), theirs), state, theirs).pk
        for state in (State.SUBMITTED, State.DRAFT)
    ]


@pytest.fixture
def random_cases(company, cast):
    """Cases walked to states drawn at random (seeded: a failure is reproduced by its seed)."""
    rng = random.Random(1401)
    return [
        walk_to(new_case(SiteFactory(company=company), cast), state, cast)
        for state in rng.sample(RANDOM_STATES, 5)
    ]


def test_waiting_of_answers_as_every_open_item_says_for_every_role_and_after_changes(
    scene,  # noqa: F811
    random_cases,
    their_cases,
    everyone,
    cast,
):
    rng = random.Random(14)
    ours = [case.pk for case in scene.values()] + [case.pk for case in random_cases]
    ours += list(
        Enrollment.objects.filter(site__company=cast.psa.organization).values_list("pk", flat=True)
    )
    ours = sorted(set(ours))
    todos._WAITING.clear()
    assert assert_answers_as_built(everyone, ours, their_cases, rng, their_cases) > 0
    reviewer = waiting_of(user=cast.reviewer, cases={"enrollment": ours})
    assert {party for parties in reviewer.values() for party in parties} == {
        "company",
        "office",
        "inspector",
        "provider",
    }  # the scene has open items of every party
    assert any(len(parties) > 1 for parties in reviewer.values())  # and cases of several
    kept = len(todos._WAITING._items)

    # The data change under the kept queries; each answer is still the plain one.
    changes = [
        lambda: act(scene[State.DRAFT], "submit", cast.psa),  # the company's form -> the office
        lambda: act(scene[State.SUBMITTED], "return_for_correction", cast.reviewer, comment="補正"),
        lambda: insp.inspection_open(subject=scene[State.INSPECTION], actor=cast.inspector),
        lambda: prov.appointment_propose(
            enrollment=scene[State.SURVEY],
            actor=cast.staff,
            purpose="survey",
            starts_at=business_day_at(3),
        ),
        lambda: prov.ancillary_work_add(
            enrollment=scene[State.SURVEY], actor=cast.staff, description="配管工事"
        ),
        lambda: _decline_the_date(scene[State.SURVEY], cast),
        lambda: _propose_round_dates(scene[State.INSPECTION], cast),
        lambda: _take_up_a_request(cast),
    ]
    for n, change in enumerate(changes):
        change()
        for case in scene.values():
            case.refresh_from_db()
        assert assert_answers_as_built(everyone, ours, their_cases, rng, their_cases) > 0, n
    assert len(todos._WAITING._items) == kept  # the same kept queries answered every change


def _decline_the_date(case, cast) -> None:
    """The PSA asks for another date: the provider's turn to propose one."""
    appointment = Appointment.objects.filter(subject_id=case.pk, purpose="survey").latest("pk")
    prov.appointment_request_other_date(appointment=appointment, actor=cast.psa, message="別日で")


def _propose_round_dates(case, cast) -> None:
    """The office offers dates for the round the inspector opened: the PSA's turn to pick."""
    round_ = rounds_of(case, "site").order_by("-round").first()
    insp.inspection_propose_slots(inspection=round_, actor=cast.reviewer, starts=[tomorrow_at()])


def _take_up_a_request(cast) -> None:
    """The office takes up a §5 request filed: its turn to decide on its lines."""
    filed = EquipmentRequest.objects.filter(state=RequestState.FILED).order_by("pk").first()
    equipment.request_take_up(request=filed, actor=cast.reviewer)


def test_one_query_whatever_the_number_of_cases(scene, everyone, django_assert_num_queries):  # noqa: F811
    ids = [case.pk for case in scene.values()]
    todos._WAITING.clear()
    user = everyone["reviewer"]
    waiting_of(user=user, cases={"enrollment": ids[:1]})  # builds and keeps it
    for page in (ids[:1], ids, ids * 20):
        with django_assert_num_queries(1):
            waiting_of(user=user, cases={"enrollment": page})
    assert len(todos._WAITING._items) == 1  # one kept query for a page of 1 case or 140


SQLITE_ONLY = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the constants are written into SQLite's statement"
)


@SQLITE_ONLY
def test_on_sqlite_the_kept_statement_takes_the_ids_only(scene, everyone):  # noqa: F811
    """SQLite compiles a statement again after a parameter a partial index's choice depended on
    is bound (with more than 31 parameters, after any): the account links' state was one, and
    the whole union was compiled on every run. Only the ids are parameters now."""
    for who, user in everyone.items():
        query, _who_of = todos._waiting_prepared(user, ("enrollment",))
        assert set(query.params) == {text_sentinel("waiting:enrollment")}, who
        assert "'account_delivery.open'" in query.sql or who in ("user", "other_psa"), who


@SQLITE_ONLY
def test_constants_written_into_the_sql_answer_as_bound(company):
    """Quotes, percent signs and a placeholder's look-alike in a value are written as the value."""
    name = "O'Brien & 100%s %% '--"
    Organization.objects.filter(pk=company.pk).update(name=name)
    ids = int_sentinels(1)
    rows = Organization.objects.filter(name=name, pk__in=ids, kind=company.kind)
    bound = PreparedQuery(rows.values_list("pk", "name", "kind"), ids, raw=True)
    written = PreparedQuery(rows.values_list("pk", "name", "kind"), ids, raw=True)
    todos._write_constants(written)
    assert len(written.params) == 1 < len(bound.params)
    assert (
        written.rows([company.pk]) == bound.rows([company.pk]) == [(company.pk, name, company.kind)]
    )
    assert written.rows([0]) == []
