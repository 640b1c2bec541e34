"""What the inspection services share: limits, the lock, the stage guard, the mail."""

from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.core import subjects
from dsg.core.errors import RuleViolation
from dsg.notifications.services import in_reader_language, mail_queue
from dsg.orgs.models import Role
from dsg.orgs.selectors import emails_of, psa_emails

from ..inspected import stage_of
from ..models import Inspection, InspectionKind

DEFAULT_DUE_DAYS = 30
MAX_SLOTS = 10
TEXT_MAX = 4000
# The purpose of a round's appointments (dsg.appointments), by the kind of inspection.
PURPOSE_OF_KIND: dict[str, str] = {
    InspectionKind.SITE: "site_inspection",
    InspectionKind.FINAL: "final_inspection",
}
ITEM_FIELDS = (
    "code",
    "theme",
    "order",
    "text",
    "guidance",
    "evidence",
    "standard_clause",
    "nist_tags",
    "final_recheck",
)


def invalid(message: Any, field: str, code: str = "invalid") -> RuleViolation:
    return RuleViolation(message, code=code, status=422, field=field)


def subject_lock(subject: Any) -> Any:
    """The subject re-read under its row lock: every change of its inspections starts here."""
    return subjects.subject_type_of(subject).lock(subject)


def lock(inspection: Inspection) -> tuple[Any, Inspection]:
    """Lock the round's subject, then read the round afresh."""
    subject = subject_lock(inspection.subject)
    fresh = Inspection.objects.select_related("checklist_version").get(pk=inspection.pk)
    fresh.subject = subject
    return subject, fresh


def require_stage(subject: Any, phase: str, kind: str | None = None) -> str:
    """The subject must await ``phase`` (of ``kind``) now; the kind it awaits is returned."""
    stage = stage_of(subject)
    if stage is None or stage.phase != phase or (kind is not None and stage.kind != kind):
        number = subjects.subject_type_of(subject).number(subject)
        raise RuleViolation(
            _("This cannot be done at the current stage of {number}.").format(number=number),
            code="wrong_state",
        )
    return stage.kind


def require_not_finished(inspection: Inspection) -> None:
    if inspection.is_finished:
        raise RuleViolation(_("This inspection is finished."), code="inspection_finished")


def office_emails() -> list[str]:
    return emails_of(roles=[Role.REVIEWER, Role.INSPECTOR])


def company_psa_emails(inspection: Inspection) -> list[str]:
    return psa_emails(inspection.company_id)


def mail(inspection: Inspection, *, to: list[str], kind: str, subject: Any, line: Any) -> None:
    """A short mail pointing to the inspection's page; the details stay behind the login."""
    mail_queue(
        to=to,
        about=inspection.subject_number,
        subject=subject,
        lines=[
            format_lazy(
                _("About {subject} ({company})."),
                subject=in_reader_language(lambda: inspection.subject_label),
                company=inspection.company.name,
            ),
            line,
        ],
        link=f"/inspections/{inspection.pk}/",
        kind=kind,
        company_id=inspection.company_id,
    )
