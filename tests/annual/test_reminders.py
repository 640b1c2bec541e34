"""Reminders of the 年次確認: due soon (7 days before) and overdue, each at most once per
confirmation, recorded and ledgered, never for an answered one; mailed through the outbox to a real
SMTP server; run by the worker every morning and by `dsg annual remind`."""

from __future__ import annotations

import datetime as dt
import io
from email.header import decode_header, make_header

import pytest
from django.core.management import call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from dsg.annual import services
from dsg.annual.models import AnnualReminder, ConfirmationState
from dsg.annual.services import annual_remind_pending
from dsg.annual.tasks import annual_remind, next_run
from dsg.audit.models import AuditEvent
from dsg.notifications.models import OutboxMessage
from dsg.notifications.services import outbox_deliver_pending

from ..notifications.smtp import body_of
from ..walk import after_commit
from .conftest import open_round


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_due_soon_then_overdue_each_once(smtp, confirmation, cast):
    due = confirmation.round.due_on
    assert annual_remind_pending(today=due - dt.timedelta(days=8)) == (0, 0)
    assert annual_remind_pending(today=due - dt.timedelta(days=7)) == (1, 0)
    assert annual_remind_pending(today=due - dt.timedelta(days=6)) == (0, 0)  # once
    assert annual_remind_pending(today=due) == (0, 0)  # the last day is not overdue
    assert annual_remind_pending(today=due + dt.timedelta(days=1)) == (0, 1)
    assert annual_remind_pending(today=due + dt.timedelta(days=2)) == (0, 0)  # once
    kinds = list(AnnualReminder.objects.values_list("kind", flat=True))
    assert kinds == ["due_soon", "overdue"]
    assert AuditEvent.objects.filter(action="annual.remind").count() == 2
    smtp.messages.clear()
    outbox_deliver_pending()
    reminders = [m for m in smtp.messages if "年次確認" in _subject(m) and "期限" in _subject(m)]
    assert len(reminders) == 2
    assert {m["To"] for m in reminders} == {cast.psa.email}
    for message in reminders:
        assert f"/annual/confirmations/{confirmation.pk}/" in body_of(message)
        assert due.isoformat() in body_of(message)


@pytest.mark.parametrize("answer", ["confirm", "changes"])
def test_an_answered_confirmation_is_not_reminded(confirmation, cast, answer):
    if answer == "confirm":
        services.annual_confirmation_confirm(confirmation=confirmation, actor=cast.psa)
    else:
        services.annual_confirmation_changes_filed(
            confirmation=confirmation, actor=cast.psa, statement="変更を申請"
        )
    due = confirmation.round.due_on
    assert annual_remind_pending(today=due - dt.timedelta(days=1)) == (0, 0)
    assert annual_remind_pending(today=due + dt.timedelta(days=1)) == (0, 0)
    assert not AnnualReminder.objects.exists()


def test_a_round_opened_within_the_last_week_gets_no_due_soon_reminder(enrolled, cast):
    annual_round = open_round(cast.reviewer, days=5)  # the opening mail is recent enough
    due = annual_round.due_on
    assert annual_remind_pending(today=due - dt.timedelta(days=1)) == (0, 0)
    assert annual_remind_pending(today=due + dt.timedelta(days=1)) == (0, 1)


def test_the_command_queues_the_reminders_once(confirmation):
    late = (confirmation.round.due_on + dt.timedelta(days=3)).isoformat()
    out = io.StringIO()
    call_command("annual", "remind", "--today", late, stdout=out)
    assert "0 due-soon reminders, 1 overdue" in out.getvalue()
    out = io.StringIO()
    call_command("annual", "remind", "--today", late, stdout=out)
    assert "0 due-soon reminders, 0 overdue" in out.getvalue()
    assert OutboxMessage.objects.filter(kind="annual.reminder.overdue").count() == 1


def test_the_worker_task_reminds_and_queues_tomorrows_run(confirmation):
    from dsg.annual.models import AnnualRound

    AnnualRound.objects.filter(pk=confirmation.round_id).update(
        due_on=confirmation.round.due_on - dt.timedelta(days=40)  # ten days past
    )
    DBTaskResult.objects.all().delete()
    with after_commit():
        assert annual_remind.call() == 1
    assert OutboxMessage.objects.filter(kind="annual.reminder.overdue").count() == 1
    [queued] = DBTaskResult.objects.filter(
        task_path=annual_remind.module_path, status=TaskResultStatus.READY
    )
    assert queued.run_after == next_run()
    with after_commit():
        assert annual_remind.call() == 0  # nothing twice; tomorrow's run stays the one
    assert DBTaskResult.objects.filter(task_path=annual_remind.module_path).count() == 1


def test_no_run_is_queued_once_nothing_is_pending(confirmation, cast):
    services.annual_confirmation_confirm(confirmation=confirmation, actor=cast.psa)
    DBTaskResult.objects.all().delete()
    assert annual_remind.call() == 0
    assert not DBTaskResult.objects.filter(task_path=annual_remind.module_path).exists()


def test_the_next_run_is_the_next_morning_in_japan():
    utc = dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC)  # 01:30 on 1 April in Tokyo
    run = next_run(utc)
    assert (run.year, run.month, run.day, run.hour) == (2026, 4, 2, 9)
    assert run.utcoffset() == dt.timedelta(hours=9)


@pytest.mark.django_db(transaction=True)
def test_the_worker_mails_the_overdue_reminder_through_smtp(smtp, site, cast):
    """The real path: opening the round queues the reminder run; the worker runs it (an overdue
    reminder into the outbox) and delivers the outbox over SMTP."""
    from dsg.annual.models import AnnualRound
    from dsg.enrollment.models import State

    from ..walk import new_case, walk_to

    walk_to(new_case(site, cast), State.COMPLETED, cast)
    annual_round = open_round(cast.reviewer)
    AnnualRound.objects.filter(pk=annual_round.pk).update(
        due_on=annual_round.due_on - dt.timedelta(days=31)
    )
    call_command("worker", "--batch", "--no-startup-delay")
    confirmation = annual_round.confirmations.get()
    assert confirmation.state == ConfirmationState.PENDING
    assert AnnualReminder.objects.filter(confirmation=confirmation, kind="overdue").exists()
    received = [m for m in smtp.messages if m["To"] == cast.psa.email]
    subjects = [_subject(m) for m in received]
    assert any(annual_round.title in s and "期限を過ぎ" in s for s in subjects), subjects
