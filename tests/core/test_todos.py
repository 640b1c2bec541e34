"""core.todos: the registry of open items — providers asked once each, items ordered, the parties
a case waits on, a person's own items."""

from __future__ import annotations

import datetime as dt

import pytest

from dsg.core import todos
from dsg.core.todos import COMPANY, OFFICE, PROVIDER, Todo, TodoQuery

T0 = dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)


def item(code: str, case: int, who: str, *, due: dt.date | None = None, hours: int = 0) -> Todo:
    return Todo(
        code=code,
        case=("enrollment", case),
        who=who,
        what=code,
        url=f"/x/{case}/",
        action=code,
        due=due,
        since=T0 + dt.timedelta(hours=hours),
    )


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test (the apps' providers are left alone)."""
    monkeypatch.setattr(todos, "_PROVIDERS", {})
    return todos


def test_every_provider_is_asked_once_and_the_soonest_due_comes_first(registry):
    calls: list[TodoQuery] = []

    def first(query):
        calls.append(query)
        return [item("b", 1, OFFICE, hours=2), item("a", 2, COMPANY, due=dt.date(2026, 5, 1))]

    def second(query):
        calls.append(query)
        return [item("c", 1, PROVIDER, due=dt.date(2026, 4, 20)), item("d", 3, OFFICE, hours=1)]

    registry.register_todos("first", first)
    registry.register_todos("second", second)
    found = registry.todos_for(user=object())
    assert len(calls) == 2
    # Due dates first (soonest first), then the oldest of those without one.
    assert [t.code for t in found] == ["c", "a", "d", "b"]


def test_a_provider_registered_again_under_its_name_replaces_the_first(registry):
    registry.register_todos("p", lambda q: [item("old", 1, OFFICE)])
    registry.register_todos("p", lambda q: [item("new", 1, OFFICE)])
    assert [t.code for t in registry.todos_for(user=object())] == ["new"]


def test_the_query_names_the_cases_asked_for(registry):
    seen = {}

    def provider(query):
        seen["ids"] = query.ids("enrollment")
        seen["other"] = query.ids("change")
        seen["wants"] = (query.wants("enrollment"), query.wants("change"))
        return []

    registry.register_todos("p", provider)
    registry.todos_for(user=object(), cases={"enrollment": [4, 5]})
    assert seen == {"ids": [4, 5], "other": (), "wants": (True, False)}
    registry.todos_for(user=object())
    assert seen == {"ids": None, "other": None, "wants": (True, True)}


def test_a_case_waits_on_every_party_with_an_open_item_soonest_first():
    items = [
        item("pick", 1, COMPANY, due=dt.date(2026, 4, 3)),
        item("visit", 1, PROVIDER, due=dt.date(2026, 4, 9)),
        item("more", 1, COMPANY, due=dt.date(2026, 4, 10)),
        item("review", 2, OFFICE),
    ]
    assert todos.waiting_on(items) == [COMPANY, PROVIDER, OFFICE]
    assert todos.waiting_by_case(items) == {
        ("enrollment", 1): [COMPANY, PROVIDER],
        ("enrollment", 2): [OFFICE],
    }
    assert [t.code for t in todos.todos_of_case(items, ("enrollment", 2))] == ["review"]


def test_a_persons_own_items_are_those_their_role_may_act_on():
    items = [item("pick", 1, COMPANY), item("review", 2, OFFICE)]
    assert [t.code for t in todos.mine(items, lambda action: action == "pick")] == ["pick"]


def test_an_item_tells_its_age_and_whether_it_is_overdue(monkeypatch):
    real = todos.timezone.localdate
    monkeypatch.setattr(
        todos.timezone,
        "localdate",
        lambda value=None: real(value) if value else dt.date(2026, 4, 11),
    )
    late = item("x", 1, COMPANY, due=dt.date(2026, 4, 10))
    assert late.is_overdue and late.age_days == 10
    assert not item("y", 1, COMPANY, due=dt.date(2026, 4, 11)).is_overdue
    assert item("z", 1, COMPANY).link_text == "z"
    assert str(item("z", 1, PROVIDER).who_label) == "サービス提供事業者"  # Japanese by default


def test_asked_for_some_parties_a_provider_may_skip_the_others(registry):
    asked = {}

    def provider(query):
        asked["company"] = query.asks(COMPANY)
        asked["office or provider"] = query.asks(OFFICE, PROVIDER)
        return [item("c", 1, COMPANY), item("o", 1, OFFICE)]

    registry.register_todos("p", provider)
    found = registry.todos_for(user=object(), parties=[OFFICE])
    assert [t.code for t in found] == ["o"]  # and what a provider answered anyway is left out
    assert asked == {"company": False, "office or provider": True}
    registry.todos_for(user=object())
    assert asked == {"company": True, "office or provider": True}
