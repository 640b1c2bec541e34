"""Organisations of three kinds, the people in them with one role each, and the companies' sites."""

from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

from .japan import (
    OUTSIDE_JAPAN,
    PREFECTURES,
    validate_corporate_number,
    validate_postal_code,
    validate_prefecture,
)


class OrganizationKind(models.TextChoices):
    COMPANY = "company", _("Company (加入企業)")
    OFFICE = "office", _("Information Systems Management Office (情報システム管理室)")
    PROVIDER = "provider", _("Service provider (サービス提供事業者)")


class Role(models.TextChoices):
    PSA = "psa", _("Protection system administrator (保護システム管理者)")
    DELEGATE = "delegate", _("Person designated by the PSA (保護システム管理者が指定する者)")
    USER = "user", pgettext_lazy("role", "User (利用者)")
    REVIEWER = "reviewer", _("Reviewer (審査担当)")
    INSPECTOR = "inspector", _("Inspector (防衛装備庁職員)")
    PROVIDER_STAFF = "provider_staff", _("Provider staff (提供事業者担当)")


ROLES_OF_KIND: dict[str, set[str]] = {
    OrganizationKind.COMPANY: {Role.PSA, Role.DELEGATE, Role.USER},
    OrganizationKind.OFFICE: {Role.REVIEWER, Role.INSPECTOR},
    OrganizationKind.PROVIDER: {Role.PROVIDER_STAFF},
}


class Organization(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    corporate_number = models.CharField(
        _("corporate number (法人番号)"),
        max_length=13,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_corporate_number],
    )
    postal_code = models.CharField(
        _("postal code"), max_length=8, blank=True, validators=[validate_postal_code]
    )
    prefecture = models.CharField(
        _("prefecture"),
        max_length=2,
        blank=True,
        choices=PREFECTURES,
        validators=[validate_prefecture],
        error_messages={"invalid_choice": OUTSIDE_JAPAN},
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The office extends 二要素認証 to a company's 指定する者 (dsg.orgs.mfa).
    mfa_for_delegates = models.BooleanField(
        _("two-factor authentication required of the PSA's designees"), default=False
    )

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="company", corporate_number__isnull=False)
                | ~models.Q(kind="company"),
                name="company_has_corporate_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_company(self) -> bool:
        return self.kind == OrganizationKind.COMPANY


# The languages a person reads the portal's mail in (settings.LANGUAGES).
MAIL_LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    """A person with one role in one organisation; logs in with email and password."""

    username = None  # type: ignore[assignment]  # Django removes an inherited field with None; django-stubs type it as CharField
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=100)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True)
    # Counts the changes of the person's second factors (added, removed, recovery codes renewed):
    # part of the session hash, so a change ends the person's other sessions (dsg.orgs.mfa).
    mfa_epoch = models.PositiveIntegerField(_("two-factor changes"), default=0, editable=False)
    # The language of the mails and notifications the portal sends the person (#12).
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=MAIL_LANGUAGES,
        default="ja",
        help_text=_("The language of the mails the portal sends you."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]  # django-stubs pin AbstractUser.objects to auth's UserManager; a custom user's BaseUserManager is what Django documents

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """A login lasts while the password, the role, the organisation, the account's being
        active and the second factors stay as they were when it began: changing any of them ends
        every session of the person (Django compares this hash on each request, the current key
        and its fallbacks; the session that made an MFA change is carried over)."""
        return salted_hmac(
            "dsg.orgs.models.User.get_session_auth_hash",
            f"{self.password}|{self.role}|{self.organization_id}|{self.is_active}|{self.mfa_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Site(models.Model):
    """A 拠点: the area of a company where DSG is used, always in Japan."""

    company = models.ForeignKey(
        Organization,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="sites",
        limit_choices_to={"kind": "company"},
    )
    name = models.CharField(_("site name"), max_length=200)
    postal_code = models.CharField(
        _("postal code"), max_length=8, validators=[validate_postal_code]
    )
    prefecture = models.CharField(
        _("prefecture"),
        max_length=2,
        choices=PREFECTURES,
        validators=[validate_prefecture],
        error_messages={"invalid_choice": OUTSIDE_JAPAN},
    )
    address = models.CharField(
        _("address"),
        max_length=300,
        help_text=_("City, street and building, after the prefecture."),
    )
    facility = models.CharField(_("handling facility (取扱施設等)"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Set when an accepted closure (閉鎖, a change application) completes.
    closed_on = models.DateField(_("closed on (閉鎖日)"), null=True, blank=True)

    # django-scopes builds its manager class inside ScopedManager(), out of the mypy plugin's
    # sight: the manager's type is declared, and _default_manager with it (related managers
    # follow _default_manager).
    objects: ClassVar[models.Manager[Site]] = ScopedManager(company="company")
    _default_manager: ClassVar[models.Manager[Site]]

    class Meta:
        verbose_name = _("site (拠点)")
        verbose_name_plural = _("sites (拠点)")
        ordering = ["company", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "name"], name="site_name_unique_per_company"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_address(self) -> str:
        return f"〒{self.postal_code} {self.get_prefecture_display()}{self.address}"

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    @property
    def ref(self) -> str:
        """The site's stable identifier (拠点番号), printed on every form, export and notice."""
        return f"S-{self.pk:06d}"


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored. It reads, or reads and writes, until it
    expires or is revoked — by its owner, or by the portal when the owner's password, role or
    organisation changes or the account is deactivated."""

    PREFIX = "dsg_"

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read_write", _("Read and write")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_because = models.CharField(_("revoked because"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def new_raw_token(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
