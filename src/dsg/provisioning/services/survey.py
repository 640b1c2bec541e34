"""③ 現場調査: the survey of the route and the ancillary work (付帯工事) the company does."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dsg.appointments.services import appointment_close_for
from dsg.core.errors import RuleViolation
from dsg.core.inputs import past_or_today, required_text
from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.rules import require_state
from dsg.enrollment.services import enrollment_lock
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from ..models import AncillaryWork, AppointmentPurpose, Provisioning
from .common import _audit, provisioning_of


def survey_record(
    *, enrollment: Enrollment, actor: User, surveyed_on: dt.date | None, route_notes: str = ""
) -> Provisioning:
    """③ The provider records the survey: its day closes the survey's confirmed date."""
    require_permission(actor=actor, action="survey.record", obj=enrollment)
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=[State.SURVEY])
        provisioning = provisioning_of(locked)
        provisioning.surveyed_on = past_or_today(surveyed_on, "surveyed_on")
        provisioning.route_notes = (route_notes or "").strip()[:4000]
        provisioning.save(update_fields=["surveyed_on", "route_notes"])
        _audit(
            actor,
            "survey.record",
            provisioning,
            locked,
            {"surveyed_on": provisioning.surveyed_on, "route_notes": provisioning.route_notes},
        )
        appointment_close_for(
            subject=locked,
            purpose=AppointmentPurpose.SURVEY,
            performed_on=provisioning.surveyed_on,
            actor=actor,
        )
    return provisioning


def ancillary_work_add(*, enrollment: Enrollment, actor: User, description: str) -> AncillaryWork:
    require_permission(actor=actor, action="ancillary_work.add", obj=enrollment)
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        require_state(enrollment=locked, states=[State.SURVEY])
        work = AncillaryWork.objects.create(
            enrollment=locked,
            added_by=actor,
            description=required_text(description, "description", 300),
        )
        _audit(actor, "ancillary_work.add", work, locked, {"description": work.description})
    return work


def ancillary_work_mark_done(
    *, work: AncillaryWork, actor: User, done_on: dt.date | None
) -> AncillaryWork:
    require_permission(actor=actor, action="ancillary_work.mark_done", obj=work)
    with transaction.atomic():
        locked = enrollment_lock(work.enrollment)
        require_state(enrollment=locked, states=[State.SURVEY])
        work = AncillaryWork.objects.select_for_update().get(pk=work.pk)
        if work.done_on is not None:
            raise RuleViolation(
                _("This ancillary work is already marked as done."), code="already_done"
            )
        work.done_on, work.done_by = past_or_today(done_on, "done_on"), actor
        work.save(update_fields=["done_on", "done_by"])
        _audit(actor, "ancillary_work.done", work, locked, {"done_on": work.done_on})
    return work
