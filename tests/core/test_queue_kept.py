"""The office's queue (core.todos.TodoQueue) kept compiled (issue #14): the kinds of open item a
person sees are built once per person, day, parties and codes, and their UNION ALL compiled once
per choice of kinds (``may``), order and slice. A kept queue must count and cut exactly as the
union built anew — for every role, whatever ``may`` allows, after items opened and closed
(nothing stale) — never show another company's items, and its building must read no row."""

from __future__ import annotations

import pytest

from dsg.core import todos
from dsg.core.todos import COMPANY, INSPECTOR, OFFICE, ORDERINGS, PROVIDER, TodoQueue
from dsg.enrollment.models import State
from dsg.orgs import permissions

from ..factories import SiteFactory
from ..kept_builds import Builds
from ..walk import act, new_case, walk_to
from .test_todo_rows import scene, terminal_line  # noqa: F401  # the fixture: items of every app

pytestmark = pytest.mark.django_db

PARTIES = ((OFFICE,), (INSPECTOR,), (COMPANY,), (PROVIDER,), (OFFICE, INSPECTOR))


def built_anew(user, parties, may, sort: str, index: slice) -> tuple[int, list[tuple]]:
    """The count and the slice's rows of the union built as before it was kept."""
    combined = todos._union(todos.todo_rows(user=user, parties=parties, may=may))
    if combined is None:
        return 0, []
    rows = list(combined.order_by(*ORDERINGS[sort])[index])
    return combined.count(), [(key, case, code) for *_order, key, case, code in rows]


def queued(user, parties, may, sort: str, index: slice) -> tuple[int, list[tuple]]:
    queue = TodoQueue(user=user, parties=parties, may=may, sort=sort)
    rows = todos._queue_slice(queue._key, queue.kinds, queue.sort, index)
    return queue.count(), [(key, case, code) for *_order, key, case, code in rows]


def mays(user):
    """``may`` as the homes ask it, none at all, and one that allows half the actions."""
    yield lambda action: permissions.may(user, action)
    yield None
    yield lambda action: hash(action) % 2 == 0


def test_the_kept_queue_counts_and_cuts_as_built_anew_for_every_role(
    scene,  # noqa: F811
    everyone,
):
    todos._QUEUE_KINDS.clear()
    todos._QUEUE_SQL.clear()
    for who, user in everyone.items():
        for parties in PARTIES:
            for may in mays(user):
                for sort in ORDERINGS:
                    for index in (slice(0, 20), slice(1, 3)):
                        expected = built_anew(user, parties, may, sort, index)
                        assert queued(user, parties, may, sort, index) == expected, (
                            who,
                            parties,
                            sort,
                        )
                        assert queued(user, parties, may, sort, index) == expected  # kept
    counted = TodoQueue(user=everyone["reviewer"], parties=(OFFICE,)).count()
    assert counted >= 5  # the scene waits on the office in several ways
    # the items built for a kept queue's page are those of a queue built anew
    for who, user in everyone.items():
        for parties in PARTIES:
            todos._QUEUE_KINDS.clear()
            todos._QUEUE_SQL.clear()
            fresh = [vars(t) for t in TodoQueue(user=user, parties=parties)[0:50]]
            again = [vars(t) for t in TodoQueue(user=user, parties=parties)[0:50]]
            assert again == fresh, (who, parties)


def test_an_item_opened_or_closed_shows_on_the_next_call(
    scene,  # noqa: F811
    everyone,
    cast,
    company,
):
    reviewer = everyone["reviewer"]
    before = TodoQueue(user=reviewer, parties=(OFFICE,))
    count = before.count()
    case = walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast)
    after = TodoQueue(user=reviewer, parties=(OFFICE,))
    assert after.count() == count + 1
    assert ("enrollment", case.pk, "application.review") in {
        (*t.case, t.code) for t in after[0 : count + 1]
    }
    act(case, "withdraw", cast.psa)  # withdrawn: its review no longer waits
    later = TodoQueue(user=reviewer, parties=(OFFICE,))
    assert ("enrollment", case.pk, "application.review") not in {
        (*t.case, t.code) for t in later[0 : count + 5]
    }
    assert built_anew(reviewer, (OFFICE,), None, "due", slice(0, 50)) == queued(
        reviewer, (OFFICE,), None, "due", slice(0, 50)
    )


def test_another_companys_items_never_appear_in_a_kept_queue(
    scene,  # noqa: F811
    everyone,
    other_company,
    cast,
):
    import dataclasses

    theirs = dataclasses.replace(cast, psa=everyone["other_psa"])
    other = walk_to(new_case(SiteFactory(company=other_company), theirs), State.DRAFT, theirs)
    for _round in range(2):  # built, then kept
        for who in ("psa", "delegate", "user"):
            items = TodoQueue(user=everyone[who], parties=(COMPANY,))[0:100]
            assert ("enrollment", other.pk) not in {t.case for t in items}, who
        items = TodoQueue(user=everyone["other_psa"], parties=(COMPANY,))[0:100]
        assert {t.case for t in items} == {("enrollment", other.pk)}


def test_building_the_kept_queue_reads_no_row(scene, everyone, monkeypatch):  # noqa: F811
    builds = Builds()
    todos.subject_type_ids()  # the content types: read once (Django keeps them), in the key
    for user in everyone.values():
        user.organization  # noqa: B018  # read with the person
    monkeypatch.setattr(todos, "_QUEUE_KINDS", builds.cache())
    monkeypatch.setattr(todos, "_QUEUE_SQL", builds.cache())
    for user in everyone.values():
        for parties in PARTIES:
            queue = TodoQueue(user=user, parties=parties)
            queue.count()
            todos._queue_slice(queue._key, queue.kinds, "due", slice(0, 20))
    assert {"count", "slice"} <= builds.firsts()
