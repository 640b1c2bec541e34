"""document_store / document_read / document_password on real files: encrypted at rest, every read
in the ledger, every refusal leaving no row, no file and no ledger event."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise

from dsg.audit.models import AuditEvent
from dsg.audit.services import audit_verify
from dsg.core.errors import RuleViolation
from dsg.documents import selectors, services, storage
from dsg.documents.models import Document, DocumentKind
from tests.walk import new_case

from . import files


def store(
    actor, case, data, *, kind="application", filename="申請書.pdf", password="", dated_on=None
):
    return services.document_store(
        actor=actor,
        company=case.site.company,
        subject=case,
        kind=kind,
        filename=filename,
        data=data,
        password=password,
        dated_on=dated_on or (files.DATED_ON if kind == "audit_result" else None),
    )


def events(document, action):
    return AuditEvent.objects.filter(
        action=action, object_type="documents.document", object_id=str(document.pk)
    )


def test_a_pdf_is_stored_encrypted_and_read_back_identical(case, psa, reviewer):
    data = files.pdf(2, text="Layout of the handling facility")
    document = store(psa, case, data, filename="C:\\Users\\me\\申請書.pdf")
    document.refresh_from_db()
    assert document.filename == "申請書.pdf"  # the path is dropped
    assert (document.kind, document.content_type, document.size) == (
        "application",
        "application/pdf",
        len(data),
    )
    assert document.uploaded_by == psa and not document.password_protected
    on_disk = (storage.documents_dir() / document.storage_key).read_bytes()
    assert on_disk != data and b"Layout of the handling facility" not in on_disk
    assert b"%PDF" not in on_disk
    assert services.document_read(document=document, actor=reviewer) == data
    assert services.document_read(document=document, actor=psa) == data
    assert events(document, "document.stored").count() == 1
    assert events(document, "document.read").count() == 2
    assert events(document, "document.stored").get().after["sha256"] == document.sha256
    assert audit_verify().ok


def test_a_changed_file_on_disk_is_detected_on_read(case, psa, reviewer):
    document = store(psa, case, files.pdf(1))
    path = storage.documents_dir() / document.storage_key
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(bytes(blob))
    with pytest.raises(RuleViolation) as caught:
        services.document_read(document=document, actor=reviewer)
    assert caught.value.code == "document_integrity"
    assert events(document, "document.read").count() == 0
    assert events(document, "document.integrity_failed").count() == 1


def test_swapped_files_are_detected(case, psa, reviewer):
    first = store(psa, case, files.pdf(1, text="first"))
    second = store(psa, case, files.pdf(1, text="second"))
    folder = storage.documents_dir()
    (folder / first.storage_key).write_bytes((folder / second.storage_key).read_bytes())
    with pytest.raises(RuleViolation):
        services.document_read(document=first, actor=reviewer)
    assert services.document_read(document=second, actor=reviewer).startswith(b"%PDF-")


def test_a_missing_file_is_reported_not_a_crash(case, psa, reviewer):
    document = store(psa, case, files.pdf(1))
    (storage.documents_dir() / document.storage_key).unlink()
    with pytest.raises(RuleViolation) as caught:
        services.document_read(document=document, actor=reviewer)
    assert caught.value.code == "document_integrity"


def test_the_key_is_generated_once_with_mode_0600(case, psa, data_dir):
    store(psa, case, files.pdf(1))
    key_file = data_dir / "keys" / "documents.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_bytes()
    store(psa, case, files.pdf(1))
    assert key_file.read_bytes() == key
    assert len(base64.b64decode(key.strip())) == 32


def test_the_key_from_the_environment_is_used(case, psa, reviewer, data_dir, monkeypatch):
    monkeypatch.setenv("DSG_DOCUMENT_KEY", base64.b64encode(os.urandom(32)).decode())
    document = store(psa, case, files.pdf(1))
    assert not (data_dir / "keys" / "documents.key").exists()
    assert services.document_read(document=document, actor=reviewer).startswith(b"%PDF-")
    monkeypatch.setenv("DSG_DOCUMENT_KEY", base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(RuleViolation):  # another key does not open it
        services.document_read(document=document, actor=reviewer)


# --- bad input: a clear message and nothing stored ---------------------------------------------

BAD_UPLOADS = [
    pytest.param("application", files.text_named_pdf, "", "pdf_not_pdf", id="text-renamed-pdf"),
    pytest.param("application", files.truncated_pdf, "", "pdf_truncated", id="truncated"),
    pytest.param("application", files.corrupt_pdf, "", "pdf_corrupt", id="corrupt"),
    pytest.param(
        "layout", files.pdf_with_open_action_javascript, "", "pdf_active_content", id="js"
    ),
    pytest.param("layout", files.pdf_with_embedded_file, "", "pdf_active_content", id="embedded"),
    pytest.param(
        "application",
        files.pdf_with_user_password,
        "",
        "pdf_password_required",
        id="password-missing",
    ),
    pytest.param(
        "application", files.pdf_with_user_password, "wrong", "pdf_wrong_password", id="wrong-pw"
    ),
    pytest.param("other", files.pdf_bomb, "", "pdf_too_large_unpacked", id="pdf-bomb"),
    pytest.param("other", files.xlsx, "", "pdf_not_pdf", id="xlsx-is-not-a-pdf"),
    pytest.param("other", files.png, "", "pdf_not_pdf", id="image-as-other"),
    pytest.param("other", lambda: b"", "", "file_empty", id="empty"),
]


@pytest.mark.parametrize(("kind", "build", "password", "code"), BAD_UPLOADS)
def test_bad_uploads_are_refused_and_store_nothing(
    case, psa, footprint, kind, build, password, code
):
    with pytest.raises(RuleViolation) as caught:
        store(psa, case, build(), kind=kind, password=password)
    assert caught.value.code == code
    assert caught.value.status == 422
    assert footprint.unchanged()


ACTIVE_CONTENT = (
    "The PDF contains active content (JavaScript, actions, embedded files or media), "
    "which the portal does not accept. Please save it again without it (e.g. print to PDF)."
)


def test_refusals_speak_japanese_when_the_language_is_japanese(case, psa, footprint):
    with translation.override("ja"):
        with pytest.raises(RuleViolation) as caught:
            store(psa, case, files.pdf_with_open_action_javascript())
        message = str(caught.value.message)  # lazy: rendered while Japanese is active
    assert "JavaScript" in message and any("\u3040" <= ch <= "\u30ff" for ch in message), message
    assert footprint.unchanged()


def test_refusals_are_translatable_messages(case, psa):
    with pytest.raises(RuleViolation) as caught:
        store(psa, case, files.pdf_with_open_action_javascript())
    with translation.override("en"):
        assert str(caught.value.message) == ACTIVE_CONTENT
    assert isinstance(caught.value.message, Promise)  # rendered in the caller's language


def test_an_oversized_file_is_refused(case, psa, footprint, settings):
    settings.DSG_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(RuleViolation) as caught:
        store(psa, case, files.pdf(40))
    assert caught.value.code == "file_too_large"
    with translation.override("en"):
        assert "at most 1.0\xa0KB" in str(caught.value.message)
    assert footprint.unchanged()


def test_a_rolled_back_transaction_leaves_no_file(case, psa, footprint):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        store(psa, case, files.pdf(1))
        assert len(storage.stored_files()) == len(footprint.before[1]) + 1  # written meanwhile
        raise Boom
    assert footprint.unchanged()


def test_a_committed_file_stays(case, psa, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = store(psa, case, files.pdf(1))
    import gc

    gc.collect()
    assert document.storage_key in storage.stored_files()


# --- passwords ---------------------------------------------------------------------------------


def test_a_protected_pdf_is_stored_as_uploaded_with_its_password_encrypted(
    case, psa, reviewer, inspector
):
    data = files.pdf_with_user_password("s3cret-パス")
    document = store(psa, case, data, password="s3cret-パス")
    document.refresh_from_db()
    assert document.password_protected
    assert b"s3cret" not in bytes(document.encrypted_password)
    assert services.document_read(document=document, actor=reviewer) == data  # still protected
    assert services.document_password(document=document, actor=reviewer) == "s3cret-パス"
    assert services.document_password(document=document, actor=inspector) == "s3cret-パス"
    assert events(document, "document.password_read").count() == 2


def test_the_company_does_not_read_the_password_back(case, psa):
    document = store(psa, case, files.pdf_with_user_password("pw"), password="pw")
    with pytest.raises(RuleViolation) as caught:
        services.document_password(document=document, actor=psa)
    assert caught.value.status == 403


def test_an_owner_password_only_pdf_counts_as_not_protected(case, psa, reviewer):
    document = store(psa, case, files.pdf_with_owner_password_only(), password="ignored")
    assert not document.password_protected and document.encrypted_password is None
    with pytest.raises(RuleViolation):
        services.document_password(document=document, actor=reviewer)


# --- kinds, audit results, photos ----------------------------------------------------------------


def test_the_newest_audit_result_is_the_current_one(case, psa):
    first = store(psa, case, files.pdf(1), kind="audit_result", filename="r5.pdf")
    second = store(psa, case, files.pdf(1), kind="audit_result", filename="r6.pdf")
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert selectors.current_audit_result(case) == second
    assert list(selectors.documents_of(case, "audit_result")) == [second, first]


def test_an_inspection_photo_is_a_jpeg_or_png_without_gps(case, inspector, reviewer):
    from PIL import Image

    data = files.jpeg(gps=True)
    assert 0x8825 in Image.open(__import__("io").BytesIO(data)).getexif()
    photo = store(inspector, case, data, kind="inspection_photo", filename="room.jpg")
    assert photo.content_type == "image/jpeg"
    stored = services.document_read(document=photo, actor=reviewer)
    exif = Image.open(__import__("io").BytesIO(stored)).getexif()
    assert 0x8825 not in exif and exif.get(0x010F) == "TestCam"
    png = store(inspector, case, files.png(), kind="inspection_photo", filename="a.png")
    assert png.content_type == "image/png"


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: files.pdf(1), "image_invalid"),
        (lambda: files.png()[:60], "image_invalid"),
        (lambda: files.png_claiming(8000, 7000), "image_too_large"),
        (lambda: files.png_claiming(100_000, 100_000), "image_too_large"),
        (lambda: b"GIF89a" + b"\x00" * 100, "image_invalid"),
    ],
)
def test_bad_photos_are_refused(case, inspector, footprint, build, code):
    with pytest.raises(RuleViolation) as caught:
        store(inspector, case, build(), kind="inspection_photo")
    assert caught.value.code == code
    assert footprint.unchanged()


# --- who may store -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["delegate", "user", "provider_staff", "other_psa"])
def test_only_the_psa_and_the_office_store(case, everyone, footprint, who):
    with pytest.raises(RuleViolation) as caught:
        store(everyone[who], case, files.pdf(1))
    assert caught.value.status == 403
    assert footprint.unchanged()


@pytest.mark.parametrize("kind", ["notice", "inspection_photo"])
def test_the_company_does_not_store_the_office_kinds(case, psa, footprint, kind):
    with pytest.raises(RuleViolation) as caught:
        store(psa, case, files.png() if kind == "inspection_photo" else files.pdf(1), kind=kind)
    assert caught.value.status == 403
    assert footprint.unchanged()


def test_a_case_of_another_company_is_refused(case, other_psa, footprint):
    with pytest.raises(RuleViolation):
        services.document_store(
            actor=other_psa,
            company=other_psa.organization,
            subject=case,
            kind="application",
            filename="x.pdf",
            data=files.pdf(1),
        )
    assert footprint.unchanged()


def test_generated_notices_skip_upload_checks_but_not_storage(case, reviewer, psa):
    data = b"%PDF-1.7 generated by the portal %%EOF"
    notice = services.document_store_generated(
        actor=reviewer,
        company=case.site.company,
        subject=case,
        kind=DocumentKind.NOTICE,
        filename="notice.pdf",
        data=data,
    )
    assert services.document_read(document=notice, actor=psa) == data
    assert events(notice, "document.stored").get().after["generated"] is True
    with pytest.raises(RuleViolation):
        services.document_store_generated(
            actor=psa,
            company=case.site.company,
            subject=case,
            kind=DocumentKind.NOTICE,
            filename="forged.pdf",
            data=data,
        )


# --- who sees what -------------------------------------------------------------------------------


def test_the_provider_never_sees_audit_results_or_findings(site, cast, psa, inspector):
    from tests.walk import walk_to

    case = walk_to(new_case(site, cast), "survey", cast)
    kinds = {
        "audit_result": files.pdf(1),
        "remediation_evidence": files.pdf(1),
        "layout": files.pdf(1),
        "other": files.pdf(1),
    }
    for kind, data in kinds.items():
        store(psa, case, data, kind=kind)
    store(inspector, case, files.png(), kind="inspection_photo")
    seen = {d.kind for d in selectors.documents_for(cast.staff, case)}
    assert seen == {"layout", "other"}
    audit = selectors.documents_of(case, "audit_result").get()
    with pytest.raises(RuleViolation) as caught:
        services.document_read(document=audit, actor=cast.staff)
    assert caught.value.status == 404
    assert {d.kind for d in selectors.documents_for(cast.reviewer, case)} >= {
        *kinds,
        "inspection_photo",
    }


def test_another_company_sees_nothing(case, psa, other_psa):
    document = store(psa, case, files.pdf(1))
    assert not selectors.documents_for(other_psa, case).exists()
    with pytest.raises(RuleViolation) as caught:
        selectors.document_get_for(other_psa, document.pk)
    assert caught.value.status == 404
    with pytest.raises(RuleViolation):
        services.document_read(document=document, actor=other_psa)
    assert events(document, "document.read").count() == 0
    assert Document.objects.count() == 1
