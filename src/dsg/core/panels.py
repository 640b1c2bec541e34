"""Panels: the sections an app adds to a page of an app below it.

A page shows what its own app knows and what the apps below it know; an app above it (the
provider's part on the case page, its task list on the dashboard) adds a section by registering
a panel for the page when Django starts. The page renders every panel registered for it, in
order, without importing the app that registered it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .prepared import PreparedCache, PreparedQuery, person_key

# (request, the page's object) -> the panel's template context, or None when it is not shown.
PanelContext = Callable[[HttpRequest, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    page: str  # "case", "dashboard"
    name: str
    template: str
    context: PanelContext
    order: int = 100


_PANELS: dict[str, dict[str, Panel]] = {}


def register_panel(panel: Panel) -> None:
    _PANELS.setdefault(panel.page, {})[panel.name] = panel


def panels_for(page: str, request: HttpRequest, obj: Any = None, **shared: Any) -> list[SafeString]:
    """The page's panels rendered for ``request``; ``shared`` joins every panel's context."""
    rendered = []
    for panel in sorted(_PANELS.get(page, {}).values(), key=lambda p: (p.order, p.name)):
        context = panel.context(request, obj)
        if context is not None:
            rendered.append(
                render_to_string(panel.template, {**shared, **context}, request=request)
            )
    return rendered


# A panel's lists compiled once per person (#14): a home draws a few panels on each request, and
# building and compiling their querysets cost more than running them (the company's home: five
# lists of at most 20 rows, ~70 % of the panels' time).
_KEPT: PreparedCache[PreparedQuery] = PreparedCache(size=1024)


def kept_list(name: str, user: Any, build: Callable[[], QuerySet[Any]]) -> list[Model]:
    """The rows of the panel's list ``name`` as ``user`` sees them, its query built by ``build``
    and compiled the first time only (``core.prepared``), run on every call. ``build`` must read
    nothing but the person (the tenancy filters, ``restrict``): no row, no clock."""
    prepared = _KEPT.get((name, *person_key(user)), lambda: PreparedQuery(build(), []))
    return prepared.objects([])


def kept_dicts(name: str, user: Any, build: Callable[[], QuerySet[Any]]) -> list[dict[str, Any]]:
    """The rows of the panel's ``values()`` query ``name`` (a count per state…) as ``user``
    sees them, as dicts; kept as ``kept_list`` keeps a list, with the same rule for ``build``."""
    prepared = _KEPT.get((name, *person_key(user)), lambda: PreparedQuery(build(), []))
    return prepared.dicts([])
