"""The health endpoint and each person's inbox, included at "" by dsg.urls."""

from __future__ import annotations

from django.urls import path

from . import inbox_views, views

urlpatterns = [
    path("readyz", views.readyz, name="readyz"),
    path("notifications/", inbox_views.inbox, name="inbox"),
    path("notifications/read-all/", inbox_views.inbox_read_all, name="inbox_read_all"),
    path(
        "notifications/<int:notification_id>/",
        inbox_views.notification_detail,
        name="notification_detail",
    ),
]
