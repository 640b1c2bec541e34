"""`dsg demo` (the data `make run` starts with): every role can log in, cases stand at
different steps, the ledger holds, and loading twice changes nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from dsg.audit.services import audit_verify
from dsg.core.subjects import attached_to
from dsg.demo.loader import DEMO_PASSWORD
from dsg.documents.services import document_read
from dsg.enrollment.models import Enrollment, State
from dsg.inspections.models import InspectionKind, Outcome
from dsg.inspections.selectors import rounds_of
from dsg.notices.models import Notice, NoticeKind
from dsg.notices.verify import notice_verify
from dsg.orgs.models import Role, User
from dsg.registry.models import ConnectionTest

from ..walk import after_commit

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


@pytest.fixture
def data_dir(settings, tmp_path):
    """The demo's documents and signed notices go to a directory of this test's own."""
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_a_newcomer_sees_every_page_filled(data_dir):
    """A completed case with its issued, verifiable notices; a case at ② with a recorded round
    and an open finding; a case at ⑥ with one account holder at each sub-step."""
    with after_commit():  # the notices' PDFs are rendered and signed after the commit
        _demo()

    completed = Enrollment.objects.get(state=State.COMPLETED)
    assert completed.use_starts_on is not None
    notices = attached_to(Notice.objects.all(), completed)
    assert set(notices.values_list("kind", flat=True)) == {
        NoticeKind.INSPECTION_RESULT,  # ② passed
        NoticeKind.COMPLETION,  # ⑦ passed: the 加入完了通知書 only
    }
    for notice in notices:
        assert not notice.is_pending
        pdf = document_read(document=notice.document, actor=None)
        assert notice_verify(pdf).ok, notice.number

    at_2 = Enrollment.objects.get(state=State.INSPECTION_REMEDIATION)
    round_ = rounds_of(at_2, InspectionKind.SITE).get()
    assert round_.outcome == Outcome.REMEDIATION
    assert round_.deficiencies.filter(resolved_at__isnull=True).count() == 1
    assert attached_to(Notice.objects.filter(kind=NoticeKind.INSPECTION_RESULT), at_2).exists()

    at_6 = Enrollment.objects.get(state=State.TERMINAL_SETUP)
    stages = set()
    for holder in at_6.account_holders.all():
        tested = ConnectionTest.objects.filter(tester_key=holder.party, passed=True).exists()
        stages.add(
            "tested"
            if tested
            else "vein"
            if holder.vein_registered
            else "received"
            if holder.account_received
            else "waiting"
        )
    assert stages == {"waiting", "received", "vein", "tested"}

    # After 加入 (§4): the contacts changed and applied, a relocation waiting for the office.
    from dsg.requests.models import ChangeRequest, ChangeState, RegisteredChange

    applied = ChangeRequest.objects.get(kind__code="contacts")
    assert applied.state == ChangeState.COMPLETED and applied.site == completed.site
    assert RegisteredChange.objects.filter(change=applied, field="contacts").exists()
    waiting = ChangeRequest.objects.get(kind__code="relocation")
    assert waiting.state == ChangeState.SUBMITTED and waiting.receipt_number
    assert audit_verify().ok


def test_the_policy_export_of_the_demo_passes_usbguards_own_parser(data_dir):
    """The issue's bar: the demo's approved media export as rules usbguard-rule-parser accepts,
    and the demo's software as fapolicyd and Santa rules."""
    import json
    import shutil
    import subprocess

    from dsg.registry.models import RemovableMedium
    from dsg.registry.policy_export import policy_render

    parser = shutil.which("usbguard-rule-parser")
    if parser is None:
        pytest.skip("usbguard-rule-parser is missing: install the Debian package usbguard")
    with after_commit():
        _demo()
    media = list(RemovableMedium.objects.select_related("site"))
    assert media, "the demo has an approved removable medium"
    for site in {medium.site for medium in media}:
        rules = data_dir / f"{site.ref}.conf"
        rules.write_text(policy_render(site=site, fmt="usbguard").text, encoding="utf-8")
        result = subprocess.run(
            [parser, "-f", str(rules)], capture_output=True, text=True, check=False, timeout=30
        )
        assert result.returncode == 0, result.stderr
        assert f"allow id {media[0].vendor_id}:{media[0].product_id}" in rules.read_text()
        assert json.loads(policy_render(site=site, fmt="santa").text)["rules"] is not None
        # the preinstalled software awaiting review is denied (起動・使用禁止)
        assert "deny_audit perm=execute" in policy_render(site=site, fmt="fapolicyd").text
