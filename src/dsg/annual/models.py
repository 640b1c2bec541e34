"""年次確認: once a year each company confirms that what the portal holds about it is current.

The office opens a round (「2026年度 年次確認」) with a due date; every company with a site that
has completed 加入 and is not closed gets a confirmation in it. The company's protection system
administrator either confirms that the portal's data is current (「現在の内容に相違ありません」)
or says that changes were filed as change applications. A confirmation still pending after its
due date is overdue. Reminders are mailed at most once per kind (``AnnualReminder``).

Transition methods only change the state; ``services.py`` locks the row, records, writes the
ledger and queues mail in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from django_scopes import ScopedManager

from dsg.orgs import permissions
from dsg.orgs.models import Organization, User

# The dashboards flag a pending confirmation this many days before its due date.
DUE_SOON_DAYS = 14


class AnnualRound(models.Model):
    """One 年次確認 opened by the office: the same title and due date for every company."""

    title = models.CharField(_("title"), max_length=200, unique=True)
    due_on = models.DateField(_("due date"))
    opened_by = models.ForeignKey(
        User, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)

    class Meta:
        verbose_name = _("annual confirmation round (年次確認)")
        verbose_name_plural = _("annual confirmation rounds (年次確認)")
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def number(self) -> str:
        return f"ANN-{self.pk:04d}" if self.pk else "ANN-(new)"

    @property
    def is_past_due(self) -> bool:
        return self.due_on < timezone.localdate()


class ConfirmationState(models.TextChoices):
    PENDING = "pending", _("Not yet confirmed (未確認)")
    CONFIRMED = "confirmed", _("Confirmed as current (相違なし)")
    CHANGES_FILED = "changes_filed", _("Changes filed (変更を申請)")


def _allowed(action: str) -> Callable[[Any, Any], bool]:
    return lambda confirmation, user: permissions.may(user, action, confirmation)


class AnnualConfirmation(FSMModelMixin, models.Model):
    """One company's answer in one round, with what the portal held of each site when it
    answered (``reviewed``)."""

    round = models.ForeignKey(
        AnnualRound,
        verbose_name=_("annual confirmation round"),
        on_delete=models.PROTECT,
        related_name="confirmations",
    )
    company = models.ForeignKey(
        Organization, verbose_name=_("company"), on_delete=models.PROTECT, related_name="+"
    )
    state = FSMField(
        _("state"),
        max_length=20,
        choices=ConfirmationState.choices,
        default=ConfirmationState.PENDING,
        protected=True,
        db_index=True,
    )
    answered_by = models.ForeignKey(
        User,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    statement = models.TextField(_("statement"), max_length=4000, blank=True)
    # Per site, what the portal held when the company answered (a snapshot; see selectors).
    reviewed = models.JSONField(_("what was looked at"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects: ClassVar[models.Manager[AnnualConfirmation]] = ScopedManager(company="company")
    _default_manager: ClassVar[models.Manager[AnnualConfirmation]]

    class Meta:
        verbose_name = _("annual confirmation (年次確認)")
        verbose_name_plural = _("annual confirmations (年次確認)")
        ordering = ["round", "company__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "company"], name="one_annual_confirmation_per_company"
            ),
            models.CheckConstraint(
                condition=models.Q(state="pending", answered_at__isnull=True)
                | (~models.Q(state="pending") & models.Q(answered_at__isnull=False)),
                name="annual_confirmation_answered_when_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.company}"

    @property
    def is_pending(self) -> bool:
        return self.state == ConfirmationState.PENDING

    def days_left(self, today: dt.date | None = None) -> int:
        return (self.round.due_on - (today or timezone.localdate())).days

    @property
    def is_overdue(self) -> bool:
        return self.is_pending and self.days_left() < 0

    @property
    def is_due_soon(self) -> bool:
        return self.is_pending and 0 <= self.days_left() <= DUE_SOON_DAYS

    @transition(
        field=state,
        source=ConfirmationState.PENDING,
        target=ConfirmationState.CONFIRMED,
        permission=_allowed("annual.confirm"),
    )
    def confirm(self) -> None: ...

    @transition(
        field=state,
        source=ConfirmationState.PENDING,
        target=ConfirmationState.CHANGES_FILED,
        permission=_allowed("annual.confirm"),
    )
    def file_changes(self) -> None: ...


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due date approaching")
    OVERDUE = "overdue", _("Overdue")


class AnnualReminder(models.Model):
    """A reminder mailed for a pending confirmation: at most one of each kind."""

    confirmation = models.ForeignKey(
        AnnualConfirmation,
        verbose_name=_("annual confirmation"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(_("queued at"), default=timezone.now)

    objects: ClassVar[models.Manager[AnnualReminder]] = ScopedManager(
        company="confirmation__company"
    )
    _default_manager: ClassVar[models.Manager[AnnualReminder]]

    class Meta:
        verbose_name = _("annual confirmation reminder")
        verbose_name_plural = _("annual confirmation reminders")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["confirmation", "kind"], name="one_annual_reminder_of_a_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.confirmation} {self.kind}"
