"""Pages of the site registry, included at "" by dsg.urls."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("sites/<int:site_id>/terminals/", views.site_terminals, name="site_terminals"),
    path(
        "terminals/<int:terminal_id>/disposal/", views.terminal_disposal, name="terminal_disposal"
    ),
    path(
        "disposals/<int:disposal_id>/confirm/",
        views.terminal_disposal_confirm,
        name="terminal_disposal_confirm",
    ),
]
