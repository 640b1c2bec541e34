"""A change's new inspection (a relocation or a layout change the office judged to need one), as
the inspections app sees a change: the same checklists, rounds, findings, remediation and
現地確認結果通知書 as ②, with the change as its subject. A passed round (or a remediation the
office accepts) lets the change apply once nothing else stands."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.enrollment.inspection import address_line
from dsg.inspections.inspected import (
    DECIDING,
    INSPECTING,
    REMEDIATING,
    InspectedSubject,
    Stage,
    register_inspected,
)
from dsg.inspections.models import Decision, Deficiency, Inspection, InspectionKind, Outcome
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from .checks import INSPECTION_PASSED
from .models import ChangeRequest, ChangeState
from .services import change_complete_if_ready, change_lock

PHASES = (INSPECTING, REMEDIATING, DECIDING)


def change_stage(change: ChangeRequest) -> Stage | None:
    if change.state != ChangeState.ACCEPTED or change.inspection_phase not in PHASES:
        return None
    return Stage(InspectionKind.SITE, change.inspection_phase)


def _move(change: ChangeRequest, actor: User, phase: str) -> None:
    locked = change_lock(change)
    before = locked.inspection_phase
    locked.inspection_phase = phase
    locked.save(update_fields=["inspection_phase"])
    audit_record(
        actor=actor,
        action="change.inspection",
        obj=locked,
        company_id=locked.company_id,
        before={"inspection_phase": before},
        after={"inspection_phase": phase},
    )
    if phase == INSPECTION_PASSED:
        transaction.on_commit(lambda: _complete_after(locked.pk, actor))


def _complete_after(pk: int, actor: User) -> None:
    with scopes_disabled():
        change = ChangeRequest.objects.get(pk=pk)
        change_complete_if_ready(change=change, actor=actor)


NEXT_PHASE = {
    Outcome.PASSED: INSPECTION_PASSED,
    Outcome.REMEDIATION: REMEDIATING,
    Outcome.DEEMED_BY_AUDIT: INSPECTION_PASSED,
}


def round_outcome(
    inspection: Inspection, actor: User, *, comment: str, effective_on: dt.date | None = None
) -> None:
    _move(cast(ChangeRequest, inspection.subject), actor, NEXT_PHASE[Outcome(inspection.outcome)])


def remediation_reported(change: ChangeRequest, actor: User) -> None:
    _move(change, actor, DECIDING)


def remediation_decided(
    inspection: Inspection, actor: User, *, effective_on: dt.date | None = None
) -> None:
    accepted = inspection.decision == Decision.ACCEPTED
    _move(
        cast(ChangeRequest, inspection.subject),
        actor,
        INSPECTION_PASSED if accepted else INSPECTING,
    )


def _address(fields: dict[str, Any], prefix: str) -> str:
    return address_line(
        fields.get(f"{prefix}_postal_code", ""),
        fields.get(f"{prefix}_prefecture", ""),
        fields.get(f"{prefix}_address", ""),
    )


def change_party(change: ChangeRequest) -> dict[str, Any]:
    """What a notice prints of the company and the site: as the change asks them to be (the new
    address of a relocation)."""
    fields = change.proposed["fields"]
    return {
        "company": {
            "name": fields.get("company_name", ""),
            "corporate_number": change.company.corporate_number or "",
            "address": _address(fields, "company"),
        },
        "site": {"name": fields.get("site_name", ""), "address": _address(fields, "site")},
        "case_number": change.number,
        "receipt_number": change.receipt_number,
        "psa": {"name": fields.get("psa_name", ""), "email": fields.get("psa_email", "")},
    }


def register_inspected_change() -> None:
    register_inspected(
        InspectedSubject(
            model=ChangeRequest,
            stage=change_stage,
            outcome=round_outcome,
            decided=remediation_decided,
            party=change_party,
        )
    )


def change_remediation_report(*, change: ChangeRequest, actor: User) -> ChangeRequest:
    """The PSA reports the remediation of the change's inspection once every deficiency has its
    report; the office then decides (accept, or another round)."""
    require_permission(actor=actor, action="change.file", obj=change)
    with transaction.atomic():
        locked = change_lock(change)
        if change_stage(locked) != Stage(InspectionKind.SITE, REMEDIATING):
            raise RuleViolation(
                _("The change's inspection awaits no remediation report."), code="wrong_state"
            )
        unreported = Deficiency.objects.filter(
            inspection__subject_type=ContentType.objects.get_for_model(ChangeRequest),
            inspection__subject_id=locked.pk,
            resolved_at__isnull=True,
            reports__isnull=True,
        )
        if unreported.exists():
            raise RuleViolation(
                _("Report on every deficiency first (改善報告)."), code="remediation_unreported"
            )
        _move(locked, actor, DECIDING)
    return locked
