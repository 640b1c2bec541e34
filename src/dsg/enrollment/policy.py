"""Who may do what with a 加入案件 and its 加入申請書, and who sees them.

A company's people see their own company's cases; the office sees every case; the service
provider sees a case from the line survey (③) on, and the sites of those cases. The provider reads
the case but never its application, its review or the records of ①, ② and the inspection at ⑦.

Inside the company, the application (its parts, contacts, account holders, submitted versions and
the office's review comments) is the applicants': the PSA, who files it, and the person the PSA
designates, who reads it. A 利用者 files nothing and reads no application: of a case they read its
state and step, and of its history the records of the line and the terminals (③–⑥), as the
provider does — never the review of ① (the office's comments) or the findings of ② and ⑦.
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
# What a 利用者 reads of a case's history: the same steps, for the same reason.
USER_RECORD_STEPS = PROVIDER_RECORD_STEPS
APPLICANTS = frozenset({Role.PSA, Role.DELEGATE})

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


def _records_for_the_role(user: Any, records: QuerySet[Any]) -> QuerySet[Any]:
    if user.role == Role.USER:
        return records.filter(step__in=USER_RECORD_STEPS)
    return records


def _provider_records(user: Any, records: QuerySet[Any]) -> QuerySet[Any]:
    visible = restrict(user, Enrollment.objects.all()).values("pk")
    return records.filter(enrollment__in=visible, step__in=PROVIDER_RECORD_STEPS)


def register_policy() -> None:
    case = "enrollment__site__company"
    register(
        actions=ACTIONS,
        models={
            Enrollment: Visibility(company="site__company", provider=CASES_OF_THE_PROVIDER),
            StepRecord: Visibility(
                company=case,
                narrow=_records_for_the_role,
                provider=ProviderView(rows=_provider_records),
            ),
            Application: Visibility(company=case, company_roles=APPLICANTS),
            ApplicationContact: Visibility(
                company=f"application__{case}", company_roles=APPLICANTS
            ),
            ApplicationAccountHolder: Visibility(
                company=f"application__{case}", company_roles=APPLICANTS
            ),
            ApplicationVersion: Visibility(
                company=f"application__{case}", company_roles=APPLICANTS
            ),
            ReviewComment: Visibility(
                company=f"version__application__{case}", company_roles=APPLICANTS
            ),
        },
    )
    register_provider_view(Site, ProviderView(rows=_sites_of_provisioned_cases))
