"""A query's SQL compiled once, run many times with other values (issue #14).

Building a queryset and compiling it to SQL costs more than running it for the API's hot reads:
the bearer token's row (one indexed read) and 「次の対応者」 of a page of cases (one UNION ALL of
every kind of open item, ~25 parts). ``PreparedQuery`` compiles a queryset built with
*sentinels* — unlikely values standing for what changes between calls (the token's digest, the
page's case ids) — and keeps Django's compiler: each run puts the call's values where the
sentinels are among the parameters, runs the SQL, and turns the rows into what the queryset
gives (its columns through the database's converters; model instances with their
``select_related`` objects).

It is correct only for a queryset whose building reads nothing that may change between calls
except the sentinels: no query run while building it, no clock read (or one the cache key holds).
The callers key their cache on everything else their building reads. django-scopes checks the
tenant scope when a queryset is built: a kept query was built in its first caller's scope, and
its tenancy is in its SQL (``restrict()`` for the person its key names).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


def int_sentinels(count: int) -> list[int]:
    """``count`` distinct integers no key takes (negative, beyond any id), to stand for ids."""
    return [-7_391_000_001 - i for i in range(count)]


def text_sentinel(name: str) -> str:
    return f"\x00dsg-sentinel:{name}\x00"


# An id no row has that every database takes (a 64-bit integer): in place of a value beyond
# 64 bits, which no row has either but the driver refuses (SQLite: OverflowError).
_NO_ID = -7_390_999_999
_INT64 = range(-(2**63), 2**63)


def _plain(value: Any) -> tuple[type, Any]:
    """A sentinel's identity: an int subclass (psycopg's Int8) counts as the int it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (int, int(value))
    return (type(value), value)


def _in_range(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
        return _NO_ID
    return value


class PreparedQuery:
    """``queryset`` compiled once with ``sentinels`` among its values; ``rows``/``objects`` run
    it with others in their place."""

    def __init__(
        self,
        queryset: QuerySet[Any],
        sentinels: Sequence[Any],
        *,
        raw: bool = False,
        paged: bool = False,
        counted: bool = False,
    ) -> None:
        """``raw``: ``rows`` gives the database's values unconverted, and the compiler (the
        query's whole tree, ~0.6 MB for 「次の対応者」's union) is not kept. ``paged``: the
        SQL ends with ``LIMIT``/``OFFSET`` taken as the last two values of each call (after the
        sentinels'): a page of a list at any position is one query. ``counted``: the query
        counts the queryset's rows (``count``) instead of giving them."""
        self.db = queryset.db
        query = queryset.query
        # a values() queryset's rows are dicts named as ValuesIterable names them (``dicts``)
        self.names = list(query.selected or ()) or [
            *query.extra_select,
            *query.values_select,
            *query.annotation_select,
        ]
        compiler = query.get_compiler(using=self.db)
        self.compiler = None if raw or counted else compiler
        self.paged = paged
        try:
            sql, params = compiler.as_sql()  # fills the compiler's select and klass_info
        except EmptyResultSet:  # a query that can match nothing (``none()``) is never run
            self.sql, self.params = "", []
            self.slots: list[tuple[int, int, Callable[[Any], Any]]] = []
            return
        if counted:
            sql = f"SELECT COUNT(*) FROM ({sql}) dsg_counted"
        self.sql = sql
        self.params = list(params)
        # A sentinel may come back wrapped: Django passes some integers to psycopg as its Int8
        # (an int subclass) — matched by value, and the call's value wrapped the same way.
        index = {_plain(s): i for i, s in enumerate(sentinels)}
        self.slots = [
            (position, index[_plain(p)], type(p))  # type(p) wraps the call's value as p was
            for position, p in enumerate(self.params)
            if isinstance(p, Hashable) and _plain(p) in index
        ]
        unused = set(range(len(sentinels))) - {i for _p, i, _kind in self.slots}
        if unused:
            raise ValueError(f"sentinels not found among the query's parameters: {sorted(unused)}")
        if paged:
            if query.is_sliced:
                raise ValueError("a paged query takes its limit and offset from each call")
            self.sql += " LIMIT %s OFFSET %s"
            end = len(self.params)
            self.params += [0, 0]
            self.slots += [(end, len(sentinels), int), (end + 1, len(sentinels) + 1, int)]

    def _fetch(self, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        if not self.sql:
            return []
        params = list(self.params)
        given = [_in_range(value) for value in values]  # once each (a value may fill many slots)
        for position, i, kind in self.slots:
            value = given[i]
            # wrapped as the sentinel was (psycopg's Int8); a value of that type as it is
            params[position] = value if type(value) is kind else kind(value)
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            return list(cursor.fetchall())

    def rows(self, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows for ``values`` (in the sentinels' order), converted as the queryset's."""
        fetched = self._fetch(values)
        if self.compiler is None:
            return fetched
        return list(self.compiler.results_iter(results=[fetched], tuple_expected=True))

    def dicts(self, values: Sequence[Any]) -> list[dict[str, Any]]:
        """The rows of a ``values()`` queryset for ``values``, as dicts (as it gives them)."""
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.rows(values)]

    def count(self, values: Sequence[Any]) -> int:
        """The number of rows (a ``counted`` query) for ``values``."""
        if not self.sql:
            return 0
        return int(self._fetch(values)[0][0])

    def objects(self, values: Sequence[Any]) -> list[Model]:
        """The model instances for ``values``, with their ``select_related`` objects and
        annotations, as Django's ``ModelIterable`` makes them."""
        if not self.sql:
            return []
        assert self.compiler is not None, "a raw prepared query gives rows only"
        select, klass_info = self.compiler.select, self.compiler.klass_info
        model = klass_info["model"]
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        annotations = self.compiler.annotation_col_map
        populators = get_related_populators(klass_info, select, self.db)  # type: ignore[call-arg]  # the stubs describe Django 6 (fetch_mode); 5.2 takes three
        result = []
        for row in self.rows(values):
            obj = model.from_db(self.db, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations.items():
                setattr(obj, name, row[position])
            result.append(obj)
        return result


_T = TypeVar("_T")


NO_ROW = 0  # an id no row has (ids start at 1): the places of a kept query a call leaves empty


def id_slots(n: int, least: int) -> int:
    """The places for ids a kept query takes for ``n`` ids: ``least``, or the next power of 2 —
    a list of 1 id and one of ``least`` ask the same query, a longer one one of a few more."""
    return max(least, 1 << (n - 1).bit_length())


def padded(ids: list[int], slots: int) -> list[int]:
    """``ids`` with ``NO_ROW`` in the places they leave empty."""
    return ids + [NO_ROW] * (slots - len(ids))


def person_key(user: Any) -> tuple[Any, Any, Any]:
    """What a query restricted to ``user`` reads of them when it is built (the tenancy and role
    filters: the person, their role, their organisation): the part of a kept query's cache key
    that stands for the person."""
    return (
        getattr(user, "pk", None),
        getattr(user, "role", None),
        getattr(user, "organization_id", None),
    )


class PreparedCache(Generic[_T]):
    """Prepared queries (or what a caller keeps with one) by key, the most recently used
    ``size`` kept (per process)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, _T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], _T]) -> _T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        prepared = build()
        with self._lock:
            self._items[key] = prepared
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return prepared

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# A list kept compiled: its pages and count are read by core.pagination (the API's lists). It is
# declared here, apart from django-ninja, so that a selector can make one without importing the
# API's stack at start-up (tests/test_startup.py).
@dataclass(frozen=True)
class KeptList:
    """A list (a ``values()`` queryset) whose pages, keyset pages and count are read by queries
    compiled once per ``key`` (``core.prepared``) instead of built every call.

    ``build()`` makes the list with ``sentinels`` where the call's ``values`` go; ``key`` holds
    everything else its building reads (the person, the filters' shape, the day…): a kept query
    is correct only so. ``fresh()`` makes the same list with the values themselves: the list is
    read from it where a kept query cannot serve (an ordering column of a kind no sentinel
    stands for, or ``kept`` False), and tests compare the two. ``count_build()``, when given,
    makes the rows to count (the list without what only its rows need: their joined columns)."""

    key: Hashable
    build: Callable[[], QuerySet[Any]]
    sentinels: Sequence[Any]
    values: Sequence[Any]
    fresh: Callable[[], QuerySet[Any]]
    count_build: Callable[[], QuerySet[Any]] | None = None
    kept: bool = True  # False: read from ``fresh()`` (a shape not worth keeping)
