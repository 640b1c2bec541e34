"""Use cases of the site registry: register a terminal, record its connection test.

The callers (⑥ of the enrollment today, terminal requests later) check the step they are at and
lock what they act for; these services check the role, the input and the registry's own rules,
and write the ledger in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.core.inputs import past_or_today, required_text
from dsg.orgs.models import Site, User
from dsg.orgs.permissions import require_permission

from .models import ConnectionTest, Terminal

NOTE_MAX = 2000


def _origin(origin: models.Model | None) -> dict[str, object] | None:
    return None if origin is None else {"type": origin._meta.label_lower, "id": origin.pk}


def terminal_register(
    *,
    site: Site,
    actor: User,
    name: str,
    model_name: str,
    serial_number: str,
    origin: models.Model | None = None,
) -> Terminal:
    """Register a 利用端末 of ``site`` (its name and serial number are unique at the site), for
    ``origin``: the case or request that registers it, if any."""
    require_permission(actor=actor, action="terminal.register", obj=site)
    values = {
        "name": required_text(name, "name", 100),
        "model_name": required_text(model_name, "model_name", 100),
        "serial_number": required_text(serial_number, "serial_number", 100),
    }
    try:
        with transaction.atomic():
            terminal = Terminal.objects.create(
                site=site,
                origin_type=ContentType.objects.get_for_model(origin) if origin else None,
                origin_id=origin.pk if origin else None,
                **values,
            )
            audit_record(
                actor=actor,
                action="terminal.register",
                obj=terminal,
                company_id=site.company_id,
                after={
                    "site": site.pk,
                    "name": terminal.name,
                    "model": terminal.model_name,
                    "serial_number": terminal.serial_number,
                    "origin": _origin(origin),
                },
            )
    except IntegrityError as error:
        raise RuleViolation(
            _("A terminal with this name or serial number is already registered for this site."),
            code="duplicate_terminal",
            status=422,
        ) from error
    return terminal


def connection_test_record(
    *,
    terminal: Terminal,
    person: User | None,
    actor: User,
    tested_on: dt.date | None,
    passed: bool,
    note: str = "",
    tester_name: str = "",
    tester_key: str = "",
) -> ConnectionTest:
    """A 接続テスト of ``terminal`` by the holder of a DSG account: ``tester_key`` (the caller's
    key of that account) and ``tester_name``, and ``person`` when they are a portal user. A later
    failure undoes an earlier pass."""
    require_permission(actor=actor, action="connection_test.record", obj=terminal)
    name = (tester_name or "").strip()[:100] or (str(person) if person is not None else "")
    with transaction.atomic():
        test = ConnectionTest.objects.create(
            terminal=terminal,
            person=person,
            tester_name=name,
            tester_key=(tester_key or "")[:40],
            tested_on=past_or_today(tested_on, "tested_on"),
            passed=bool(passed),
            note=(note or "").strip()[:NOTE_MAX],
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="connection_test.record",
            obj=test,
            company_id=terminal.site.company_id,
            after={
                "terminal": terminal.pk,
                "person": person.pk if person is not None else None,
                "tester": test.tester_key or test.tester_name,
                "passed": test.passed,
                "tested_on": test.tested_on,
            },
        )
    return test
