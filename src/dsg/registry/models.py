"""The site's equipment, with a life of its own: the terminals (利用端末) and their tests.

A terminal belongs to a site (拠点), not to a case. It names what registered it (its origin: the
enrollment case at ⑥, later a terminal request), and the procedure that made it decides whether
it counts (a terminal of a withdrawn case was never put in use). Removable media and software
join this registry with the after-enrollment requests.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from dsg.orgs.models import Site, User


class Terminal(models.Model):
    """A 利用端末 of a site."""

    site = models.ForeignKey(
        Site, verbose_name=_("site (拠点)"), on_delete=models.PROTECT, related_name="terminals"
    )
    name = models.CharField(_("terminal name"), max_length=100)
    model_name = models.CharField(_("model"), max_length=100)
    serial_number = models.CharField(_("serial number"), max_length=100)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    origin_type = models.ForeignKey(
        ContentType,
        verbose_name=_("registered by (kind)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    origin_id = models.PositiveBigIntegerField(_("registered by"), null=True, blank=True)
    origin = GenericForeignKey("origin_type", "origin_id")
    set_up_on = models.DateField(_("set up on (セットアップ日)"), null=True, blank=True)
    in_use_since = models.DateField(_("in use since (利用開始日)"), null=True, blank=True)

    # django-scopes builds its manager class inside ScopedManager(), out of the mypy plugin's
    # sight: the manager's type is declared, and _default_manager with it (related managers
    # follow _default_manager).
    objects: ClassVar[models.Manager[Terminal]] = ScopedManager(company="site__company")
    _default_manager: ClassVar[models.Manager[Terminal]]

    class Meta:
        verbose_name = _("terminal (利用端末)")
        verbose_name_plural = _("terminals (利用端末)")
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="terminal_name_unique_per_site"),
            models.UniqueConstraint(
                fields=["site", "serial_number"], name="terminal_serial_unique_per_site"
            ),
        ]
        indexes = [models.Index(fields=["origin_type", "origin_id"], name="terminal_origin_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def ref(self) -> str:
        """The terminal's stable identifier (端末番号), printed on every form, export and notice."""
        return terminal_ref(self.pk)


def terminal_ref(pk: int) -> str:
    return f"T-{pk:06d}"


class ConnectionTest(models.Model):
    """A 接続テスト of one terminal by one person with a DSG account: named by the caller's key of
    that account (``tester_key``, such as an account holder of a case) and by name, and by their
    portal user when they have one."""

    terminal = models.ForeignKey(
        Terminal,
        verbose_name=_("terminal"),
        on_delete=models.CASCADE,
        related_name="connection_tests",
    )
    person = models.ForeignKey(
        User,
        verbose_name=_("tested by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    tester_name = models.CharField(_("name of the tester"), max_length=100, blank=True)
    tester_key = models.CharField(
        _("account of the tester"), max_length=40, blank=True, db_index=True
    )
    tested_on = models.DateField(_("tested on"))
    passed = models.BooleanField(_("passed"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects: ClassVar[models.Manager[ConnectionTest]] = ScopedManager(
        company="terminal__site__company"
    )
    _default_manager: ClassVar[models.Manager[ConnectionTest]]

    class Meta:
        verbose_name = _("connection test (接続テスト)")
        verbose_name_plural = _("connection tests (接続テスト)")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.terminal} {self.tested_on}"


def latest_test() -> models.QuerySet[ConnectionTest]:
    """The connection tests of the outer terminal, the latest first (for subqueries)."""
    return ConnectionTest.objects.filter(terminal=models.OuterRef("pk")).order_by(
        "-tested_on", "-recorded_at", "-pk"
    )


def latest_test_passed() -> models.Subquery:
    """Annotation: did the terminal's latest connection test pass? NULL when never tested."""
    return models.Subquery(latest_test().values("passed")[:1], output_field=models.BooleanField())


# The disposal of a terminal (基準 第6第6項第3号・第4号) -----------------------------------------
class DisposalMethod(models.TextChoices):
    """How the terminal (and the information stored on it) was disposed of."""

    PHYSICAL_DESTRUCTION = "physical_destruction", _("Physical destruction (物理的破壊)")
    ERASURE_SOFTWARE = (
        "erasure_software",
        _("Erasure with dedicated software (専用ソフトによる消去)"),
    )
    CONTRACTOR = "contractor", _("Entrusted to a disposal contractor (業者への委託)")
    OTHER = "other", _("Other (その他)")


class DisposalState(models.TextChoices):
    RECORDED = "recorded", _("Disposal recorded, awaiting the office's confirmation (廃棄確認待ち)")
    CONFIRMED = "confirmed", _("Disposed (廃棄済)")


def disposal_constraints(prefix: str) -> list[models.BaseConstraint]:
    """A confirmation is whole or absent; "other" is described (one set per disposal model)."""
    return [
        models.CheckConstraint(
            condition=models.Q(
                state="recorded", confirmed_by__isnull=True, confirmed_at__isnull=True
            )
            | models.Q(state="confirmed", confirmed_by__isnull=False, confirmed_at__isnull=False),
            name=f"{prefix}_confirmed_whole_or_none",
        ),
        models.CheckConstraint(
            condition=~models.Q(method="other", method_other=""),
            name=f"{prefix}_other_method_described",
        ),
    ]


class Disposal(models.Model):
    """The disposal of a piece of equipment (基準 第6第6項第3号・第4号): how, when and by whom it
    was disposed of, with its proof (a document of the company's folder), recorded by the
    company's PSA and confirmed by the office.

    Until the office confirms it, the equipment still stands at its site; once confirmed it is
    廃棄済 and leaves the site's registry (its record and history stay readable).
    """

    method = models.CharField(
        _("disposal method (廃棄方法)"), max_length=32, choices=DisposalMethod.choices
    )
    method_other = models.CharField(
        _("disposal method, described (その他の廃棄方法)"), max_length=200, blank=True
    )
    disposed_on = models.DateField(_("disposed on (廃棄日)"))
    performed_by = models.CharField(_("disposed of by (廃棄作業者)"), max_length=100)
    performed_by_company = models.CharField(
        _("company or contractor that disposed of it (実施会社・委託業者)"), max_length=200
    )
    certificate = models.ForeignKey(
        "documents.Document",
        verbose_name=_("disposal certificate or proof (廃棄証明書)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=DisposalState.choices, default=DisposalState.RECORDED
    )
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        User,
        verbose_name=_("confirmed by (確認者)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-recorded_at", "-pk"]

    @property
    def method_label(self) -> str:
        """The method as shown: "other" by its description."""
        if self.method == DisposalMethod.OTHER:
            return f"{self.get_method_display()}: {self.method_other}"
        return str(self.get_method_display())

    @property
    def is_confirmed(self) -> bool:
        return self.state == DisposalState.CONFIRMED


class TerminalDisposal(Disposal):
    """The disposal of one 利用端末."""

    terminal = models.OneToOneField(
        Terminal, verbose_name=_("terminal"), on_delete=models.PROTECT, related_name="disposal"
    )

    objects: ClassVar[models.Manager[TerminalDisposal]] = ScopedManager(
        company="terminal__site__company"
    )
    _default_manager: ClassVar[models.Manager[TerminalDisposal]]

    class Meta(Disposal.Meta):
        verbose_name = _("terminal disposal (利用端末の廃棄)")
        verbose_name_plural = _("terminal disposals (利用端末の廃棄)")
        constraints = disposal_constraints("terminal_disposal")

    def __str__(self) -> str:
        return f"{self.terminal} ({self.disposed_on})"


# Removable media (可搬記憶媒体, guideline §5③) ------------------------------------------------
validate_usb_id = RegexValidator(
    r"\A[0-9a-f]{4}\Z", _("Enter the ID as four hexadecimal digits, such as 0781."), "usb_id"
)
# USBGuard's device hash: the base64 of a SHA-256 (44 characters, one "=" at the end).
validate_usbguard_hash = RegexValidator(
    r"\A[A-Za-z0-9+/]{43}=\Z",
    _('Enter the hash as USBGuard prints it: 44 characters of base64 ending in "=".'),
    "usbguard_hash",
)
validate_sha256 = RegexValidator(
    r"\A[0-9a-f]{64}\Z", _("Enter the SHA-256 as 64 hexadecimal digits."), "sha256"
)


class MediumKind(models.TextChoices):
    USB_MEMORY = "usb_memory", _("USB memory (USBメモリ)")
    EXTERNAL_DISK = "external_disk", _("External disk (外付けHDD・SSD)")
    MEMORY_CARD = "memory_card", _("Memory card (SDカード等)")
    OPTICAL = "optical", _("Optical disc (光ディスク)")
    OTHER = "other", _("Other (その他)")


class RemovableMedium(models.Model):
    """A 可搬記憶媒体 registered for use on some of a site's terminals (on a request's approval)."""

    site = models.ForeignKey(
        Site, verbose_name=_("site (拠点)"), on_delete=models.PROTECT, related_name="media"
    )
    kind = models.CharField(_("kind of medium"), max_length=16, choices=MediumKind.choices)
    vendor_id = models.CharField(_("vendor ID"), max_length=4, validators=[validate_usb_id])
    product_id = models.CharField(_("product ID"), max_length=4, validators=[validate_usb_id])
    serial_number = models.CharField(_("serial number"), max_length=126, blank=True)
    capacity_gb = models.DecimalField(_("capacity (GB)"), max_digits=9, decimal_places=1)
    custodian = models.CharField(_("custodian (管理者)"), max_length=100)
    usbguard_hash = models.CharField(
        _("USBGuard device hash"), max_length=44, blank=True, validators=[validate_usbguard_hash]
    )
    terminals = models.ManyToManyField(
        Terminal, verbose_name=_("terminals it may be used on"), related_name="media"
    )
    # False when the serial is empty or its IDs and serial are registered elsewhere too: such a
    # medium is not a unique device (cheap sticks share IDs), and the reviewer approved it knowing.
    unique_device = models.BooleanField(_("identifies one device"), default=True)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    origin_type = models.ForeignKey(
        ContentType,
        verbose_name=_("registered by (kind)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    origin_id = models.PositiveBigIntegerField(_("registered by"), null=True, blank=True)
    origin = GenericForeignKey("origin_type", "origin_id")

    objects: ClassVar[models.Manager[RemovableMedium]] = ScopedManager(company="site__company")
    _default_manager: ClassVar[models.Manager[RemovableMedium]]

    class Meta:
        verbose_name = _("removable medium (可搬記憶媒体)")
        verbose_name_plural = _("removable media (可搬記憶媒体)")
        ordering = ["site", "pk"]
        indexes = [
            models.Index(
                fields=["vendor_id", "product_id", "serial_number"], name="medium_device_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.get_kind_display()} {self.vendor_id}:{self.product_id}"

    @property
    def ref(self) -> str:
        """The medium's stable identifier (媒体番号)."""
        return medium_ref(self.pk)


def medium_ref(pk: int) -> str:
    return f"M-{pk:06d}"


class MediumDisposal(Disposal):
    """The disposal of one 可搬記憶媒体 (deleted from the registry only once confirmed)."""

    medium = models.OneToOneField(
        RemovableMedium,
        verbose_name=_("removable medium"),
        on_delete=models.PROTECT,
        related_name="disposal",
    )

    objects: ClassVar[models.Manager[MediumDisposal]] = ScopedManager(
        company="medium__site__company"
    )
    _default_manager: ClassVar[models.Manager[MediumDisposal]]

    class Meta(Disposal.Meta):
        verbose_name = _("medium disposal (可搬記憶媒体の廃棄)")
        verbose_name_plural = _("medium disposals (可搬記憶媒体の廃棄)")
        constraints = disposal_constraints("medium_disposal")

    def __str__(self) -> str:
        return f"{self.medium} ({self.disposed_on})"


# Software (guideline §5②) -----------------------------------------------------------------------
class SoftwareFields(models.Model):
    """What names a piece of software, in a catalogue, a request and a terminal's record."""

    name = models.CharField(_("software name"), max_length=200)
    vendor = models.CharField(_("vendor"), max_length=200)
    version = models.CharField(
        _("version"), max_length=100, help_text=_("A version, or a range such as 1.2 – 1.4.")
    )
    sha256 = models.CharField(
        _("SHA-256 of the file"), max_length=64, blank=True, validators=[validate_sha256]
    )
    authenticode_sha256 = models.CharField(
        _("Authenticode hash (SHA-256)"),
        max_length=64,
        blank=True,
        validators=[validate_sha256],
    )
    signer = models.CharField(_("signer (署名者)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class CatalogueKind(models.TextChoices):
    MANDATORY = "mandatory", _("Mandatory software (導入必須ソフトウェア)")
    WHITELIST = "whitelist", _("Whitelist (インストール可能なソフトウェア一覧)")


class SoftwareCatalogue(models.Model):
    """One published version of one of the provider's two catalogues; the latest one is in force."""

    kind = models.CharField(_("catalogue"), max_length=16, choices=CatalogueKind.choices)
    version = models.PositiveIntegerField(_("catalogue version"))
    note = models.TextField(_("what changed"), blank=True)
    published_by = models.ForeignKey(
        User, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("software catalogue")
        verbose_name_plural = _("software catalogues")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="catalogue_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class CatalogueEntry(SoftwareFields):
    catalogue = models.ForeignKey(
        SoftwareCatalogue,
        verbose_name=_("catalogue"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    position = models.PositiveIntegerField(_("row"))

    class Meta:
        verbose_name = _("catalogue entry")
        verbose_name_plural = _("catalogue entries")
        ordering = ["catalogue", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalogue", "position"], name="catalogue_entry_position_unique"
            )
        ]


class SoftwareState(models.TextChoices):
    PROHIBITED = "prohibited", _("Declared, not to be started until approved (起動・使用禁止)")
    APPROVED = "approved", _("Approved (承認済)")
    REFUSED = "refused", _("Not approved: not to be used (不承認・使用禁止)")
    REMOVED = "removed", _("Removed (削除済)")


class TerminalSoftware(SoftwareFields):
    """A piece of software on one terminal, as the office knows it: declared preinstalled
    (起動・使用禁止 from the moment it is declared until approved), approved with the version
    approved, refused, or removed. Software of the catalogues is not listed per terminal."""

    terminal = models.ForeignKey(
        Terminal, verbose_name=_("terminal"), on_delete=models.PROTECT, related_name="software"
    )
    preinstalled = models.BooleanField(_("preinstalled (プレインストール)"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=SoftwareState.choices)
    origin_type = models.ForeignKey(
        ContentType,
        verbose_name=_("declared by (kind)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    origin_id = models.PositiveBigIntegerField(_("declared by"), null=True, blank=True)
    origin = GenericForeignKey("origin_type", "origin_id")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects: ClassVar[models.Manager[TerminalSoftware]] = ScopedManager(
        company="terminal__site__company"
    )
    _default_manager: ClassVar[models.Manager[TerminalSoftware]]

    class Meta:
        verbose_name = _("software of a terminal")
        verbose_name_plural = _("software of terminals")
        ordering = ["terminal", "name", "pk"]
        indexes = [
            models.Index(fields=["origin_type", "origin_id"], name="terminal_software_origin_idx")
        ]

    @property
    def may_be_used(self) -> bool:
        return self.state == SoftwareState.APPROVED
