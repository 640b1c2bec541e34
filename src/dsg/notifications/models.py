"""The mail outbox: a message is written in the transaction of the change that causes it.

A message is ``pending`` until a worker claims it (``sending``, with a lease), then ``sent``, or
``pending`` again with its next attempt put off (exponential backoff with jitter), or ``failed``
after its last attempt: shown to the office, counted by ``/readyz``, resent by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OutboxStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("mail", "waiting")
    SENDING = "sending", pgettext_lazy("mail", "being sent")
    SENT = "sent", pgettext_lazy("mail", "sent")
    FAILED = "failed", pgettext_lazy("mail", "failed")
    # Kept for the inbox only: everyone it is for turned its kind off (MailOptOut).
    SKIPPED = "skipped", pgettext_lazy("mail", "not mailed")


class OutboxMessage(models.Model):
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    recipients = models.JSONField(_("recipients"), default=list)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    kind = models.CharField(_("kind"), max_length=60)
    company_id = models.BigIntegerField(_("company id"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    lease_until = models.DateTimeField(
        _("lease until"),
        null=True,
        blank=True,
        help_text=_("While sending: when another worker may take the message over."),
    )
    lease_token = models.CharField(_("lease token"), max_length=32, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    secret = models.BooleanField(
        _("carries a secret"),
        default=False,
        help_text=_("The body (a password-reset link) is erased once the message is sent."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        default="ja",
        help_text=_("The language the message is written in: its recipients'."),
    )

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return self.subject


class MailCategory(models.TextChoices):
    """What a mail is about, for the person's choice of the mails they receive (``kinds``)."""

    ACCOUNT = "account", _("Your account and its security")
    ACTION = "action", _("Steps, decisions and requests to act")
    REMINDER = "reminder", _("Reminders of due dates")
    INFORMATION = "information", _("Information (a document stored, a catalogue published)")


class MailCategoryRule(models.Model):
    """The office's decision for one category of mail: required (always mailed) or optional (a
    person may turn it off). A category without a row keeps the portal's default (``kinds``)."""

    category = models.CharField(
        _("category"), max_length=20, choices=MailCategory.choices, unique=True
    )
    required = models.BooleanField(_("required by the office"), default=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("mail category rule")
        verbose_name_plural = _("mail category rules")
        ordering = ["category"]

    def __str__(self) -> str:
        return f"{self.category}: {'required' if self.required else 'optional'}"


class Notification(models.Model):
    """A mail as its recipient finds it in the portal's inbox: one per person and message."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    message = models.ForeignKey(
        OutboxMessage,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    mailed = models.BooleanField(
        _("mailed"),
        default=True,
        help_text=_("False when the person turned this kind of mail off: the inbox only."),
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-message__created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "message"], name="notification_once")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return str(self.message)


class MailOptOut(models.Model):
    """A category of optional mail the person does not want mailed (the inbox still has it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="mail_opt_outs",
    )
    category = models.CharField(_("category"), max_length=20, choices=MailCategory.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("mail turned off")
        verbose_name_plural = _("mails turned off")
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="mail_opt_out_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.category}"
