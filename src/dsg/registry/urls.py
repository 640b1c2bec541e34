"""Pages of the site registry, included at "" by dsg.urls."""

from __future__ import annotations

from django.urls import path

from . import policy_views, views
from .policy_export import FORMATS

urlpatterns = [
    path("sites/<int:site_id>/terminals/", views.site_terminals, name="site_terminals"),
    path(
        "terminals/<int:terminal_id>/disposal/", views.terminal_disposal, name="terminal_disposal"
    ),
    # The site's enforceable policy, one route per format (the file's name says which).
    *(
        path(
            f"sites/<int:site_id>/policy/{fmt}/",
            policy_views.site_policy_export,
            {"fmt": fmt},
            name=f"site_policy_{fmt}",
        )
        for fmt in FORMATS
    ),
    path(
        "disposals/<int:disposal_id>/confirm/",
        views.terminal_disposal_confirm,
        name="terminal_disposal_confirm",
    ),
]
