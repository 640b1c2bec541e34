"""Pages of the §5 requests and the helpdesk requests, included at "" by dsg.urls."""

from __future__ import annotations

from django.urls import path

from . import readiness_views, views

SITE = "sites/<int:site_id>/"
REQUEST = "equipment-requests/<int:equipment_request_id>/"
HELPDESK = "helpdesk/<int:helpdesk_request_id>/"

urlpatterns = [
    path(
        "terminals/<int:terminal_id>/readiness/",
        readiness_views.added_terminal_readiness,
        name="added_terminal_readiness",
    ),
    path(f"{SITE}equipment-requests/", views.site_requests, name="equipment_site_requests"),
    path(f"{SITE}equipment-requests/new/", views.request_new, name="equipment_request_new"),
    path(f"{SITE}equipment-requests/filed/", views.request_filed, name="equipment_request_filed"),
    path(f"{SITE}helpdesk/new/", views.helpdesk_new, name="helpdesk_new"),
    path("equipment-requests/", views.request_list, name="equipment_request_list"),
    path(REQUEST, views.request_detail, name="equipment_request_detail"),
    path(f"{REQUEST}take-up/", views.request_take_up, name="equipment_request_take_up"),
    path(f"{REQUEST}ask/", views.request_ask, name="equipment_request_ask"),
    path(f"{REQUEST}answer/", views.request_answer, name="equipment_request_answer"),
    path(f"{REQUEST}documents/", views.request_upload, name="equipment_request_upload"),
    path(f"{REQUEST}withdraw/", views.request_withdraw, name="equipment_request_withdraw"),
    path(f"{REQUEST}decide/", views.request_decide, name="equipment_request_decide"),
    path("helpdesk/", views.helpdesk_list, name="helpdesk_list"),
    path(HELPDESK, views.helpdesk_detail, name="helpdesk_detail"),
    path(f"{HELPDESK}answer/", views.helpdesk_answer, name="helpdesk_answer"),
]
