"""What the procedure's conditions (``dsg.enrollment.rules``) read of the inspections.

An inspection may also be held on paper: then nothing is recorded here and the office records
the outcome on the case. Once an inspection of the current step is in the portal, its findings
decide: the case moves only by finishing it, and only to the outcome its findings give.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import Deficiency, Inspection, InspectionStatus, Outcome

if TYPE_CHECKING:
    from dsg.enrollment.models import Enrollment

OPEN = "open"


def portal_outcome(enrollment: Enrollment) -> str | None:
    """``open`` while an inspection of this step is not finished; the outcome of one finished
    since the case entered its state; None when the portal holds nothing for this round."""
    if enrollment.step not in (2, 7):
        return None
    rounds = Inspection.objects.filter(enrollment=enrollment, step=enrollment.step)
    if rounds.exclude(status=InspectionStatus.FINISHED).exists():
        return OPEN
    latest = rounds.filter(finished_at__gte=enrollment.state_changed_at).order_by("-round").first()
    return latest.outcome if latest else None


def unreported_deficiencies(enrollment: Enrollment) -> QuerySet[Deficiency]:
    """Open deficiencies of the case's current step that have no remediation report."""
    return Deficiency.objects.filter(
        inspection__enrollment=enrollment,
        inspection__step=enrollment.step,
        resolved_at__isnull=True,
        reports__isnull=True,
    )


def audit_result_chosen(enrollment: Enrollment) -> bool:
    return portal_outcome(enrollment) == Outcome.DEEMED_BY_AUDIT
