"""Use cases of the document folder: store (checked and encrypted), read (logged), the password.

Every upload is validated before anything is written: size, type by content (PDF for every kind;
also an Excel workbook (.xlsx) for the kinds that are Excel forms; JPEG/PNG for inspection
photos), readability, active content, macros and zip bombs, the password (of a PDF or
of an encrypted .xlsx: it must open the file). A refusal raises
RuleViolation and stores nothing (no row, no file, no ledger event).

A document belongs to a company's folder and, optionally, to a subject (the case or request it was
filed for, see ``dsg.core.subjects``): the subject must belong to the same company and still take
documents, and it is locked while the document is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import unicodedata
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core import subjects
from dsg.core.errors import RuleViolation
from dsg.orgs import permissions

from . import policy, storage
from .excel import OLE_MAGIC, check_workbook, decrypt_workbook
from .images import inspect_image
from .models import Document, DocumentKind
from .pdf import inspect_pdf
from .selectors import AUDIT_RESULTS_LATEST_FIRST

log = logging.getLogger(__name__)

FILENAME_MAX = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The kinds that are Excel forms: they are accepted as .xlsx as well as PDF.
WORKBOOK_KINDS = frozenset({DocumentKind.APPLICATION, DocumentKind.REQUEST_FORM})


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


def _check_request(*, actor: Any, company: Any, subject: Any, kind: str) -> None:
    if kind not in DocumentKind.values:
        raise RuleViolation(_("Unknown document kind."), code="invalid", status=422, field="kind")
    if subject is not None and subjects.subject_type_of(subject).company(subject).pk != company.pk:
        raise RuleViolation(
            _("The case does not belong to this company."), code="invalid", status=422
        )
    if not policy.may_store(actor, kind, company):
        raise RuleViolation(
            _("Your role may not store this kind of document here."), code="forbidden", status=403
        )
    if subject is not None:
        subjects.subject_type_of(subject).check_open(subject)


def _check_dated_on(*, kind: str, dated_on: dt.date | None) -> dt.date | None:
    """The date printed on an audit-result notice: required, not in the future (in Tokyo).
    Other kinds carry no date (one given is not kept)."""
    if kind != DocumentKind.AUDIT_RESULT:
        return None
    if dated_on is None:
        raise RuleViolation(
            _("Enter the date printed on the audit-result notice (監査結果通知書)."),
            code="dated_on_required",
            status=422,
            field="dated_on",
        )
    if dated_on > timezone.localdate():
        raise RuleViolation(
            _(
                "The date on the audit-result notice (監査結果通知書) cannot be in the future: "
                "enter the date printed on it."
            ),
            code="dated_on_future",
            status=422,
            field="dated_on",
        )
    return dated_on


def _is_workbook(data: bytes) -> bool:
    return data.startswith((b"PK\x03\x04", OLE_MAGIC))


def _validate(*, kind: str, data: bytes, password: str) -> tuple[bytes, str, bool]:
    """(bytes to store, content type, password needed) or a RuleViolation."""
    if not data:
        raise RuleViolation(_("The file is empty."), code="file_empty", status=422, field="file")
    if len(data) > max_upload_bytes():
        raise too_large()
    if kind == DocumentKind.INSPECTION_PHOTO:
        image = inspect_image(data)
        return image.data, image.content_type, False
    if kind in WORKBOOK_KINDS and _is_workbook(data):
        if data.startswith(OLE_MAGIC) and password:
            # A password-protected .xlsx: stored as uploaded once the password opened it and
            # what it holds passed the checks of any workbook.
            check_workbook(decrypt_workbook(data, password))
            return data, XLSX, True
        check_workbook(data)
        return data, XLSX, False
    info = inspect_pdf(data, password)
    return data, "application/pdf", info.password_needed


def document_store(
    *,
    actor: Any,
    company: Any,
    subject: Any = None,
    kind: str,
    filename: str,
    data: bytes,
    password: str = "",
    dated_on: dt.date | None = None,
    received_by_mail: bool = False,
    on_stored: Callable[[Document], None] | None = None,
) -> Document:
    """Check an upload, then store it encrypted with its SHA-256 and ledger "document.stored".

    A password-protected PDF or .xlsx is stored as uploaded (still protected) once ``password``
    opened it; the password is stored encrypted for the office. An audit-result notice
    (監査結果通知書) needs ``dated_on``, the date printed on it (not in the future); of a subject's
    audit-result notices, the one with the latest date counts (``is_current``; same date: the
    later upload). ``received_by_mail``: the office stores a file the company mailed, on its
    behalf. ``on_stored`` runs in the storing transaction, after the ledger event (the folder
    tells the office there); the checks run before it, outside any transaction.
    """
    _check_request(actor=actor, company=company, subject=subject, kind=kind)
    if received_by_mail:  # only the office stores on a company's behalf
        permissions.require_permission(
            actor=actor, action="document.store_received_by_mail", obj=company
        )
    dated_on = _check_dated_on(kind=kind, dated_on=dated_on)
    stored, content_type, protected = _validate(kind=kind, data=data, password=password)
    return _save(
        actor=actor,
        company=company,
        subject=subject,
        kind=kind,
        filename=clean_filename(filename),
        data=stored,
        content_type=content_type,
        password=password if protected else "",
        dated_on=dated_on,
        received_by_mail=received_by_mail,
        on_stored=on_stored,
    )


def document_store_generated(
    *,
    actor: Any,
    company: Any,
    subject: Any,
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
        subject=subject,
        kind=kind,
        filename=clean_filename(filename),
        data=data,
        content_type=content_type,
        password="",
        generated=True,
    )


def _subject_fields(subject: Any) -> dict[str, Any]:
    if subject is None:
        return {"subject_type": None, "subject_id": None}
    return {"subject_type": ContentType.objects.get_for_model(subject), "subject_id": subject.pk}


def _save(
    *,
    actor: Any,
    company: Any,
    subject: Any,
    kind: str,
    filename: str,
    data: bytes,
    content_type: str,
    password: str,
    generated: bool = False,
    dated_on: dt.date | None = None,
    received_by_mail: bool = False,
    on_stored: Callable[[Document], None] | None = None,
) -> Document:
    sha256 = hashlib.sha256(data).hexdigest()
    key = storage.new_storage_key()
    link = _subject_fields(subject)
    with transaction.atomic():
        if subject is not None:
            subjects.subject_type_of(subject).lock(subject)
        document = Document(
            company=company,
            **link,
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
            dated_on=dated_on,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
            received_by_mail=received_by_mail,
        )
        document.save()
        if kind == DocumentKind.AUDIT_RESULT:
            document.is_current = (
                _audit_result_current_mark(company=company, link=link) == document.pk
            )
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
                "subject": _subject_label(subject),
                "password_protected": bool(password),
                "generated": generated,
                **({"dated_on": dated_on.isoformat()} if dated_on else {}),
                **({"received_by_mail": True} if received_by_mail else {}),
            },
        )
        if on_stored is not None:
            on_stored(document)
    return document


def _audit_result_current_mark(*, company: Any, link: dict[str, Any]) -> int:
    """Mark the audit-result notice that counts among those filed alike (the latest date on
    it; same date: the later upload) and no other; its id."""
    filed = Document.objects.filter(company=company, kind=DocumentKind.AUDIT_RESULT, **link)
    current = filed.order_by(*AUDIT_RESULTS_LATEST_FIRST).values_list("pk", flat=True)[0]
    filed.exclude(pk=current).filter(is_current=True).update(is_current=False)
    filed.filter(pk=current, is_current=False).update(is_current=True)
    return current


def _subject_label(subject: Any) -> dict[str, Any] | None:
    if subject is None:
        return None
    return {"type": subjects.subject_type_of(subject).key, "id": subject.pk}


def _require_visible(*, document: Document, actor: Any) -> None:
    """A person reads only what the selectors show them; the system (no person) reads anything."""
    if getattr(actor, "is_authenticated", False):
        from .selectors import document_get_for

        document_get_for(actor, document.pk)


def document_read(*, document: Document, actor: Any) -> bytes:
    """The decrypted bytes, checked against the SHA-256; every read is in the ledger."""
    _require_visible(document=document, actor=actor)
    return read_ledgered(document=document, actor=actor)


def read_ledgered(*, document: Document, actor: Any) -> bytes:
    """The read itself, for a document already known visible to ``actor`` (a single download,
    or one file of a ZIP): the bytes checked against the SHA-256, the read in the ledger."""
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
