"""The conditions of the case's transitions that read the provider's records (registered with
the enrollment app): ③ ends only once the survey is recorded and the ancillary work done."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dsg.enrollment.models import Enrollment
from dsg.enrollment.rules import Rule

from .models import AncillaryWork, Provisioning


def _survey_recorded(enrollment: Enrollment) -> bool:
    return Provisioning.objects.filter(enrollment=enrollment, surveyed_on__isnull=False).exists()


def _ancillary_work_done(enrollment: Enrollment) -> bool:
    return not AncillaryWork.objects.filter(enrollment=enrollment, done_on__isnull=True).exists()


SURVEY_RECORDED = Rule(
    "survey_not_recorded",
    _("The site survey (現場調査) has not been recorded yet."),
    _survey_recorded,
)
ANCILLARY_WORK_DONE = Rule(
    "ancillary_work_open",
    _(
        "Ancillary work (付帯工事) at the company's premises is not finished; line construction "
        "(回線敷設工事) cannot start until every item is done."
    ),
    _ancillary_work_done,
)
