"""After a round: the company's remediation reports, the office's decision, and a 現地確認 deemed
done by an earlier audit result (監査結果通知書) — each told to the subject."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.appointments.services import appointments_withdraw
from dsg.audit.services import audit_record
from dsg.core import subjects
from dsg.core.errors import RuleViolation
from dsg.documents.selectors import audit_results_latest_first, current_audit_result
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from ..inspected import DECIDING, INSPECTING, REMEDIATING, inspected
from ..models import (
    Decision,
    Deficiency,
    Inspection,
    InspectionKind,
    InspectionStatus,
    Outcome,
    RemediationReport,
)
from ..selectors import rounds_of
from .common import PURPOSE_OF_KIND, TEXT_MAX, invalid, lock, require_stage, subject_lock
from .notices import result_notice_issue
from .rounds import store_document


# Remediation -------------------------------------------------------------------------------
def remediation_report_file(
    *,
    deficiency: Deficiency,
    actor: User,
    text: str,
    evidence_name: str = "",
    evidence_data: bytes = b"",
) -> RemediationReport:
    """The company reports what it did about one deficiency (改善報告), with evidence."""
    require_permission(actor=actor, action="remediation.report", obj=deficiency.inspection)
    text = text.strip()
    if not text:
        raise invalid(_("Please describe what was done."), "text", "text_required")
    if len(text) > TEXT_MAX:
        raise invalid(_("The text is too long (at most 4000 characters)."), "text")
    with transaction.atomic():
        subject = subject_lock(deficiency.inspection.subject)
        kind = require_stage(subject, REMEDIATING)
        fresh = Deficiency.objects.select_related("finding__item", "inspection").get(
            pk=deficiency.pk
        )
        if fresh.resolved_at is not None or fresh.inspection.kind != kind:
            raise RuleViolation(_("This deficiency is closed."), code="deficiency_closed")
        evidence = None
        if evidence_data:
            evidence = store_document(
                actor=actor,
                subject=subject,
                kind="remediation_evidence",
                filename=evidence_name or "evidence",
                data=evidence_data,
            )
        report = RemediationReport.objects.create(
            deficiency=fresh, text=text, evidence=evidence, reported_by=actor
        )
        audit_record(
            actor=actor,
            action="remediation.file",
            obj=report,
            company_id=fresh.inspection.company_id,
            after={"item": fresh.finding.item.code, "evidence": evidence.pk if evidence else None},
        )
    return report


def remediation_decide(
    *, inspection: Inspection, actor: User, decision: str, effective_on: dt.date | None = None
) -> Inspection:
    """The office accepts the reported remediation or requires a re-inspection (a new round);
    the subject moves on with the decision (``InspectedSubject.decided``), from
    ``effective_on`` where the subject takes a date."""
    require_permission(actor=actor, action="remediation.decide", obj=inspection)
    if decision not in Decision.values:
        raise invalid(_("Choose a decision."), "decision", "decision_required")
    with transaction.atomic():
        subject, locked = lock(inspection)
        kind = require_stage(subject, DECIDING)
        latest = rounds_of(subject, kind).order_by("round").last()
        if latest is None or latest.pk != locked.pk or locked.decision:
            raise RuleViolation(
                _("Only the latest round of this step can be decided."), code="not_latest_round"
            )
        now = timezone.now()
        locked.decision, locked.decided_by, locked.decided_at = decision, actor, now
        locked.save(update_fields=["decision", "decided_by", "decided_at"])
        locked.deficiencies.filter(resolved_at__isnull=True).update(resolved_at=now)
        audit_record(
            actor=actor,
            action="remediation.decide",
            obj=locked,
            company_id=locked.company_id,
            after={"decision": decision},
        )
        inspected(subject).decided(locked, actor, effective_on=effective_on)
    return locked


# Deemed by an audit result -----------------------------------------------------------------
def audit_results_of(company_id: int) -> Any:
    """The company's audit-result notices (監査結果通知書), the one that counts first (the
    latest date printed on it)."""
    return audit_results_latest_first(company_id=company_id)


def audit_result_choose(*, subject: Any, actor: User, document_id: int | None = None) -> Inspection:
    """Record which audit-result notice stands in for the 現地確認 (the current by default)."""
    require_permission(actor=actor, action="inspection.deem_by_audit", obj=subject)
    with transaction.atomic():
        locked = subject_lock(subject)
        require_stage(locked, INSPECTING, InspectionKind.SITE)
        company = subjects.subject_type_of(locked).company(locked)
        documents = audit_results_of(company.pk)
        if document_id:
            document = documents.filter(pk=document_id).first()
        else:
            document = current_audit_result(locked) or documents.first()
        if document is None:
            raise invalid(
                _("The company has no such audit-result notice (監査結果通知書)."),
                "document_id",
                "audit_result_missing",
            )
        rounds = rounds_of(locked, InspectionKind.SITE)
        inspection = rounds.exclude(status=InspectionStatus.FINISHED).first()
        if inspection is None:
            last = rounds.aggregate(n=Max("round"))["n"] or 0
            inspection = Inspection(
                company=company,
                subject_type=ContentType.objects.get_for_model(locked),
                subject_id=locked.pk,
                kind=InspectionKind.SITE,
                round=last + 1,
            )
        if inspection.pk:  # a round opened for a visit: no visit takes place, its dates go
            appointments_withdraw(
                subject=inspection, purpose=PURPOSE_OF_KIND[inspection.kind], actor=actor
            )
        inspection.status, inspection.outcome = InspectionStatus.FINISHED, Outcome.DEEMED_BY_AUDIT
        inspection.audit_document, inspection.finished_at = document, timezone.now()
        inspection.performed_on = timezone.localdate()
        inspection.save()
        audit_record(
            actor=actor,
            action="inspection.deem_by_audit",
            obj=inspection,
            company_id=company.pk,
            after={"document": document.pk, "filename": document.filename},
        )
    return inspection


def inspection_deem_by_audit(
    *, subject: Any, actor: User, comment: str, document_id: int | None = None
) -> Inspection:
    """The 現地確認 is deemed done by an accepted audit result (§3② ※): the 現地確認結果通知書
    says so and names the audit result; the subject moves on."""
    if not comment.strip():
        raise invalid(
            _("Please enter a comment: it is required for this action."),
            "comment",
            "comment_required",
        )
    with transaction.atomic():
        inspection = audit_result_choose(subject=subject, actor=actor, document_id=document_id)
        result_notice_issue(inspection, actor)
        inspected(subject).outcome(inspection, actor, comment=comment, effective_on=None)
    return inspection
