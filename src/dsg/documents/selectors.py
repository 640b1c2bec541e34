"""Reads of the document folder that depend on who asks; a miss is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dsg.core.errors import NotVisible
from dsg.orgs import permissions

from .models import Document


def documents_for(user: Any, enrollment: Any) -> QuerySet[Document]:
    """The documents of a (visible) case that ``user`` may see, newest first."""
    queryset = Document.objects.filter(enrollment=enrollment).select_related("uploaded_by")
    return permissions.restrict(user, queryset)


def document_get_for(user: Any, pk: int) -> Document:
    """One document ``user`` may see, or NotVisible (404)."""
    queryset = Document.objects.select_related("uploaded_by", "enrollment", "company")
    document = permissions.restrict(user, queryset).filter(pk=pk).first()
    if document is None:
        raise NotVisible()
    return document


def documents_of(enrollment: Any, kind: str) -> QuerySet[Document]:
    """A case's documents of one kind, newest first (no permission filter: for services)."""
    return Document.objects.filter(enrollment=enrollment, kind=kind)


def current_audit_result(enrollment: Any) -> Document | None:
    """The audit-result notice that counts: the newest one of the case."""
    return documents_of(enrollment, "audit_result").filter(is_current=True).first()
