"""inspect_pdf on real files: read by content, refused with the reason, bombs end in the child."""

from __future__ import annotations

import resource

import pytest

from dsg.core.errors import RuleViolation
from dsg.documents.pdf import inspect_pdf

from . import files


def refusal_code(data: bytes, password: str = "", **kwargs) -> str:
    with pytest.raises(RuleViolation) as caught:
        inspect_pdf(data, password, **kwargs)
    assert caught.value.status == 422
    assert caught.value.field == "file"
    assert str(caught.value.message)
    return caught.value.code


def test_a_valid_pdf_is_read_with_its_page_count():
    info = inspect_pdf(files.pdf(3))
    assert (info.pages, info.encrypted, info.password_needed) == (3, False, False)


def test_a_pdf_is_recognised_by_content_not_by_name():
    assert refusal_code(files.text_named_pdf()) == "pdf_not_pdf"
    assert refusal_code(files.png()) == "pdf_not_pdf"


def test_a_pdf_with_a_user_password_needs_the_right_password():
    data = files.pdf_with_user_password("s3cret-パス")
    assert refusal_code(data) == "pdf_password_required"
    assert refusal_code(data, "wrong") == "pdf_wrong_password"
    info = inspect_pdf(data, "s3cret-パス")
    assert (info.pages, info.encrypted, info.password_needed) == (2, True, True)


def test_a_pdf_with_only_an_owner_password_opens_without_one():
    info = inspect_pdf(files.pdf_with_owner_password_only())
    assert info.encrypted and not info.password_needed


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (files.truncated_pdf, "pdf_truncated"),
        (files.corrupt_pdf, "pdf_corrupt"),
        (files.pdf_with_open_action_javascript, "pdf_active_content"),
        (files.pdf_with_launch_action, "pdf_active_content"),
        (files.pdf_with_embedded_file, "pdf_active_content"),
    ],
)
def test_bad_pdfs_are_refused_with_their_reason(build, code):
    assert refusal_code(build()) == code


def test_an_open_action_that_only_shows_a_page_is_harmless():
    assert inspect_pdf(files.pdf_with_open_action_destination()).pages == 1


def test_javascript_in_a_password_protected_pdf_is_found_after_decryption():
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=BytesIO(files.pdf_with_open_action_javascript()))
    writer.encrypt(user_password="pw", owner_password="owner", algorithm="AES-256")
    out = BytesIO()
    writer.write(out)
    assert refusal_code(out.getvalue(), "pw") == "pdf_active_content"


def test_a_decompression_bomb_is_stopped_by_the_child_and_spares_this_process():
    bomb = files.pdf_bomb(streams=12, megabytes_each=70)  # ~0.9 MB packed, 840 MB unpacked
    assert len(bomb) < 2 * 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Refused by the child's limits (or, on a very busy machine, by its time-out).
    assert refusal_code(bomb) in ("pdf_too_large_unpacked", "pdf_timeout")
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100 * 1024  # the test process did not unpack it


def test_the_child_memory_limit_is_what_refuses_a_large_stream():
    """One 60 MB stream: read with a generous limit, refused under a small one."""
    bomb = files.pdf_bomb(streams=1, megabytes_each=60)
    assert inspect_pdf(bomb, memory_bytes=2 * 1024**3).pages == 1
    assert inspect_pdf(files.pdf(1), memory_bytes=160 * 1024**2).pages == 1
    assert refusal_code(bomb, memory_bytes=160 * 1024**2) == "pdf_too_large_unpacked"


def test_a_check_that_takes_too_long_is_refused():
    assert refusal_code(files.pdf_bomb(streams=2, megabytes_each=60), timeout=0.05) == (
        "pdf_timeout"
    )
