"""Pages of the provider's software catalogues (§5②): both catalogues in force with every
version, one version with what it changed, the provider's publish page, the downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dsg.core.errors import NotVisible, RuleViolation
from dsg.core.forms import error_summary
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import User

from . import catalogue_files as files
from . import catalogues
from .catalogue_forms import (
    EXTRA_ROWS,
    ROWS_EDIT_MAX,
    CatalogueNoteForm,
    CatalogueUploadForm,
    EntryFormSet,
    formset_entries,
)
from .models import CatalogueKind, SoftwareCatalogue


def _reader(request: HttpRequest) -> User:
    user = request_user(request)
    catalogues.catalogue_readable(user)
    return user


def _kind(kind: str) -> CatalogueKind:
    if kind not in CatalogueKind.values:
        raise NotVisible()
    return CatalogueKind(kind)


@login_required
@require_GET
def catalogue_index(request: HttpRequest) -> HttpResponse:
    """Both catalogues in force, their entries (searched by name or vendor), every version."""
    user = _reader(request)
    search = request.GET.get("q", "").strip()[: catalogues.SEARCH_MAX]
    sections = [
        {
            "kind": kind,
            "name": catalogues.NAMES[kind],
            "catalogue": catalogues.catalogue_in_force(kind, search=search),
            "versions": list(catalogues.catalogue_versions(kind)),
        }
        for kind in CatalogueKind
    ]
    return render(
        request,
        "registry/catalogues/index.html",
        {
            "sections": sections,
            "search": search,
            "may_publish": permissions.may(user, "catalogue.publish"),
        },
    )


@login_required
@require_GET
def catalogue_detail(request: HttpRequest, kind: str, version: int) -> HttpResponse:
    """One version with its entries and what it changed from the version before."""
    user = _reader(request)
    catalogue = catalogues.catalogue_version(_kind(kind), version)
    previous = catalogues.catalogue_previous(catalogue)
    diff = (
        catalogues.catalogue_diff(list(previous.entries.all()), list(catalogue.entries.all()))
        if previous
        else None
    )
    versions = list(catalogues.catalogue_versions(kind))
    return render(
        request,
        "registry/catalogues/detail.html",
        {
            "catalogue": catalogue,
            "name": catalogues.NAMES[CatalogueKind(kind)],
            "previous": previous,
            "diff": diff,
            "versions": versions,
            "in_force": versions[0].version == catalogue.version,
            "digest": catalogues.catalogue_digest(catalogue.entries.all()),
            "may_publish": permissions.may(user, "catalogue.publish"),
        },
    )


def _download(
    catalogue: SoftwareCatalogue, data: bytes, content_type: str, ext: str
) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    header = content_disposition_header(True, files.export_filename(catalogue, ext))
    response["Content-Disposition"] = header or "attachment"
    return response


@login_required
@require_GET
def catalogue_xlsx(request: HttpRequest, kind: str, version: int) -> HttpResponse:
    _reader(request)
    catalogue = catalogues.catalogue_version(_kind(kind), version)
    return _download(catalogue, files.catalogue_workbook(catalogue), files.XLSX, "xlsx")


@login_required
@require_GET
def catalogue_csv(request: HttpRequest, kind: str, version: int) -> HttpResponse:
    _reader(request)
    catalogue = catalogues.catalogue_version(_kind(kind), version)
    data = files.catalogue_csv(catalogue).encode("utf-8")
    return _download(catalogue, data, "text/csv; charset=utf-8", "csv")


# Publishing (the provider) -------------------------------------------------------------------
def _rows_initial(current: SoftwareCatalogue | None) -> list[dict[str, str]] | None:
    """The rows of the version in force to edit on the page; None when it is too large."""
    entries = catalogues.entries_of(current) if current else []
    if len(entries) > ROWS_EDIT_MAX:
        return None
    return [entry.values() for entry in entries]


@login_required
def catalogue_publish(request: HttpRequest, kind: str) -> HttpResponse:
    """The provider publishes a new version: from a workbook, or from the rows of the version
    in force edited on the page. A refusal lists every row at fault and changes nothing."""
    user = request_user(request)
    permissions.require_permission(actor=user, action="catalogue.publish")
    kind = _kind(kind)
    current = catalogues.catalogue_in_force(kind)
    initial = _rows_initial(current)
    context: dict[str, Any] = {
        "kind": kind,
        "name": catalogues.NAMES[kind],
        "current": current,
        "upload_form": CatalogueUploadForm(),
        "note_form": CatalogueNoteForm(prefix="rows"),
        "formset": EntryFormSet(initial=initial, prefix="rows") if initial is not None else None,
        "rows_max": ROWS_EDIT_MAX,
        "extra_rows": EXTRA_ROWS,
        "row_problems": [],
    }
    if request.method == "POST":
        if request.POST.get("form") == "rows" and initial is not None:
            return _publish_rows(request, user, kind, context, initial)
        return _publish_upload(request, user, kind, context)
    return render(request, "registry/catalogues/publish.html", context)


def _published(request: HttpRequest, catalogue: SoftwareCatalogue) -> HttpResponse:
    messages.success(
        request,
        _(
            "Version {version} was published and is in force from now on; the office was told."
        ).format(version=catalogue.version),
    )
    url = reverse("catalogue_detail", args=[catalogue.kind, catalogue.version])
    return HttpResponseRedirect(url, status=303)


def _again(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The page again with every error beside its input (the file, the note, a row's cell, the
    rows as a whole), summarised at the top with a link to each (422); nothing was published."""
    summary = error_summary(context["upload_form"], context["note_form"])
    formset = context["formset"]
    if formset is not None and formset.is_bound:
        above = [*map(str, formset.non_form_errors()), *context["row_problems"]]
        context["row_problems"] = above
        summary += [{"label": "", "message": e, "anchor": "rows-problems"} for e in above]
        for number, form in enumerate(formset.forms, 1):
            summary += error_summary(form, prefix=str(_("Entry {row}").format(row=number)))
    context["errors"] = summary
    return render(request, "registry/catalogues/publish.html", context, status=422)


def _refused(
    request: HttpRequest, context: dict[str, Any], refusal: RuleViolation, *, upload: bool
) -> HttpResponse:
    """A refusal of the service: on the upload, each fault (sheet, row, column) beside the file;
    on the rows, each field's fault beside its cell and the others above the rows."""
    if refusal.status in (403, 404):
        raise refusal
    problems = getattr(refusal, "problems", None) or [str(refusal.message)]
    if upload:
        for problem in problems:
            context["upload_form"].add_error("file", problem)
        return _again(request, context)
    cells = getattr(refusal, "cells", [])
    formset = context["formset"]
    for row, name, message in cells:
        if 0 < row <= len(formset.forms) and name in formset.forms[row - 1].fields:
            formset.forms[row - 1].add_error(name, str(message))
    # faults of no single cell (the same software twice, no rows at all): above the rows
    context["row_problems"] = problems[len(cells) :]
    return _again(request, context)


def _publish_upload(
    request: HttpRequest, user: User, kind: str, context: dict[str, Any]
) -> HttpResponse:
    form = CatalogueUploadForm(request.POST, request.FILES)
    context["upload_form"] = form
    if not form.is_valid():
        return _again(request, context)
    upload = form.cleaned_data["file"]
    try:
        catalogue = files.catalogue_import(
            kind=kind,
            data=upload.read(),
            actor=user,
            note=form.cleaned_data["note"],
            password=form.cleaned_data["password"],
        )
    except RuleViolation as refusal:
        return _refused(request, context, refusal, upload=True)
    return _published(request, catalogue)


def _publish_rows(
    request: HttpRequest,
    user: User,
    kind: str,
    context: dict[str, Any],
    initial: list[dict[str, str]],
) -> HttpResponse:
    formset = EntryFormSet(request.POST, initial=initial, prefix="rows")
    note = CatalogueNoteForm(request.POST, prefix="rows")
    context.update(formset=formset, note_form=note)
    if not (formset.is_valid() and note.is_valid()):
        return _again(request, context)
    try:
        catalogue = catalogues.catalogue_publish(
            kind=kind,
            entries=formset_entries(formset),
            note=note.cleaned_data["note"],
            actor=user,
        )
    except RuleViolation as refusal:
        return _refused(request, context, refusal, upload=False)
    return _published(request, catalogue)


# Where the pages of the apps link to the catalogues ----------------------------------------
def dashboard_panel(request: HttpRequest, _obj: Any) -> dict[str, Any] | None:
    """The dashboard's section for the provider and the office: the versions in force."""
    user = request_user(request)
    if not (permissions.is_provider(user) or permissions.is_office(user)):
        return None
    in_force = {c.kind: c for c in catalogues.catalogues_in_force_summary()}
    return {
        "rows": [(kind, catalogues.NAMES[kind], in_force.get(kind)) for kind in CatalogueKind],
        "may_publish": permissions.may(user, "catalogue.publish"),
    }
