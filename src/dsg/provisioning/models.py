"""The service provider's part of a case (③–⑥): survey, ancillary work, account holders, media and
account information. The terminals are the site's own (``dsg.registry``)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from dsg.enrollment.models import Enrollment
from dsg.orgs.models import User


class Provisioning(models.Model):
    """③ survey, ④ construction, ⑤ router: what the provider records for one case."""

    enrollment = models.OneToOneField(
        Enrollment,
        verbose_name=_("enrollment case"),
        on_delete=models.CASCADE,
        related_name="provisioning",
    )
    surveyed_on = models.DateField(_("surveyed on (現場調査)"), null=True, blank=True)
    route_notes = models.TextField(_("line route notes"), blank=True)
    construction_completed_on = models.DateField(
        _("line construction completed on"), null=True, blank=True
    )
    router_installed_on = models.DateField(_("router installed on"), null=True, blank=True)
    router_serial = models.CharField(_("router serial number"), max_length=100, blank=True)
    router_model = models.CharField(_("router model"), max_length=100, blank=True)

    # django-scopes builds its manager class inside ScopedManager(), out of the mypy plugin's
    # sight: the manager's type is declared, and _default_manager with it (related managers
    # follow _default_manager).
    objects: ClassVar[models.Manager[Provisioning]] = ScopedManager(
        company="enrollment__site__company"
    )
    _default_manager: ClassVar[models.Manager[Provisioning]]

    class Meta:
        verbose_name = _("provisioning record")
        verbose_name_plural = _("provisioning records")

    def __str__(self) -> str:
        return f"{self.enrollment} provisioning"


class AncillaryWork(models.Model):
    """付帯工事: work the company must do at its premises before the line can be laid (blocks ④)."""

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment case"),
        on_delete=models.CASCADE,
        related_name="ancillary_works",
    )
    description = models.CharField(_("description"), max_length=300)
    added_by = models.ForeignKey(
        User, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        User,
        verbose_name=_("done by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    objects: ClassVar[models.Manager[AncillaryWork]] = ScopedManager(
        company="enrollment__site__company"
    )
    _default_manager: ClassVar[models.Manager[AncillaryWork]]

    class Meta:
        verbose_name = _("ancillary work (付帯工事)")
        verbose_name_plural = _("ancillary work (付帯工事)")
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.description


class VeinRegistrationMethod(models.TextChoices):
    ON_SITE = "shinjuku", _("At the registration office (東京都新宿区)")
    REMOTE = "remote", _("Remote registration (リモート)")


class AccountHolderSource(models.TextChoices):
    APPLICATION = "application", _("From the accepted application")
    ADDED = "added", _("Added by the PSA after acceptance")


class AccountHolder(models.Model):
    """A person who gets a DSG account for the case (アカウント利用者): the PSA or a person they
    designate. The holders of the accepted application's version are taken over when ⑥ starts;
    a holder the PSA adds later says so, with who added it and why.

    Their way through ⑥: account information received (the PSA opened its one-time link), vein
    registration (静脈認証登録), connection test (接続テスト) — each only after the one before."""

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment case"),
        on_delete=models.CASCADE,
        related_name="account_holders",
    )
    name = models.CharField(_("name"), max_length=100)
    department = models.CharField(_("department"), max_length=200, blank=True)
    email = models.EmailField(_("email address"))
    person = models.ForeignKey(
        User,
        verbose_name=_("portal user"),
        on_delete=models.PROTECT,
        related_name="dsg_accounts",
        null=True,
        blank=True,
    )
    source = models.CharField(
        _("source"),
        max_length=16,
        choices=AccountHolderSource.choices,
        default=AccountHolderSource.APPLICATION,
    )
    application_version = models.PositiveSmallIntegerField(
        _("version of the application"), null=True, blank=True
    )
    added_by = models.ForeignKey(
        User,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reason = models.TextField(_("reason for the addition"), blank=True)
    account_issued_on = models.DateField(_("account issued on"), null=True, blank=True)
    account_received_at = models.DateTimeField(
        _("account information received at"), null=True, blank=True
    )
    vein_registered_on = models.DateField(
        _("vein registration (静脈認証登録) on"), null=True, blank=True
    )
    vein_method = models.CharField(
        _("vein registration method"),
        max_length=16,
        blank=True,
        choices=VeinRegistrationMethod.choices,
    )
    reissue_requested_at = models.DateTimeField(
        _("new account information requested at"), null=True, blank=True
    )
    reissue_requested_by = models.ForeignKey(
        User,
        verbose_name=_("new account information requested by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    objects: ClassVar[models.Manager[AccountHolder]] = ScopedManager(
        company="enrollment__site__company"
    )
    _default_manager: ClassVar[models.Manager[AccountHolder]]

    class Meta:
        verbose_name = _("account holder")
        verbose_name_plural = _("account holders")
        ordering = ["enrollment", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "person"], name="account_holder_once_per_case"
            ),
            models.UniqueConstraint(
                fields=["enrollment", "email"], name="account_holder_email_once_per_case"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def party(self) -> str:
        """The key that names this holder in appointments and connection tests."""
        return f"account_holder:{self.pk}"

    @property
    def is_added(self) -> bool:
        return self.source == AccountHolderSource.ADDED

    @property
    def account_received(self) -> bool:
        return self.account_received_at is not None

    @property
    def vein_registered(self) -> bool:
        return self.vein_registered_on is not None

    @property
    def ready_for_connection_test(self) -> bool:
        return self.account_received and self.vein_registered


# Appointments (in dsg.appointments), setup media and account information ----------------------
class AppointmentPurpose(models.TextChoices):
    """What the provider's appointments are for (``Appointment.purpose``)."""

    SURVEY = "survey", _("③ Site survey (現場調査)")
    CONSTRUCTION = "construction", _("④ Line construction (回線敷設工事)")
    ROUTER = "router", _("⑤ Router installation (通信ルータの設置)")
    VEIN_REGISTRATION = "vein_registration", _("⑥ Vein registration (静脈認証登録)")


class SetupMediaShipment(models.Model):
    """⑥ Setup media (セットアップ媒体, DVD-ROM) the provider ships; the PSA confirms receipt."""

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment case"),
        on_delete=models.CASCADE,
        related_name="media_shipments",
    )
    media = models.CharField(_("media"), max_length=100, default="DVD-ROM")
    carrier = models.CharField(_("carrier"), max_length=100)
    tracking_number = models.CharField(_("tracking number"), max_length=100)
    shipped_on = models.DateField(_("shipped on"))
    shipped_by = models.ForeignKey(
        User, verbose_name=_("shipped by"), on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(_("received on"), null=True, blank=True)
    received_by = models.ForeignKey(
        User,
        verbose_name=_("receipt confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects: ClassVar[models.Manager[SetupMediaShipment]] = ScopedManager(
        company="enrollment__site__company"
    )
    _default_manager: ClassVar[models.Manager[SetupMediaShipment]]

    class Meta:
        verbose_name = _("setup media shipment (セットアップ媒体)")
        verbose_name_plural = _("setup media shipments (セットアップ媒体)")
        ordering = ["shipped_on", "pk"]

    def __str__(self) -> str:
        return f"{self.media} {self.carrier} {self.tracking_number}"


class AccountDeliveryState(models.TextChoices):
    WAITING = "waiting", _("Waiting to be opened")
    OPENED = "opened", _("Opened by the PSA")
    REVOKED = "revoked", _("Replaced by a new delivery")


class AccountDelivery(models.Model):
    """⑥ アカウント情報: a holder's user ID and initial password, encrypted, for the PSA to
    open once through a link whose token is stored only as its SHA-256. Opening destroys it."""

    holder = models.ForeignKey(
        AccountHolder,
        verbose_name=_("account holder"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment case"),
        on_delete=models.CASCADE,
        related_name="account_deliveries",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    secret = models.BinaryField(_("encrypted account information"), null=True, editable=False)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=AccountDeliveryState.choices,
        default=AccountDeliveryState.WAITING,
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("link expires at"))
    opened_by = models.ForeignKey(
        User,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)

    objects: ClassVar[models.Manager[AccountDelivery]] = ScopedManager(
        company="enrollment__site__company"
    )
    _default_manager: ClassVar[models.Manager[AccountDelivery]]

    class Meta:
        verbose_name = _("account information delivery (アカウント情報)")
        verbose_name_plural = _("account information deliveries (アカウント情報)")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["holder"],
                condition=models.Q(state="waiting"),
                name="one_waiting_delivery_per_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder} {self.created_at:%Y-%m-%d}"

    @property
    def is_expired(self) -> bool:
        return self.state == AccountDeliveryState.WAITING and self.expires_at <= timezone.now()
