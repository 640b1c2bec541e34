"""The API's paginated lists.

``LimitOffsetPagination``: django-ninja's limit/offset pagination with a bounded offset. Ninja
bounds ``limit`` (``NINJA_PAGINATION_MAX_LIMIT``) but not ``offset``: an offset past what the
database's integers hold (2**63 on both) was a 500 ("datatype mismatch" on SQLite, out of range
on PostgreSQL). Past ``MAX_OFFSET`` it is refused with 422 like any invalid parameter, and the
bound is in the published schema.

``KeysetPagination`` (issue #14): the same ``limit``/``offset`` and answer (``items``,
``count``) for the clients that page so, plus ``next``: a cursor to the following page. Sent
back as ``?cursor=``, the page is read by key — the rows after the previous page's last row in
the list's order (its ordering columns and the primary key), without counting the list and
without the database reading and skipping ``offset`` rows — and ``count`` is null. ``?cursor=``
empty starts the list so. A cursor is signed (``django.core.signing``, salted with the path):
a client cannot forge one, and it only names a position — the rows are still those of the
caller's own list (the same ``restrict()``ed query), so another caller's cursor shows nothing
of the rows it came from. When an ordering column may be NULL (a keyset would lose or repeat
the NULL rows), the cursor holds the offset instead: the same contract, without the gain.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db import connections, models
from django.db.models import F, Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from ninja import pagination as ninja_pagination
from ninja.conf import settings

from .errors import RuleViolation
from .prepared import KeptList, PreparedCache, PreparedQuery, int_sentinels, text_sentinel

MAX_OFFSET = 2**31 - 1  # far past any list of the portal, within every database's integers
CURSOR_MAX = 2000  # characters: a signed cursor of a few ordering values is far shorter
_SALT = "dsg.api.cursor"
_KEY = "_dsg_cursor_key_"  # the annotations that carry each row's ordering values
FORGED = _("The cursor is not one this list gave: start again from the first page.")


class LimitOffsetPagination(ninja_pagination.LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.PAGINATION_PER_PAGE, ge=1, le=settings.PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


class KeysetInput(Schema):
    limit: int = Field(settings.PAGINATION_PER_PAGE, ge=1, le=settings.PAGINATION_MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    cursor: str | None = Field(
        None,
        max_length=CURSOR_MAX,
        description="The `next` of the previous page (empty: the first page), to page by key "
        "without counting: `count` is then null. Not with `offset`. A cursor this list did not "
        "give (or of another `ordering`) is refused: 422 `invalid_cursor`.",
    )


class KeysetOutput(Schema):
    items: list[Any]
    count: int | None = Field(description="Every row of the list; null when paged by cursor")
    next: str | None = Field(description="The cursor of the following page; null at the end")


PageRows = Callable[[HttpRequest, list[Any]], None]


class KeysetPagination(ninja_pagination.PaginationBase):
    """limit/offset with a count as before, or by cursor (``next``) without one."""

    # Named apart from LimitOffsetPagination's (ninja names a schema after its class: two
    # "Input" would publish one; tests/api/test_schemathesis.py).
    Input = KeysetInput  # type: ignore[assignment]  # ninja's own classes are nested; any Schema serves
    Output = KeysetOutput  # type: ignore[assignment]  # as above

    def __init__(self, *, page_rows: PageRows | None = None, **kwargs: Any) -> None:
        """``page_rows(request, rows)``: completes the rows of the page (only those) before they
        are serialised, for what is read per page rather than per row (``paginate(...,
        page_rows=...)``)."""
        super().__init__(**kwargs)
        self.page_rows = page_rows

    def paginate_queryset(
        self,
        queryset: QuerySet[Any] | KeptList,
        pagination: KeysetInput,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        if isinstance(queryset, KeptList) and not queryset.kept:
            queryset = queryset.fresh()
        if isinstance(queryset, KeptList):
            pages: _QuerysetPages | _KeptPages = _kept_pages(queryset)
        else:
            pages = _QuerysetPages(queryset)
        columns, keyset = pages.columns, pages.keyset
        limit = pagination.limit
        if pagination.cursor is None:
            rows = pages.page(pagination.offset, limit)
            count = pages.count()
            more = pagination.offset + len(rows) < count
            start = pagination.offset
        else:
            if pagination.offset:
                raise _invalid(_("Give either an offset or a cursor, not both."))
            position = _decode(pagination.cursor, request, columns)
            if "k" in position:
                rows = pages.after(position["k"], limit + 1)
                start = 0
            else:
                start = position.get("n", 0)
                rows = pages.page(start, limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            count = None
        following = None
        if more and rows:
            if keyset:
                following = _encode(request, columns, k=_key_of(rows[-1], len(columns)))
            else:
                following = _encode(request, columns, n=start + len(rows))
        if self.page_rows is not None:
            self.page_rows(request, rows)
        return {"items": rows, "count": count, "next": following}


class _QuerysetPages:
    """The pages of a queryset, each read by building its query (the lists' default)."""

    def __init__(self, queryset: QuerySet[Any]) -> None:
        self.queryset = queryset
        self.columns = ordering_of(queryset)
        self.keyset = _keyset_usable(queryset.model, self.columns)
        self.ordered = _ordered(queryset, self.columns, self.keyset)

    def page(self, offset: int, limit: int) -> list[Any]:
        return list(self.ordered[offset : offset + limit])

    def after(self, key: list[Any], limit: int) -> list[Any]:
        return list(self.ordered.filter(_after(self.columns, key))[:limit])

    def count(self) -> int:
        return self.queryset.count()


def _ordered(queryset: QuerySet[Any], columns: list[Any], keyset: bool) -> QuerySet[Any]:
    """``queryset`` in the order of ``columns``, each row with its key (when by keyset)."""
    ordered = queryset.order_by(*columns)
    if keyset:
        ordered = ordered.annotate(
            **{f"{_KEY}{i}": F(c.lstrip("-")) for i, c in enumerate(columns)}
        )
    return ordered


# Lists kept compiled (issue #14) ---------------------------------------------------------------
class _KeptQueries:
    """What is kept of one ``KeptList.key``: the order, and each query the first call of its
    kind compiles (page, keyset page, count)."""

    def __init__(self, source: KeptList) -> None:
        built = source.build()
        self.model = built.model
        self.db = built.db
        self.columns = ordering_of(built)
        self.keyset = _keyset_usable(built.model, self.columns)
        self.fields = [_field_of(built.model, c.lstrip("-")) for c in self.columns]
        self.queries: dict[str, PreparedQuery | None] = {}
        self.lock = threading.Lock()

    def query(self, kind: str, source: KeptList) -> PreparedQuery | None:
        with self.lock:
            if kind in self.queries:
                return self.queries[kind]
        prepared = self._prepare(kind, source)
        with self.lock:
            self.queries[kind] = prepared
        return prepared

    def _prepare(self, kind: str, source: KeptList) -> PreparedQuery | None:
        sentinels = list(source.sentinels)
        if kind == "count":
            counted = (source.count_build or source.build)().order_by().values("pk")
            return PreparedQuery(counted, sentinels, counted=True)
        ordered = _ordered(source.build(), self.columns, self.keyset)
        if kind == "after":
            key = _key_sentinels(self.fields)
            if key is None:
                return None
            ordered = ordered.filter(_after(self.columns, key))
            sentinels += [
                _adapt(field, value, self.db) for field, value in zip(self.fields, key, strict=True)
            ]
        return PreparedQuery(ordered, sentinels, paged=True)


_KEPT_LISTS: PreparedCache[_KeptQueries] = PreparedCache(size=256)


def _kept_pages(source: KeptList) -> _KeptPages:
    queries = _KEPT_LISTS.get(source.key, lambda: _KeptQueries(source))
    return _KeptPages(queries, source)


class _KeptPages:
    """The pages of a ``KeptList``, read by its kept queries."""

    def __init__(self, queries: _KeptQueries, source: KeptList) -> None:
        self.queries = queries
        self.source = source
        self.columns = queries.columns
        self.keyset = queries.keyset

    def _fallback(self) -> _QuerysetPages:
        return _QuerysetPages(self.source.fresh())

    def page(self, offset: int, limit: int) -> list[Any]:
        query = self.queries.query("page", self.source)
        assert query is not None
        return query.dicts([*self.source.values, limit, offset])

    def after(self, key: list[Any], limit: int) -> list[Any]:
        query = self.queries.query("after", self.source)
        if query is None:
            return self._fallback().after(key, limit)
        db = self.queries.db
        adapted = [
            _adapt(field, value, db) for field, value in zip(self.queries.fields, key, strict=True)
        ]
        return query.dicts([*self.source.values, *adapted, limit, 0])

    def count(self) -> int:
        query = self.queries.query("count", self.source)
        assert query is not None
        return query.count(self.source.values)


def _field_of(model: type[Model], path: str) -> Any:
    """The model field at the end of ``path`` (``pk``, a column, through relations); None for
    an annotation."""
    current: Any = model
    field: Any = None
    for name in path.split("__"):
        try:
            field = current._meta.pk if name == "pk" else current._meta.get_field(name)
        except Exception:
            return None
        if field.is_relation:
            current = field.related_model
    return field


def _key_sentinels(fields: list[Any]) -> list[Any] | None:
    """A value no row has for each ordering column, by its kind; None where a column is of a
    kind no sentinel stands for (that list's keyset pages are then built every call)."""
    ints = iter(int_sentinels(len(fields)))
    key: list[Any] = []
    for i, field in enumerate(fields):
        if isinstance(field, models.DateTimeField):
            key.append(dt.datetime(1901, 2, 3, 4, 5, 6, 700_000 + i, tzinfo=dt.UTC))
        elif isinstance(field, models.IntegerField):  # the auto keys too
            key.append(next(ints))
        elif isinstance(field, models.CharField | models.TextField):
            key.append(text_sentinel(f"key{i}"))
        else:
            return None
    return key


def _adapt(field: Any, value: Any, db: str) -> Any:
    """``value`` as a lookup on ``field`` passes it to the database (a datetime as SQLite's
    text…): how a key's sentinel appears among a query's parameters, and a call's key in its
    place."""
    if value is None:
        return None
    return field.get_db_prep_value(field.get_prep_value(value), connections[db], prepared=True)


def ordering_of(queryset: QuerySet[Any]) -> list[str]:
    """The queryset's ordering as field paths, ending with the primary key (a total order)."""
    query = queryset.query
    given = list(query.order_by) or (
        list(queryset.model._meta.ordering) if query.default_ordering else []
    )
    columns: list[Any] = list(given)
    names = {c.lstrip("-") for c in columns if isinstance(c, str)}
    if not names & {"pk", "id", queryset.model._meta.pk.name}:
        last_descending = bool(columns) and isinstance(columns[-1], str) and columns[-1][0] == "-"
        columns.append("-pk" if last_descending else "pk")
    return columns


def _keyset_usable(model: type[Model], columns: list[Any]) -> bool:
    """Each column a plain path to a column that is never NULL (nor reached through a join
    that may be missing): then "after this row" is a comparison of keys."""
    return all(isinstance(c, str) and not _nullable(model, c.lstrip("-")) for c in columns)


def _nullable(model: type[Model], path: str) -> bool:
    current: Any = model
    for name in path.split("__"):
        if name == "pk":
            return False
        try:
            field = current._meta.get_field(name)
        except Exception:  # an annotation, or a lookup: not known to be non-null
            return True
        if field.null or (field.is_relation and not field.concrete):
            return True  # a reverse relation may have no row
        if field.is_relation:
            current = field.related_model
    return False


def _after(columns: list[str], key: list[Any]) -> Q:
    """Rows after ``key`` in the order of ``columns`` (each ascending or, with "-", descending)."""
    condition = Q(pk__in=[])
    equal = Q()
    for column, value in zip(columns, key, strict=True):
        name = column.lstrip("-")
        beyond = "lt" if column.startswith("-") else "gt"
        condition |= equal & Q(**{f"{name}__{beyond}": value})
        equal &= Q(**{name: value})
    return condition


def _key_of(row: Any, n: int) -> list[Any]:
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return [get(f"{_KEY}{i}") for i in range(n)]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return dt.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
        if "dec" in value:
            return Decimal(value["dec"])
    return value


def _encode(request: HttpRequest, columns: list[Any], **position: Any) -> str:
    data: dict[str, Any] = {"o": [str(c) for c in columns]}
    if "k" in position:
        data["k"] = [_plain(v) for v in position["k"]]
    else:
        data["n"] = position["n"]
    return signing.dumps(data, salt=f"{_SALT}:{request.path}", compress=True)


def _decode(cursor: str, request: HttpRequest, columns: list[Any]) -> dict[str, Any]:
    if not cursor:
        return {"n": 0}
    try:
        data = signing.loads(cursor, salt=f"{_SALT}:{request.path}")
    except signing.BadSignature:
        raise _invalid(FORGED) from None
    if not isinstance(data, dict) or data.get("o") != [str(c) for c in columns]:
        # another order (?ordering= changed): the position means nothing in this one
        raise _invalid(_("The cursor belongs to another order of the list: start again."))
    if "k" in data:
        key = data["k"]
        if not isinstance(key, list) or len(key) != len(columns):
            raise _invalid(FORGED)
        return {"k": [_typed(v) for v in key]}
    offset = data.get("n")
    if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise _invalid(FORGED)
    return {"n": offset}


def _invalid(message: Any) -> RuleViolation:
    return RuleViolation(message, code="invalid_cursor", status=422, field="cursor")
