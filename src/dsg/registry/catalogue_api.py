"""The provider's software catalogues in the API (§5②): the version in force, every version, one
version; the provider publishes a new version from a JSON list or an uploaded .xlsx."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from dsg.core.errors import NotVisible, RuleViolation
from dsg.core.schemas import ERRORS, Error
from dsg.documents.services import max_upload_bytes, too_large
from dsg.orgs.auth import request_user
from dsg.orgs.permissions import require_permission

from . import catalogue_files, catalogues
from .catalogues import FIELDS, MAX_ENTRIES, NOTE_MAX, EntryInput
from .models import CatalogueKind, SoftwareCatalogue

router = Router(tags=["catalogues"])

# Every signed-in role reads; a person with no role is refused; an unknown catalogue is 422.
READ_ERRORS = {401: Error, 403: Error, 404: Error, 422: Error}
TEXT_MAX = 1000  # a sanity limit of the API; the service checks each field's own


class EntryIn(Schema):
    name: str = Field(max_length=TEXT_MAX)
    vendor: str = Field(max_length=TEXT_MAX)
    version: str = Field(
        max_length=TEXT_MAX,
        description="One version (1.2.3), a range (1.2 – 1.4, 1.2-1.4), bounds (>=1.2, <2.0) "
        "or * for any version",
    )
    sha256: str = Field("", max_length=TEXT_MAX, description="64 hexadecimal digits, or empty")
    authenticode_sha256: str = Field(
        "", max_length=TEXT_MAX, description="64 hexadecimal digits, or empty"
    )
    signer: str = Field("", max_length=TEXT_MAX)


class EntryOut(Schema):
    position: int
    name: str
    vendor: str
    version: str
    sha256: str
    authenticode_sha256: str
    signer: str


class CatalogueIn(Schema):
    note: str = Field("", max_length=NOTE_MAX, description="What changed")
    entries: list[EntryIn] = Field(max_length=MAX_ENTRIES)


class CatalogueVersionOut(Schema):
    kind: CatalogueKind
    version: int
    note: str
    published_by: str
    published_at: dt.datetime
    entry_count: int


class CatalogueOut(CatalogueVersionOut):
    digest: str = Field(description="SHA-256 of the entries in order, as the ledger records it")
    entries: list[EntryOut]


def _version_out(catalogue: SoftwareCatalogue, count: int) -> dict[str, Any]:
    return {
        "kind": catalogue.kind,
        "version": catalogue.version,
        "note": catalogue.note,
        "published_by": str(catalogue.published_by),
        "published_at": catalogue.published_at,
        "entry_count": count,
    }


def _catalogue_out(catalogue: SoftwareCatalogue) -> CatalogueOut:
    entries = list(catalogue.entries.all())
    return CatalogueOut(
        **_version_out(catalogue, len(entries)),
        digest=catalogues.catalogue_digest(entries),
        entries=[
            EntryOut(position=e.position, **{name: getattr(e, name) for name in FIELDS})
            for e in entries
        ],
    )


@router.get("/catalogues/{kind}", response={200: CatalogueOut, **READ_ERRORS})
def catalogue_in_force(request: HttpRequest, kind: CatalogueKind) -> CatalogueOut:
    """The version in force (the latest) with its entries; 404 before the first is published."""
    catalogues.catalogue_readable(request_user(request))
    catalogue = catalogues.catalogue_in_force(kind)
    if catalogue is None:
        raise NotVisible()
    return _catalogue_out(catalogue)


@router.get("/catalogues/{kind}/versions", response={200: list[CatalogueVersionOut], **READ_ERRORS})
def catalogue_versions(request: HttpRequest, kind: CatalogueKind) -> list[CatalogueVersionOut]:
    """Every version, newest first, without the entries."""
    catalogues.catalogue_readable(request_user(request))
    return [
        CatalogueVersionOut(**_version_out(c, c.entry_count))  # type: ignore[attr-defined]  # annotated
        for c in catalogues.catalogue_versions(kind)
    ]


@router.get("/catalogues/{kind}/versions/{version}", response={200: CatalogueOut, **READ_ERRORS})
def catalogue_version(request: HttpRequest, kind: CatalogueKind, version: int) -> CatalogueOut:
    catalogues.catalogue_readable(request_user(request))
    return _catalogue_out(catalogues.catalogue_version(kind, version))


@router.post("/catalogues/{kind}", response={201: CatalogueOut, **ERRORS})
def catalogue_publish(
    request: HttpRequest, kind: CatalogueKind, payload: CatalogueIn
) -> Status[CatalogueOut]:
    """The provider publishes a new version (the previous + 1), in force at once. The entries
    are checked whole: a refusal (422 ``catalogue_invalid``) names every entry at fault
    ("3件目") and publishes nothing; entries the same as the version in force are refused
    (``catalogue_unchanged``)."""
    catalogue = catalogues.catalogue_publish(
        kind=kind,
        entries=[EntryInput(**entry.dict(), row=n) for n, entry in enumerate(payload.entries, 1)],
        note=payload.note,
        actor=request_user(request),
    )
    return Status(201, _catalogue_out(catalogues.catalogue_version(kind, catalogue.version)))


@router.post("/catalogues/{kind}/upload", response={201: CatalogueOut, **ERRORS})
def catalogue_upload(
    request: HttpRequest,
    kind: CatalogueKind,
    note: Form[str] = "",
    password: Form[str] = "",
    file: File[UploadedFile] = None,  # type: ignore[assignment]  # ninja builds the OpenAPI schema from this annotation at runtime: "| None" would publish the file as nullable
) -> Status[CatalogueOut]:
    """The same from a workbook (.xlsx, multipart; ``password`` when it has one): one sheet
    with the header row ソフトウェア名 / ベンダー / バージョン / SHA-256 / Authenticodeハッシュ /
    署名者. A refusal names the sheet, the row and the column, and publishes nothing."""
    user = request_user(request)
    require_permission(actor=user, action="catalogue.publish")
    if file is None:
        raise RuleViolation(_("Choose a file to upload."), code="invalid", status=422, field="file")
    if file.size is not None and file.size > max_upload_bytes():
        raise too_large()
    catalogue = catalogue_files.catalogue_import(
        kind=kind, data=file.read(), actor=user, note=note[:NOTE_MAX], password=password
    )
    return Status(201, _catalogue_out(catalogues.catalogue_version(kind, catalogue.version)))
