"""Who takes part in ② 現地確認 and ⑦ 最終現地確認, and who reads the findings.

The office schedules, records and decides; the company's PSA picks the date and reports the
remediation. Inspections, findings, deficiencies and remediation reports are read by the office
and by the company's PSA and delegate; never by the company's 利用者 nor by the provider, at any
step. Checklists are the office's own.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dsg.appointments.models import register_purposes
from dsg.orgs.models import Role
from dsg.orgs.permissions import Visibility, register

from .models import Deficiency, Finding, Inspection, RemediationReport

READERS = frozenset({Role.PSA, Role.DELEGATE})


def register_policy() -> None:
    register_purposes(
        {
            "site_inspection": _("② On-site inspection (現地確認)"),
            "final_inspection": _("⑦ Final on-site inspection (最終現地確認)"),
        }
    )
    register(
        actions={
            "inspection.view": {Role.PSA, Role.DELEGATE, Role.REVIEWER, Role.INSPECTOR},
            "inspection.schedule": {Role.REVIEWER, Role.INSPECTOR},
            "inspection.pick_slot": {Role.PSA},
            "inspection.record": {Role.INSPECTOR},
            "inspection.deem_by_audit": {Role.REVIEWER},
            "remediation.report": {Role.PSA},
            "remediation.decide": {Role.REVIEWER},
            "checklist.view": {Role.REVIEWER, Role.INSPECTOR},
            "checklist.manage": {Role.REVIEWER},
        },
        models={
            Inspection: Visibility(company="company", company_roles=READERS),
            Finding: Visibility(company="inspection__company", company_roles=READERS),
            Deficiency: Visibility(company="inspection__company", company_roles=READERS),
            RemediationReport: Visibility(
                company="deficiency__inspection__company", company_roles=READERS
            ),
        },
    )
