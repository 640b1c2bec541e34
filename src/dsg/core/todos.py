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

A provider also registers its items *as rows* (``TodoRows``: one queryset per kind of item, with
the case, the due date and the opening time as columns) so that a long list is counted, ordered
and cut in the database (``todo_page``: the office's queue, one page of it at a time, whatever
the number of open items) and a search asks which cases wait on whom in its own query
(``waiting_on_q``), without building every item in Python. The rows of a kind are exactly the
items the provider builds of that kind (``tests/core/test_todo_rows.py`` compares both on every
state of the procedure).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import DateField, DateTimeField, F, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .prepared import (
    PreparedCache,
    PreparedQuery,
    id_slots,
    int_sentinels,
    padded,
    person_key,
    text_sentinel,
)
from .subjects import subject_types

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


@dataclass(frozen=True)
class TodoRows:
    """One kind of open item as rows: ``rows`` (restricted to what the person sees, one row per
    item) are the items ``code`` of cases of kind ``key``, waiting on ``who``, taken by
    ``action``. ``case`` names the case's id in ``rows`` (a column or an expression), ``due``
    the due date (a date expression; None: the kind has none) and ``since`` when the item
    opened.

    ``due_order``, when given instead of ``due``, is an expression that orders the kind's items
    as their due dates do where the due date itself is reckoned in Python (the review's
    business days from the day the application arrived): the kind's items are then placed
    among themselves in due order, before the items with no due date."""

    key: str
    code: str
    who: str
    action: str
    rows: QuerySet[Any]
    case: Any = "pk"
    since: Any = None
    due: Any = None
    due_order: Any = None
    label: Any = ""  # what the kind is called in a list's filter


TodoProvider = Callable[[TodoQuery], Iterable[Todo]]
TodoRowsProvider = Callable[[TodoQuery], Iterable[TodoRows]]

_PROVIDERS: dict[str, TodoProvider] = {}
_ROWS: dict[str, TodoRowsProvider] = {}


def register_todos(name: str, provider: TodoProvider, rows: TodoRowsProvider | None = None) -> None:
    """Register ``provider`` under ``name`` (a second registration under a name replaces it),
    and ``rows``: the same items as rows (``TodoRows``), for the lists counted and cut in SQL."""
    _PROVIDERS[name] = provider
    if rows is not None:
        _ROWS[name] = rows
    else:
        _ROWS.pop(name, None)


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


# The providers' queries compiled once (issue #14) -------------------------------------------------
# A provider's querysets (restricted, each ~5–20 filters) cost more to build and compile than to
# run: the company's home asked five providers for every open item and built them all again on
# each request (docs/performance.md). A provider asks ``kept_objects`` / ``kept_rows`` with a
# name and a function that builds its queryset from a ``TodoQuery``: the query is built once per
# person (``person_key``: the tenancy filters), day, parties asked and number of cases asked
# (ids padded to 64 or the next power of 2, as 「次の対応者」's), and run with the call's ids.
# The building must read no row (``tests/core/test_todos_kept.py`` counts them) and no clock
# but the day: ``Now()`` in the query, never the process's clock. A person's home keeps 13
# queries, ~0.45 MB with their compilers: the most recently used 1,024 are kept (~35 MB).
_KEPT: PreparedCache[PreparedQuery] = PreparedCache(size=1024)

TodoBuild = Callable[[TodoQuery], QuerySet[Any]]


def _kept(
    query: TodoQuery, name: str, keys: str | tuple[str, ...], build: TodoBuild
) -> tuple[PreparedQuery, list[int]]:
    shape: Shape | None = None
    values: list[int] = []
    if query.cases is not None:
        names = sorted((keys,) if isinstance(keys, str) else keys)
        shape, values = _slotted({key: query.cases.get(key, ()) for key in names})
    cache_key = (
        name,
        *person_key(query.user),
        query.today,
        query.parties,
        shape,
        subject_type_ids(),
    )

    def prepare() -> PreparedQuery:
        sentinels, cases = _sentinel_cases(shape or ())
        built = build(dataclasses.replace(query, cases=None if shape is None else cases))
        prepared = PreparedQuery(built, sentinels)
        if connection.vendor == "sqlite":  # else compiled again on each run (_write_constants)
            _write_constants(prepared)
        return prepared

    return _KEPT.get(cache_key, prepare), values


def kept_objects(
    query: TodoQuery, name: str, keys: str | tuple[str, ...], build: TodoBuild
) -> list[Any]:
    """The instances ``build(query)`` gives (with its ``select_related`` objects and
    annotations; no prefetch), its query kept compiled under ``name``: ``build`` filters the
    cases of the kinds ``keys`` by ``query.ids(key)`` (their ids are put in at each call; the
    other kinds are not asked) and reads nothing else of ``query`` but the person and the
    parties."""
    prepared, values = _kept(query, name, keys, build)
    return prepared.objects(values)


def kept_rows(
    query: TodoQuery, name: str, keys: str | tuple[str, ...], build: TodoBuild
) -> list[tuple[Any, ...]]:
    """The rows of ``build(query)`` (a ``values_list``), its query kept as ``kept_objects``'s."""
    prepared, values = _kept(query, name, keys, build)
    return prepared.rows(values)


def url_maker(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many ``pk``: reversed once (a provider's hundreds of
    items each reversed their page's URL)."""
    marker = 918_273_645
    head, _sep, tail = reverse(name, args=[marker]).rpartition(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


# Open items as rows: counted, ordered and cut in the database ----------------------------------
QUEUE_SORTS = ("due", "age", "case")  # soonest due first; oldest first; by case


def todo_rows(
    *,
    user: Any,
    parties: Collection[str] | None = None,
    may: Callable[[str], bool] | None = None,
    codes: Collection[str] | None = None,
    cases: Mapping[str, Collection[int]] | None = None,
) -> list[TodoRows]:
    """The kinds of open item ``user`` sees as rows: waiting on ``parties``, whose action ``may``
    allows, of ``codes`` when given."""
    query = TodoQuery(
        user=user, cases=cases, parties=frozenset(parties) if parties is not None else None
    )
    kinds = [kind for rows in _ROWS.values() for kind in rows(query)]
    return [
        kind
        for kind in kinds
        if query.asks(kind.who)
        and (codes is None or kind.code in codes)
        and (may is None or may(kind.action))
    ]


def _as_row(kind: TodoRows) -> QuerySet[Any]:
    """One kind's rows in the columns every kind shares (for a UNION ALL)."""
    case = F(kind.case) if isinstance(kind.case, str) else kind.case
    due = kind.due if kind.due is not None else Cast(Value(None), DateField())
    order = kind.due_order if kind.due_order is not None else due
    if kind.due is not None or kind.due_order is not None:
        dated = Value(0)
    else:
        dated = Value(1)
    since = kind.since if kind.since is not None else Cast(Value(None), DateTimeField())
    return (
        kind.rows.order_by()
        .annotate(
            todo_dated=dated,
            todo_order=Cast(order, DateTimeField()),
            todo_since=since,
            todo_case=case,
            todo_key=Value(kind.key),
            todo_code=Value(kind.code),
        )
        .values_list("todo_dated", "todo_order", "todo_since", "todo_key", "todo_case", "todo_code")
    )


def todo_row_list(*, user: Any, parties: Collection[str] | None = None) -> list[tuple[Any, ...]]:
    """Every open item ``user`` sees, as rows read from the database: (key, case id, code, who,
    due, since) — what ``todos_for`` builds, for the tests that hold the two together."""
    result = []
    for kind in todo_rows(user=user, parties=parties):
        case = F(kind.case) if isinstance(kind.case, str) else kind.case
        due = kind.due if kind.due is not None else Cast(Value(None), DateField())
        since = kind.since if kind.since is not None else Cast(Value(None), DateTimeField())
        rows = kind.rows.order_by().annotate(todo_case=case, todo_due=due, todo_since=since)
        for case_id, day, opened in rows.values_list("todo_case", "todo_due", "todo_since"):
            result.append((kind.key, case_id, kind.code, kind.who, day, opened))
    return result


def _union(kinds: list[TodoRows]) -> QuerySet[Any] | None:
    if not kinds:
        return None
    first, *others = [_as_row(kind) for kind in kinds]
    return first.union(*others, all=True) if others else first


ORDERINGS: dict[str, tuple[str, ...]] = {
    "due": ("todo_dated", "todo_order", "todo_since", "todo_key", "todo_case", "todo_code"),
    "age": ("todo_since", "todo_key", "todo_case", "todo_code"),
    "case": ("todo_key", "todo_case", "todo_code"),
}


@dataclass
class TodoPage:
    """One page of a person's open items: ``items`` in the order asked, of ``count`` in all."""

    items: list[Todo]
    count: int


class TodoQueue:
    """The open items ``user`` may act on (``may``), waiting on ``parties``, of ``codes`` when
    given, in the order ``sort`` (``QUEUE_SORTS``), as a sequence Django's ``Paginator`` cuts:
    ``count()`` and each slice are one query each over the kinds' rows (UNION ALL), and a slice
    builds only its own items (each provider asked for the slice's cases) — never every open
    item, whatever their number. The kinds' rows and their union are kept compiled
    (``_queue_sql``)."""

    def __init__(
        self,
        *,
        user: Any,
        parties: Collection[str],
        may: Callable[[str], bool] | None = None,
        codes: Collection[str] | None = None,
        sort: str = "due",
    ) -> None:
        self.user = user
        self.parties = tuple(parties)
        self.sort = sort if sort in ORDERINGS else "due"
        self.kinds, self._key = _queue_kinds(user=user, parties=parties, may=may, codes=codes)
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = _queue_count(self._key, self.kinds)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Todo]:
        if not isinstance(index, slice):
            raise TypeError("a TodoQueue is read a slice at a time")
        rows = _queue_slice(self._key, self.kinds, self.sort, index)
        if not rows:
            return []
        wanted: dict[str, set[int]] = {}
        for _dated, _order, _since, key, case_id, _code in rows:
            wanted.setdefault(key, set()).add(case_id)
        built: dict[tuple[str, int, str], list[Todo]] = {}
        for todo in todos_for(user=self.user, cases=wanted, parties=self.parties):
            built.setdefault((*todo.case, todo.code), []).append(todo)
        items: list[Todo] = []
        for _dated, _order, _since, key, case_id, code in rows:
            found = built.get((key, case_id, code))
            if found:  # an item closed between the two reads is left out
                items.append(found.pop(0))
        return items


# The queue's kinds of item and their UNION ALL, kept (#14): building the ~25 kinds' querysets
# and compiling their union cost the office's home ~25 ms a request, running them ~3 ms
# (docs/performance.md, the sixth run). The kinds are kept per person (the tenancy filters),
# day, parties and codes asked, and the subjects' content types (what their building reads:
# no row, tests/core/test_queue_kept.py); ``may`` is asked of each kind's action at each call
# (a Python call), and the union of the kinds it allows is compiled once per choice of kinds,
# order and slice. The SQL holds no id: each run reads the rows as they are.
_QUEUE_KINDS: PreparedCache[list[TodoRows]] = PreparedCache(size=256)
_QUEUE_SQL: PreparedCache[PreparedQuery | None] = PreparedCache(size=1024)


def _queue_kinds(
    *,
    user: Any,
    parties: Collection[str],
    may: Callable[[str], bool] | None,
    codes: Collection[str] | None,
) -> tuple[list[TodoRows], tuple[Any, ...]]:
    """The kinds of item the queue asks (those ``may`` allows) and the key of their union."""
    asked = (
        frozenset(parties),
        None if codes is None else frozenset(codes),
    )
    key = (*person_key(user), timezone.localdate(), *asked, subject_type_ids())
    every = _QUEUE_KINDS.get(key, lambda: todo_rows(user=user, parties=asked[0], codes=asked[1]))
    chosen = [i for i, kind in enumerate(every) if may is None or may(kind.action)]
    return [every[i] for i in chosen], (*key, tuple(chosen))


def _queue_count(key: tuple[Any, ...], kinds: list[TodoRows]) -> int:
    def prepare() -> PreparedQuery | None:
        combined = _union(kinds)
        if combined is None:
            return None
        prepared = PreparedQuery(combined, [], raw=True)
        if prepared.sql:  # the union counted as Django's count() does: in a subquery
            prepared.sql = f"SELECT COUNT(*) FROM ({prepared.sql}) todo_queue"
        return _constants_written(prepared)

    prepared = _QUEUE_SQL.get(("count", *key), prepare)
    rows = [] if prepared is None else prepared.rows([])
    return int(rows[0][0]) if rows else 0


def _queue_slice(
    key: tuple[Any, ...], kinds: list[TodoRows], sort: str, index: slice
) -> list[tuple[Any, ...]]:
    def prepare() -> PreparedQuery | None:
        combined = _union(kinds)
        if combined is None:
            return None
        ordered = combined.order_by(*ORDERINGS[sort])[index]
        return _constants_written(PreparedQuery(ordered, [], raw=True))

    prepared = _QUEUE_SQL.get(("slice", *key, sort, index.start, index.stop), prepare)
    return [] if prepared is None else prepared.rows([])


def todo_page(
    *,
    user: Any,
    parties: Collection[str],
    may: Callable[[str], bool] | None = None,
    codes: Collection[str] | None = None,
    sort: str = "due",
    offset: int = 0,
    limit: int = 50,
) -> TodoPage:
    """``limit`` items of the ``TodoQueue`` from ``offset``, and how many there are."""
    queue = TodoQueue(user=user, parties=parties, may=may, codes=codes, sort=sort)
    count = queue.count()
    items = queue[offset : offset + limit] if offset < count else []
    return TodoPage(items=items, count=count)


# 「次の対応者」's query compiled once per person, day and kinds of case asked (its building, ~25
# kinds of item, cost ten times its running: docs/performance.md). The building reads no row
# but the subjects' content types (tests/core/test_prepared.py) and no clock but today: the
# person, their role and organisation (the tenancy filters), the day and those content types,
# all in the key.
#
# Its running was then most of the API's case list and detail (#14, docs/performance.md, "「次の
# 対応者」 from one parameter"): each of the ~25 kinds took the page's ids as 64 placeholders of
# its own (~1,800 parameters, a 24,000-character statement rewritten by Django's SQLite backend
# on each run, an IN list built per kind), and the union was sorted kind by kind (SQLite sorts
# each part of a compound ORDER BY, then merges them). Now each kind reads the ids from one
# parameter, the JSON list of the call's ids (``_asked_ids``), and the union is sorted once.
_WAITING: PreparedCache[tuple[PreparedQuery, dict[str, str]] | None] = PreparedCache(size=256)


def subject_type_ids() -> tuple[int, ...]:
    """The content types the kinds of item name (the subjects'): in the key, so a query kept
    never names one a flush renumbered, and a call reads them (from Django's cache) whether
    the query was kept or built."""
    models = [known.model for known in subject_types()]
    found = ContentType.objects.get_for_models(*models)
    return tuple(found[model].pk for model in models)


Shape = tuple[tuple[str, int], ...]  # each kind of case asked, and the ids its query takes


def _slotted(cases: Mapping[str, Collection[int]]) -> tuple[Shape, list[int]]:
    """The shape of a kept query asked for ``cases`` (the kinds with ids, each padded to its
    slots: a page of 1 case or 50 asks the same query) and the ids to run it with, in order."""
    asked = {key: list(dict.fromkeys(ids)) for key, ids in cases.items() if ids}
    shape = tuple((key, id_slots(len(ids), 64)) for key, ids in asked.items())
    return shape, [pk for key, slots in shape for pk in padded(asked[key], slots)]


def _sentinel_cases(shape: Shape) -> tuple[list[int], dict[str, list[int]]]:
    """The sentinels a kept query of ``shape`` is built with, and them as the ids of each kind."""
    sentinels = int_sentinels(sum(slots for _key, slots in shape))
    cases: dict[str, list[int]] = {}
    start = 0
    for key, slots in shape:
        cases[key], start = sentinels[start : start + slots], start + slots
    return sentinels, cases


def _asked_ids(sentinel: str) -> Any:
    """The ids of the cases asked, read from one parameter (a JSON list of integers): a kind
    filters ``<case>__in`` it as it filters a list, and its SQL holds one placeholder for them
    instead of one per id."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT (jsonb_array_elements_text(%s::jsonb))::bigint", [sentinel])
    return RawSQL("SELECT value FROM json_each(%s)", [sentinel])


def _ids_json(ids: Collection[int]) -> str:
    """``ids`` as the parameter ``_asked_ids`` reads: each once, an id beyond 64 bits (which no
    row has; PostgreSQL's cast would refuse it) left out."""
    return json.dumps([pk for pk in dict.fromkeys(ids) if pk in _INT64])


_INT64 = range(-(2**63), 2**63)
_WAITING_ORDER = ", ".join(ORDERINGS["due"])


def _waiting_prepared(
    user: Any, keys: tuple[str, ...]
) -> tuple[PreparedQuery, dict[str, str]] | None:
    sentinels = [text_sentinel(f"waiting:{key}") for key in keys]
    asked = {key: _asked_ids(sentinel) for key, sentinel in zip(keys, sentinels, strict=True)}
    kinds = todo_rows(user=user, cases=asked)  # each kind filters ``__in`` the ids, as a list
    combined = _union(kinds)
    if combined is None:
        return None
    who_of = {kind.code: kind.who for kind in kinds}  # a kind of item waits on one party
    # raw: the key, case id and code need no conversion; the union's tree is not kept
    prepared = PreparedQuery(combined, sentinels, raw=True)
    if prepared.sql:  # sorted once, as the union's own ORDER BY sorts it
        prepared.sql = (
            f"SELECT todo_key, todo_case, todo_code FROM ({prepared.sql}) dsg_waiting "
            f"ORDER BY {_WAITING_ORDER}"
        )
        if connection.vendor == "sqlite":
            _write_constants(prepared)
    return prepared, who_of


_PLACEHOLDER = re.compile(r"%%|%s")


def _literal(value: Any) -> str | None:
    """``value`` as an SQLite literal of the type it is bound as (None: left a parameter)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str):  # a choice's value too (a str subclass), as sqlite3 binds it
        return "'" + str.__str__(value).replace("'", "''").replace("%", "%%") + "'"
    return None


def _constants_written(prepared: PreparedQuery) -> PreparedQuery:
    """``prepared`` with its constants written into its SQL on SQLite (``_write_constants``): the
    queue's union holds the account links' kinds when it asks the company's or the provider's
    items."""
    if connection.vendor == "sqlite":
        _write_constants(prepared)
    return prepared


def _write_constants(prepared: PreparedQuery) -> None:
    """The statement's constant values (states, codes, content types…) written into its SQL,
    its parameters left for the ids only (SQLite). SQLite compiles a statement again on the
    run after a parameter is bound that a partial index's choice depended on — and with more
    than 31 parameters every parameter counts as that one: the account links' kinds compare
    their state with a parameter (the partial index ``one_waiting_delivery_per_holder``), and
    the whole union was compiled again on every run (~0.8 ms, docs/performance.md)."""
    kept = {position for position, _i, _kind in prepared.slots}
    params: list[Any] = []
    moved: dict[int, int] = {}
    position = 0

    def place(match: re.Match[str]) -> str:
        nonlocal position
        if match.group() == "%%":
            return "%%"
        value, at = prepared.params[position], position
        position += 1
        text = None if at in kept else _literal(value)
        if text is not None:
            return text
        moved[at] = len(params)
        params.append(value)
        return "%s"

    sql = _PLACEHOLDER.sub(place, prepared.sql)
    if position != len(prepared.params):  # not the statement's own placeholders: left as it is
        return
    prepared.sql, prepared.params = sql, params
    prepared.slots = [(moved[at], i, kind) for at, i, kind in prepared.slots]


def waiting_of(*, user: Any, cases: Mapping[str, Collection[int]]) -> dict[CaseRef, list[str]]:
    """Per case of ``cases``, the parties its open items (those ``user`` sees) wait on, in the
    order of their first item (soonest due first): ``waiting_by_case(todos_for(...))`` read as
    rows in one query, without building the items (nor, most calls, the query: it is kept)."""
    # One query whatever the number of cases (their ids are one parameter of each kind asked),
    # so a list's pages and the detail share it.
    asked = {key: ids for key, ids in sorted(cases.items()) if ids}
    if not asked:
        return {}
    keys = tuple(asked)
    cache_key = (*person_key(user), timezone.localdate(), keys, subject_type_ids())
    prepared = _WAITING.get(cache_key, lambda: _waiting_prepared(user, keys))
    if prepared is None:
        return {}
    query, who_of = prepared
    result: dict[CaseRef, list[str]] = {}
    for key, case_id, code in query.rows([_ids_json(ids) for ids in asked.values()]):
        parties = result.setdefault((key, case_id), [])
        if who_of[code] not in parties:
            parties.append(who_of[code])
    return result


def waiting_on_q(
    *, user: Any, key: str, party: str, fallback: Collection[str], column: str = "pk"
) -> Q:
    """A condition on cases of kind ``key`` (their id in ``column``): those waiting on ``party``
    as the homes say it — an open item of ``party`` that ``user`` sees, or, with no open item
    at all, a state that waits on ``party`` (``fallback``: the states whose ``WAITING_ON`` is
    ``party``). In the query, one subquery per kind of item."""
    kinds = [kind for kind in todo_rows(user=user) if kind.key == key]

    def ids(kind: TodoRows) -> QuerySet[Any]:
        case = F(kind.case) if isinstance(kind.case, str) else kind.case
        return kind.rows.order_by().annotate(todo_case=case).values("todo_case")

    theirs = Q(pk__in=[])
    anyone = Q(pk__in=[])
    for kind in kinds:
        condition = Q(**{f"{column}__in": ids(kind)})
        anyone |= condition
        if kind.who == party:
            theirs |= condition
    return theirs | (Q(state__in=list(fallback)) & ~anyone)
