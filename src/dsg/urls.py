"""The portal's URLs: each app's pages, the API, accounts, language, admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from dsg.api import api
from dsg.core import health
from dsg.orgs import help as help_pages

urlpatterns = [
    path("", include("dsg.enrollment.urls")),
    path("", include("dsg.orgs.urls")),
    path("", include("dsg.provisioning.urls")),
    path("", include("dsg.documents.urls")),
    path("", include("dsg.schedule.urls")),
    path("", include("dsg.inspections.urls")),
    path("", include("dsg.notices.urls")),
    path("", include("dsg.contacts.urls")),
    path("", include("dsg.registry.urls")),
    path("", include("dsg.notifications.urls")),
    path("healthz", health.healthz, name="healthz"),  # the process answers (no database)
    path("metrics", health.metrics, name="metrics"),  # Prometheus; a token or loopback only
    path("", include("dsg.requests.urls")),
    path("", include("dsg.equipment.urls")),
    path("", include("dsg.annual.urls")),
    path("", include("dsg.equipment.xlsx_urls")),
    path("help/", help_pages.help_page, name="help"),
    path("help/<slug:page>/", help_pages.help_page, name="help_page"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
