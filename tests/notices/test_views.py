"""Pages, API and command: who sees which notice, the ledgered download, verifying a file.

Notices are issued once for the module (rendering and signing take a while) and rolled back
at the end; each test runs in its own savepoint.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from dsg.audit.models import AuditEvent
from dsg.documents.services import document_read
from dsg.enrollment.models import Enrollment
from dsg.enrollment.services import enrollment_create
from dsg.notices.models import Notice, NoticeKind
from dsg.notices.render import notice_render, notice_sign
from dsg.notices.services import notice_issue
from dsg.notices.verify import notice_verify
from dsg.orgs.models import Role, User
from dsg.orgs.permissions import may_use_api
from tests.factories import CompanyFactory, OfficeFactory, ProviderFactory, SiteFactory, UserFactory

from ..walk import after_commit
from .snapshots import completion_snapshot, inspection_snapshot

pytestmark = pytest.mark.django_db


@dataclass
class World:
    people: dict[str, User]
    case: Enrollment
    other_case: Enrollment
    inspection: Notice
    completion: Notice
    other: Notice  # company B's
    pdf: bytes  # the inspection-result notice as issued


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with django_db_blocker.unblock(), scopes_disabled(), transaction.atomic():
        company, company_b, office = CompanyFactory(), CompanyFactory(), OfficeFactory()
        people = {
            "psa": UserFactory(organization=company, role=Role.PSA),
            "delegate": UserFactory(organization=company, role=Role.DELEGATE),
            "user": UserFactory(organization=company, role=Role.USER),
            "reviewer": UserFactory(organization=office, role=Role.REVIEWER),
            "inspector": UserFactory(organization=office, role=Role.INSPECTOR),
            "provider_staff": UserFactory(organization=ProviderFactory(), role=Role.PROVIDER_STAFF),
            "other_psa": UserFactory(organization=company_b, role=Role.PSA),
        }
        case = enrollment_create(site=SiteFactory(company=company), actor=people["psa"])
        other_case = enrollment_create(
            site=SiteFactory(company=company_b), actor=people["other_psa"]
        )

        def issue(enrollment: Enrollment, kind: str, snapshot: dict) -> Notice:
            with after_commit():
                notice = notice_issue(
                    subject=enrollment, kind=kind, snapshot=snapshot, issued_by=people["reviewer"]
                )
            notice.refresh_from_db()
            return notice

        inspection = issue(case, NoticeKind.INSPECTION_RESULT, inspection_snapshot(case))
        completion = issue(case, NoticeKind.COMPLETION, completion_snapshot(case))
        other = issue(other_case, NoticeKind.INSPECTION_RESULT, inspection_snapshot(other_case))
        pdf = document_read(document=inspection.document, actor=None)
        yield World(people, case, other_case, inspection, completion, other, pdf)
        transaction.set_rollback(True)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Who sees which of company A's notices (on the case's page, its list and the API).
VISIBLE = {
    "psa": {"inspection", "completion"},
    "delegate": {"inspection", "completion"},
    "user": {"completion"},
    "reviewer": {"inspection", "completion"},
    "inspector": {"inspection", "completion"},
    "provider_staff": set(),
    "other_psa": set(),
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_each_role_sees_exactly_its_notices_through_the_api(world, who):
    client = _client(world.people[who])
    api = may_use_api(world.people[who])  # the 利用者 uses no API (#12): its pages only
    response = client.get(f"/api/v1/enrollments/{world.case.pk}/notices")
    if not api:
        assert response.status_code == 403
    elif who in ("provider_staff", "other_psa"):  # the case itself is not theirs to see
        assert response.status_code == 404
    else:
        numbers = {item["number"] for item in response.json()}
        expected = {getattr(world, name).number for name in VISIBLE[who]}
        assert numbers == expected
    for name in ("inspection", "completion"):
        notice = getattr(world, name)
        detail = client.get(f"/api/v1/notices/{notice.pk}")
        assert detail.status_code == ((200 if name in VISIBLE[who] else 404) if api else 403)
        page_pdf = client.get(f"/notices/{notice.pk}/pdf/")
        assert page_pdf.status_code == (200 if name in VISIBLE[who] else 404)


def test_company_b_sees_none_of_company_a_and_a_none_of_b(world):
    b = _client(world.people["other_psa"])
    assert b.get(f"/enrollments/{world.case.pk}/notices/").status_code == 404
    assert b.get(f"/notices/{world.inspection.pk}/pdf/").status_code == 404
    assert b.get(f"/api/v1/notices/{world.inspection.pk}/pdf").status_code == 404
    a = _client(world.people["psa"])
    assert a.get(f"/api/v1/notices/{world.other.pk}").status_code == 404
    assert a.get(f"/notices/{world.other.pk}/pdf/").status_code == 404
    own = b.get(f"/api/v1/notices/{world.other.pk}")  # control: B reads its own
    assert own.status_code == 200 and own.json()["number"] == world.other.number


def test_the_case_page_and_list_show_the_notices_in_wareki(world):
    client = _client(world.people["psa"])
    page = client.get(f"/enrollments/{world.case.pk}/").content.decode()
    listing = client.get(f"/enrollments/{world.case.pk}/notices/").content.decode()
    for html in (page, listing):
        assert world.inspection.number in html and world.completion.number in html
        assert "令和" in html and f"/notices/{world.inspection.pk}/pdf/" in html


def test_the_provider_never_sees_an_inspection_result_notice_on_the_case_page(world):
    with scopes_disabled():
        Enrollment.objects.filter(pk=world.case.pk).update(state="terminal_setup")
    page = _client(world.people["provider_staff"]).get(f"/enrollments/{world.case.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert world.inspection.number not in html and 'id="notices"' not in html


def test_downloading_a_notice_is_ledgered_and_gives_the_signed_file(world):
    user = world.people["psa"]
    response = _client(user).get(f"/notices/{world.inspection.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content == world.pdf
    event = AuditEvent.objects.filter(action="document.read").latest("sequence")
    assert event.actor_id == user.pk and event.object_id == str(world.inspection.document_id)
    api = _client(user).get(f"/api/v1/notices/{world.inspection.pk}/pdf")
    assert api.status_code == 200 and api.content == world.pdf


def test_the_certificate_is_served_to_logged_in_users_only(world):
    assert Client().get("/notices/certificate.pem").status_code == 302
    response = _client(world.people["psa"]).get("/notices/certificate.pem")
    assert response.status_code == 200
    assert response.content.startswith(b"-----BEGIN CERTIFICATE-----")


def test_a_genuine_notice_matches_its_record(world):
    result = notice_verify(world.pdf)
    assert result.ok and result.record_found and result.hash_matches, result.problems


def test_a_signed_file_under_an_unknown_number_or_with_other_bytes_is_refused(world):
    def forged(number: str) -> bytes:  # signed with the office's own key, but never issued
        unsigned = notice_render(
            world.inspection.snapshot, NoticeKind.INSPECTION_RESULT, number, timezone.now()
        )
        return notice_sign(unsigned, number=number, title="現地確認結果通知書")

    unknown = notice_verify(forged("防装庁情第2026-9998号"))
    assert unknown.intact and unknown.trusted and not unknown.record_found and not unknown.ok
    other_bytes = notice_verify(forged(world.inspection.number))
    assert other_bytes.trusted and other_bytes.record_found
    assert not other_bytes.hash_matches and not other_bytes.ok


def test_verify_api_and_page(world):
    client = _client(world.people["psa"])
    good = client.post(
        "/api/v1/notices/verify",
        {"file": SimpleUploadedFile("n.pdf", world.pdf, "application/pdf")},
    )
    assert good.status_code == 200 and good.json()["ok"] is True
    assert good.json()["number"] == world.inspection.number
    tampered = bytearray(world.pdf)
    tampered[len(tampered) // 2] ^= 0x01
    bad = client.post(
        "/api/v1/notices/verify",
        {"file": SimpleUploadedFile("n.pdf", bytes(tampered), "application/pdf")},
    )
    assert bad.status_code == 200 and bad.json()["ok"] is False and bad.json()["problems"]
    page = client.post("/notices/verify/", {"file": SimpleUploadedFile("n.pdf", world.pdf)})
    assert page.status_code == 200 and "notice-verdict--ok" in page.content.decode()
    missing = client.post("/notices/verify/", {})
    assert missing.status_code == 422


def test_cli_exit_codes(world, tmp_path, capsys):
    good, tampered = tmp_path / "good.pdf", tmp_path / "tampered.pdf"
    good.write_bytes(world.pdf)
    changed = bytearray(world.pdf)
    changed[len(changed) // 2] ^= 0x01
    tampered.write_bytes(bytes(changed))

    call_command("notice", "verify", str(good), "--json")
    assert json.loads(capsys.readouterr().out)["hash_matches"] is True
    with pytest.raises(CommandError) as refusal:
        call_command("notice", "verify", str(tampered))
    assert refusal.value.returncode == 1 and "NOT VERIFIED" in str(refusal.value)

    # A real process, offline (no record check): exit 0 for the file, 1 for the changed one.
    run = [sys.executable, "-m", "dsg.cli", "notice", "verify", "--offline"]
    ok = subprocess.run([*run, str(good)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert world.inspection.number in ok.stdout
    no = subprocess.run([*run, str(tampered)], capture_output=True, text=True, timeout=120)
    assert no.returncode == 1 and "NOT VERIFIED" in no.stderr
