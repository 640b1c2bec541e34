from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from dsg.api import api
from dsg.enrollment import views as enrollment
from dsg.orgs import views as orgs
from dsg.provisioning import views as provisioning

urlpatterns = [
    path("", enrollment.dashboard, name="dashboard"),
    path("sites/", orgs.site_list, name="site_list"),
    path("sites/new/", orgs.site_create, name="site_create"),
    path("sites/<int:site_id>/", enrollment.site_detail, name="site_detail"),
    path("enrollments/", enrollment.enrollment_list, name="enrollment_list"),
    path("enrollments/new/", enrollment.enrollment_create, name="enrollment_create"),
    path(
        "enrollments/<int:enrollment_id>/", enrollment.enrollment_detail, name="enrollment_detail"
    ),
    path("", include("dsg.enrollment.urls")),  # the 加入申請書 pages
    path(
        "enrollments/<int:enrollment_id>/transitions/<slug:name>/",
        enrollment.enrollment_transition,
        name="enrollment_transition",
    ),
    path(
        "enrollments/<int:enrollment_id>/survey/", provisioning.survey_record, name="survey_record"
    ),
    path(
        "enrollments/<int:enrollment_id>/ancillary-works/",
        provisioning.ancillary_work_add,
        name="ancillary_work_add",
    ),
    path(
        "ancillary-works/<int:work_id>/done/",
        provisioning.ancillary_work_done,
        name="ancillary_work_done",
    ),
    path(
        "enrollments/<int:enrollment_id>/terminals/",
        provisioning.terminal_register,
        name="terminal_register",
    ),
    path(
        "enrollments/<int:enrollment_id>/account-holders/",
        provisioning.account_holder_add,
        name="account_holder_add",
    ),
    path(
        "account-holders/<int:holder_id>/account-issued/",
        provisioning.account_issue,
        name="account_issue",
    ),
    path(
        "account-holders/<int:holder_id>/vein-registration/",
        provisioning.vein_registration,
        name="vein_registration",
    ),
    path(
        "terminals/<int:terminal_id>/connection-tests/",
        provisioning.connection_test_record,
        name="connection_test_record",
    ),
    path("", include("dsg.provisioning.urls")),
    path("", include("dsg.documents.urls")),
    path("", include("dsg.schedule.urls")),
    path("", include("dsg.inspections.urls")),
    path("", include("dsg.notices.urls")),
    path("account/api-tokens/", orgs.api_token_list, name="api_tokens"),
    path(
        "account/api-tokens/<int:token_id>/revoke/", orgs.api_token_revoke, name="api_token_revoke"
    ),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
