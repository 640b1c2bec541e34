"""The mail outbox: a message is written in the transaction of the change that causes it.

A message is ``pending`` until a worker claims it (``sending``, with a lease), then ``sent``, or
``pending`` again with its next attempt put off (exponential backoff with jitter), or ``failed``
after its last attempt: shown to the office, counted by ``/readyz``, resent by hand.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OutboxStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("mail", "waiting")
    SENDING = "sending", pgettext_lazy("mail", "being sent")
    SENT = "sent", pgettext_lazy("mail", "sent")
    FAILED = "failed", pgettext_lazy("mail", "failed")


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

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return self.subject
