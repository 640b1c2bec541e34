"""Every row of the project's tables, read for a before/after comparison ("a refused request
changes nothing"): the tenancy and role matrices, the API's refusals.

Read with plain SQL, each table's statement made once per database: the rows as the database
holds them, compared as stored (a JSON or date column as its stored text on SQLite), which tells
apart at least what the ORM's converted values would. Read through the ORM, ~85 querysets
compiled and every value converted, a snapshot cost about half of each matrix test.
"""

from __future__ import annotations

import functools
from typing import Any

from django.apps import apps
from django.db import connection


def _owned(app_label: str) -> bool:
    """The project's own apps and the task queue (the mail outbox's tasks)."""
    return app_label.startswith("dsg.") or app_label == "django_tasks_db"


@functools.cache
def _statements(
    vendor: str, skip: frozenset[str], volatile: frozenset[str]
) -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """(label, field names, SELECT) of each table read: every column but ``volatile`` ones, in
    primary-key order. ``vendor`` keys the cache: the quoting is the database's."""
    quote = connection.ops.quote_name
    found = []
    for config in apps.get_app_configs():
        if not _owned(config.name):
            continue
        for model in config.get_models():
            meta = model._meta
            if meta.label in skip:
                continue
            fields = [f for f in meta.concrete_fields if f.attname not in volatile]
            columns = ", ".join(quote(f.column) for f in fields)
            table, pk = quote(meta.db_table), quote(meta.pk.column)
            select = f"SELECT {columns} FROM {table} ORDER BY {pk}"
            found.append((meta.label, tuple(f.attname for f in fields), select))
    return tuple(found)


def table_rows(
    *, skip: frozenset[str] = frozenset(), volatile: frozenset[str] = frozenset()
) -> dict[str, list[dict[str, Any]]]:
    """Model label -> its rows (field name -> stored value), for every model of the project's
    apps and the task queue but those labelled in ``skip``; ``volatile`` fields left out."""
    state: dict[str, list[dict[str, Any]]] = {}
    with connection.cursor() as cursor:
        for label, names, select in _statements(connection.vendor, skip, volatile):
            cursor.execute(select)
            state[label] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return state
