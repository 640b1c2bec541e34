"""現地確認 and 最終現地確認: versioned checklists, inspections, findings, deficiencies.

A checklist is data: a template has numbered versions; a version that an inspection used is
frozen, and editing it makes the next version, so every inspection keeps the items it was held
against. An inspection is one round of one kind (a 現地確認, or a 最終現地確認 that also re-checks
what the 現地確認 could not) of a subject: the enrollment case at ② and ⑦, later a change
application's re-inspection. Its findings are one row per checklist item; each 不適合 becomes a
deficiency with a due date and the company's reports.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from dsg.appointments.models import Appointment, AppointmentState
from dsg.core import subjects
from dsg.core.models import SubjectLink
from dsg.documents.models import Document
from dsg.orgs.models import Organization, User


class InspectionKind(models.TextChoices):
    SITE = "site", _("On-site inspection (現地確認)")
    FINAL = "final", _("Final on-site inspection (最終現地確認)")


class ChecklistTemplate(models.Model):
    """A named checklist the office maintains (its versions hold the items), for one kind of
    inspection: the 現地確認 checks the 取扱施設等, the 最終現地確認 the work done since (回線,
    ルータ, 取扱施設等の整備, the hardware and software as specified)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind of inspection"),
        max_length=16,
        choices=InspectionKind.choices,
        default=InspectionKind.SITE,
    )
    is_sample = models.BooleanField(
        _("sample shipped with the portal"),
        default=False,
        help_text=_("A sample for the office to edit; not the office's official checklist."),
    )
    is_default = models.BooleanField(_("used for new inspections of its kind"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["kind", "-is_default", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "is_default"],
                condition=models.Q(is_default=True),
                name="one_default_checklist_per_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def latest_version(self) -> ChecklistVersion | None:
        return self.versions.order_by("-number").first()


class ChecklistVersion(models.Model):
    """One version of a template. Frozen (never edited again) once an inspection used it."""

    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist template"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    frozen = models.BooleanField(_("frozen (used by an inspection)"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="one_number_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class ChecklistItem(models.Model):
    """One thing the inspector checks, with what the company shows and where the rule comes from."""

    version = models.ForeignKey(
        ChecklistVersion,
        verbose_name=_("checklist version"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    code = models.CharField(_("item ID"), max_length=20)
    theme = models.CharField(_("theme"), max_length=50)
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("item"))
    guidance = models.TextField(_("guidance for the inspector"), blank=True)
    evidence = models.CharField(_("evidence to show"), max_length=300, blank=True)
    standard_clause = models.CharField(
        _("clause of the standard (基準)"), max_length=100, blank=True
    )
    nist_tags = models.CharField(_("NIST SP 800-171 requirements"), max_length=100, blank=True)
    final_recheck = models.BooleanField(
        _("checked again at the final inspection (最終現地確認)"),
        default=False,
        help_text=_("Of a 現地確認 checklist: the 最終現地確認 checks this item again."),
    )

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["version", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="one_code_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:40]}"


class InspectionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    FINISHED = "finished", _("Finished")


class Outcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    REMEDIATION = "remediation_required", _("Remediation required (改善措置)")
    DEEMED_BY_AUDIT = "deemed_by_audit", _("Deemed done by an audit result (監査結果)")


class Decision(models.TextChoices):
    ACCEPTED = "accepted", _("Remediation accepted without re-inspection")
    REINSPECTION = "reinspection", _("Re-inspection required")


class Inspection(SubjectLink):
    """One round of an inspection of a subject: its date, checklist version, findings, outcome."""

    company = models.ForeignKey(
        Organization,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=InspectionKind.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    checklist_version = models.ForeignKey(
        ChecklistVersion,
        verbose_name=_("checklist version"),
        on_delete=models.PROTECT,
        related_name="inspections",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InspectionStatus.choices,
        default=InspectionStatus.SCHEDULED,
    )
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    entry_notes = models.TextField(
        _("entry procedures (入構手続き)"),
        blank=True,
        help_text=_("Who attends, identification to bring, parking, where to report."),
    )
    performed_on = models.DateField(_("performed on"), null=True, blank=True)
    inspector = models.ForeignKey(
        User,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    audit_document = models.ForeignKey(
        Document,
        verbose_name=_("audit result that stood in for the visit"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    paper_checklist = models.ForeignKey(
        Document,
        verbose_name=_("checklist filled in on paper (scanned)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("A round held with the paper checklist: its scan, transcribed item by item."),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The dates the office proposes for this round and the one the company took.
    appointments = GenericRelation(
        Appointment, content_type_field="subject_type", object_id_field="subject_id"
    )

    # django-scopes builds its manager class inside ScopedManager(), out of the mypy plugin's
    # sight: the manager's type is declared, and _default_manager with it (related managers
    # follow _default_manager).
    objects: ClassVar[models.Manager[Inspection]] = ScopedManager(company="company")
    _default_manager: ClassVar[models.Manager[Inspection]]

    class Meta:
        verbose_name = _("on-site inspection (現地確認)")
        verbose_name_plural = _("on-site inspections (現地確認)")
        ordering = ["subject_type", "subject_id", "pk"]  # rounds in the order they were held
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind", "round"],
                name="one_round_per_subject_and_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_number} #{self.round}"

    @property
    def is_final(self) -> bool:
        return self.kind == InspectionKind.FINAL

    # What the round is about, through the subject's registered type (dsg.core.subjects).
    @property
    def subject_number(self) -> str:
        subject = subjects.linked_subject(self)
        return subjects.subject_type_of(subject).number(subject)

    @property
    def subject_label(self) -> str:
        subject = subjects.linked_subject(self)
        return subjects.subject_type_of(subject).label(subject)

    @property
    def subject_url(self) -> str:
        subject = subjects.linked_subject(self)
        return subjects.subject_type_of(subject).url(subject)

    @property
    def is_finished(self) -> bool:
        return self.status == InspectionStatus.FINISHED

    # The round's dates (prefetch ``appointments`` to read them for many rounds at once).
    @property
    def appointment(self) -> Appointment | None:
        """The date the company took, while it stands."""
        return next(
            (a for a in self.appointments.all() if a.state == AppointmentState.CONFIRMED), None
        )

    @property
    def calendar_date(self) -> Appointment | None:
        """The date for a calendar: the one that stands, or once done, the day it took place."""
        wanted = (AppointmentState.CONFIRMED, AppointmentState.DONE)
        return next((a for a in self.appointments.all() if a.state in wanted), None)

    @property
    def scheduled_at(self) -> dt.datetime | None:
        chosen = self.appointment
        return chosen.starts_at if chosen else None

    @property
    def offered(self) -> list[Appointment]:
        """The dates proposed and not taken yet."""
        return [a for a in self.appointments.all() if a.state == AppointmentState.PROPOSED]

    @property
    def slot_request(self) -> str:
        """The company's request for other dates, while no new date answers it."""
        latest = max(self.appointments.all(), key=lambda a: (a.proposed_at, a.pk), default=None)
        if latest is None or latest.state != AppointmentState.OTHER_DATE_REQUESTED:
            return ""
        return latest.response_message


class Result(models.TextChoices):
    CONFORMING = "conforming", _("Conforming (適合)")
    NONCONFORMING = "nonconforming", _("Not conforming (不適合)")
    NOT_APPLICABLE = "not_applicable", _("Not applicable (該当なし)")
    UNCHECKED = "unchecked", _("Could not be checked (未確認)")


class Finding(models.Model):
    """The result of one checklist item in one inspection."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="findings"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("checklist item"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    photo = models.ForeignKey(
        Document,
        verbose_name=_("photo"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    due_on = models.DateField(_("remediation due on"), null=True, blank=True)
    # 「改善が必要と判断された場合」: the office may judge a 不適合 to need no remediation.
    no_remediation_reason = models.TextField(
        _("why no remediation is needed"),
        blank=True,
        help_text=_("Only for a 不適合 the office judges to need no remediation (改善措置不要)."),
    )
    open_at_inspection = models.BooleanField(
        _("left unchecked at the on-site inspection (現地確認)"), default=False
    )
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    objects: ClassVar[models.Manager[Finding]] = ScopedManager(company="inspection__company")
    _default_manager: ClassVar[models.Manager[Finding]]

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="one_finding_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.inspection} {self.item.code}"

    @property
    def needs_remediation(self) -> bool:
        """A 不適合 the office did not judge to need no remediation."""
        return self.result == Result.NONCONFORMING and not self.no_remediation_reason


class Deficiency(models.Model):
    """A 不適合 finding the company must remedy by ``due_on`` and report on."""

    finding = models.OneToOneField(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="deficiency"
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.CASCADE,
        related_name="deficiencies",
    )
    due_on = models.DateField(_("due on"))
    resolved_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("overdue mail queued at"), null=True, blank=True)

    objects: ClassVar[models.Manager[Deficiency]] = ScopedManager(company="inspection__company")
    _default_manager: ClassVar[models.Manager[Deficiency]]

    class Meta:
        verbose_name = _("deficiency (不適合)")
        verbose_name_plural = _("deficiencies (不適合)")
        ordering = ["inspection", "finding__order", "pk"]

    def __str__(self) -> str:
        return f"{self.inspection} {self.finding.item.code}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Past its due date with no report filed and not closed."""
        today = today or timezone.localdate()
        return (
            self.resolved_at is None
            and self.due_on < today
            and not any(True for _r in self.reports.all())
        )


class RemediationReport(models.Model):
    """改善報告: what the company did about one deficiency, with evidence."""

    deficiency = models.ForeignKey(
        Deficiency, verbose_name=_("deficiency"), on_delete=models.CASCADE, related_name="reports"
    )
    text = models.TextField(_("what was done"))
    evidence = models.ForeignKey(
        Document,
        verbose_name=_("evidence"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reported_by = models.ForeignKey(
        User, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)

    objects: ClassVar[models.Manager[RemediationReport]] = ScopedManager(
        company="deficiency__inspection__company"
    )
    _default_manager: ClassVar[models.Manager[RemediationReport]]

    class Meta:
        verbose_name = _("remediation report (改善報告)")
        verbose_name_plural = _("remediation reports (改善報告)")
        ordering = ["deficiency", "reported_at", "pk"]

    def __str__(self) -> str:
        return f"{self.deficiency} report"
