"""Watching the building of kept queries (``core.prepared``, #14): a kept query is correct only
if its building reads no row — what it would read could change between the calls it serves."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsg.core.prepared import PreparedCache


class Builds:
    """Caches that fail a test when a build reads a row, and the keys they built, in order."""

    def __init__(self) -> None:
        self.keys: list[Any] = []

    def cache(self, size: int = 256) -> PreparedCache[Any]:
        """A fresh cache to put in the place of a module's own (``monkeypatch.setattr``)."""
        builds = self

        class Watched(PreparedCache[Any]):
            def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
                def watched() -> Any:
                    with CaptureQueriesContext(connection) as captured:
                        result = build()
                    assert captured.captured_queries == [], key
                    builds.keys.append(key)
                    return result

                return super().get(key, watched)

        return Watched(size=size)

    def firsts(self) -> set[Any]:
        """The first part of each key built (the kind of query, by the caches' convention)."""
        return {key[0] for key in self.keys}
