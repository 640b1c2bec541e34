"""Which mails are required is the office's decision (#12): stored, with today's set as the
default; a person turns off optional ones only, and a category made required reaches them again.
A mail turned off is not mailed (the outbox skips the person) but still fills their inbox."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.notifications.inbox import mail_opt_outs_set
from dsg.notifications.kinds import is_optional, mail_rules_set, required_categories
from dsg.notifications.models import (
    MailCategory,
    MailCategoryRule,
    MailOptOut,
    Notification,
    OutboxMessage,
    OutboxStatus,
)
from dsg.notifications.selectors import mail_choices_of
from dsg.notifications.services import mail_queue
from dsg.orgs.services import mail_categories_required_set

pytestmark = pytest.mark.django_db


def _queue(to: list[str], *, kind: str) -> OutboxMessage:
    with transaction.atomic():
        [message] = mail_queue(
            to=to,
            about="DSG-2026-0001",
            subject=_("a notice was issued"),
            lines=[_("a notice was issued")],
            link="/",
            kind=kind,
        )
    return message


def _turn_off(person, *categories: str) -> None:
    with transaction.atomic():
        mail_opt_outs_set(user_id=person.pk, off=categories)


def test_without_a_decision_of_the_office_today_s_set_is_required(psa):
    assert not MailCategoryRule.objects.exists()
    assert required_categories() == {"account", "action"}
    choices = {str(c.category): (c.required, c.receive) for c in mail_choices_of(user_id=psa.pk)}
    assert choices == {
        "account": (True, True),
        "action": (True, True),
        "reminder": (False, True),
        "information": (False, True),
    }


def test_an_opted_out_optional_mail_is_not_mailed_but_fills_the_inbox(psa, delegate):
    _turn_off(psa, "reminder")
    message = _queue([psa.email, delegate.email], kind="annual.reminder.overdue")
    assert message.recipients == [delegate.email]  # the outbox skips the PSA …
    mine = Notification.objects.get(user=psa, message=message)
    assert mine.mailed is False and mine.read_at is None  # … whose inbox has it, unread
    alone = _queue([psa.email], kind="inspection.reminder")
    assert alone.status == OutboxStatus.SKIPPED and alone.recipients == []
    assert Notification.objects.filter(user=psa, message=alone, mailed=False).exists()


def test_the_office_makes_a_category_required_and_those_who_turned_it_off_get_it(
    psa, delegate, reviewer
):
    _turn_off(psa, "reminder", "information")
    _turn_off(delegate, "reminder")
    required = mail_categories_required_set(actor=reviewer, required=["action", "reminder"])
    assert required == {"account", "action", "reminder"}
    assert set(MailOptOut.objects.values_list("user_id", "category")) == {(psa.pk, "information")}
    event = AuditEvent.objects.get(action="mail.required")
    assert event.before == {"category": "reminder", "required": False}
    assert event.after == {"category": "reminder", "required": True, "opt_outs": 2}
    message = _queue([psa.email, delegate.email], kind="annual.reminder.overdue")
    assert sorted(message.recipients) == sorted([delegate.email, psa.email])
    with pytest.raises(RuleViolation) as refused, transaction.atomic():
        mail_opt_outs_set(user_id=psa.pk, off=["reminder"])
    assert refused.value.status == 422 and refused.value.code == "mail_required"
    assert "期限のお知らせ（リマインダー）" in str(refused.value.message)


def test_a_choice_left_over_for_a_required_category_is_not_honoured(psa):
    """A person's choice saved while the office made the category required (a race): the
    composer asks the office's rule each time, so the mail still goes out."""
    with transaction.atomic():
        mail_rules_set(required=["action", "information"])
    MailOptOut.objects.create(user=psa, category="information")
    assert _queue([psa.email], kind="catalogue.publish").recipients == [psa.email]


@pytest.mark.parametrize(
    ("kind", "category", "rule", "mailed"),
    [
        ("enrollment.submit", "action", None, True),  # required by default
        ("enrollment.submit", "action", False, False),  # the office made it optional
        ("annual.reminder.overdue", "reminder", None, False),  # optional by default
        ("annual.reminder.overdue", "reminder", True, True),  # the office requires it
        ("account_delivery.create", "account", False, True),  # always required, whatever a row says
    ],
)
def test_a_choice_holds_only_while_the_office_leaves_its_category_optional(
    psa, kind, category, rule, mailed
):
    if rule is not None:
        MailCategoryRule.objects.create(category=category, required=rule)
    MailOptOut.objects.create(user=psa, category=category)
    message = _queue([psa.email], kind=kind)
    assert (message.recipients == [psa.email]) is mailed
    assert message.status == (OutboxStatus.PENDING if mailed else OutboxStatus.SKIPPED)


def test_the_office_makes_the_procedure_s_mails_optional(psa, reviewer):
    mail_categories_required_set(actor=reviewer, required=[])
    assert required_categories() == {"account"}  # the account's mails are always required
    assert is_optional("enrollment.submit") and not is_optional("account_delivery.create")
    _turn_off(psa, "action")
    message = _queue([psa.email], kind="enrollment.submit")
    assert message.status == OutboxStatus.SKIPPED
    with pytest.raises(RuleViolation), transaction.atomic():
        mail_opt_outs_set(user_id=psa.pk, off=["account"])


def test_the_office_alone_decides_and_an_unknown_category_changes_nothing(psa, reviewer, inspector):
    for person in (psa, inspector):
        with pytest.raises(RuleViolation) as refused:
            mail_categories_required_set(actor=person, required=["action", "reminder"])
        assert refused.value.status == 403
    with pytest.raises(RuleViolation) as refused:
        mail_categories_required_set(actor=reviewer, required=["action", "newsletter"])
    assert refused.value.code == "mail_category_unknown" and refused.value.status == 422
    assert "newsletter" in str(refused.value.message)
    assert required_categories() == {"account", "action"}
    assert not AuditEvent.objects.filter(action="mail.required").exists()
    mail_categories_required_set(actor=reviewer, required=["action"])  # no change: no event
    assert not AuditEvent.objects.filter(action="mail.required").exists()


def test_a_person_s_unknown_category_is_refused_clearly(psa):
    with pytest.raises(RuleViolation) as refused, transaction.atomic():
        mail_opt_outs_set(user_id=psa.pk, off=["newsletter"])
    assert refused.value.status == 422 and refused.value.code == "mail_category_unknown"
    assert not MailOptOut.objects.exists()
    assert MailCategory.REMINDER in [c.category for c in mail_choices_of(user_id=psa.pk)]
