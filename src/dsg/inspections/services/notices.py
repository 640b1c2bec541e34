"""The 現地確認結果通知書 a finished round issues, printed from a snapshot read once at issue.

Shape (the one the notices part documents): the subject's parties (``InspectedSubject.party``:
company, site, case number, PSA) and

    "inspection": {"kind": 2 | 7 (the subject's step) | "initial" | "final", "round": int,
                   "performed_on": "YYYY-MM-DD", "inspector": {"name"},
                   "outcome": "passed" | "deficiencies" | "deemed_by_audit",
                   "checklist": "name vN", "on_paper": bool,
                   "items": [{"code", "theme", "text", "result", "note",
                              "no_remediation_reason"}],
                   "deficiencies": [{"item", "due_date"}],
                   "audit_result": {"title", "dated_on", "filename"} (deemed only)}
"""

from __future__ import annotations

from typing import Any

from dsg.core import subjects
from dsg.notices.models import NoticeKind
from dsg.notices.services import notice_issue
from dsg.orgs.models import User

from ..inspected import inspected, step_of
from ..models import Deficiency, Inspection, InspectionKind, Outcome

PRINTED_KIND: dict[str, str] = {InspectionKind.SITE: "initial", InspectionKind.FINAL: "final"}
PRINTED_OUTCOME: dict[str, str] = {
    Outcome.PASSED: "passed",
    Outcome.REMEDIATION: "deficiencies",
    Outcome.DEEMED_BY_AUDIT: "deemed_by_audit",
}


def inspection_result_snapshot(inspection: Inspection) -> dict[str, Any]:
    """Everything a 現地確認結果通知書 prints, read once at issue."""
    subject = subjects.linked_subject(inspection)
    findings = list(inspection.findings.select_related("item"))
    deficiencies = Deficiency.objects.filter(inspection=inspection).select_related("finding__item")
    version = inspection.checklist_version
    return {
        **inspected(subject).party(subject),
        "inspection": {
            "kind": step_of(subject, inspection.kind) or PRINTED_KIND[inspection.kind],
            "round": inspection.round,
            "performed_on": inspection.performed_on.isoformat() if inspection.performed_on else "",
            "inspector": {"name": str(inspection.inspector) if inspection.inspector else ""},
            "outcome": PRINTED_OUTCOME[inspection.outcome],
            "checklist": f"{version.template.name} v{version.number}" if version else "",
            "on_paper": inspection.paper_checklist_id is not None,
            "items": [
                {
                    "code": f.item.code,
                    "theme": f.item.theme,
                    "text": f.item.text,
                    "result": f.result,
                    "note": f.note,
                    "no_remediation_reason": f.no_remediation_reason,
                }
                for f in findings
            ],
            "deficiencies": [
                {"item": f"{d.finding.item.code} {d.finding.item.text}", "due_date": str(d.due_on)}
                for d in deficiencies
            ],
            **_audit_result(inspection),
        },
    }


def _audit_result(inspection: Inspection) -> dict[str, Any]:
    """The audit result that stood in for the visit (§3② ※), named on the notice."""
    document = inspection.audit_document
    if document is None:
        return {}
    return {
        "audit_result": {
            "title": "情報セキュリティ監査の結果通知書",  # printed as the guideline names it
            "dated_on": document.dated_on.isoformat() if document.dated_on else "",
            "filename": document.filename,
        }
    }


def result_notice_issue(inspection: Inspection, actor: User) -> Any:
    """The office issues the round's 現地確認結果通知書."""
    return notice_issue(
        subject=inspection.subject,
        kind=NoticeKind.INSPECTION_RESULT,
        snapshot=inspection_result_snapshot(inspection),
        issued_by=actor,
    )
