"""Use cases of the document folder: store (checked and encrypted), read (logged), the password.

Every upload is validated before anything is written: size, type by content (PDF for every kind,
JPEG/PNG for inspection photos), readability, active content, the password. A refusal raises
RuleViolation and stores nothing (no row, no file, no ledger event).
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.orgs import permissions

from . import policy, storage
from .images import inspect_image
from .models import Document, DocumentKind
from .pdf import inspect_pdf

log = logging.getLogger(__name__)

FILENAME_MAX = 200
REFUSED_CASE_STATES = frozenset({"withdrawn", "rejected"})


def max_upload_bytes() -> int:
    return int(getattr(settings, "DSG_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def too_large() -> RuleViolation:
    from django.template.defaultfilters import filesizeformat

    def message() -> str:  # in the language of whoever reads it, like every other refusal
        return _("The file is too large: at most {limit} can be uploaded.").format(
            limit=filesizeformat(max_upload_bytes())
        )

    return RuleViolation(
        lazy(message, str)(),
        code="file_too_large",
        status=422,
        field="file",
    )


def clean_filename(name: str) -> str:
    """The last path component, without control characters, at most FILENAME_MAX characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > FILENAME_MAX:
        stem, dot, suffix = name.rpartition(".")
        keep = suffix if dot and len(suffix) <= 10 else ""
        name = name[: FILENAME_MAX - len(keep) - 1] + ("." + keep if keep else "")
    return name or "document"


def _check_request(*, actor: Any, company: Any, enrollment: Any, kind: str) -> None:
    if kind not in DocumentKind.values:
        raise RuleViolation(_("Unknown document kind."), code="invalid", status=422, field="kind")
    if enrollment is not None and enrollment.site.company_id != company.pk:
        raise RuleViolation(
            _("The case does not belong to this company."), code="invalid", status=422
        )
    if not policy.may_store(actor, kind, company):
        raise RuleViolation(
            _("Your role may not store this kind of document here."), code="forbidden", status=403
        )
    if enrollment is not None and enrollment.state in REFUSED_CASE_STATES:
        raise RuleViolation(
            _("The case is closed (withdrawn or rejected); no documents can be added."),
            code="wrong_state",
        )


def _validate(*, kind: str, data: bytes, password: str) -> tuple[bytes, str, bool]:
    """(bytes to store, content type, password needed) or a RuleViolation."""
    if not data:
        raise RuleViolation(_("The file is empty."), code="file_empty", status=422, field="file")
    if len(data) > max_upload_bytes():
        raise too_large()
    if kind == DocumentKind.INSPECTION_PHOTO:
        image = inspect_image(data)
        return image.data, image.content_type, False
    info = inspect_pdf(data, password)
    return data, "application/pdf", info.password_needed


def document_store(
    *,
    actor: Any,
    company: Any,
    enrollment: Any = None,
    kind: str,
    filename: str,
    data: bytes,
    password: str = "",
) -> Document:
    """Check an upload, then store it encrypted with its SHA-256 and ledger "document.stored".

    A password-protected PDF is stored as uploaded (still protected) once ``password`` opened
    it; the password is stored encrypted for the office. Of a case's audit-result notices, the
    newest counts (``is_current``).
    """
    _check_request(actor=actor, company=company, enrollment=enrollment, kind=kind)
    stored, content_type, protected = _validate(kind=kind, data=data, password=password)
    return _save(
        actor=actor,
        company=company,
        enrollment=enrollment,
        kind=kind,
        filename=clean_filename(filename),
        data=stored,
        content_type=content_type,
        password=password if protected else "",
    )


def document_store_generated(
    *,
    actor: Any,
    company: Any,
    enrollment: Any,
    kind: str,
    filename: str,
    data: bytes,
    content_type: str = "application/pdf",
) -> Document:
    """Store a file the portal produced itself (a notice): no upload checks, same storage."""
    if kind not in DocumentKind.values:
        raise RuleViolation(_("Unknown document kind."), code="invalid", status=422, field="kind")
    if not permissions.is_office(actor):
        raise RuleViolation(
            _("Your role may not store this kind of document here."), code="forbidden", status=403
        )
    return _save(
        actor=actor,
        company=company,
        enrollment=enrollment,
        kind=kind,
        filename=clean_filename(filename),
        data=data,
        content_type=content_type,
        password="",
        generated=True,
    )


def _save(
    *,
    actor: Any,
    company: Any,
    enrollment: Any,
    kind: str,
    filename: str,
    data: bytes,
    content_type: str,
    password: str,
    generated: bool = False,
) -> Document:
    from dsg.enrollment.services import enrollment_lock

    sha256 = hashlib.sha256(data).hexdigest()
    key = storage.new_storage_key()
    with transaction.atomic():
        if enrollment is not None:
            enrollment_lock(enrollment)
        document = Document(
            company=company,
            enrollment=enrollment,
            kind=kind,
            filename=filename,
            content_type=content_type,
            size=len(data),
            sha256=sha256,
            storage_key=key,
            password_protected=bool(password),
            encrypted_password=(
                storage.encrypt(
                    password.encode(), storage_key=key, sha256=sha256, purpose="password"
                )
                if password
                else None
            ),
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        if kind == DocumentKind.AUDIT_RESULT:
            Document.objects.filter(
                company=company, enrollment=enrollment, kind=kind, is_current=True
            ).update(is_current=False)
        document.save()
        storage.store(data=data, storage_key=key, sha256=sha256)
        audit_record(
            actor=actor,
            action="document.stored",
            obj=document,
            company_id=company.pk,
            after={
                "kind": kind,
                "filename": filename,
                "size": len(data),
                "sha256": sha256,
                "enrollment": getattr(enrollment, "pk", None),
                "password_protected": bool(password),
                "generated": generated,
            },
        )
    return document


def _require_visible(*, document: Document, actor: Any) -> None:
    """A person reads only what the selectors show them; the system (no person) reads anything."""
    if getattr(actor, "is_authenticated", False):
        from .selectors import document_get_for

        document_get_for(actor, document.pk)


def document_read(*, document: Document, actor: Any) -> bytes:
    """The decrypted bytes, checked against the SHA-256; every read is in the ledger."""
    _require_visible(document=document, actor=actor)
    try:
        data = storage.load(storage_key=document.storage_key, sha256=document.sha256)
    except storage.IntegrityFailure as failure:
        log.error("document %s failed its integrity check: %s", document.pk, failure)
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="document.integrity_failed",
                obj=document,
                company_id=document.company_id,
                after={"problem": str(failure)},
            )
        raise RuleViolation(
            _(
                "The stored file does not match its record (it was changed or is missing). "
                "This was recorded in the audit ledger; please contact the office."
            ),
            code="document_integrity",
        ) from failure
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="document.read",
            obj=document,
            company_id=document.company_id,
            after={"sha256": document.sha256},
        )
    return data


def document_password(*, document: Document, actor: Any) -> str:
    """The password of a protected PDF, for the office to open it; the read is ledgered."""
    _require_visible(document=document, actor=actor)
    if not permissions.may(actor, "document.read_password", document):
        raise RuleViolation(
            _("Your role is not allowed to do this in this case."), code="forbidden", status=403
        )
    if not document.encrypted_password:
        raise RuleViolation(
            _("This document is not password-protected."), code="no_password", status=404
        )
    try:
        password = storage.decrypt(
            bytes(document.encrypted_password),
            storage_key=document.storage_key,
            sha256=document.sha256,
            purpose="password",
        ).decode()
    except storage.IntegrityFailure as failure:
        raise RuleViolation(
            _("The stored password does not match its record."), code="document_integrity"
        ) from failure
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="document.password_read",
            obj=document,
            company_id=document.company_id,
        )
    return password
