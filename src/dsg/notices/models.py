"""Notices the office issues: an immutable snapshot of what was issued and its signed PDF.

A notice is addressed to a company about a subject (the case it concludes a step of). Its number
and snapshot are fixed when it is issued; its PDF is rendered and signed right after, outside the
subject's lock, and until then (or while a failed rendering waits for its retry) it is pending.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from dsg.core.models import SubjectLink
from dsg.documents.models import Document
from dsg.orgs.models import Organization, User


class NoticeKind(models.TextChoices):
    INSPECTION_RESULT = (
        "inspection_result",
        _("On-site inspection result notice (現地確認結果通知書)"),
    )
    COMPLETION = "completion", _("Enrollment completion notice (加入完了通知書)")


class Notice(SubjectLink):
    """One issued notice. ``snapshot`` holds all it prints; re-rendering reads only that."""

    company = models.ForeignKey(
        Organization,
        verbose_name=_("company"),
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
        null=True,
        blank=True,
        help_text=_("Empty while the PDF is being rendered and signed."),
    )
    render_attempts = models.PositiveSmallIntegerField(_("failed renderings"), default=0)
    render_error = models.TextField(_("last rendering error"), blank=True)

    # django-scopes builds its manager class inside ScopedManager(), out of the mypy plugin's
    # sight: the manager's type is declared, and _default_manager with it (related managers
    # follow _default_manager).
    objects: ClassVar[models.Manager[Notice]] = ScopedManager(company="company")
    _default_manager: ClassVar[models.Manager[Notice]]

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-issued_at", "-pk"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="notice_subject_idx"),
            models.Index(
                fields=["issued_at"],
                condition=models.Q(document__isnull=True),
                name="notice_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_pending(self) -> bool:
        """The PDF is not rendered and signed yet."""
        return self.document_id is None


class NoticeCounter(models.Model):
    """The last document number given out in one year; its row is locked while a number is taken."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last = models.PositiveIntegerField(_("last serial number"), default=0)

    class Meta:
        verbose_name = _("notice number counter")
        verbose_name_plural = _("notice number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
