"""Pages of the enrollment: the dashboard, the site's cases, the case, its 加入申請書 and its
schedule, included at "" by dsg.urls."""

from __future__ import annotations

from django.urls import path

from . import application_views as views
from . import office_views, schedule_views
from . import views as case_views
from .parts import PARTS
from .selectors import CONFIRM_PAGES

CASE = "enrollments/<int:enrollment_id>/application/"

urlpatterns = [
    path("", case_views.dashboard, name="dashboard"),
    path("sites/<int:site_id>/", case_views.site_detail, name="site_detail"),
    path("enrollments/", case_views.enrollment_list, name="enrollment_list"),
    path("enrollments/new/", case_views.enrollment_create, name="enrollment_create"),
    # the office's search over every case, its exports, its overview (#12)
    path("office/cases/", office_views.office_cases, name="office_cases"),
    path(
        "office/cases/export.xlsx",
        office_views.office_cases_export,
        {"fmt": "xlsx"},
        name="office_cases_xlsx",
    ),
    path(
        "office/cases/export.csv",
        office_views.office_cases_export,
        {"fmt": "csv"},
        name="office_cases_csv",
    ),
    path("office/overview/", office_views.office_overview, name="office_overview"),
    path("office/queue/", office_views.office_queue, name="office_queue"),
    path(
        "enrollments/<int:enrollment_id>/",
        case_views.enrollment_detail,
        name="enrollment_detail",
    ),
    path(
        "enrollments/<int:enrollment_id>/transitions/<slug:name>/",
        case_views.enrollment_transition,
        name="enrollment_transition",
    ),
    path(  # the round of ② or ⑦ opened: refused, back on the case page (#12)
        "enrollments/<int:enrollment_id>/inspections/open/",
        case_views.enrollment_inspection_open,
        name="inspection_open",
    ),
    path(  # ② deemed done by an audit result: refused, back on the case page (#12)
        "enrollments/<int:enrollment_id>/deem-by-audit/",
        case_views.enrollment_deem_by_audit,
        name="inspection_deem_by_audit",
    ),
    # 取下げ, 却下, 補正, 受理, 改善報告 and the steps' records of ③–⑥ and ⑦'s request: each through
    # its confirmation page (GET states it, POST from it does it), as CONFIRM_PAGES names them
    *[
        path(
            f"enrollments/<int:enrollment_id>/{page.slug}/",
            case_views.enrollment_confirm,
            {"name": name},
            name=page.url_name,
        )
        for name, page in CONFIRM_PAGES.items()
        if page.slug
    ],
    path(
        "enrollments/<int:enrollment_id>/schedule.ics",
        schedule_views.enrollment_schedule_ics,
        name="enrollment_schedule_ics",
    ),
    path(
        "enrollments/<int:enrollment_id>/schedule.xlsx",
        schedule_views.enrollment_schedule_xlsx,
        name="enrollment_schedule_xlsx",
    ),
    path(CASE, views.application_overview, name="application_overview"),
    *(
        path(f"{CASE}{part.key}/", views.PART_VIEWS[part.key], name=f"application_{part.key}")
        for part in PARTS
    ),
    path(f"{CASE}upload/", views.application_upload, name="application_upload"),
    path(f"{CASE}confirm/", views.application_confirm, name="application_confirm"),
    path(f"{CASE}versions/", views.application_versions, name="application_versions"),
    path(f"{CASE}compare/", views.application_compare, name="application_compare"),
    path(f"{CASE}export/", views.application_export, name="application_export"),
    path(f"{CASE}import/", views.application_import, name="application_import"),
    path(
        "application-versions/<int:version_id>/",
        views.application_version,
        name="application_version",
    ),
    path(
        "application-versions/<int:version_id>/comments/",
        views.review_comment_add,
        name="review_comment_add",
    ),
]
