"""A real issued notice as a file: Japanese text, embedded IPAex fonts, renders, signature holds.

One notice is issued for the whole module (WeasyPrint and signing take a while); its database
rows are rolled back at the end, its bytes stay for the checks.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import translation
from django_scopes import scopes_disabled
from pypdf import PdfReader

from dsg.documents.services import document_read
from dsg.enrollment.models import Enrollment
from dsg.notices.keys import trial_pair_write
from dsg.notices.models import NoticeKind
from dsg.notices.render import notice_render, notice_sign
from dsg.notices.services import notice_issue
from dsg.notices.verify import notice_verify, trusted_certificates
from dsg.orgs.models import Role
from tests.factories import CompanyFactory, OfficeFactory, SiteFactory, UserFactory

from ..walk import after_commit
from .snapshots import MARKUP_NOTE, inspection_snapshot

pytestmark = pytest.mark.django_db  # the module's notice is issued in the test database


@dataclass(frozen=True)
class Issued:
    pdf: bytes
    number: str
    company_name: str


@pytest.fixture(scope="module")
def issued(django_db_setup, django_db_blocker) -> Iterator[Issued]:
    with django_db_blocker.unblock(), scopes_disabled(), transaction.atomic():
        company = CompanyFactory(name="青葉電機株式会社")
        psa = UserFactory(organization=company, role=Role.PSA)
        reviewer = UserFactory(organization=OfficeFactory(), role=Role.REVIEWER)
        enrollment = Enrollment.objects.create(site=SiteFactory(company=company), created_by=psa)
        with after_commit():
            notice = notice_issue(
                subject=enrollment,
                kind=NoticeKind.INSPECTION_RESULT,
                snapshot=inspection_snapshot(enrollment),
                issued_by=reviewer,
            )
        notice.refresh_from_db()
        pdf = document_read(document=notice.document, actor=None)
        yield Issued(pdf, notice.number, company.name)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def pdf_file(issued: Issued, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("notice") / "notice.pdf"
    path.write_bytes(issued.pdf)
    return path


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_issued_notice_text_is_extractable_japanese(issued):
    text = _text(issued.pdf)
    assert "現地確認結果通知書" in text
    assert issued.company_name in text
    assert issued.number in text
    assert "防衛装備庁 情報システム管理室" in text
    assert "令和8年11月20日（2026-11-20）" in text  # performed on, in 和暦 and western form
    assert "令和8年12月25日" in text  # the deficiency's due date
    assert "A-1" in text and "現地確認チェックリスト v1" in text
    for label in ("適合", "不適合", "該当なし", "未確認"):
        assert label in text


def test_user_text_prints_as_text_not_markup(issued):
    assert MARKUP_NOTE in _text(issued.pdf)


def test_ipaex_fonts_are_embedded(pdf_file):
    out = subprocess.run(["pdffonts", str(pdf_file)], capture_output=True, text=True, check=True)
    fonts = [line.split() for line in out.stdout.splitlines()[2:]]
    embedded = {row[0].split("+")[-1] for row in fonts if "yes" in row[-5:-2][:1]}
    assert any(name.startswith("IPAexMincho") for name in embedded), out.stdout
    assert any(name.startswith("IPAexGothic") for name in embedded), out.stdout
    assert all(row[-5] == "yes" for row in fonts), f"a font is not embedded:\n{out.stdout}"


def test_pdftoppm_renders_the_first_page_without_errors(pdf_file, tmp_path):
    out = subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf_file), str(tmp_path / "p")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "", out.stderr  # no missing glyph, no syntax error
    pages = list(tmp_path.glob("p*.png"))
    assert len(pages) == 1 and pages[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pages[0].stat().st_size > 5000  # something was drawn


def test_signature_is_valid_and_trusted_with_the_office_certificate(issued):
    result = notice_verify(issued.pdf, check_record=False)
    assert result.ok, result.problems
    assert (result.intact, result.valid, result.trusted, result.whole_file) == (True,) * 4
    assert result.number == issued.number
    assert "防衛装備庁 情報システム管理室 (trial)" in result.signer


def _signed_range_middle(pdf: bytes) -> int:
    """An offset inside the signed content (well before the signature's own bytes)."""
    return pdf.index(b"stream", len(pdf) // 4) + 20


@pytest.mark.parametrize("where", ["content", "header", "near_end"])
def test_changing_one_byte_breaks_verification(issued, where):
    data = bytearray(issued.pdf)
    offset = {"content": _signed_range_middle(issued.pdf), "header": 3, "near_end": -40}[where]
    data[offset] ^= 0x01
    result = notice_verify(bytes(data), check_record=False)
    assert not result.ok
    assert result.problems


def test_an_incremental_update_after_signing_breaks_verification(issued):
    from pyhanko.pdf_utils.generic import NameObject, pdf_string
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(issued.pdf), strict=False)
    writer.root[NameObject("/Lang")] = pdf_string("en")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    with translation.override("en"):
        result = notice_verify(out.getvalue(), check_record=False)
    assert result.intact and result.valid  # the signed revision itself is untouched ...
    assert not result.whole_file and not result.ok  # ... but something was appended
    assert any("after it was signed" in problem for problem in result.problems)


def test_a_notice_signed_by_another_key_is_refused(issued, tmp_path):
    key, cert = tmp_path / "other.key", tmp_path / "other.crt"
    trial_pair_write(
        key_path=key, cert_path=cert, common_name="防衛装備庁 情報システム管理室 (trial)"
    )
    unsigned = notice_render(
        {"company": issued.company_name}, NoticeKind.COMPLETION, issued.number, _now()
    )
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(str(key), str(cert))
    forged = signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(unsigned)),
        signers.PdfSignatureMetadata(field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES),
        signer=signer,
    ).getvalue()
    result = notice_verify(forged, check_record=False)
    assert result.intact and result.valid and not result.trusted and not result.ok
    # Trusting the other certificate explicitly (--cert) is what makes it pass.
    assert notice_verify(forged, trust_roots=trusted_certificates([cert]), check_record=False).ok


def test_an_unsigned_or_non_pdf_file_is_refused():
    assert not notice_verify(b"%PDF-1.7\nnot really", check_record=False).ok
    assert not notice_verify(b"", check_record=False).ok


def test_a_snapshot_with_missing_or_odd_parts_still_renders():
    odd = {
        "company": None,
        "site": ["x"],
        "inspection": {
            "items": ["only text", 3, None],
            "deficiencies": "none",
            "performed_on": "not a date",
            "kind": "final",
        },
    }
    pdf = notice_sign(
        notice_render(odd, NoticeKind.INSPECTION_RESULT, "防装庁情第2026-9999号", _now()),
        number="防装庁情第2026-9999号",
        title="現地確認結果通知書",
    )
    text = _text(pdf)
    assert "⑦ 最終現地確認" in text and "only text" in text and "not a date" in text


def _now():
    from django.utils import timezone

    return timezone.now()


def test_a_notice_is_signed_from_inside_a_running_event_loop(issued):
    """pyHanko's sign_pdf starts an event loop of its own; called where one runs (an async
    caller, Playwright's sync API in the browser tests) it used to fail and leave the notice
    pending. It signs there too."""
    import asyncio

    unsigned = notice_render(
        {"company": issued.company_name}, NoticeKind.COMPLETION, issued.number, _now()
    )

    async def caller() -> bytes:
        return notice_sign(unsigned, number=issued.number, title="加入完了通知書")

    signed = asyncio.run(caller())
    assert notice_verify(signed, check_record=False).ok
