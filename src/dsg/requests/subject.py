"""The change application as a subject of the shared apps: documents, inspections, notices."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dsg.core import subjects
from dsg.core.errors import RuleViolation

from .models import ChangeRequest
from .selectors import change_get_for
from .services import change_lock


def _check_open(change: ChangeRequest) -> None:
    if change.is_closed:
        raise RuleViolation(
            _("The change is closed; no documents can be added."), code="wrong_state"
        )


def register_subject() -> None:
    subjects.register(
        subjects.SubjectType(
            key="change",
            model=ChangeRequest,
            get_for=change_get_for,
            lock=change_lock,
            company=lambda change: change.company,
            number=lambda change: change.number,
            label=lambda change: f"{change.number} ({change.kind.name}, {change.site.name})",
            url=lambda change: f"/changes/{change.pk}/",
            check_open=_check_open,
            related=("site", "kind", "company"),
            place=lambda change: f"{change.site.name} {change.site.full_address}",
        )
    )
