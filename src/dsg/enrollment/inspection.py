"""The case's ② 現地確認 and ⑦ 最終現地確認, as the inspections app sees a 加入案件.

The inspections app holds the rounds, findings and remediation of any subject; this module tells
it which kind of round a case awaits in each state, moves the case when a round ends or the
office decides on a remediation, names the parties its notices print, and issues the
加入完了通知書 when ⑦ is passed (or its remediation accepted).
"""

from __future__ import annotations

from typing import Any, cast

from django.utils import timezone

from dsg.inspections.inspected import (
    DECIDING,
    INSPECTING,
    REMEDIATING,
    InspectedSubject,
    Stage,
    register_inspected,
)
from dsg.inspections.models import Decision, Inspection, InspectionKind, Outcome
from dsg.notices.models import NoticeKind
from dsg.notices.services import notice_issue
from dsg.orgs.models import Role, User

from .models import Enrollment, State
from .rules import site_terminals
from .services import TransitionInput, enrollment_transition

# Which step of the procedure each kind of inspection is.
STEP_OF_KIND: dict[str, int] = {InspectionKind.SITE: 2, InspectionKind.FINAL: 7}
KIND_OF_STEP = {step: kind for kind, step in STEP_OF_KIND.items()}
STAGE_OF_STATE = {
    State.INSPECTION: Stage(InspectionKind.SITE, INSPECTING),
    State.INSPECTION_REMEDIATION: Stage(InspectionKind.SITE, REMEDIATING),
    State.INSPECTION_REMEDIATION_REPORTED: Stage(InspectionKind.SITE, DECIDING),
    State.FINAL_INSPECTION: Stage(InspectionKind.FINAL, INSPECTING),
    State.FINAL_REMEDIATION: Stage(InspectionKind.FINAL, REMEDIATING),
    State.FINAL_REMEDIATION_REPORTED: Stage(InspectionKind.FINAL, DECIDING),
}
TRANSITION_OF_OUTCOME = {
    Outcome.PASSED: "pass_inspection",
    Outcome.REMEDIATION: "require_remediation",
    Outcome.DEEMED_BY_AUDIT: "deem_inspection_by_audit",
}


def case_stage(enrollment: Enrollment) -> Stage | None:
    return STAGE_OF_STATE.get(enrollment.state)


def round_outcome(inspection: Inspection, actor: User, *, comment: str) -> None:
    """A round of the case ended (or ② was deemed done): the case moves with its outcome."""
    enrollment = cast(Enrollment, inspection.subject)  # registered for cases only (below)
    deemed = inspection.outcome == Outcome.DEEMED_BY_AUDIT
    enrollment_transition(
        enrollment=enrollment,
        name=TRANSITION_OF_OUTCOME[Outcome(inspection.outcome)],
        actor=actor,
        data=TransitionInput(
            comment=comment, performed_on=None if deemed else inspection.performed_on
        ),
    )
    if inspection.is_final and inspection.outcome == Outcome.PASSED:
        completion_notice_issue(enrollment=enrollment, actor=actor)


def remediation_decided(inspection: Inspection, actor: User) -> None:
    """The office accepted the remediation (the case goes on) or requires another round."""
    enrollment = cast(Enrollment, inspection.subject)  # registered for cases only (below)
    accepted = inspection.decision == Decision.ACCEPTED
    enrollment_transition(
        enrollment=enrollment,
        name="accept_remediation" if accepted else "require_reinspection",
        actor=actor,
    )
    if accepted and inspection.is_final:
        completion_notice_issue(enrollment=enrollment, actor=actor)


def case_party(enrollment: Enrollment) -> dict[str, Any]:
    """What a notice prints of the company, the site, the case and its PSA."""
    site, company = enrollment.site, enrollment.site.company
    psa = User.objects.filter(organization_id=company.pk, role=Role.PSA).order_by("pk").first()
    return {
        "company": {
            "name": company.name,
            "corporate_number": company.corporate_number or "",
            "address": getattr(company, "address", ""),
        },
        "site": {"name": site.name, "address": site.full_address},
        "case_number": enrollment.number,
        "psa": {"name": str(psa), "email": psa.email} if psa else {},
    }


def completion_snapshot(enrollment: Enrollment) -> dict[str, Any]:
    """Everything a 加入完了通知書 prints: the case, 利用開始 date and the terminals."""
    return {
        **case_party(enrollment),
        "completion": {
            "started_on": timezone.localdate().isoformat(),
            "terminals": [
                {"name": t.name, "model_name": t.model_name, "serial_number": t.serial_number}
                for t in site_terminals(enrollment)
            ],
        },
    }


def completion_notice_issue(*, enrollment: Enrollment, actor: User) -> Any:
    """The office issues the 加入完了通知書 of the case."""
    return notice_issue(
        subject=enrollment,
        kind=NoticeKind.COMPLETION,
        snapshot=completion_snapshot(enrollment),
        issued_by=actor,
    )


def register_inspected_case() -> None:
    register_inspected(
        InspectedSubject(
            model=Enrollment,
            stage=case_stage,
            outcome=round_outcome,
            decided=remediation_decided,
            party=case_party,
            steps=STEP_OF_KIND,
        )
    )
