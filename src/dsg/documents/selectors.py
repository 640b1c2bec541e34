"""Reads of the document folder that depend on who asks (see policy.py); a miss is a 404."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)

from dsg.audit.models import AuditEvent
from dsg.core import subjects
from dsg.core.errors import NotVisible
from dsg.core.prepared import PreparedCache, PreparedQuery, person_key
from dsg.orgs import permissions
from dsg.orgs.models import Organization, OrganizationKind, User

from .models import Document, DocumentKind, StorageReport

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


# The case page's folder summary, read by a query compiled once per person (the tenancy filters),
# kind of subject and the subjects' content types, the subject's id a parameter (a positive
# sentinel: ``subject_id`` is a PositiveBigIntegerField): building the count cost the page ~2 ms
# (#14; tests/documents/test_case_folder_and_notices_kept.py).
_SUMMARIES: PreparedCache[PreparedQuery] = PreparedCache(size=256)
_SUBJECT = [2**62 + 7_391_000_301]


def folder_summary_for(user: Any, subject: Any) -> dict[str, int]:
    """How many of ``documents_for``'s documents there are, how many password-protected, how
    many current audit-result notices."""
    kind = type(subject)
    types = ContentType.objects.get_for_models(*(known.model for known in subjects.subject_types()))
    key = (*person_key(user), kind, tuple(sorted(t.pk for t in types.values())))
    query = _SUMMARIES.get(
        key,
        lambda: PreparedQuery(
            documents_for(user, kind(pk=_SUBJECT[0])).values_list(
                "password_protected", "kind", "is_current"
            ),
            _SUBJECT,
        ),
    )
    rows = query.rows([subject.pk])
    return {
        "count": len(rows),
        "protected": sum(1 for protected, _kind, _current in rows if protected),
        "audit": sum(1 for _p, of_kind, current in rows if of_kind == "audit_result" and current),
    }


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


def documents_of_kinds(subject: Any, kinds: Iterable[str]) -> dict[str, list[Document]]:
    """A subject's documents of each of ``kinds``, newest first, in one query (no permission
    filter: for services). Every kind asked is a key, with an empty list when it has none."""
    grouped: dict[str, list[Document]] = {kind: [] for kind in kinds}
    for document in subjects.attached_to(Document.objects.filter(kind__in=grouped), subject):
        grouped[document.kind].append(document)
    return grouped


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


# The company's folder as a whole ------------------------------------------------------------

NO_SUBJECT = "none"  # the subject filter's value for the documents filed for no case or request


@dataclass(frozen=True)
class FolderFilter:
    """What the folder list is narrowed to: a kind, a subject (its type's key and id, or
    ``NO_SUBJECT``), the days it was stored on (in Japan time, both ends included)."""

    kind: str = ""
    subject_type: str = ""
    subject_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class SubjectRef:
    """A case or request as the folder names it: its type, id, number, label and page."""

    key: str
    id: int
    number: str
    label: str
    url: str

    @property
    def value(self) -> str:
        return f"{self.key}:{self.id}"


@dataclass(frozen=True)
class Reader:
    """Someone who read a document (from the ledger's "document.read"): when last, how often."""

    name: str
    last_read_at: dt.datetime
    times: int


def folder_company_get_for(user: Any, pk: int) -> Organization:
    """The company whose whole folder ``user`` may open: a company's people their own, the
    office any company's; the provider none. A miss is a 404."""
    if permissions.is_company_member(user):
        allowed = user.organization_id == pk
    else:
        allowed = permissions.is_office(user)
    company = (
        Organization.objects.filter(pk=pk, kind=OrganizationKind.COMPANY).first()
        if allowed
        else None
    )
    if company is None:
        raise NotVisible()
    return company


def folder_companies_for(user: Any) -> QuerySet[Organization]:
    """The office's way into the folders: every company, with how many documents it has and how
    many storage reports wait unseen."""
    if not permissions.is_office(user):
        return Organization.objects.none()
    return Organization.objects.filter(kind=OrganizationKind.COMPANY).annotate(
        document_count=Count("documents", distinct=True),
        unseen_count=Count(
            "storage_reports",
            filter=Q(storage_reports__seen_at__isnull=True),
            distinct=True,
        ),
    )


def folder_documents_for(user: Any, company: Any, filters: FolderFilter) -> QuerySet[Document]:
    """The documents of ``company``'s folder ``user`` may see, narrowed by ``filters``, newest
    first, with their subjects (one query per kind of subject, whatever the number)."""
    rows = folder_for(user, company)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.subject_type == NO_SUBJECT:
        rows = rows.filter(subject_type__isnull=True)
    elif filters.subject_type:
        model = subjects.subject_type(filters.subject_type).model
        rows = rows.filter(subject_type=ContentType.objects.get_for_model(model))
        if filters.subject_id is not None:
            rows = rows.filter(subject_id=filters.subject_id)
    if filters.since:
        rows = rows.filter(uploaded_at__date__gte=filters.since)
    if filters.until:
        rows = rows.filter(uploaded_at__date__lte=filters.until)
    return rows.prefetch_related(subjects.subjects_prefetch())


def folder_selection(
    user: Any, company: Any, *, ids: list[int], filters: FolderFilter, limit: int
) -> list[Document]:
    """The documents a ZIP asks for: ``ids`` (each one a document of this folder ``user`` sees,
    else NotVisible), or without ids the folder as ``filters`` narrow it. At most ``limit`` + 1
    are read, so that the caller can refuse too many without reading them all."""
    rows = folder_documents_for(user, company, FolderFilter() if ids else filters)
    if not ids:
        return list(rows[: limit + 1])
    wanted = set(ids)
    chosen = list(rows.filter(pk__in=wanted)[: limit + 1])
    if len(chosen) != min(len(wanted), limit + 1):
        raise NotVisible()
    return chosen


def subject_ref(subject: Any) -> SubjectRef | None:
    """How the folder names a subject (prefetched with its rows); None for none."""
    if subject is None:
        return None
    known = subjects.subject_type_of(subject)
    return SubjectRef(
        key=known.key,
        id=subject.pk,
        number=known.number(subject),
        label=known.label(subject),
        url=known.url(subject),
    )


def folder_subjects_for(user: Any, company: Any) -> list[SubjectRef]:
    """The cases and requests that documents of the folder ``user`` sees were filed for (the
    subject filter's choices): one query for the pairs, one per kind of subject."""
    pairs = (
        folder_for(user, company)
        .filter(subject_type__isnull=False)
        .values_list("subject_type_id", "subject_id")
        .distinct()
        .order_by()
    )
    ids_of: dict[int, set[int]] = defaultdict(set)
    for type_id, subject_id in pairs:
        if type_id is not None and subject_id is not None:
            ids_of[type_id].add(subject_id)
    refs: list[SubjectRef] = []
    for type_id, ids in ids_of.items():
        known = subjects.subject_type_for(ContentType.objects.get_for_id(type_id))
        rows = known.model._default_manager.select_related(*known.related).filter(pk__in=ids)
        refs += [ref for ref in map(subject_ref, rows) if ref is not None]
    return sorted(refs, key=lambda ref: (ref.key, ref.number))


def readers_of(documents: list[Document]) -> dict[int, list[Reader]]:
    """Who read each document, from the ledger's "document.read" events: one query for all."""
    if not documents:
        return {}
    name = User.objects.filter(pk=OuterRef("actor_id")).values("full_name")[:1]
    rows = (
        AuditEvent.objects.filter(
            action="document.read",
            object_type=Document._meta.label_lower,
            object_id__in=[str(document.pk) for document in documents],
        )
        .values("object_id", "actor_id", "actor_label")
        .annotate(last=Max("occurred_at"), times=Count("pk"), name=Subquery(name))
        .order_by("object_id", "-last")
    )
    readers: dict[int, list[Reader]] = defaultdict(list)
    for row in rows:
        readers[int(row["object_id"])].append(
            Reader(
                name=row["name"] or row["actor_label"] or "system",
                last_read_at=row["last"],
                times=row["times"],
            )
        )
    return dict(readers)


def storage_reports_for(user: Any, *, unseen: bool = True) -> QuerySet[StorageReport]:
    """The office's queue of storage reports (「格納した旨を連絡」), oldest unseen first; with
    ``unseen=False`` every report, newest first. Nobody else sees one."""
    rows = permissions.restrict(
        user,
        StorageReport.objects.select_related(
            "company", "document", "document__uploaded_by", "seen_by"
        ).prefetch_related(subjects.subjects_prefetch("document__subject")),
    )
    if unseen:
        return rows.filter(seen_at__isnull=True).order_by("reported_at", "pk")
    return rows


# The office's home shows the first unseen reports and how many there are: both queries kept
# compiled per person (the tenancy filters; their building reads no row,
# tests/documents/test_storage_reports_kept.py), as the homes' other panels' lists (#14).
_REPORTS: PreparedCache[PreparedQuery] = PreparedCache(size=256)


def storage_reports_first(user: Any, *, limit: int) -> tuple[list[StorageReport], int]:
    """The first ``limit`` of ``storage_reports_for`` (with their documents' subjects) and how
    many there are (counted only when ``limit`` are shown)."""
    first = _REPORTS.get(
        ("first", *person_key(user), limit),
        lambda: PreparedQuery(storage_reports_for(user)[:limit], []),
    )
    shown = cast(list[StorageReport], first.objects([]))
    prefetch_related_objects(shown, subjects.subjects_prefetch("document__subject"))
    if len(shown) < limit:
        return shown, len(shown)
    counted = _REPORTS.get(
        ("count", *person_key(user)),
        lambda: PreparedQuery(storage_reports_for(user).order_by(), [], counted=True),
    )
    return shown, counted.count([])


def storage_report_get_for(user: Any, pk: int) -> StorageReport:
    report = permissions.restrict(user, StorageReport.objects.all()).filter(pk=pk).first()
    if report is None:
        raise NotVisible()
    return report
