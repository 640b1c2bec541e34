"""Open items: what is waiting to be done, by whom, by when, and where the form is.

Whose turn it is in a case is not a function of its state alone: while a case is at ② the
company may have a date to pick, the office dates to propose and the inspector a visit to make.
Each app that knows of such work (an appointment to confirm, a deficiency to report on, an
account link to open, a request to answer) registers a *provider* here when Django starts; a
provider answers, for one person, every open item that person may see — one query (or a fixed
few) over every case at once, never one per case. The homes list them, the case page leads with
the viewer's own, and the dashboards say whose turn it is from them.

An item belongs to a *case*: the subject it moves forward, named by its subject type's key and
id (``("enrollment", 12)``; an equipment request, a change application). A provider may be asked
for the items of some cases only (``TodoQuery.cases``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Who acts on an item: the company (its PSA or the role the item's action names), the office's
# reviewer, an inspector of the office, or the service provider.
COMPANY = "company"
OFFICE = "office"
INSPECTOR = "inspector"
PROVIDER = "provider"
PARTIES: dict[str, Any] = {
    COMPANY: _("Company"),
    OFFICE: _("Office"),
    INSPECTOR: _("Inspector"),
    PROVIDER: _("Service provider"),
}

CaseRef = tuple[str, int]


@dataclass(frozen=True)
class Todo:
    """One open item: ``who`` is to do ``what`` on ``case`` by ``due``, at ``url``.

    ``action`` is the permission action (``orgs.permissions``) of whoever does it: a person sees
    an item as theirs only when their role may take that action. ``code`` names the kind of item
    for tests and styles (``"inspection.pick_slot"``); ``since`` is when it became open (its age
    in the office's queue).
    """

    code: str
    case: CaseRef
    who: str
    what: Any
    url: str
    action: str
    due: dt.date | None = None
    since: dt.datetime | None = None
    number: str = ""  # the case's number, as people name it
    case_url: str = ""  # the case's page
    company: str = ""
    site_id: int | None = None
    site: str = ""
    detail: str = ""
    button: Any = ""  # the link's text on a home or the case page's next-action box

    @property
    def who_label(self) -> Any:
        return PARTIES.get(self.who, self.who)

    @property
    def link_text(self) -> Any:
        return self.button or self.what

    @property
    def age_days(self) -> int | None:
        """Days since the item opened (the office's queue shows it)."""
        if self.since is None:
            return None
        return (timezone.localdate() - timezone.localdate(self.since)).days

    @property
    def is_overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate()


@dataclass(frozen=True)
class TodoQuery:
    """What a provider is asked: the open items ``user`` sees, of ``cases`` when given, waiting
    on ``parties`` when given (a home's queue asks for its own party's items only)."""

    user: Any
    cases: Mapping[str, Collection[int]] | None = None
    parties: frozenset[str] | None = None
    today: dt.date = field(default_factory=timezone.localdate)

    def ids(self, key: str) -> Collection[int] | None:
        """The ids of the cases of kind ``key`` asked for; None for every case."""
        if self.cases is None:
            return None
        return self.cases.get(key, ())

    def wants(self, key: str) -> bool:
        """Whether cases of kind ``key`` are asked for at all (a provider answers nothing, with
        no query, when they are not)."""
        return self.cases is None or bool(self.cases.get(key))

    def asks(self, *parties: str) -> bool:
        """Whether items waiting on any of ``parties`` are asked for (a provider skips the
        queries of the others)."""
        return self.parties is None or not self.parties.isdisjoint(parties)


TodoProvider = Callable[[TodoQuery], Iterable[Todo]]

_PROVIDERS: dict[str, TodoProvider] = {}


def register_todos(name: str, provider: TodoProvider) -> None:
    """Register ``provider`` under ``name`` (a second registration under a name replaces it)."""
    _PROVIDERS[name] = provider


def todo_providers() -> dict[str, TodoProvider]:
    return dict(_PROVIDERS)


def _order(todo: Todo) -> tuple[Any, ...]:
    far = dt.date.max
    since = todo.since or dt.datetime.max.replace(tzinfo=dt.UTC)
    return (todo.due or far, since, todo.number, todo.code)


def todos_for(
    *,
    user: Any,
    cases: Mapping[str, Collection[int]] | None = None,
    parties: Collection[str] | None = None,
    today: dt.date | None = None,
) -> list[Todo]:
    """Every open item ``user`` sees (of ``cases``, waiting on ``parties`` when given), the
    soonest due first, then the oldest: one call per registered provider, whatever the number of
    cases."""
    query = TodoQuery(
        user=user,
        cases=cases,
        parties=frozenset(parties) if parties is not None else None,
        today=today or timezone.localdate(),
    )
    items = [todo for provider in _PROVIDERS.values() for todo in provider(query)]
    if query.parties is not None:
        items = [todo for todo in items if todo.who in query.parties]
    return sorted(items, key=_order)


def todos_of_case(todos: Iterable[Todo], case: CaseRef) -> list[Todo]:
    return [t for t in todos if t.case == case]


def waiting_on(todos: Iterable[Todo]) -> list[str]:
    """The parties an item waits on, in the order of their first item (soonest due first)."""
    seen: list[str] = []
    for todo in todos:
        if todo.who not in seen:
            seen.append(todo.who)
    return seen


def waiting_by_case(todos: Iterable[Todo]) -> dict[CaseRef, list[str]]:
    """Per case, the parties its open items wait on."""
    result: dict[CaseRef, list[str]] = {}
    for todo in todos:
        parties = result.setdefault(todo.case, [])
        if todo.who not in parties:
            parties.append(todo.who)
    return result


def mine(todos: Iterable[Todo], may: Callable[[str], bool]) -> list[Todo]:
    """The items whose action ``may`` allows: the person's own to-do list."""
    return [t for t in todos if may(t.action)]
