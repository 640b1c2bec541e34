"""The sections the change applications add to pages of the apps below: on the site page, the
site's changes, the start of a new one and the history of its registered data."""

from __future__ import annotations

from dsg.core.panels import Panel, register_panel

from .views import site_panel


def register_panels() -> None:
    register_panel(
        Panel(
            page="site",
            name="changes",
            template="requests/_site_panel.html",
            context=site_panel,
            order=40,
        )
    )
