"""加入申請内容の変更 (guideline §4): a change application of a site that has completed 加入.

A change starts from the site's registered data (``registered.py``), edits what changes, is
submitted with its documents (a 到達番号 as at ①), reviewed as the application was (comments per
part, 補正, 受理, 却下) and, once accepted and its work done — a new inspection, the provider's work
at a new address, the removal of the equipment of a site that closes — applied to the registered
data in one transaction. Until then the registered data is unchanged.

Transition methods only change the state; ``services.py`` locks the row, records, writes the
ledger and queues mail in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, Transition, transition
from django_scopes import ScopedManager

from dsg.enrollment.models import Enrollment
from dsg.orgs import permissions
from dsg.orgs.models import Organization, Site, User

from . import rules


class ChangeKind(models.Model):
    """A kind of change: レイアウト変更, 移転, 閉鎖, 会社名… — the office may add others."""

    class Category(models.TextChoices):
        SITE = "site", _("Change of the site or handling facility (拠点・取扱施設等の変更)")
        REGISTERED = "registered", _("Change of registered information (登録情報の変更)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    groups = models.JSONField(
        _("registered data it edits"),
        default=list,
        blank=True,
        help_text=_(
            "Keys of dsg.requests.registered.GROUPS: company, site_name, site_address, facility, "
            "psa, contacts."
        ),
    )
    requires_layout = models.BooleanField(_("needs a new layout diagram"), default=False)
    may_need_inspection = models.BooleanField(_("may need a new inspection"), default=False)
    may_need_provider_work = models.BooleanField(
        _("may need the provider's survey and line work"), default=False
    )
    concerns_provider = models.BooleanField(
        _("the provider sees it"),
        default=False,
        help_text=_("Relocations, closures and layout changes that move terminals or the line."),
    )
    closes_site = models.BooleanField(_("closes the site"), default=False)
    active = models.BooleanField(_("offered to companies"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("kind of change")
        verbose_name_plural = _("kinds of change")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        english = translation.get_language() == "en" and self.name_en
        return self.name_en if english else self.name_ja


class ChangeState(models.TextChoices):
    DRAFT = "draft", _("Draft (下書き)")
    SUBMITTED = "submitted", _("Under review (審査中)")
    RETURNED = "returned", _("Returned for correction (補正)")
    ACCEPTED = "accepted", _("Accepted; work in progress (受理・対応中)")
    COMPLETED = "completed", _("Applied (変更完了)")
    REJECTED = "rejected", _("Rejected (却下)")
    WITHDRAWN = "withdrawn", _("Withdrawn (取下げ)")


CLOSED_STATES = frozenset({ChangeState.COMPLETED, ChangeState.REJECTED, ChangeState.WITHDRAWN})
OPEN_STATES = [s for s in ChangeState.values if s not in CLOSED_STATES]
EDITABLE_STATES = frozenset({ChangeState.DRAFT, ChangeState.RETURNED})
WAITING_ON: dict[str, str] = {
    ChangeState.DRAFT: "company",
    ChangeState.SUBMITTED: "office",
    ChangeState.RETURNED: "company",
    ChangeState.ACCEPTED: "office",
}


def _allowed(action: str) -> Callable[[Any, Any], bool]:
    return lambda change, user: permissions.may(user, action, change)


def _conditions(*checks: Callable[[ChangeRequest], bool]) -> list[Callable[[models.Model], bool]]:
    return list(checks)  # type: ignore[arg-type]  # django-fsm types a condition as taking any Model


class ChangeRequest(FSMModelMixin, models.Model):
    """One 加入申請内容の変更 of one site."""

    company = models.ForeignKey(
        Organization, verbose_name=_("company"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site (拠点)"), on_delete=models.PROTECT, related_name="changes"
    )
    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment case (加入案件)"),
        on_delete=models.PROTECT,
        related_name="changes",
    )
    kind = models.ForeignKey(
        ChangeKind, verbose_name=_("kind of change"), on_delete=models.PROTECT, related_name="+"
    )
    state = FSMField(
        _("state"),
        max_length=20,
        choices=ChangeState.choices,
        default=ChangeState.DRAFT,
        protected=True,
        db_index=True,
    )
    # The registered data the change started from, and the data it asks for.
    registered = models.JSONField(_("registered data when the change was started"))
    proposed = models.JSONField(_("registered data asked for"))
    # The registered data from the moment the change applied (the next change starts from it).
    registered_after = models.JSONField(_("registered data once applied"), null=True, blank=True)
    description = models.TextField(_("what changes and why"), max_length=4000, blank=True)
    effective_on = models.DateField(_("date of the change"), null=True, blank=True)
    # The layout change moves terminals or the line (the provider then sees it).
    moves_equipment = models.BooleanField(_("moves terminals or the line"), default=False)
    submission_count = models.PositiveSmallIntegerField(_("submissions"), default=0)
    receipt_number = models.CharField(_("receipt number (到達番号)"), max_length=32, blank=True)
    # What the office decided when it accepted the change.
    needs_inspection = models.BooleanField(_("needs a new inspection"), default=False)
    inspection_phase = models.CharField(_("inspection"), max_length=16, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    state_changed_at = models.DateTimeField(_("state changed at"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    objects: ClassVar[models.Manager[ChangeRequest]] = ScopedManager(company="company")
    _default_manager: ClassVar[models.Manager[ChangeRequest]]

    class Meta:
        verbose_name = _("change application (加入申請内容の変更)")
        verbose_name_plural = _("change applications (加入申請内容の変更)")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "kind"],
                condition=~models.Q(state__in=["completed", "rejected", "withdrawn"]),
                name="one_open_change_of_a_kind_per_site",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"CHG-{self.created_at:%Y}-{self.pk:05d}" if self.pk else "CHG-(new)"

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def waiting_on(self) -> str | None:
        return WAITING_ON.get(self.state)

    if TYPE_CHECKING:

        def get_all_state_transitions(self) -> Iterator[Transition]: ...

    @transition(
        field=state,
        source=[ChangeState.DRAFT, ChangeState.RETURNED],
        target=ChangeState.SUBMITTED,
        permission=_allowed("change.submit"),
        conditions=_conditions(rules.CHANGE_COMPLETE),
        custom={"label": _("Submit the change application")},
    )
    def submit(self) -> None: ...

    @transition(
        field=state,
        source=ChangeState.SUBMITTED,
        target=ChangeState.RETURNED,
        permission=_allowed("change.review"),
        custom={"label": _("Return for correction (補正)")},
    )
    def return_for_correction(self) -> None: ...

    @transition(
        field=state,
        source=ChangeState.SUBMITTED,
        target=ChangeState.ACCEPTED,
        permission=_allowed("change.review"),
        custom={"label": _("Accept (受理)")},
    )
    def accept(self) -> None: ...

    @transition(
        field=state,
        source=ChangeState.ACCEPTED,
        target=ChangeState.COMPLETED,
        permission=_allowed("change.review"),
        conditions=_conditions(rules.WORK_DONE),
        custom={"label": _("Apply the change to the registered data")},
    )
    def complete(self) -> None: ...

    @transition(
        field=state,
        source=[ChangeState.SUBMITTED, ChangeState.RETURNED, ChangeState.ACCEPTED],
        target=ChangeState.REJECTED,
        permission=_allowed("change.review"),
        custom={"label": _("Reject (却下)")},
    )
    def reject(self) -> None: ...

    @transition(
        field=state,
        source=OPEN_STATES,
        target=ChangeState.WITHDRAWN,
        permission=_allowed("change.file"),
        custom={"label": _("Withdraw (取下げ)")},
    )
    def withdraw(self) -> None: ...


class ChangeVersion(models.Model):
    """One submission of a change, frozen: what was sent, when, under which 到達番号."""

    change = models.ForeignKey(
        ChangeRequest, verbose_name=_("change"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    receipt_number = models.CharField(_("receipt number (到達番号)"), max_length=32, unique=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        User, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField(_("what was submitted"), default=dict)

    objects: ClassVar[models.Manager[ChangeVersion]] = ScopedManager(company="change__company")
    _default_manager: ClassVar[models.Manager[ChangeVersion]]

    class Meta:
        verbose_name = _("submitted change")
        verbose_name_plural = _("submitted changes")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["change", "number"], name="one_change_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.change} v{self.number}"


class ChangeComment(models.Model):
    """The reviewer's comment on one part of a submitted change (補正の指摘)."""

    version = models.ForeignKey(
        ChangeVersion,
        verbose_name=_("submitted change"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    part = models.CharField(_("part"), max_length=20)
    text = models.TextField(_("comment"), max_length=4000)
    author = models.ForeignKey(
        User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects: ClassVar[models.Manager[ChangeComment]] = ScopedManager(
        company="version__change__company"
    )
    _default_manager: ClassVar[models.Manager[ChangeComment]]

    class Meta:
        verbose_name = _("comment on a change")
        verbose_name_plural = _("comments on changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.version} {self.part}"


class ChangeRecord(models.Model):
    """What happened to a change: who took which transition, when, with what comment."""

    change = models.ForeignKey(
        ChangeRequest, verbose_name=_("change"), on_delete=models.CASCADE, related_name="records"
    )
    transition = models.CharField(_("transition"), max_length=40)
    from_state = models.CharField(_("from state"), max_length=20, choices=ChangeState.choices)
    to_state = models.CharField(_("to state"), max_length=20, choices=ChangeState.choices)
    actor = models.ForeignKey(
        User, verbose_name=_("actor"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects: ClassVar[models.Manager[ChangeRecord]] = ScopedManager(company="change__company")
    _default_manager: ClassVar[models.Manager[ChangeRecord]]

    class Meta:
        verbose_name = _("record of a change")
        verbose_name_plural = _("records of changes")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.change} {self.transition}"


class ActionRequest(models.Model):
    """「必要な対応や提出する書類を依頼」: the office or the provider asks the PSA for an action
    or a document, by a date; the PSA answers on the same request."""

    change = models.ForeignKey(
        ChangeRequest,
        verbose_name=_("change"),
        on_delete=models.CASCADE,
        related_name="action_requests",
    )
    asked_by = models.ForeignKey(
        User, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    text = models.TextField(_("what is asked"), max_length=4000)
    due_on = models.DateField(_("due on"))
    answer = models.TextField(_("answer"), max_length=4000, blank=True)
    answered_by = models.ForeignKey(
        User,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects: ClassVar[models.Manager[ActionRequest]] = ScopedManager(company="change__company")
    _default_manager: ClassVar[models.Manager[ActionRequest]]

    class Meta:
        verbose_name = _("request for an action or document (依頼)")
        verbose_name_plural = _("requests for actions or documents (依頼)")
        ordering = ["asked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.change} {self.asked_at:%Y-%m-%d}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def is_overdue(self) -> bool:
        return not self.is_answered and self.due_on < timezone.localdate()


class ProviderWork(models.Model):
    """The provider's work a change needs (a relocation: survey and line work at the new
    address), opened by the office and recorded done by the provider."""

    class Kind(models.TextChoices):
        SURVEY = "survey", _("Site survey for the line (現場調査)")
        LINE_WORK = "line_work", _("Line construction (回線敷設工事)")
        ROUTER = "router", _("Router installation (通信ルータの設置)")

    change = models.ForeignKey(
        ChangeRequest,
        verbose_name=_("change"),
        on_delete=models.CASCADE,
        related_name="provider_work",
    )
    kind = models.CharField(_("work"), max_length=16, choices=Kind.choices)
    opened_by = models.ForeignKey(
        User, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)

    objects: ClassVar[models.Manager[ProviderWork]] = ScopedManager(company="change__company")
    _default_manager: ClassVar[models.Manager[ProviderWork]]

    class Meta:
        verbose_name = _("provider's work for a change")
        verbose_name_plural = _("provider's work for changes")
        ordering = ["opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["change", "kind"], name="one_work_of_a_kind_per_change")
        ]

    def __str__(self) -> str:
        return f"{self.change} {self.kind}"

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


class RegisteredChange(models.Model):
    """One value of a site's registered data changed by an applied change: the site's history."""

    company = models.ForeignKey(
        Organization, verbose_name=_("company"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site (拠点)"), on_delete=models.PROTECT, related_name="+"
    )
    change = models.ForeignKey(
        ChangeRequest,
        verbose_name=_("change"),
        on_delete=models.PROTECT,
        related_name="applied_values",
    )
    field = models.CharField(_("item"), max_length=40)
    before = models.JSONField(_("before"), null=True)
    after = models.JSONField(_("after"), null=True)
    applied_at = models.DateTimeField(_("applied at"))
    applied_by = models.ForeignKey(
        User, verbose_name=_("applied by"), on_delete=models.PROTECT, related_name="+"
    )

    objects: ClassVar[models.Manager[RegisteredChange]] = ScopedManager(company="company")
    _default_manager: ClassVar[models.Manager[RegisteredChange]]

    class Meta:
        verbose_name = _("change of registered data")
        verbose_name_plural = _("changes of registered data")
        ordering = ["-applied_at", "pk"]
        indexes = [models.Index(fields=["site", "applied_at"], name="registered_change_site_idx")]

    def __str__(self) -> str:
        return f"{self.site} {self.field}"
