"""The sections the change applications add to pages of the apps below: on the site page, the
site's changes, the start of a new one and the history of its registered data. The views are
imported when the panel is first shown, not when Django starts (as in ``dsg.registry.panels``;
#14: a command's start-up)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dsg.core.panels import Panel, register_panel


def _site_panel(request: HttpRequest, site: Any) -> dict[str, Any] | None:
    from .views import site_panel  # lazy: see the module's docstring

    return site_panel(request, site)


def register_panels() -> None:
    register_panel(
        Panel(
            page="site",
            name="changes",
            template="requests/_site_panel.html",
            context=_site_panel,
            order=40,
        )
    )
