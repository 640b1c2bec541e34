"""The 問い合わせ先 (§6 お問い合わせ先): the office's contact and the provider's helpdesk.

One row per party, seeded from the guideline by a data migration and edited by the office; the
portal prints them on the contacts page, in every page's footer link and at the end of every mail.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.orgs.models import User


class ContactParty(models.TextChoices):
    OFFICE = "office", _("The office (情報システム管理室)")
    PROVIDER = "provider", _("The service provider's helpdesk (ヘルプデスク)")


class Contact(models.Model):
    """Where to ask about the enrollment: a name, a telephone (with extensions), a mail address."""

    party = models.CharField(
        _("kind of contact"), max_length=16, choices=ContactParty.choices, unique=True
    )
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("telephone"), max_length=20, blank=True)
    extensions = models.CharField(
        _("extensions (内線)"),
        max_length=60,
        blank=True,
        help_text=_("Extension numbers, separated by 、 (as in 32503、32505)."),
    )
    email = models.EmailField(_("email address"), blank=True)
    hours = models.CharField(_("hours (受付時間)"), max_length=200, blank=True)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("contact (問い合わせ先)")
        verbose_name_plural = _("contacts (問い合わせ先)")
        ordering = ["party"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(party__in=["office", "provider"]),
                name="contact_party_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_display(self) -> str:
        """03-3268-3111（内線 32503、32505）, as the guideline prints it."""
        if not self.phone:
            return ""
        return f"{self.phone}（内線 {self.extensions}）" if self.extensions else self.phone

    @property
    def tel_uri(self) -> str:
        """tel:+81-3-3268-3111 (RFC 3966, global form) for a link that dials."""
        if not self.phone:
            return ""
        return f"tel:+81-{self.phone[1:]}" if self.phone.startswith("0") else f"tel:{self.phone}"

    @property
    def reachable(self) -> bool:
        return bool(self.phone or self.email)
