from __future__ import annotations

import datetime as dt

import pytest

from dsg.annual import services
from dsg.annual.models import AnnualConfirmation, AnnualRound
from dsg.enrollment.models import State

from ..walk import new_case, today, walk_to

TITLE = "2026年度 年次確認"


def open_round(reviewer, *, title: str = TITLE, days: int = 30) -> AnnualRound:
    return services.annual_round_open(
        actor=reviewer, title=title, due_on=today() + dt.timedelta(days=days)
    )


def move_due_date(annual_round: AnnualRound, days_from_today: int) -> None:
    """The round's due date, moved as if time had passed (rows only)."""
    AnnualRound.objects.filter(pk=annual_round.pk).update(
        due_on=today() + dt.timedelta(days=days_from_today)
    )


@pytest.fixture
def enrolled(site, cast):
    """A site that has completed 加入 (its case walked through ①–⑦), with one terminal.

    Its notices stay prepared, their PDFs pending (a test transaction never commits, so the
    render after commit does not run): rendering two notices was half of these tests' time, and
    tests/notices renders and verifies them."""
    walk_to(new_case(site, cast), State.COMPLETED, cast)
    site.refresh_from_db()
    return site


@pytest.fixture
def confirmation(enrolled, cast) -> AnnualConfirmation:
    """The company's confirmation in a round due in 30 days, pending."""
    annual_round = open_round(cast.reviewer)
    return AnnualConfirmation.objects.get(round=annual_round, company=enrolled.company)


@pytest.fixture
def smtp(settings):
    """The portal sends through a real SMTP server on loopback; ``smtp.messages`` is its inbox."""
    from aiosmtpd.controller import Controller

    from ..notifications.smtp import Inbox, free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()
