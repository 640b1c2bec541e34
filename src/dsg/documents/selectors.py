"""Reads of the document folder that depend on who asks (see policy.py); a miss is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, QuerySet

from dsg.core import subjects
from dsg.core.errors import NotVisible
from dsg.orgs import permissions

from .models import Document, DocumentKind

# Of several audit-result notices (監査結果通知書), the latest counts (§3①: 複数ある場合は最新版):
# the latest date printed on it, of two with the same date the later upload. One stored before
# the date was asked for has none and comes after every dated one.
AUDIT_RESULTS_LATEST_FIRST = (
    F("dated_on").desc(nulls_last=True),
    F("uploaded_at").desc(),
    F("pk").desc(),
)


def folder_for(user: Any, company: Any) -> QuerySet[Document]:
    """The documents of ``company``'s folder that ``user`` may see, newest first."""
    queryset = Document.objects.filter(company=company).select_related("uploaded_by")
    return permissions.restrict(user, queryset)


def documents_for(user: Any, subject: Any) -> QuerySet[Document]:
    """The documents of a (visible) case or request that ``user`` may see, newest first."""
    queryset = subjects.attached_to(Document.objects.select_related("uploaded_by"), subject)
    return permissions.restrict(user, queryset)


def document_get_for(user: Any, pk: int) -> Document:
    """One document ``user`` may see, or NotVisible (404)."""
    queryset = Document.objects.select_related("uploaded_by", "company", "subject_type")
    document = permissions.restrict(user, queryset).filter(pk=pk).first()
    if document is None:
        raise NotVisible()
    return document


def documents_of(subject: Any, kind: str) -> QuerySet[Document]:
    """A subject's documents of one kind, newest first (no permission filter: for services)."""
    return subjects.attached_to(Document.objects.filter(kind=kind), subject)


def current_audit_result(subject: Any) -> Document | None:
    """The audit-result notice of the subject that counts: the latest date on it."""
    return (
        documents_of(subject, DocumentKind.AUDIT_RESULT)
        .order_by(*AUDIT_RESULTS_LATEST_FIRST)
        .first()
    )


def audit_results_latest_first(*, company_id: int) -> QuerySet[Document]:
    """A company's audit-result notices (監査結果通知書), the latest date on them first (of two
    with the same date, the later upload): the first is the one that counts. No permission
    filter: for services."""
    return Document.objects.filter(company_id=company_id, kind=DocumentKind.AUDIT_RESULT).order_by(
        *AUDIT_RESULTS_LATEST_FIRST
    )


def subject_key(document: Document) -> str | None:
    """The kind of subject the document was filed for ("enrollment"), None for none."""
    if document.subject_type_id is None:
        return None
    model = ContentType.objects.get_for_id(document.subject_type_id).model_class()
    return subjects.subject_type_of(model).key if model is not None else None
