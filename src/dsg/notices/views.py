"""Pages: a case's notices, a notice's signed PDF, the signing certificate, verifying a file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dsg.core import subjects
from dsg.core.errors import RuleViolation
from dsg.documents.services import document_read
from dsg.orgs.auth import request_user

from . import selectors
from .keys import certificate_pem
from .models import Notice
from .verify import notice_verify

VERIFY_MAX_BYTES = 20 * 1024 * 1024


@login_required
def notice_list(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = request_user(request)
    case = subjects.subject_get_for("enrollment", user=user, pk=enrollment_id)
    if request.method != "GET":  # after the visibility check: another company's case is a 404
        return HttpResponseNotAllowed(["GET"])
    subject_type = subjects.subject_type_of(case)
    notices = selectors.notices_of_subject_for(user=user, subject=case)
    return render(
        request,
        "notices/list.html",
        {
            "subject_label": subject_type.label(case),
            "subject_url": subject_type.url(case),
            "company": subject_type.company(case),
            "notices": list(notices),
        },
    )


def notice_pdf_of(notice: Notice, actor: Any) -> tuple[bytes, str]:
    """The signed PDF and its file name, read through the documents service (ledgered)."""
    if notice.document is None:
        raise RuleViolation(
            _(
                "The PDF of this notice is being prepared (rendered and signed); "
                "please try again in a moment."
            ),
            code="notice_pending",
        )
    return document_read(actor=actor, document=notice.document), notice.document.filename


@login_required
def notice_pdf(request: HttpRequest, notice_id: int) -> HttpResponse:
    """The signed PDF, read through the documents service so that the read is in the ledger."""
    user = request_user(request)
    notice = selectors.notice_get_for(user=user, pk=notice_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    try:
        data, filename = notice_pdf_of(notice, user)
    except RuleViolation as refusal:
        if refusal.status in (403, 404):
            raise
        messages.error(request, str(refusal.message))
        subject = subjects.linked_subject(notice)
        return redirect(f"{subjects.subject_type_of(subject).url(subject)}notices/")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def certificate(request: HttpRequest) -> HttpResponse:
    """The office's public notice certificate, to verify notices offline (also in each PDF)."""
    response = HttpResponse(certificate_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="dsg-notice-signing.pem"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Upload a notice PDF; the page shows whether it is genuine and unchanged."""
    result, error = None, ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose a PDF file.")
        elif upload.size is not None and upload.size > VERIFY_MAX_BYTES:
            error = _("The file is too large.")
        else:
            result = notice_verify(upload.read())
    return render(
        request,
        "notices/verify.html",
        {"result": result, "error": error},
        status=422 if error else 200,
    )
