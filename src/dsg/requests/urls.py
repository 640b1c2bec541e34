"""Pages of 加入申請内容の変更, included at "" by dsg.urls."""

from __future__ import annotations

from django.urls import path

from . import views

CHANGE = "changes/<int:change_id>/"

urlpatterns = [
    path("changes/", views.change_list, name="change_list"),
    path("changes/new/", views.change_new, name="change_new"),
    path(CHANGE, views.change_detail, name="change_detail"),
    path(f"{CHANGE}edit/", views.change_edit, name="change_edit"),
    path(f"{CHANGE}documents/", views.change_upload, name="change_upload"),
    path(f"{CHANGE}confirm/", views.change_confirm, name="change_confirm"),
    path(f"{CHANGE}submitted/", views.change_submitted, name="change_submitted"),
    path(f"{CHANGE}comments/", views.change_comment, name="change_comment"),
    path(f"{CHANGE}ask/", views.change_ask, name="change_ask"),
    path(f"{CHANGE}remediation-report/", views.change_remediation, name="change_remediation"),
    path(f"{CHANGE}inspection/", views.change_inspection_open, name="change_inspection_open"),
    *(
        path(f"{CHANGE}{action}/", views.change_decide, {"action": action}, name=f"change_{action}")
        for action in views.DECISIONS
    ),
    path(
        "action-requests/<int:action_request_id>/answer/",
        views.action_request_answer,
        name="action_request_answer",
    ),
    path(
        "provider-work/<int:provider_work_id>/done/",
        views.provider_work_done,
        name="provider_work_done",
    ),
]
