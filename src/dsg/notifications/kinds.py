"""Which mails a person may turn off: each mail's kind falls in one category.

Which categories are required is the office's decision (``MailCategoryRule``, set on its page
by ``orgs.services.mail_categories_required_set``); a category it has not decided on keeps the
portal's default: the mails about the person's account and about the procedure — a step taken, a
decision, a request to act — are required; reminders of due dates and information (a document
stored in a folder, a new catalogue) are optional. The mails about a person's account and its
security are always required (``ALWAYS_REQUIRED``): the office cannot make them optional.

A person turns off optional categories only (``MailOptOut``); a mail of a category turned off
still reaches their inbox. When the office makes a category required, the people who had turned
it off get its mails again (their choice is removed in the same transaction, and the composer
asks the office's rule each time it writes a mail).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation

from .models import MailCategory, MailCategoryRule, MailOptOut

DEFAULT_REQUIRED = frozenset({MailCategory.ACCOUNT, MailCategory.ACTION})
ALWAYS_REQUIRED = frozenset({MailCategory.ACCOUNT})
# The categories the office decides on (the account's are always required).
DECIDED_BY_OFFICE = tuple(c for c in MailCategory if c not in ALWAYS_REQUIRED)

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


def required_categories() -> frozenset[str]:
    """The categories the office requires now (one query): its rules over the defaults."""
    rules = dict(MailCategoryRule.objects.values_list("category", "required"))
    return frozenset(
        str(category)
        for category in MailCategory
        if category in ALWAYS_REQUIRED or rules.get(str(category), category in DEFAULT_REQUIRED)
    )


def optouts_in_force(users: Iterable[int], kind: str) -> QuerySet[MailOptOut]:
    """The choices of ``users`` to turn off the category of ``kind`` that hold now: only while the
    office leaves the category optional — asked in the same query as the choices."""
    category = category_of(kind)
    optouts = MailOptOut.objects.filter(user_id__in=list(users), category=category)
    if category in ALWAYS_REQUIRED:
        return optouts.none()
    rule = MailCategoryRule.objects.filter(category=category)
    if category in DEFAULT_REQUIRED:  # required unless the office made it optional
        return optouts.filter(Exists(rule.filter(required=False)))
    return optouts.exclude(Exists(rule.filter(required=True)))


def optional_categories(required: Iterable[str] | None = None) -> list[MailCategory]:
    """The categories a person may turn off now, in their order."""
    required = required_categories() if required is None else frozenset(required)
    return [category for category in MailCategory if category not in required]


def is_optional(kind: str) -> bool:
    return str(category_of(kind)) not in required_categories()


def mail_categories_check(categories: Iterable[str]) -> set[str]:
    """``categories`` as a set, each a known category, or a clear refusal (422)."""
    chosen = {str(category) for category in categories}
    unknown = sorted(chosen - set(MailCategory.values))
    if unknown:
        raise RuleViolation(
            format_lazy(
                _("There is no mail category “{category}”. The categories are: {known}."),
                category=unknown[0],
                known=", ".join(MailCategory.values),
            ),
            code="mail_category_unknown",
            status=422,
        )
    return chosen


def mail_rules_set(*, required: Iterable[str]) -> list[tuple[MailCategoryRule, int]]:
    """The office requires exactly ``required`` (besides the account's): each rule changed, with
    how many people's choices to turn it off were removed (it is required now). Runs in the
    caller's transaction, which writes the ledger events; the rules' rows are locked."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("mail_rules_set must run inside the change's transaction")
    wanted = mail_categories_check(required)
    for category in DECIDED_BY_OFFICE:
        MailCategoryRule.objects.get_or_create(
            category=category, defaults={"required": category in DEFAULT_REQUIRED}
        )
    changed = []
    now = timezone.now()
    for rule in MailCategoryRule.objects.select_for_update().order_by("category"):
        if rule.category in ALWAYS_REQUIRED or rule.required == (rule.category in wanted):
            continue
        rule.required, rule.updated_at = rule.category in wanted, now
        rule.save(update_fields=["required", "updated_at"])
        removed = 0
        if rule.required:  # those who had turned it off receive it again
            removed, _counts = MailOptOut.objects.filter(category=rule.category).delete()
        changed.append((rule, removed))
    return changed
