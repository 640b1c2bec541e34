"""Pages of the official .xlsx forms: a site's forms (the blank forms to download, the upload
of a filled one), one blank form, and a request written back into its form."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dsg.core.errors import RuleViolation
from dsg.core.forms import form_refused
from dsg.core.uploads import max_upload_bytes
from dsg.documents.services import too_large
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.selectors import site_get_for

from . import form_upload, selectors
from .models import RequestKind
from .workbook import FORMS, XLSX, FormError


class FormUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Filled-in form (.xlsx)"))
    password = forms.CharField(
        label=gettext_lazy("Password of the workbook"),
        required=False,
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Only if the workbook is password-protected."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of request"),
        required=False,
        choices=[("", gettext_lazy("As the form says"))] + list(RequestKind.choices),
    )


def _download(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def site_forms(request: HttpRequest, site_id: int) -> HttpResponse:
    """The site's forms: download a blank one (its header filled in), upload a filled one."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    permissions.require_permission(actor=user, action="equipment_request.file", obj=site)
    form = FormUploadForm(request.POST or None, request.FILES or None)
    where: FormError | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > max_upload_bytes():
                raise too_large()
            filing = form_upload.request_file_xlsx(
                site=site,
                actor=user,
                filename=upload.name or "",
                data=upload.read(),
                password=form.cleaned_data["password"],
                kind=form.cleaned_data["kind"],
            )
        except RuleViolation as refusal:
            form_refused(form, refusal, default_field="file")
            where = refusal if isinstance(refusal, FormError) and refusal.sheet else None
        else:
            return _filed(request, site_id, filing)
    forms_list = [
        (kind, FORMS[kind].title, reverse(f"equipment_form_{kind}", args=[site.pk]))
        for kind in RequestKind.values
    ]
    return render(
        request,
        "equipment/xlsx/site_forms.html",
        {"site": site, "form": form, "forms": forms_list, "where": where},
        status=422 if form.errors else 200,
    )


def _filed(
    request: HttpRequest, site_id: int, filing: form_upload.FormFiling
) -> HttpResponseRedirect:
    numbers = ", ".join(ticket.number for ticket in filing.helpdesk)
    if filing.helpdesk:
        messages.info(
            request,
            _(
                "Whitelisted software needs no request: the helpdesk was asked instead ({numbers})."
            ).format(numbers=numbers),
        )
    if filing.request is None:
        return HttpResponseRedirect(reverse("equipment_forms", args=[site_id]), status=303)
    messages.success(
        request,
        _("The form was stored in the folder and filed as request {number}.").format(
            number=filing.request.receipt_number
        ),
    )
    return HttpResponseRedirect(
        reverse("equipment_request_detail", args=[filing.request.pk]), status=303
    )


def blank_form(kind: str) -> Callable[..., HttpResponse]:
    """The view of one kind's blank form (one route per kind)."""

    @login_required
    def view(request: HttpRequest, site_id: int) -> HttpResponse:
        user = request_user(request)
        site = site_get_for(user=user, pk=site_id)
        data = form_upload.request_form_blank(site=site, kind=kind, actor=user)
        return _download(data, f"{FORMS[kind].title}_{site.ref}.xlsx")

    view.__name__ = f"equipment_form_{kind}"
    return view


@login_required
def filed_form(request: HttpRequest, equipment_request_id: int) -> HttpResponse:
    """The request written back into its form, with its 受付番号 and each line's decision."""
    user = request_user(request)
    filed = selectors.request_get_for(user, equipment_request_id)
    data = form_upload.request_form_filed(request=filed, actor=user)
    return _download(data, f"{FORMS[filed.kind].title}_{filed.receipt_number}.xlsx")
