"""`dsg demo` (the data `make run` starts with): every role can log in, cases stand at
different steps, the ledger holds, and loading twice changes nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from dsg.audit.services import audit_verify
from dsg.demo.loader import DEMO_PASSWORD
from dsg.enrollment.models import Enrollment
from dsg.orgs.models import Role, User

pytestmark = pytest.mark.django_db


def _demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_demo_prints_a_working_login_for_every_role_and_is_idempotent():
    printed = _demo()
    users = list(User.objects.filter(email__endswith=".example.jp"))
    assert {u.role for u in users} == set(Role.values)
    for user in users:
        assert user.email in printed
        assert authenticate(username=user.email, password=DEMO_PASSWORD) == user
    assert DEMO_PASSWORD in printed

    counts = (User.objects.count(), Enrollment.objects.count())
    assert _demo() == printed
    assert (User.objects.count(), Enrollment.objects.count()) == counts


def test_demo_cases_stand_at_different_steps_and_the_ledger_verifies():
    _demo()
    steps = {case.step for case in Enrollment.objects.all()}
    assert len(steps) >= 3, steps
    assert audit_verify().ok
