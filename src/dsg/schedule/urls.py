from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("schedule/settings/", views.schedule_settings, name="schedule_settings"),
]
