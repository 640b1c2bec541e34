"""A terminal registered by an approved request is used only once it is ready, in the order ⑥
keeps: set up (セットアップ日, recorded on the registry page), then its 接続テスト by a person of
the company who holds a DSG account. A pass puts it in use (registry decides the date)."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation
from dsg.orgs.models import User
from dsg.orgs.permissions import COMPANY_ROLES, require_permission
from dsg.registry.models import ConnectionTest, Terminal
from dsg.registry.services import connection_test_record

from .models import TerminalLine


def terminals_added_by_requests(site_id: int) -> QuerySet[Terminal]:
    """The site's terminals that an approved terminal request registered (after 加入)."""
    return Terminal.objects.filter(
        site_id=site_id, origin_type=ContentType.objects.get_for_model(TerminalLine)
    )


def testers_of(terminal: Terminal) -> QuerySet[User]:
    """Who may be named as the tester: the active people of the terminal's company."""
    return User.objects.filter(
        organization_id=terminal.site.company_id, role__in=COMPANY_ROLES, is_active=True
    ).order_by("full_name", "pk")


def added_terminal_test_record(
    *,
    terminal: Terminal,
    actor: User,
    tester: User,
    tested_on: dt.date | None,
    passed: bool,
    note: str = "",
) -> ConnectionTest:
    """The PSA or the delegate records the 接続テスト of a terminal added after 加入, by
    ``tester`` (a person of the company with a DSG account). The terminal must be set up first."""
    require_permission(actor=actor, action="connection_test.record", obj=terminal)
    if not terminals_added_by_requests(terminal.site_id).filter(pk=terminal.pk).exists():
        raise RuleViolation(
            _("This terminal was registered at step ⑥: its test is recorded there."),
            code="not_added_by_request",
        )
    if terminal.set_up_on is None:
        raise RuleViolation(
            format_lazy(
                _("Record the set-up of {terminal} first: a terminal is tested once it is set up."),
                terminal=terminal.name,
            ),
            code="not_set_up",
        )
    if not testers_of(terminal).filter(pk=tester.pk).exists():
        raise RuleViolation(
            _("Choose a person of this company as the tester."),
            code="invalid",
            status=422,
            field="tester",
        )
    return connection_test_record(
        terminal=terminal,
        person=tester,
        tester_name=str(tester),
        tester_key=f"user:{tester.pk}",
        actor=actor,
        tested_on=tested_on,
        passed=passed,
        note=note,
    )
