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

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

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
