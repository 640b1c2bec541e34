"""The 加入案件 as a subject of the shared apps: documents, notices, inspections, appointments."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dsg.core import subjects
from dsg.core.errors import RuleViolation

from .application_services import application_accept, application_return, application_submit
from .models import Enrollment, State
from .selectors import enrollment_get_for
from .services import enrollment_lock, register_transition_service

CLOSED_TO_ADDITIONS = frozenset({State.WITHDRAWN, State.REJECTED})


def _check_open(enrollment: Enrollment) -> None:
    if enrollment.state in CLOSED_TO_ADDITIONS:
        raise RuleViolation(
            _("The case is closed (withdrawn or rejected); no documents can be added."),
            code="wrong_state",
        )


def register_subject() -> None:
    subjects.register(
        subjects.SubjectType(
            key="enrollment",
            model=Enrollment,
            get_for=enrollment_get_for,
            lock=enrollment_lock,
            company=lambda enrollment: enrollment.site.company,
            number=lambda enrollment: enrollment.number,
            label=lambda enrollment: f"{enrollment.number} ({enrollment.site.name})",
            url=lambda enrollment: f"/enrollments/{enrollment.pk}/",
            check_open=_check_open,
            related=("site", "site__company"),
            place=lambda enrollment: f"{enrollment.site.name} {enrollment.site.full_address}",
        )
    )


def register_transition_services() -> None:
    """The transitions of ① that have a use case of their own (a version, a decision)."""
    register_transition_service("submit", application_submit)
    register_transition_service("accept", application_accept)
    register_transition_service("return_for_correction", application_return)
