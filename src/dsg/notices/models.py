"""Notices the office issues: an immutable snapshot of what was issued and its signed PDF."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from dsg.documents.models import Document
from dsg.enrollment.models import Enrollment
from dsg.orgs.models import User


class NoticeKind(models.TextChoices):
    INSPECTION_RESULT = (
        "inspection_result",
        _("On-site inspection result notice (現地確認結果通知書)"),
    )
    COMPLETION = "completion", _("Enrollment completion notice (加入完了通知書)")


class Notice(models.Model):
    """One issued notice. ``snapshot`` holds all it prints; re-rendering reads only that."""

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment case"),
        on_delete=models.PROTECT,
        related_name="notices",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NoticeKind.choices)
    number = models.CharField(_("document number"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        User, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField(_("snapshot of what was issued"))
    document = models.OneToOneField(
        Document,
        verbose_name=_("signed PDF"),
        on_delete=models.PROTECT,
        related_name="notice",
    )

    objects = ScopedManager(company="enrollment__site__company")

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class NoticeCounter(models.Model):
    """The last document number given out in one year; its row is locked while a number is taken."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last = models.PositiveIntegerField(_("last serial number"), default=0)

    class Meta:
        verbose_name = _("notice number counter")
        verbose_name_plural = _("notice number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
