"""The sections the registry adds to pages of the apps below it: the site's terminals."""

from __future__ import annotations

from dsg.core.panels import Panel, register_panel

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
