"""Which mails a person may turn off: each mail's kind falls in one category.

The office requires the mails about the person's account and about the procedure — a step
taken, a decision, a request to act: those always go out. Reminders of due dates and information
(a document stored in a folder, a new catalogue) may be turned off; they still reach the inbox,
and the to-do lists show what is due.
"""

from __future__ import annotations

from .models import MailCategory

REQUIRED = frozenset({MailCategory.ACCOUNT, MailCategory.ACTION})
OPTIONAL = tuple(c for c in MailCategory if c not in REQUIRED)

_ACCOUNT_PREFIXES = ("account.", "account_delivery.", "mfa.", "change.new_psa")
_INFORMATION = frozenset({"catalogue.publish", "document.stored"})


def category_of(kind: str) -> MailCategory:
    """The category of a mail's ``kind`` ("enrollment.submit", "annual.reminder.overdue" …)."""
    if kind.startswith(_ACCOUNT_PREFIXES):
        return MailCategory.ACCOUNT
    if ".reminder" in kind or kind.endswith(".overdue"):
        return MailCategory.REMINDER
    if kind in _INFORMATION:
        return MailCategory.INFORMATION
    return MailCategory.ACTION


def is_optional(kind: str) -> bool:
    return category_of(kind) not in REQUIRED
