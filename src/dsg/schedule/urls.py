from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("schedule/settings/", views.schedule_settings, name="schedule_settings"),
    path(
        "enrollments/<int:enrollment_id>/schedule.ics",
        views.enrollment_schedule_ics,
        name="enrollment_schedule_ics",
    ),
    path(
        "enrollments/<int:enrollment_id>/schedule.xlsx",
        views.enrollment_schedule_xlsx,
        name="enrollment_schedule_xlsx",
    ),
]
