"""Documents in a company's folder (申請書等格納フォルダ), stored encrypted with their SHA-256.

A document belongs to a company and, optionally, to a subject: the case or request it was filed
for (see ``dsg.core.subjects``). A document with no subject sits in the company's folder alone.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from dsg.orgs.models import Organization, User


class DocumentKind(models.TextChoices):
    APPLICATION = "application", _("Application form (加入申請書)")
    LAYOUT = "layout", _("Layout diagram (レイアウト図)")
    AUDIT_RESULT = "audit_result", _("Audit-result notice (結果通知書)")
    CONTRACT_EVIDENCE = "contract_evidence", _("Evidence of contracts")
    FACILITY_EXCEPTION = (
        "facility_exception",
        _("Approved exception under 特約条項 第9条第5項"),
    )
    REQUIREMENT_EVIDENCE = "requirement_evidence", _("Evidence for a requirement (加入の要件)")
    REQUEST_FORM = "request_form", _("Request form (申請書, Excel)")
    REMEDIATION_EVIDENCE = "remediation_evidence", _("Evidence of remediation (改善措置)")
    INSPECTION_PHOTO = "inspection_photo", _("Inspection photo")
    INSPECTION_CHECKLIST = (
        "inspection_checklist",
        _("Inspection checklist filled in on paper (scanned)"),
    )
    DISPOSAL_CERTIFICATE = "disposal_certificate", _("Disposal certificate (廃棄証明書)")
    NOTICE = "notice", _("Notice issued by the office")
    OTHER = "other", _("Other")


KIND_LABELS: dict[str, Any] = dict(DocumentKind.choices)  # lazy labels: translated when shown


class Document(models.Model):
    """One stored file. The bytes live encrypted under DSG_DATA_DIR; only services read them."""

    company = models.ForeignKey(
        Organization,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    subject_type = models.ForeignKey(
        ContentType,
        verbose_name=_("kind of subject"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    subject_id = models.PositiveBigIntegerField(_("subject"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    storage_key = models.CharField(_("storage key"), max_length=100, unique=True, editable=False)
    password_protected = models.BooleanField(_("password-protected"), default=False)
    # The password of a protected PDF, itself encrypted like the file (never shown in mail).
    encrypted_password = models.BinaryField(_("encrypted password"), null=True, blank=True)
    # The date printed on an audit-result notice (監査結果通知書); of several, the latest counts.
    dated_on = models.DateField(
        _("date on the document"),
        null=True,
        blank=True,
        help_text=_(
            "The date printed on an audit-result notice (監査結果通知書): of several, the one "
            "with the latest date counts."
        ),
    )
    is_current = models.BooleanField(
        _("the one that counts"),
        default=True,
        help_text=_(
            "Of several audit-result notices, the one with the latest date on it counts (of "
            "two with the same date, the later upload)."
        ),
    )
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    # The guideline's fallback (「フォルダへの格納ができない場合に限る」): the company mailed the
    # file (password in a separate mail) and the office stored it on the company's behalf.
    received_by_mail = models.BooleanField(
        _("received by mail, stored by the office on the company's behalf"),
        default=False,
        help_text=_(
            "The company sent the file by mail (the guideline's fallback when it cannot store "
            "it in the folder); the office stored it here for the company."
        ),
    )

    # django-scopes builds its manager class inside ScopedManager(), out of the mypy plugin's
    # sight: the manager's type is declared, and _default_manager with it (related managers
    # follow _default_manager).
    objects: ClassVar[models.Manager[Document]] = ScopedManager(company="company")
    _default_manager: ClassVar[models.Manager[Document]]

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id", "kind"], name="document_subject_idx"
            ),
            models.Index(fields=["company", "kind"], name="document_company_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject_type__isnull=True, subject_id__isnull=True)
                | models.Q(subject_type__isnull=False, subject_id__isnull=False),
                name="document_subject_whole_or_none",
            ),
            # Only an audit-result notice carries the date printed on it (older ones stored
            # before the date was asked for have none).
            models.CheckConstraint(
                condition=models.Q(dated_on__isnull=True) | models.Q(kind="audit_result"),
                name="document_dated_only_audit_result",
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    def get_kind_display(self) -> str:  # type: ignore[no-redef]  # replaces the one Django adds
        """The kind's label, looked up. Django's generic one translates every choice's label to
        hash it on each call: a third of the office's storage reports' rows (docs/performance.md,
        the sixth run)."""
        return str(KIND_LABELS.get(self.kind, self.kind))


class StorageReport(models.Model):
    """「格納した旨を連絡」: a document was stored in a company's folder and the office is told.

    One per document stored through the folder by a company (or by the office on its behalf from
    a mail); it sits in the reviewers' queue until one of them marks it seen (ledgered).
    """

    company = models.ForeignKey(
        Organization,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="storage_reports",
    )
    document = models.OneToOneField(
        Document,
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="storage_report",
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    seen_by = models.ForeignKey(
        User,
        verbose_name=_("seen by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    seen_at = models.DateTimeField(_("seen at"), null=True, blank=True)

    objects: ClassVar[models.Manager[StorageReport]] = ScopedManager(company="company")
    _default_manager: ClassVar[models.Manager[StorageReport]]

    class Meta:
        verbose_name = _("storage report (格納の連絡)")
        verbose_name_plural = _("storage reports (格納の連絡)")
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(
                fields=["reported_at"],
                condition=models.Q(seen_at__isnull=True),
                name="storage_report_unseen_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seen_at__isnull=True, seen_by__isnull=True)
                | models.Q(seen_at__isnull=False, seen_by__isnull=False),
                name="storage_report_seen_whole_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}: {self.document_id}"
