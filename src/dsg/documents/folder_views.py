"""Pages of the company's whole folder (申請書等格納フォルダ): the list with its filters, the
upload without a case, several documents as a ZIP, and the office's queue of storage reports
(a panel of the dashboard, and the "seen" button)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _

from dsg.core.errors import NotVisible, RuleViolation
from dsg.core.views import form_error_text
from dsg.orgs import permissions
from dsg.orgs.auth import request_user

from . import folder, selectors, services
from .forms import FolderFilterForm, FolderUploadForm, kinds_for
from .selectors import FolderFilter

FOLDER_PAGE = 50
COMPANY_PAGE = 50
DASHBOARD_REPORTS = 20


@login_required
def own_folder(request: HttpRequest) -> HttpResponse:
    """``/folder/``: a company's people see their company's folder; the office picks a company."""
    user = request_user(request)
    if permissions.is_company_member(user):
        own = selectors.folder_company_get_for(user, user.organization_id or 0)
        return _folder_page(request, own)
    if not permissions.is_office(user):
        raise NotVisible()
    companies = selectors.folder_companies_for(user).order_by("name", "pk")
    page = Paginator(companies, COMPANY_PAGE).get_page(request.GET.get("page"))
    return render(request, "documents/company_folders.html", {"page": page})


@login_required
def company_folder(request: HttpRequest, company_id: int) -> HttpResponse:
    """One company's folder: its people and the office; the upload is a POST here."""
    user = request_user(request)
    company = selectors.folder_company_get_for(user, company_id)
    if request.method == "POST":
        return _upload(request, company)
    return _folder_page(request, company)


def folder_filter(form: FolderFilterForm) -> FolderFilter:
    """The filters of a valid form (an invalid one filters nothing)."""
    if not form.is_valid():
        return FolderFilter()
    data = form.cleaned_data
    key, _sep, pk = (data["subject"] or "").partition(":")
    return FolderFilter(
        kind=data["kind"],
        subject_type=key,
        subject_id=int(pk) if pk.isdigit() else None,
        since=data["since"],
        until=data["until"],
    )


def _folder_page(request: HttpRequest, company: Any) -> HttpResponse:
    user = request_user(request)
    refs = selectors.folder_subjects_for(user, company)
    filters = FolderFilterForm(request.GET or None, subjects=refs)
    if filters.is_bound and not filters.is_valid():
        messages.error(request, form_error_text(filters))
    documents = selectors.folder_documents_for(user, company, folder_filter(filters))
    page = Paginator(documents, FOLDER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    readers = selectors.readers_of(rows)
    kinds = kinds_for(user, company)
    query = {k: str(v) for k, v in request.GET.items() if k in filters.fields and v}
    return render(
        request,
        "documents/company_folder.html",
        {
            "company": company,
            "page": page,
            "rows": [
                (document, selectors.subject_ref(document.subject), readers.get(document.pk, []))
                for document in rows
            ],
            "filters": filters,
            "filter_query": urlencode(query),
            "form": _upload_form(user, company, kinds) if kinds else None,
            "may_read_password": permissions.may(user, "document.read_password"),
            "xlsx": services.XLSX,
            "max_size": filesizeformat(services.max_upload_bytes()),
            "zip_max": folder.ZIP_MAX_DOCUMENTS,
            "is_own": permissions.is_company_member(user),
        },
    )


def _upload_form(user: Any, company: Any, kinds: list[Any], *args: Any) -> FolderUploadForm:
    on_behalf = permissions.may(user, "document.store_received_by_mail", company)
    return FolderUploadForm(*args, kinds=kinds, on_behalf=on_behalf)


def folder_url_for(user: Any, company: Any) -> str:
    """The folder page as ``user`` reaches it: ``/folder/`` for its own people."""
    if permissions.is_company_member(user):
        return reverse("own_folder")
    return reverse("company_folder", args=[company.pk])


def _upload(request: HttpRequest, company: Any) -> HttpResponse:
    user = request_user(request)
    back = folder_url_for(user, company)
    kinds = kinds_for(user, company)
    if not kinds:
        raise RuleViolation(
            _("Your role may not store documents here."), code="forbidden", status=403
        )
    form = _upload_form(user, company, kinds, request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return HttpResponseRedirect(back, status=303)
    upload = form.cleaned_data["file"]
    try:
        if upload.size > services.max_upload_bytes():
            raise services.too_large()
        document = folder.folder_document_store(
            actor=user,
            company=company,
            kind=form.cleaned_data["kind"],
            filename=upload.name,
            data=upload.read(),
            password=form.cleaned_data["password"],
            dated_on=form.cleaned_data["dated_on"],
            received_by_mail=form.cleaned_data.get("received_by_mail", False),
        )
    except RuleViolation as refusal:
        if refusal.status in (403, 404):
            raise
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, stored_message(document))
    return HttpResponseRedirect(back, status=303)


def stored_message(document: Any) -> str:
    if document.received_by_mail:
        return _("“{name}” was stored in the company's folder on its behalf.").format(
            name=document.filename
        )
    return _("“{name}” was stored in the folder; the office has been told.").format(
        name=document.filename
    )


@login_required
def company_folder_zip(request: HttpRequest, company_id: int) -> HttpResponseBase:
    """The documents chosen (``document``), else those the filters show, as one streamed ZIP."""
    user = request_user(request)
    company = selectors.folder_company_get_for(user, company_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    try:
        stream = folder.documents_zip(
            documents=zip_selection(user, company, request.GET), actor=user
        )
    except RuleViolation as refusal:
        if refusal.status in (403, 404):
            raise
        messages.error(request, str(refusal.message))
        back = folder_url_for(user, company)
        return HttpResponseRedirect(back, status=303)
    return zip_response(stream, company)


def zip_selection(user: Any, company: Any, query: Any) -> list[Any]:
    """The documents a ZIP asks for: the ids given (``document``), else the folder as filtered."""
    values = query.getlist("document")
    if not all(value.isdigit() for value in values):
        raise NotVisible()
    form = FolderFilterForm(query, subjects=selectors.folder_subjects_for(user, company))
    return selectors.folder_selection(
        user,
        company,
        ids=[int(value) for value in values],
        filters=folder_filter(form),
        limit=folder.ZIP_MAX_DOCUMENTS,
    )


def zip_response(stream: Any, company: Any) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type="application/zip")
    name = f"folder-{company.pk}-{timezone.localdate():%Y%m%d}.zip"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def storage_report_seen(request: HttpRequest, report_id: int) -> HttpResponse:
    """A reviewer marks a storage report seen (POST); back to the dashboard. An office page:
    anyone else is refused (403) whatever the id."""
    user = request_user(request)
    if not permissions.may(user, "document.report_seen"):
        raise RuleViolation(
            _("Your role is not allowed to do this in this case."), code="forbidden", status=403
        )
    report = selectors.storage_report_get_for(user, report_id)  # 404 before 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        folder.storage_report_mark_seen(report=report, actor=user)
    except RuleViolation as refusal:
        if refusal.status in (403, 404):
            raise
        messages.error(request, str(refusal.message))
    return HttpResponseRedirect(reverse("dashboard") + "#storage-reports", status=303)


def storage_reports_panel(request: HttpRequest, _obj: Any) -> dict[str, Any] | None:
    """The dashboard's queue of storage reports, for the office only."""
    user = request_user(request)
    if not permissions.is_office(user):
        return None
    shown, count = selectors.storage_reports_first(user, limit=DASHBOARD_REPORTS)
    return {
        "storage_reports": [
            (report, selectors.subject_ref(report.document.subject)) for report in shown
        ],
        "storage_report_count": count,
        "may_mark_seen": permissions.may(user, "document.report_seen"),
        "folders_url": reverse("own_folder"),
    }
