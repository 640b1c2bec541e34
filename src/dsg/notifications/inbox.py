"""The person's inbox and choice of mail: reading, and turning optional mail off.

Each person reads and marks only their own notifications (``user_id`` is always the signed-in
person's, taken by the page from the request); another's is as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation

from .kinds import mail_categories_check, required_categories
from .models import MailCategory, MailOptOut, Notification


def notification_mark_read(*, notification: Notification) -> Notification:
    """The person opened it: read from now on (the first time counts)."""
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notification_mark_unread(*, notification: Notification) -> Notification:
    Notification.objects.filter(pk=notification.pk).update(read_at=None)
    notification.read_at = None
    return notification


def inbox_mark_all_read(*, user_id: int) -> int:
    """Every unread notification of the person is read now; how many."""
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def mail_opt_outs_set(*, user_id: int, off: Iterable[str]) -> tuple[set[str], set[str]]:
    """The person's optional mail categories turned off are ``off``; (before, after).

    Runs in the caller's transaction (the service that writes the ledger event). An unknown
    category, or one the office requires (``kinds.required_categories``), is refused (422).
    """
    off = mail_categories_check(off)
    required = sorted(off & required_categories())
    if required:
        raise RuleViolation(
            format_lazy(
                _("The office requires the mails “{category}”: they cannot be turned off."),
                category=MailCategory(required[0]).label,
            ),
            code="mail_required",
            status=422,
        )
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("mail_opt_outs_set must run inside the change's transaction")
    before = set(MailOptOut.objects.filter(user_id=user_id).values_list("category", flat=True))
    MailOptOut.objects.filter(user_id=user_id).exclude(category__in=off).delete()
    MailOptOut.objects.bulk_create(
        [MailOptOut(user_id=user_id, category=category) for category in sorted(off - before)]
    )
    return before, off
