"""The providers' to-do queries kept compiled (core.todos.kept_objects / kept_rows, issue #14):
a company's home asks every provider for every open item on each request, and building their
querysets cost more than running them. A kept query must answer exactly as one built anew —
for every role, for other cases than those it was built for, after the data changed (nothing
stale) — and never another company's items; and its building must read no row (what it reads
must be in its key: the person, role, organisation, day, parties and number of cases)."""

from __future__ import annotations

import dataclasses

import pytest
from django.urls import reverse

from dsg.core import todos
from dsg.core.todos import OFFICE, todos_for, url_maker
from dsg.enrollment.models import State
from dsg.equipment import services as equipment

from ..factories import SiteFactory
from ..kept_builds import Builds
from ..walk import new_case, walk_to
from .test_todo_rows import scene, terminal_line  # noqa: F401  # the fixture: items of every app

pytestmark = pytest.mark.django_db

PROVIDERS = ("enrollment", "provisioning", "requests", "equipment", "inspections")


def listed(user, **asked) -> list[tuple]:
    """Every field of each item ``user`` sees (the lazy texts as text), in a stable order."""
    return sorted(
        (tuple(str(v) if k in ("what", "button") else v for k, v in vars(t).items()))
        for t in todos_for(user=user, **asked)
    )


def fresh(user, **asked) -> list[tuple]:
    """What building every query anew answers."""
    todos._KEPT.clear()
    return listed(user, **asked)


@pytest.fixture
def other_case(other_company, other_psa, cast):
    """A case of another company, waiting on the office's review."""
    theirs = dataclasses.replace(cast, psa=other_psa)
    return walk_to(new_case(SiteFactory(company=other_company), theirs), State.SUBMITTED, theirs)


def test_kept_queries_answer_as_built_anew_for_every_role_and_other_cases(
    scene,  # noqa: F811
    other_case,
    everyone,
):
    todos._KEPT.clear()
    for who, user in everyone.items():
        built = listed(user)  # builds and keeps
        kept = len(todos._KEPT._items)
        assert listed(user) == built, who  # the kept queries
        assert len(todos._KEPT._items) == kept, who  # nothing built again
        assert fresh(user) == built, who
    assert {t.code.split(".")[0] for t in todos_for(user=everyone["psa"])} >= {
        "application",
        "equipment_request",
        "change",
        "inspection",
        "media",
    }
    # Some cases (a case page, a page of the office's queue): one query for 1 case or 5, the
    # ids put in at each call.
    ids = [case.pk for case in scene.values()]
    for who, user in everyone.items():
        todos._KEPT.clear()
        listed(user, cases={"enrollment": ids[:2]})
        kept = len(todos._KEPT._items)
        for part in (ids[2:], ids[3:4], ids[::-1], ids[:1] + [other_case.pk]):
            asked = {"enrollment": part, "equipment_request": [0]}
            got = listed(user, cases=asked)
            assert got == fresh(user, cases=asked), (who, part)
            listed(user, cases={"enrollment": ids[:2]})
        assert len(todos._KEPT._items) <= kept + 5, who  # the §5 requests' kind asked too


def test_building_the_kept_queries_reads_no_row(scene, everyone, monkeypatch):  # noqa: F811
    builds = Builds()
    todos.subject_type_ids()  # the content types: read once (Django keeps them), in the key
    monkeypatch.setattr(todos, "_KEPT", builds.cache(size=2048))
    ids = [case.pk for case in scene.values()]
    for user in everyone.values():
        todos_for(user=user)
        todos_for(user=user, cases={"enrollment": ids, "equipment_request": [1, 2]})
        todos_for(user=user, parties=[OFFICE])
    assert {name.split(".")[0] for name in builds.firsts()} == set(PROVIDERS)


def test_a_new_open_item_appears_on_the_next_call_and_a_closed_one_goes(
    scene,  # noqa: F811
    everyone,
    cast,
    company,
):
    todos._KEPT.clear()
    for user in everyone.values():
        listed(user)  # every query kept
    enrolled = SiteFactory(company=company)
    walk_to(new_case(enrolled, cast), State.COMPLETED, cast)
    filed = equipment.request_file(
        site=enrolled, actor=cast.psa, kind="terminal", purpose="増設", lines=[terminal_line("N")]
    ).request
    case = walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast)
    for who, user in everyone.items():
        assert listed(user) == fresh(user), who
        listed(user)  # kept again for the next change
    codes = {(t.case, t.code) for t in todos_for(user=cast.reviewer)}
    assert (("equipment_request", filed.pk), "equipment_request.take_up") in codes
    assert (("enrollment", case.pk), "application.review") in codes
    equipment.request_take_up(request=filed, actor=cast.reviewer)
    for who, user in everyone.items():
        assert listed(user) == fresh(user), who
        listed(user)
    codes = {(t.case, t.code) for t in todos_for(user=cast.reviewer)}
    assert (("equipment_request", filed.pk), "equipment_request.take_up") not in codes
    assert (("equipment_request", filed.pk), "equipment_request.decide") in codes


def test_another_companys_items_never_appear(scene, other_case, everyone, company):  # noqa: F811
    todos._KEPT.clear()
    for _round in range(2):  # built, then kept
        for who, user in everyone.items():
            items = todos_for(user=user)
            cases = {t.case for t in items}
            if who == "other_psa":
                assert cases == {("enrollment", other_case.pk)}
                assert {t.company for t in items} == {other_case.site.company.name}
            elif who in ("psa", "delegate", "user"):
                assert ("enrollment", other_case.pk) not in cases, who
                assert {t.company for t in items} <= {company.name}, who
    assert todos_for(user=everyone["psa"], cases={"enrollment": [other_case.pk]}) == []
    ours = {"enrollment": [scene[State.DRAFT].pk]}
    assert todos_for(user=everyone["other_psa"], cases=ours) == []


def test_url_maker_gives_what_reverse_gives():
    for name in ("enrollment_detail", "application_overview", "equipment_request_detail"):
        page_of = url_maker(name)
        for pk in (1, 7, 918, 918_273_645, 10**12):
            assert page_of(pk) == reverse(name, args=[pk])
