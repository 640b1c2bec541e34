"""Use cases of the company's folder (申請書等格納フォルダ) as a whole: storing a document tells
the office, the office's queue of those reports, storing a mailed file on the company's behalf,
and several documents at once as a streamed ZIP.

Guideline §4/§5: the company stores its documents in the folder 「のうえ、…資料を格納した旨を連絡」.
The portal writes that notice itself: a document the company stores through the folder (page or
API) leaves a ``StorageReport`` in the reviewers' queue and a mail to them in the outbox, in the
storing transaction. Mail by the company is the fallback 「フォルダへの格納ができない場合に限る」:
the office stores such a file on the company's behalf (``received_by_mail``), which is reported
in the queue like any other and mailed to the company's PSAs instead.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core import subjects
from dsg.core.errors import NotVisible, RuleViolation
from dsg.notifications.services import mail_queue
from dsg.orgs import permissions
from dsg.orgs.models import Role
from dsg.orgs.selectors import emails_of, psa_emails

from .models import Document, DocumentKind, StorageReport
from .services import document_store, read_ledgered

# A ZIP holds at most this many documents (a page of the folder is 50).
ZIP_MAX_DOCUMENTS = 200


def folder_document_store(
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
) -> Document:
    """Store a document in ``company``'s folder (checked like every upload, see
    ``document_store``) and, when the company stored it or the office stored a mailed file on its
    behalf, tell the office in the same transaction (「格納した旨を連絡」)."""
    reported = permissions.is_company_member(actor) or received_by_mail

    def tell_the_office(document: Document) -> None:
        _report(document=document, actor=actor)

    return document_store(
        actor=actor,
        company=company,
        subject=subject,
        kind=kind,
        filename=filename,
        data=data,
        password=password,
        dated_on=dated_on,
        received_by_mail=received_by_mail,
        on_stored=tell_the_office if reported else None,
    )


def _report(*, document: Document, actor: Any) -> StorageReport:
    report = StorageReport.objects.create(company=document.company, document=document)
    audit_record(
        actor=actor,
        action="document.storage_reported",
        obj=report,
        company_id=document.company_id,
        after={"document": document.pk, "kind": document.kind},
    )
    if document.received_by_mail:
        _mail_company(document)
    else:
        _mail_office(document, actor)
    return report


def _about(document: Document) -> tuple[Any, Any]:
    """The mail's "about" (the subject's number, else the folder) and the subject's label; lazy,
    so that the mail words them in Japanese."""
    subject = document.subject
    if subject is None:
        return _("Document folder (申請書等格納フォルダ)"), _("none (the company's folder)")
    subject_type = subjects.subject_type_of(subject)
    return subject_type.number(subject), subject_type.label(subject)


def _mail_lines(document: Document, label: str) -> list[Any]:
    return [
        format_lazy(_("Company: {company}"), company=document.company.name),
        format_lazy(_("Kind of document: {kind}"), kind=DocumentKind(document.kind).label),
        format_lazy(_("Case or request: {subject}"), subject=label),
    ]


def _mail_office(document: Document, actor: Any) -> None:
    about, label = _about(document)
    mail_queue(
        to=emails_of(roles=[Role.REVIEWER]),
        about=about,
        subject=_("a document was stored in the company's folder"),
        lines=[
            format_lazy(
                _("{company} stored a document in its folder (申請書等格納フォルダ)."),
                company=document.company.name,
            ),
            *_mail_lines(document, label),
        ],
        link=f"/companies/{document.company_id}/folder/",
        kind="document.stored",
        company_id=document.company_id,
        exclude=[actor.email],
    )


def _mail_company(document: Document) -> None:
    about, label = _about(document)
    mail_queue(
        to=psa_emails(document.company_id),
        about=about,
        subject=_("the office stored the file you sent by mail"),
        lines=[
            _(
                "The office stored a file your company sent by mail in your folder "
                "(申請書等格納フォルダ), on your behalf."
            ),
            *_mail_lines(document, label),
        ],
        link="/folder/",
        kind="document.received_by_mail",
        company_id=document.company_id,
    )


def storage_report_mark_seen(*, report: StorageReport, actor: Any) -> StorageReport:
    """A reviewer takes a report off the queue: who and when, ledgered; only once."""
    permissions.require_permission(actor=actor, action="document.report_seen", obj=report)
    now = timezone.now()
    with transaction.atomic():
        marked = StorageReport.objects.filter(pk=report.pk, seen_at__isnull=True).update(
            seen_by=actor, seen_at=now
        )
        if not marked:
            raise RuleViolation(
                _("This report was already marked as seen."), code="report_seen", status=409
            )
        audit_record(
            actor=actor,
            action="document.storage_report_seen",
            obj=report,
            company_id=report.company_id,
            after={"document": report.document_id},
        )
    report.seen_by, report.seen_at = actor, now
    return report


def documents_zip(*, documents: list[Document], actor: Any) -> Iterator[bytes]:
    """Several documents as one ZIP, streamed: each file is read (checked against its SHA-256)
    and its read ledgered exactly as a single download is, when its turn in the stream comes.

    ``documents`` come from the folder's selector; they are checked again here in one query, and
    one that ``actor`` may not read refuses the whole ZIP (404) before anything is read.
    """
    wanted = {document.pk for document in documents}
    if not wanted:
        raise RuleViolation(
            _("Choose the documents to download."), code="zip_empty", status=422, field="document"
        )
    if len(wanted) > ZIP_MAX_DOCUMENTS:
        raise RuleViolation(
            _("At most {limit} documents fit in one ZIP; choose fewer.").format(
                limit=ZIP_MAX_DOCUMENTS
            ),
            code="zip_too_many",
            status=422,
            field="document",
        )
    visible = permissions.restrict(actor, Document.objects.filter(pk__in=wanted)).count()
    if visible != len(wanted):
        raise NotVisible()
    # The note is worded now, in the caller's language: the stream runs after the view returned.
    note = str(_("These files failed their integrity check and are not included:"))
    unique = list({document.pk: document for document in documents}.values())
    return _zip_stream(unique, actor, note)


class _Chunks:
    """The ZIP's output: what zipfile writes is handed on as it comes (not seekable)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def _zip_stream(documents: list[Document], actor: Any, note: str) -> Iterator[bytes]:
    sink = _Chunks()
    unreadable: list[str] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]  # a write-only stream
        for document in documents:
            name = f"{document.pk}_{document.filename}"
            try:
                data = read_ledgered(document=document, actor=actor)
            except RuleViolation:  # failed its integrity check: ledgered, named in a note
                unreadable.append(name)
                continue
            stamp = timezone.localtime(document.uploaded_at).timetuple()[:6]
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
            yield sink.take()
        if unreadable:
            archive.writestr("_README.txt", "\n".join([note, *unreadable]) + "\n")
    yield sink.take()
