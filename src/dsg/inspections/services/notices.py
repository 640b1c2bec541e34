"""The 現地確認結果通知書 a finished round issues, printed from a snapshot read once at issue.

Shape (the one the notices part documents): the subject's parties (``InspectedSubject.party``:
company, site, case number, PSA) and

    "inspection": {"kind": 2 | 7 (the subject's step) | "initial" | "final", "round": int,
                   "performed_on": "YYYY-MM-DD", "inspector": {"name"},
                   "outcome": "passed" | "deficiencies", "checklist": "name vN",
                   "items": [{"code", "theme", "text", "result", "note"}],
                   "deficiencies": [{"item", "due_date"}]}
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
            "outcome": "passed" if inspection.outcome == Outcome.PASSED else "deficiencies",
            "checklist": f"{version.template.name} v{version.number}" if version else "",
            "items": [
                {
                    "code": f.item.code,
                    "theme": f.item.theme,
                    "text": f.item.text,
                    "result": f.result,
                    "note": f.note,
                }
                for f in findings
            ],
            "deficiencies": [
                {"item": f"{d.finding.item.code} {d.finding.item.text}", "due_date": str(d.due_on)}
                for d in deficiencies
            ],
        },
    }


def result_notice_issue(inspection: Inspection, actor: User) -> Any:
    """The office issues the round's 現地確認結果通知書."""
    return notice_issue(
        subject=inspection.subject,
        kind=NoticeKind.INSPECTION_RESULT,
        snapshot=inspection_result_snapshot(inspection),
        issued_by=actor,
    )
