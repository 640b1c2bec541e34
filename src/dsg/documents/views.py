"""Pages of the document folder (申請書等格納フォルダ): the list with its upload form, download."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from dsg.core import subjects
from dsg.core.errors import RuleViolation
from dsg.core.views import form_error_text
from dsg.orgs import permissions
from dsg.orgs.auth import request_user

from . import folder, selectors, services
from .forms import UploadForm, kinds_for
from .models import Document

FOLDER_PAGE = 50


@login_required
def document_folder(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """A case's part of the company's folder: its documents and the upload form (storing tells
    the office, as in the company's whole folder)."""
    user = request_user(request)
    subject = subjects.subject_get_for("enrollment", user=user, pk=enrollment_id)
    subject_type = subjects.subject_type_of(subject)
    company = subject_type.company(subject)
    kinds = kinds_for(user, company)
    back = reverse("document_folder", args=[subject.pk])
    if request.method == "POST":
        return _upload(request, subject, company, kinds, back)
    documents = selectors.documents_for(user, subject)
    page = Paginator(documents, FOLDER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/folder.html",
        {
            "subject_label": subject_type.label(subject),
            "subject_url": subject_type.url(subject),
            "company": company,
            "upload_url": back,
            "page": page,
            "documents": page.object_list,
            "form": UploadForm(kinds=kinds) if kinds else None,
            "may_read_password": permissions.may(user, "document.read_password"),
            "xlsx": services.XLSX,
            "max_size": filesizeformat(services.max_upload_bytes()),
        },
    )


def _upload(
    request: HttpRequest, subject: Any, company: Any, kinds: list[Any], back: str
) -> HttpResponse:
    if not kinds:
        raise RuleViolation(
            _("Your role may not store documents here."), code="forbidden", status=403
        )
    form = UploadForm(request.POST, request.FILES, kinds=kinds)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return HttpResponseRedirect(back, status=303)
    upload = form.cleaned_data["file"]
    try:
        if upload.size > services.max_upload_bytes():
            raise services.too_large()
        document = folder.folder_document_store(
            actor=request_user(request),
            company=company,
            subject=subject,
            kind=form.cleaned_data["kind"],
            filename=upload.name,
            data=upload.read(),
            password=form.cleaned_data["password"],
            dated_on=form.cleaned_data["dated_on"],
        )
    except RuleViolation as refusal:
        if refusal.status in (403, 404):
            raise
        messages.error(request, str(refusal.message))
    else:
        messages.success(
            request, _("“{name}” was stored in the folder.").format(name=document.filename)
        )
    return HttpResponseRedirect(back, status=303)


@login_required
def document_download(request: HttpRequest, document_id: int) -> HttpResponse:
    """The decrypted file as an attachment; the read is in the ledger."""
    user = request_user(request)
    document = selectors.document_get_for(user, document_id)  # 404 before 405
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    try:
        data = services.document_read(document=document, actor=user)
    except RuleViolation as refusal:  # the file failed its integrity check: say so, no 500
        if refusal.status in (403, 404):
            raise
        messages.error(request, str(refusal.message))
        back = folder_url(document)
        return HttpResponseRedirect(back, status=303)
    return file_response(document, data)


def folder_url(document: Document) -> str:
    """Where a document is listed: its case's folder, else the dashboard."""
    content_type = document.subject_type  # None for a document of no subject
    if content_type is None:
        return reverse("dashboard")
    subject_type = subjects.subject_type_for(content_type)
    if subject_type.key != "enrollment":
        return reverse("dashboard")
    return reverse("document_folder", args=[document.subject_id])


def file_response(document: Document, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(True, document.filename)
    response["Content-Length"] = str(len(data))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def document_password_show(request: HttpRequest, document_id: int) -> HttpResponse:
    """The office opens a protected PDF: the password is shown once per POST and ledgered."""
    user = request_user(request)
    document = selectors.document_get_for(user, document_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    password = services.document_password(document=document, actor=user)
    response = render(
        request,
        "documents/password.html",
        {"document": document, "password": password, "folder_url": folder_url(document)},
    )
    response["Cache-Control"] = "private, no-store"
    return response
