"""Pages of the official .xlsx forms, included at "" by dsg.urls: a site's forms page, one blank
form per kind (no kind parameter: one route each), a request written back into its form."""

from __future__ import annotations

from django.urls import path

from . import xlsx_views
from .models import RequestKind

urlpatterns = [
    path("sites/<int:site_id>/equipment-forms/", xlsx_views.site_forms, name="equipment_forms"),
    *(
        path(
            f"sites/<int:site_id>/equipment-forms/{kind}.xlsx",
            xlsx_views.blank_form(kind),
            name=f"equipment_form_{kind}",
        )
        for kind in RequestKind.values
    ),
    path(
        "equipment-requests/<int:equipment_request_id>/form.xlsx",
        xlsx_views.filed_form,
        name="equipment_request_form",
    ),
]
