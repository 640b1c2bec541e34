"""The sections the registry adds to pages of the apps below it: the site's terminals, and the
software catalogues in force on the dashboard of the provider and the office.

The panels' views are imported when a panel is first shown, not when Django starts: the views
import the .xlsx workbooks (openpyxl), which no start-up needs — ``dsg audit verify`` and every
other command would load them for nothing (issue #14; tests/test_startup.py).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dsg.core.panels import Panel, register_panel


def _site_panel(request: HttpRequest, site: Any) -> dict[str, Any] | None:
    from .views import site_panel  # lazy: see the module's docstring

    return site_panel(request, site)


def _dashboard_panel(request: HttpRequest, obj: Any) -> dict[str, Any] | None:
    from .catalogue_views import dashboard_panel  # lazy, as above

    return dashboard_panel(request, obj)


def register_panels() -> None:
    register_panel(
        Panel(
            page="site",
            name="terminals",
            template="registry/_site_panel.html",
            context=_site_panel,
            order=50,
        )
    )
    register_panel(
        Panel(
            page="dashboard",
            name="catalogues",
            template="registry/catalogues/_dashboard_panel.html",
            context=_dashboard_panel,
            order=80,
        )
    )
