from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path(
        "enrollments/<int:enrollment_id>/documents/",
        views.document_folder,
        name="document_folder",
    ),
    path(
        "documents/<int:document_id>/download/",
        views.document_download,
        name="document_download",
    ),
    path(
        "documents/<int:document_id>/password/",
        views.document_password_show,
        name="document_password",
    ),
]
