"""The office's default step durations (business days), read by the planner."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.orgs.models import User

from .planner import MAX_DURATION, MIN_DURATION


class StepDuration(models.Model):
    """How many business days the plan gives one of the steps ①–⑦ (not company data)."""

    step = models.PositiveSmallIntegerField(
        _("step"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    business_days = models.PositiveSmallIntegerField(
        _("business days"),
        validators=[MinValueValidator(MIN_DURATION), MaxValueValidator(MAX_DURATION)],
    )
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("step duration")
        verbose_name_plural = _("step durations")
        ordering = ["step"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(step__gte=1, step__lte=7), name="step_duration_step_1_to_7"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    business_days__gte=MIN_DURATION, business_days__lte=MAX_DURATION
                ),
                name="step_duration_days_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step}: {self.business_days}"
