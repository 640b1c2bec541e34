"""One appointment model for every visit and date of the procedure.

An appointment is a date proposed for a purpose (a survey, a line construction, a router
installation, a person's vein registration, an on-site inspection) of a subject (the case, or
the inspection round), owned by the company it concerns. One party proposes one or more dates;
the other confirms one (the other proposals are withdrawn) or asks for another date with a
message; a confirmed appointment is done or cancelled. Which party may do what, and what a
purpose means for the procedure, belongs to the app that makes the appointment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from dsg.core.models import SubjectLink
from dsg.orgs.models import Organization, User


class AppointmentState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed (日程案)")
    CONFIRMED = "confirmed", _("Confirmed (確定)")
    OTHER_DATE_REQUESTED = "other_date_requested", _("Another date requested (日程再調整)")
    WITHDRAWN = "withdrawn", _("No longer offered")
    DONE = "done", _("Done (実施済み)")
    CANCELLED = "cancelled", _("Cancelled (取消し)")


# The states of an appointment that still stands (a proposal, or a confirmed date).
ACTIVE_STATES = (AppointmentState.PROPOSED, AppointmentState.CONFIRMED)

# What each purpose and each way of taking place is called, registered by the app that makes
# such appointments.
PURPOSES: dict[str, Any] = {}
MODES: dict[str, Any] = {}


def register_purposes(labels: dict[str, Any], *, modes: dict[str, Any] | None = None) -> None:
    PURPOSES.update(labels)
    MODES.update(modes or {})


class Appointment(SubjectLink):
    """A date for one purpose of one subject: proposed, then confirmed (or declined), then done."""

    company = models.ForeignKey(
        Organization,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    purpose = models.CharField(_("purpose"), max_length=40)
    person = models.ForeignKey(
        User,
        verbose_name=_("person it is for"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    party = models.CharField(
        _("what within the subject it is for"),
        max_length=40,
        blank=True,
        help_text=_(
            "A key of the app that makes it, such as one account holder of a case; "
            "one purpose of one subject has at most one standing date per key."
        ),
    )
    mode = models.CharField(
        _("how it takes place"),
        max_length=16,
        blank=True,
        help_text=_("A purpose's own options, such as on site or remote."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    state = models.CharField(
        _("state"),
        max_length=24,
        choices=AppointmentState.choices,
        default=AppointmentState.PROPOSED,
        db_index=True,
    )
    proposed_by = models.ForeignKey(
        User, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        User,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    response_message = models.TextField(_("message from the company"), blank=True)
    closed_by = models.ForeignKey(
        User,
        verbose_name=_("done, declined or cancelled by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    closed_at = models.DateTimeField(_("done, declined or cancelled at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder queued at"), null=True, blank=True)

    # django-scopes builds its manager class inside ScopedManager(), out of the mypy plugin's
    # sight: the manager's type is declared, and _default_manager with it (related managers
    # follow _default_manager).
    objects: ClassVar[models.Manager[Appointment]] = ScopedManager(company="company")
    _default_manager: ClassVar[models.Manager[Appointment]]

    class Meta:
        verbose_name = _("appointment (日程)")
        verbose_name_plural = _("appointments (日程)")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_end_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id", "purpose"], name="appointment_subject_idx"
            ),
            models.Index(fields=["state", "starts_at"], name="appointment_when_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    def get_purpose_display(self) -> Any:
        return PURPOSES.get(self.purpose, self.purpose)

    def get_mode_display(self) -> Any:
        return MODES.get(self.mode, self.mode)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def end(self) -> dt.datetime:
        """Its end, or two hours after its start when none was given."""
        return self.ends_at or self.starts_at + DEFAULT_LENGTH


DEFAULT_LENGTH = dt.timedelta(hours=2)
