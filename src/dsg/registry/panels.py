"""The sections the registry adds to pages of the apps below it: the site's terminals, and the
software catalogues in force on the dashboard of the provider and the office."""

from __future__ import annotations

from dsg.core.panels import Panel, register_panel

from .catalogue_views import dashboard_panel
from .views import site_panel


def register_panels() -> None:
    register_panel(
        Panel(
            page="site",
            name="terminals",
            template="registry/_site_panel.html",
            context=site_panel,
            order=50,
        )
    )
    register_panel(
        Panel(
            page="dashboard",
            name="catalogues",
            template="registry/catalogues/_dashboard_panel.html",
            context=dashboard_panel,
            order=80,
        )
    )
