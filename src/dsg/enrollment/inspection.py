"""The case's ② 現地確認 and ⑦ 最終現地確認, as the inspections app sees a 加入案件.

The inspections app holds the rounds, findings and remediation of any subject; this module tells
it which kind of round a case awaits in each state, moves the case when a round ends or the
office decides on a remediation, names the parties its notices print (as the accepted application
gave them), and issues the 加入完了通知書 when ⑦ is passed (or its remediation accepted), with the
利用開始日 the office set. The transitions that record ② and ⑦ are taken only from here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation
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
from dsg.orgs.japan import PREFECTURES
from dsg.orgs.models import Role, User
from dsg.registry.services import terminals_put_in_use

from .models import ApplicationVersion, Enrollment, ReviewDecision, State
from .rules import site_terminals
from .services import TransitionInput, case_transition

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


def round_outcome(
    inspection: Inspection, actor: User, *, comment: str, effective_on: dt.date | None = None
) -> None:
    """A round of the case ended (or ② was deemed done): the case moves with its outcome."""
    enrollment = cast(Enrollment, inspection.subject)  # registered for cases only (below)
    deemed = inspection.outcome == Outcome.DEEMED_BY_AUDIT
    completes = inspection.is_final and inspection.outcome == Outcome.PASSED
    starts = _use_starts_on(enrollment, effective_on) if completes else None
    _take(
        enrollment,
        TRANSITION_OF_OUTCOME[Outcome(inspection.outcome)],
        actor,
        TransitionInput(comment=comment, performed_on=None if deemed else inspection.performed_on),
        use_starts_on=starts,
    )
    if starts is not None:
        completion_notice_issue(enrollment=enrollment, actor=actor)


def remediation_decided(
    inspection: Inspection, actor: User, *, effective_on: dt.date | None = None
) -> None:
    """The office accepted the remediation (the case goes on) or requires another round."""
    enrollment = cast(Enrollment, inspection.subject)  # registered for cases only (below)
    accepted = inspection.decision == Decision.ACCEPTED
    starts = _use_starts_on(enrollment, effective_on) if accepted and inspection.is_final else None
    _take(
        enrollment,
        "accept_remediation" if accepted else "require_reinspection",
        actor,
        TransitionInput(),
        use_starts_on=starts,
    )
    if starts is not None:
        completion_notice_issue(enrollment=enrollment, actor=actor)


def _take(
    enrollment: Enrollment,
    name: str,
    actor: User,
    data: TransitionInput,
    *,
    use_starts_on: dt.date | None,
) -> None:
    """One of the transitions only an inspection takes; completing the case sets its 利用開始日,
    from which the site's terminals that passed their connection test are in use (利用中)."""
    with case_transition(enrollment=enrollment, name=name, actor=actor, data=data) as (
        case,
        record,
    ):
        if use_starts_on is not None:
            case.use_starts_on = use_starts_on
            case.save(update_fields=["use_starts_on"])
            record.data = {**record.data, "use_starts_on": use_starts_on.isoformat()}
            record.save(update_fields=["data"])
            terminals_put_in_use(site=case.site, on=use_starts_on, actor=actor)
    enrollment.refresh_from_db()


def use_starts_on_default(enrollment: Enrollment) -> dt.date:
    """The later of the day the case completes (today) and the start of use applied for."""
    today = timezone.localdate()
    desired = getattr(getattr(enrollment, "application", None), "desired_start", None)
    return max(today, desired) if desired else today


def _use_starts_on(enrollment: Enrollment, chosen: dt.date | None) -> dt.date:
    """The 利用開始日 the office set (by default the later of today and the start applied for);
    never before the day the case completes."""
    if chosen is None:
        return use_starts_on_default(enrollment)
    if chosen < timezone.localdate():
        raise RuleViolation(
            _("The start of use (利用開始日) cannot be before the day the case is completed."),
            code="start_of_use_in_past",
            status=422,
            field="effective_on",
        )
    return chosen


PREFECTURE_NAMES = dict(PREFECTURES)


def accepted_version(enrollment: Enrollment) -> ApplicationVersion | None:
    """The application version the office accepted (the latest, should there be several)."""
    return (
        ApplicationVersion.objects.filter(
            application__enrollment=enrollment, decision=ReviewDecision.ACCEPTED
        )
        .order_by("-number")
        .first()
    )


def address_line(postal_code: str, prefecture: str, address: str) -> str:
    """〒100-0001 東京都千代田区…: an address as a notice prints it."""
    where = f"{PREFECTURE_NAMES.get(prefecture, '')}{address}"
    return f"〒{postal_code} {where}" if postal_code else where


def case_party(enrollment: Enrollment) -> dict[str, Any]:
    """What a notice prints of the company, the site, the case and its PSA: as the accepted
    application version gave them (the records of today may have changed since)."""
    version = accepted_version(enrollment)
    if version is None:
        return _party_from_records(enrollment)
    parts = version.snapshot.get("parts", {})
    company, site, contacts = (
        parts.get("company", {}),
        parts.get("site", {}),
        parts.get("contacts", {}),
    )
    return {
        "company": {
            "name": company.get("company_name", ""),
            "corporate_number": company.get("company_corporate_number", ""),
            "address": address_line(
                company.get("company_postal_code", ""),
                company.get("company_prefecture", ""),
                company.get("company_address", ""),
            ),
        },
        "site": {
            "name": site.get("site_name", ""),
            "address": address_line(
                site.get("site_postal_code", ""),
                site.get("site_prefecture", ""),
                site.get("site_address", ""),
            ),
            "ref": enrollment.site.ref,
        },
        "case_number": enrollment.number,
        "receipt_number": version.receipt_number,
        "psa": {"name": contacts.get("psa_name", ""), "email": contacts.get("psa_email", "")},
    }


def _party_from_records(enrollment: Enrollment) -> dict[str, Any]:
    """A case from before versions were kept: the organisation's records."""
    site, company = enrollment.site, enrollment.site.company
    psa = User.objects.filter(organization_id=company.pk, role=Role.PSA).order_by("pk").first()
    return {
        "company": {
            "name": company.name,
            "corporate_number": company.corporate_number or "",
            "address": address_line(company.postal_code, company.prefecture, company.address),
        },
        "site": {"name": site.name, "address": site.full_address, "ref": site.ref},
        "case_number": enrollment.number,
        "psa": {"name": str(psa), "email": psa.email} if psa else {},
    }


def completion_snapshot(enrollment: Enrollment) -> dict[str, Any]:
    """Everything a 加入完了通知書 prints: the case, its 利用開始日 and the terminals."""
    starts = enrollment.use_starts_on or use_starts_on_default(enrollment)
    return {
        **case_party(enrollment),
        "completion": {
            "started_on": starts.isoformat(),
            "terminals": [
                {
                    "ref": t.ref,
                    "name": t.name,
                    "model_name": t.model_name,
                    "serial_number": t.serial_number,
                }
                for t in site_terminals(enrollment)
            ],
        },
    }


def completion_notice_issue(*, enrollment: Enrollment, actor: User) -> Any:
    """The office issues the 加入完了通知書 of the case."""
    enrollment.refresh_from_db()
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
            own_notice_on_pass=frozenset({InspectionKind.FINAL}),
            effective_on={InspectionKind.FINAL: _("Start of use (利用開始日)")},
            effective_default=use_starts_on_default,
        )
    )
