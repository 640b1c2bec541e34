"""The day-before reminders of the dates taken and the mails on overdue deficiencies (each once)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.appointments.services import appointments_remind

from ..models import Deficiency, Inspection
from .common import PURPOSE_OF_KIND, company_psa_emails, mail, office_emails


def inspections_remind(*, today: dt.date | None = None) -> tuple[int, int]:
    """Queue the day-before reminders and the overdue-deficiency mails (each once)."""
    today = today or timezone.localdate()
    reminded = overdue = 0
    with transaction.atomic():
        due = appointments_remind(
            purposes=PURPOSE_OF_KIND.values(), on=today + dt.timedelta(days=1)
        )
        rounds = Inspection.objects.select_related("company").in_bulk(
            [appointment.subject_id for appointment in due]
        )
        for appointment in due:
            inspection = rounds[appointment.subject_id]
            if inspection.is_finished:
                continue
            when = f"{timezone.localtime(appointment.starts_at):%Y-%m-%d %H:%M}"
            mail(
                inspection,
                to=company_psa_emails(inspection) + office_emails(),
                kind="inspection.reminder",
                subject=_("on-site inspection tomorrow"),
                line=format_lazy(_("Reminder: the on-site inspection is on {when}."), when=when),
            )
            reminded += 1
    late = Deficiency.objects.filter(
        resolved_at__isnull=True,
        due_on__lt=today,
        reports__isnull=True,
        overdue_notified_at__isnull=True,
    ).select_related("inspection__company", "finding__item")
    for deficiency in late:
        with transaction.atomic():
            mail(
                deficiency.inspection,
                to=company_psa_emails(deficiency.inspection) + office_emails(),
                kind="inspection.overdue",
                subject=_("remediation overdue"),
                line=format_lazy(
                    _("The remediation of item {item} was due on {due} and is not reported."),
                    item=deficiency.finding.item.code,
                    due=deficiency.due_on.isoformat(),
                ),
            )
            Deficiency.objects.filter(pk=deficiency.pk).update(overdue_notified_at=timezone.now())
            overdue += 1
    return reminded, overdue
