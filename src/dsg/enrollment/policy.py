"""Who may do what with a 加入案件 and its 加入申請書, and who sees them.

A company's people see their own company's cases; the office sees every case; the service
provider sees a case from the line survey (③) on, and the sites of those cases. The provider reads
the case but never its application, its review or the records of ①, ② and the inspection at ⑦.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dsg.orgs.models import Role, Site
from dsg.orgs.permissions import (
    ProviderView,
    Visibility,
    register,
    register_provider_view,
    restrict,
)

from .models import (
    PROVIDER_VISIBLE_STATES,
    Application,
    ApplicationAccountHolder,
    ApplicationContact,
    ApplicationVersion,
    Enrollment,
    ReviewComment,
    StepRecord,
)

# The provider's part of the procedure: ③ survey to ⑥ setup (whose last record is the request
# for ⑦). Records of ① and ② and of the inspection at ⑦ are the office's review and findings.
PROVIDER_RECORD_STEPS = range(3, 7)

ACTIONS = {
    "enrollment.create": {Role.PSA},
    "enrollment.edit_application": {Role.PSA},
    "enrollment.submit": {Role.PSA},
    "enrollment.withdraw": {Role.PSA},
    "enrollment.return": {Role.REVIEWER},
    "enrollment.accept": {Role.REVIEWER},
    "enrollment.reject": {Role.REVIEWER},
    "final_inspection.request": {Role.PSA},
    "application.view": {Role.PSA, Role.DELEGATE, Role.REVIEWER, Role.INSPECTOR},
    # 加入申請書 review: comments per part, opening a submitted version
    "application.review": {Role.REVIEWER},
}

CASES_OF_THE_PROVIDER = ProviderView(
    rows=lambda user, cases: cases.filter(state__in=PROVIDER_VISIBLE_STATES),
    sees=lambda user, case: case.state in PROVIDER_VISIBLE_STATES,
)


def _sites_of_provisioned_cases(user: Any, sites: QuerySet[Any]) -> QuerySet[Any]:
    cases = restrict(user, Enrollment.objects.all()).values("site_id")
    return sites.filter(pk__in=cases)


def _provider_records(user: Any, records: QuerySet[Any]) -> QuerySet[Any]:
    visible = restrict(user, Enrollment.objects.all()).values("pk")
    return records.filter(enrollment__in=visible, step__in=PROVIDER_RECORD_STEPS)


def register_policy() -> None:
    case = "enrollment__site__company"
    register(
        actions=ACTIONS,
        models={
            Enrollment: Visibility(company="site__company", provider=CASES_OF_THE_PROVIDER),
            StepRecord: Visibility(company=case, provider=ProviderView(rows=_provider_records)),
            Application: Visibility(company=case),
            ApplicationContact: Visibility(company=f"application__{case}"),
            ApplicationAccountHolder: Visibility(company=f"application__{case}"),
            ApplicationVersion: Visibility(company=f"application__{case}"),
            ReviewComment: Visibility(company=f"version__application__{case}"),
        },
    )
    register_provider_view(Site, ProviderView(rows=_sites_of_provisioned_cases))
