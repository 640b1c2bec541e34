"""The requests of guideline §5: 利用端末の登録・削除申請, ソフトウェアインストール申請 and
可搬記憶媒体登録・削除申請 — one flow for the three kinds.

A request is filed by the company's PSA (on a page, through the API or as the official .xlsx form)
with its lines; the office's reviewer takes it up (受理・審査中), may ask for more (追加資料依頼,
which the PSA answers), and decides each line (承認 / 却下, with the rule or the reason). The
request is decided when its last line is. The site's registry changes **only** on approval, in the
deciding transaction. The PSA may withdraw (取下げ) an undecided request.

Whitelisted software needs no request: asking for it opens a helpdesk request to the provider
(「ヘルプデスクに連絡の上」), answered with its instructions (``HelpdeskRequest``).

Transition methods only change the state; ``services.py`` locks the row, records, writes the
ledger and queues mail in one transaction.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from django_scopes import ScopedManager

from dsg.orgs.models import Site, User
from dsg.registry.models import (
    MediumKind,
    RemovableMedium,
    SoftwareFields,
    Terminal,
    validate_usb_id,
    validate_usbguard_hash,
)


class RequestKind(models.TextChoices):
    TERMINAL = "terminal", _("Registration or removal of terminals (利用端末の登録・削除申請)")
    SOFTWARE = "software", _("Software installation (ソフトウェアインストール申請)")
    MEDIUM = "medium", _("Registration or removal of removable media (可搬記憶媒体登録・削除申請)")


class RequestState(models.TextChoices):
    FILED = "filed", _("Filed (提出済)")
    UNDER_REVIEW = "under_review", _("Under review (受理・審査中)")
    INFO_REQUESTED = "info_requested", _("More documents asked for (追加資料依頼中)")
    DECIDED = "decided", _("Decided (決定済)")
    WITHDRAWN = "withdrawn", _("Withdrawn (取下げ)")


# The labels by value, lazy (translated when shown): what get_kind_display / get_state_display
# read instead of Django's generic lookup (docs/performance.md, the sixth run).
KIND_LABELS: dict[str, Any] = dict(RequestKind.choices)
STATE_LABELS: dict[str, Any] = dict(RequestState.choices)

OPEN_STATES = frozenset(
    {RequestState.FILED, RequestState.UNDER_REVIEW, RequestState.INFO_REQUESTED}
)


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Approved (承認)")
    PARTLY_APPROVED = "partly_approved", _("Partly approved (一部承認)")
    REJECTED = "rejected", _("Rejected (却下)")


class Channel(models.TextChoices):
    PAGE = "page", _("Portal page")
    API = "api", _("API")
    XLSX = "xlsx", _("Excel form (.xlsx) in the folder")


class EquipmentRequest(FSMModelMixin, models.Model):
    """One request of §5 for one site, with its lines."""

    site = models.ForeignKey(
        Site, verbose_name=_("site (拠点)"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind of request"), max_length=16, choices=RequestKind.choices)
    receipt_number = models.CharField(_("receipt number (受付番号)"), max_length=32, unique=True)
    state = FSMField(
        _("state"), max_length=16, choices=RequestState.choices, default=RequestState.FILED
    )
    purpose = models.TextField(_("purpose and reason (申請理由)"))
    channel = models.CharField(_("filed through"), max_length=8, choices=Channel.choices)
    form_document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("the form as filed (.xlsx)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    filed_by = models.ForeignKey(
        User, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    reviewer = models.ForeignKey(
        User,
        verbose_name=_("reviewer (担当)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    accepted_at = models.DateTimeField(_("taken up at (受理日時)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("the office's comment"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.TextField(_("reason for the withdrawal"), blank=True)

    objects: ClassVar[models.Manager[EquipmentRequest]] = ScopedManager(company="site__company")
    _default_manager: ClassVar[models.Manager[EquipmentRequest]]

    class Meta:
        verbose_name = _("terminal, software or media request")
        verbose_name_plural = _("terminal, software and media requests")
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "filed_at"], name="equipment_request_queue_idx"),
            models.Index(fields=["site", "kind", "state"], name="equipment_request_site_idx"),
        ]

    def __str__(self) -> str:
        return self.receipt_number

    # Django's generic get_FOO_display builds and hashes a dict of every choice (each label
    # translated to be hashed) on each call: a third of the office's §5 queue panel (20 rows).
    def get_kind_display(self) -> str:  # type: ignore[no-redef]  # replaces the one Django adds
        return str(KIND_LABELS.get(self.kind, self.kind))

    def get_state_display(self) -> str:  # type: ignore[no-redef]  # replaces the one Django adds
        return str(STATE_LABELS.get(self.state, self.state))

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # Transitions: the state only; services.py does the rest. ------------------------------------
    @transition(field=state, source=RequestState.FILED, target=RequestState.UNDER_REVIEW)
    def take_up(self) -> None: ...

    @transition(
        field=state,
        source=[RequestState.FILED, RequestState.UNDER_REVIEW],
        target=RequestState.INFO_REQUESTED,
    )
    def ask_for_more(self) -> None: ...

    @transition(field=state, source=RequestState.INFO_REQUESTED, target=RequestState.UNDER_REVIEW)
    def answer(self) -> None: ...

    @transition(
        field=state,
        source=[RequestState.FILED, RequestState.UNDER_REVIEW, RequestState.INFO_REQUESTED],
        target=RequestState.DECIDED,
    )
    def decide(self) -> None: ...

    @transition(
        field=state,
        source=[RequestState.FILED, RequestState.UNDER_REVIEW, RequestState.INFO_REQUESTED],
        target=RequestState.WITHDRAWN,
    )
    def withdraw(self) -> None: ...


# Lines ------------------------------------------------------------------------------------------
class LineAction(models.TextChoices):
    ADD = "add", _("Register (登録)")
    REMOVE = "remove", _("Remove (削除)")


class LineDecision(models.TextChoices):
    PENDING = "pending", _("Awaiting decision (審査中)")
    APPROVED = "approved", _("Approved (承認)")
    REFUSED = "refused", _("Refused (却下)")


class Line(models.Model):
    """One line of a request with its own decision: the rule's code (when a rule decided it)
    and the reason, who decided and when."""

    position = models.PositiveIntegerField(_("line"))
    decision = models.CharField(
        _("decision"), max_length=16, choices=LineDecision.choices, default=LineDecision.PENDING
    )
    rule_code = models.CharField(_("rule"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["request", "position"]

    def __str__(self) -> str:
        return f"{self.position}"

    @property
    def is_pending(self) -> bool:
        return self.decision == LineDecision.PENDING


class TerminalLine(Line):
    """A terminal to register (name, model, serial) or a registered terminal to remove."""

    request = models.ForeignKey(
        EquipmentRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="terminal_lines",
    )
    action = models.CharField(_("register or remove"), max_length=8, choices=LineAction.choices)
    name = models.CharField(_("terminal name"), max_length=100, blank=True)
    model_name = models.CharField(_("model"), max_length=100, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    # The terminal to remove, or the one registered on approval.
    terminal = models.ForeignKey(
        Terminal,
        verbose_name=_("terminal"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    objects: ClassVar[models.Manager[TerminalLine]] = ScopedManager(
        company="request__site__company"
    )
    _default_manager: ClassVar[models.Manager[TerminalLine]]

    class Meta(Line.Meta):
        verbose_name = _("terminal line")
        verbose_name_plural = _("terminal lines")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "position"], name="terminal_line_position_unique"
            )
        ]
        # Filing checks the removals the site's requests already ask for: without the action in
        # the index every line of every open request was read (docs/performance.md, imports).
        indexes = [models.Index(fields=["request", "action"], name="terminal_line_req_action")]


class SoftwareLine(SoftwareFields, Line):
    """A piece of software to install (or declared preinstalled) on some of the site's terminals,
    with how it installs and updates (online installation or updates are never approved)."""

    request = models.ForeignKey(
        EquipmentRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="software_lines",
    )
    preinstalled = models.BooleanField(_("preinstalled (プレインストール)"), default=False)
    installs_online = models.BooleanField(_("needs online installation"), default=False)
    updates_online = models.BooleanField(_("needs online updates"), default=False)
    install_method = models.TextField(_("how it is installed (インストール方法)"))
    update_method = models.TextField(_("how it is updated (アップデート方法)"))
    terminals = models.ManyToManyField(Terminal, verbose_name=_("terminals"), related_name="+")

    objects: ClassVar[models.Manager[SoftwareLine]] = ScopedManager(
        company="request__site__company"
    )
    _default_manager: ClassVar[models.Manager[SoftwareLine]]

    class Meta(Line.Meta):
        verbose_name = _("software line")
        verbose_name_plural = _("software lines")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "position"], name="software_line_position_unique"
            )
        ]


class MediumLine(Line):
    """A removable medium to register on some of the site's terminals, or one to remove."""

    request = models.ForeignKey(
        EquipmentRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="medium_lines",
    )
    action = models.CharField(_("register or remove"), max_length=8, choices=LineAction.choices)
    kind = models.CharField(
        _("kind of medium"), max_length=16, choices=MediumKind.choices, blank=True
    )
    vendor_id = models.CharField(
        _("vendor ID"), max_length=4, blank=True, validators=[validate_usb_id]
    )
    product_id = models.CharField(
        _("product ID"), max_length=4, blank=True, validators=[validate_usb_id]
    )
    serial_number = models.CharField(_("serial number"), max_length=126, blank=True)
    capacity_gb = models.DecimalField(
        _("capacity (GB)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    custodian = models.CharField(_("custodian (管理者)"), max_length=100, blank=True)
    usbguard_hash = models.CharField(
        _("USBGuard device hash"), max_length=44, blank=True, validators=[validate_usbguard_hash]
    )
    terminals = models.ManyToManyField(
        Terminal, verbose_name=_("terminals it may be used on"), related_name="+"
    )
    # The medium to remove, or the one registered on approval.
    medium = models.ForeignKey(
        RemovableMedium,
        verbose_name=_("removable medium"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    objects: ClassVar[models.Manager[MediumLine]] = ScopedManager(company="request__site__company")
    _default_manager: ClassVar[models.Manager[MediumLine]]

    class Meta(Line.Meta):
        verbose_name = _("medium line")
        verbose_name_plural = _("medium lines")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "position"], name="medium_line_position_unique"
            )
        ]


# 追加資料依頼 ------------------------------------------------------------------------------------
class InfoRequest(models.Model):
    """The office asks for more (留意事項(1)): what, by when; the PSA answers with text and
    documents (stored in the company's folder with the request as their subject)."""

    request = models.ForeignKey(
        EquipmentRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="info_requests",
    )
    message = models.TextField(_("what is asked for"))
    due_on = models.DateField(_("answer by"), null=True, blank=True)
    asked_by = models.ForeignKey(
        User, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        User,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects: ClassVar[models.Manager[InfoRequest]] = ScopedManager(company="request__site__company")
    _default_manager: ClassVar[models.Manager[InfoRequest]]

    class Meta:
        verbose_name = _("request for more documents (追加資料依頼)")
        verbose_name_plural = _("requests for more documents (追加資料依頼)")
        ordering = ["request", "asked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request} {self.asked_at:%Y-%m-%d}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


# ヘルプデスクへの連絡 (whitelisted software) ------------------------------------------------------
class HelpdeskState(models.TextChoices):
    OPEN = "open", _("Waiting for the helpdesk (ヘルプデスク対応待ち)")
    ANSWERED = "answered", _("Answered by the helpdesk (回答済)")


class HelpdeskRequest(models.Model):
    """Whitelisted software needs no request, but the provider must change a setting before it
    can be installed: the PSA contacts the helpdesk and follows its instructions (§5② その他)."""

    site = models.ForeignKey(
        Site, verbose_name=_("site (拠点)"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("helpdesk number"), max_length=32, unique=True)
    catalogue_entry = models.ForeignKey(
        "registry.CatalogueEntry",
        verbose_name=_("whitelist entry"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    software_name = models.CharField(_("software name"), max_length=200)
    software_version = models.CharField(_("version"), max_length=100)
    terminals = models.ManyToManyField(Terminal, verbose_name=_("terminals"), related_name="+")
    message = models.TextField(_("message to the helpdesk"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=HelpdeskState.choices, default=HelpdeskState.OPEN
    )
    filed_by = models.ForeignKey(
        User, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    answer = models.TextField(_("the helpdesk's instructions"), blank=True)
    answered_by = models.ForeignKey(
        User,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects: ClassVar[models.Manager[HelpdeskRequest]] = ScopedManager(company="site__company")
    _default_manager: ClassVar[models.Manager[HelpdeskRequest]]

    class Meta:
        verbose_name = _("helpdesk request (ヘルプデスクへの連絡)")
        verbose_name_plural = _("helpdesk requests (ヘルプデスクへの連絡)")
        ordering = ["-filed_at", "-pk"]

    def __str__(self) -> str:
        return self.number
