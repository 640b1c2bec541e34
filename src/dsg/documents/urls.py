from __future__ import annotations

from django.urls import path

from . import folder_views, views

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
    # the company's whole folder (申請書等格納フォルダ) and the office's queue of storage reports
    path("folder/", folder_views.own_folder, name="own_folder"),
    path(
        "companies/<int:company_id>/folder/",
        folder_views.company_folder,
        name="company_folder",
    ),
    path(
        "companies/<int:company_id>/folder/zip/",
        folder_views.company_folder_zip,
        name="company_folder_zip",
    ),
    path(
        "folder/reports/<int:report_id>/seen/",
        folder_views.storage_report_seen,
        name="storage_report_seen",
    ),
]
