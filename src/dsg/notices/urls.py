from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path(
        "enrollments/<int:enrollment_id>/notices/",
        views.notice_list,
        name="notice_list",
    ),
    path("notices/<int:notice_id>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("notices/certificate.pem", views.certificate, name="notice_certificate"),
    path("notices/verify/", views.verify, name="notice_verify"),
]
