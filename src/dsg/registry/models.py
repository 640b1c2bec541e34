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


class TerminalDisposal(models.Model):
    """The disposal of one 利用端末: how, when and by whom it was disposed of, with its proof (a
    document of the company's folder), recorded by the company's PSA and confirmed by the office.

    Until the office confirms it, the terminal still stands at its site; once confirmed the
    terminal is 廃棄済 and leaves the site's registry (its record and history stay readable).
    """

    terminal = models.OneToOneField(
        Terminal, verbose_name=_("terminal"), on_delete=models.PROTECT, related_name="disposal"
    )
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

    objects: ClassVar[models.Manager[TerminalDisposal]] = ScopedManager(
        company="terminal__site__company"
    )
    _default_manager: ClassVar[models.Manager[TerminalDisposal]]

    class Meta:
        verbose_name = _("terminal disposal (利用端末の廃棄)")
        verbose_name_plural = _("terminal disposals (利用端末の廃棄)")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    state="recorded", confirmed_by__isnull=True, confirmed_at__isnull=True
                )
                | models.Q(
                    state="confirmed", confirmed_by__isnull=False, confirmed_at__isnull=False
                ),
                name="terminal_disposal_confirmed_whole_or_none",
            ),
            models.CheckConstraint(
                condition=~models.Q(method="other", method_other=""),
                name="terminal_disposal_other_method_described",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.terminal} ({self.disposed_on})"

    @property
    def method_label(self) -> str:
        """The method as shown: "other" by its description."""
        if self.method == DisposalMethod.OTHER:
            return f"{self.get_method_display()}: {self.method_other}"
        return str(self.get_method_display())

    @property
    def is_confirmed(self) -> bool:
        return self.state == DisposalState.CONFIRMED
