"""Pages of ③–⑥, included at "" by dsg.urls."""

from __future__ import annotations

from django.urls import path

from . import account_link_views, confirm_views, views, warning_views

urlpatterns = [
    path(
        "provider/month-warnings/",
        warning_views.provider_month_warnings,
        name="provider_month_warnings",
    ),
    path("enrollments/<int:enrollment_id>/survey/", views.survey_record, name="survey_record"),
    path(
        "enrollments/<int:enrollment_id>/ancillary-works/",
        views.ancillary_work_add,
        name="ancillary_work_add",
    ),
    path(
        "ancillary-works/<int:work_id>/done/",
        confirm_views.ancillary_work_done,
        name="ancillary_work_done",
    ),
    path(
        "enrollments/<int:enrollment_id>/terminals/",
        views.terminal_register,
        name="terminal_register",
    ),
    path(
        "enrollments/<int:enrollment_id>/account-holders/",
        confirm_views.account_holder_add,
        name="account_holder_add",
    ),
    path(
        "account-holders/<int:holder_id>/account-issued/",
        views.account_issue,
        name="account_issue",
    ),
    path(
        "account-holders/<int:holder_id>/vein-registration/",
        views.vein_registration,
        name="vein_registration",
    ),
    path(
        "terminals/<int:terminal_id>/connection-tests/",
        views.connection_test_record,
        name="connection_test_record",
    ),
    path(
        "enrollments/<int:enrollment_id>/appointments/",
        views.appointment_propose,
        name="appointment_propose",
    ),
    path(
        "enrollments/<int:enrollment_id>/appointments.ics",
        views.enrollment_ics,
        name="enrollment_ics",
    ),
    path(
        "appointments/<int:appointment_id>/confirm/",
        views.appointment_confirm,
        name="appointment_confirm",
    ),
    path(
        "appointments/<int:appointment_id>/other-date/",
        views.appointment_other_date,
        name="appointment_other_date",
    ),
    path(
        "appointments/<int:appointment_id>/done/",
        confirm_views.appointment_done,
        name="appointment_done",
    ),
    path(
        "appointments/<int:appointment_id>/cancel/",
        views.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "appointments/<int:appointment_id>/calendar.ics",
        views.appointment_ics,
        name="appointment_ics",
    ),
    path("enrollments/<int:enrollment_id>/router/", views.router_identity, name="router_identity"),
    path(
        "enrollments/<int:enrollment_id>/media-shipments/",
        confirm_views.media_ship,
        name="media_ship",
    ),
    path(
        "media-shipments/<int:shipment_id>/received/",
        confirm_views.media_receive,
        name="media_receive",
    ),
    path(
        "account-holders/<int:holder_id>/account-deliveries/",
        confirm_views.account_delivery_create,
        name="account_delivery_create",
    ),
    path(
        "account-holders/<int:holder_id>/reissue-request/",
        confirm_views.account_delivery_reissue_request,
        name="account_delivery_reissue_request",
    ),
    path(
        "enrollments/<int:enrollment_id>/account-sheet/",
        views.account_sheet,
        name="account_sheet",
    ),
    # the one-time link's code in the form's body (before the old form of link: "open" is no code)
    path("account-deliveries/open/", account_link_views.account_link, name="account_link"),
    path(
        "account-deliveries/<str:delivery_token>/",
        views.account_delivery_open,
        name="account_delivery_open",
    ),
]
