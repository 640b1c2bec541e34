"""Pages of the 加入申請書: task list, one page per part, confirmation, versions, review, Excel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dsg.core.errors import RuleViolation
from dsg.core.forms import error_summary, form_refused
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import User

from . import application_services, excel, selectors, services
from .forms import (
    AccountHolderFormSet,
    ContactFormSet,
    DocumentUploadForm,
    ReviewCommentForm,
    WorkbookImportForm,
    part_form_class,
)
from .models import Application, ApplicationAccountHolder, ApplicationContact, Enrollment, State
from .parts import (
    PART_OF,
    PARTS,
    application_snapshot,
    application_tasks,
    documents_by_kind,
    snapshot_rows,
)
from .todos import transition_done_message

MAX_WORKBOOK_BYTES = 5 * 1024 * 1024


def _case(request: HttpRequest, enrollment_id: int) -> tuple[Enrollment, Application]:
    user = request_user(request)
    enrollment = selectors.enrollment_get_for(user=user, pk=enrollment_id)
    selectors.application_visible(user=user, enrollment=enrollment)
    return enrollment, Application.objects.get(enrollment=enrollment)


def _editable(user: User, enrollment: Enrollment) -> bool:
    return permissions.may(user, "enrollment.edit_application", enrollment) and (
        enrollment.state in application_services.EDITABLE_STATES
    )


def _common(request: HttpRequest, enrollment: Enrollment, application: Application) -> dict:
    versions = list(selectors.versions_of(enrollment))
    latest = versions[-1] if versions else None
    status = selectors.application_status(enrollment, latest)
    returned = selectors.returned_version(enrollment)
    return {
        "enrollment": enrollment,
        "application": application,
        "versions": versions,
        "latest": latest,
        "status": status,
        "status_label": selectors.APPLICATION_STATUS[status],
        "editable": _editable(request_user(request), enrollment),
        "returned_comments": selectors.comments_by_part(returned),
    }


@login_required
def application_overview(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """The task list: each part complete, not complete, or not yet startable."""
    return _overview_page(request, enrollment_id)


def _overview_page(
    request: HttpRequest, enrollment_id: int, *, import_form: Any = None
) -> HttpResponse:
    """The task list; ``import_form``: a workbook refused, its error beside the file field (and
    in the page's error summary), 422."""
    enrollment, application = _case(request, enrollment_id)
    context = _common(request, enrollment, application)
    tasks = application_tasks(application)
    context.update(
        tasks=tasks,
        ready=all(t.status == "complete" for t in tasks),
        import_form=import_form or WorkbookImportForm(),
    )
    status = 422 if import_form is not None else 200
    return render(request, "enrollment/application_overview.html", context, status=status)


def _part_view(
    request: HttpRequest, enrollment_id: int, part_key: str, *, upload_form: Any = None
) -> HttpResponse:
    """A part's page; ``upload_form``: an upload refused, drawn with its errors beside its
    fields (the part's own form is then not bound)."""
    enrollment, application = _case(request, enrollment_id)
    part = PART_OF[part_key]
    editable = _editable(request_user(request), enrollment)
    form_class = part_form_class(part)
    posted = request.method == "POST" and editable and upload_form is None
    post = request.POST if posted else None
    form = form_class(post, instance=application) if part.fields else None
    contacts = None
    if part.key == "contacts":
        initial = [
            {"name": c.name, "department": c.department, "phone": c.phone, "email": c.email}
            for c in ApplicationContact.objects.filter(application=application)
        ]
        contacts = ContactFormSet(post, initial=initial, prefix="contact")
    holders = (
        AccountHolderFormSet(post, initial=_holders_initial(application), prefix="holder")
        if part.key == "account_holders"
        else None
    )
    if post is not None and _save_part(request, enrollment, form, contacts, holders):
        messages.success(request, _("The application was saved."))
        return redirect("application_overview", enrollment_id=enrollment.pk)
    docs = documents_by_kind(application)
    tasks = {t.part.key: t for t in application_tasks(application, docs)}
    context = _common(request, enrollment, application)
    context.update(
        part=part,
        task=tasks[part.key],
        form=form,
        contacts=contacts,
        holders=holders,
        upload_form=upload_form
        or (DocumentUploadForm(kinds=part.documents) if part.documents else None),
        documents=[(kind, docs.get(kind, [])) for kind in part.documents],
        part_comments=context["returned_comments"].get(part.key, []),
    )
    status = 422 if upload_form is not None else 200
    return render(request, "enrollment/application_part.html", context, status=status)


def _holders_initial(application: Application) -> list[dict[str, str]]:
    """The account holders named so far; none yet: the protection system administrator first."""
    named = [
        {"name": h.name, "department": h.department, "email": h.email}
        for h in ApplicationAccountHolder.objects.filter(application=application)
    ]
    if named or not application.psa_email:
        return named
    return [
        {
            "name": application.psa_name,
            "department": application.psa_department,
            "email": application.psa_email,
        }
    ]


def _save_part(
    request: HttpRequest, enrollment: Enrollment, form: Any, contacts: Any, holders: Any = None
) -> bool:
    valid = (
        (form is None or form.is_valid())
        and (contacts is None or contacts.is_valid())
        and (holders is None or holders.is_valid())
    )
    if not valid:
        return False
    data = dict(form.cleaned_data) if form is not None else {}
    if contacts is not None:
        data["contacts"] = [f.cleaned_data for f in contacts.forms if not f.is_blank()]
    if holders is not None:
        data["account_holders"] = [f.cleaned_data for f in holders.forms if not f.is_blank()]
    try:
        services.application_update(enrollment=enrollment, actor=request_user(request), data=data)
    except RuleViolation as refusal:
        if form is not None:
            form_refused(form, refusal)
        elif refusal.status in (403, 404):
            raise
        else:
            messages.error(request, str(refusal.message))
        return False
    return True


def part_view(part_key: str) -> Any:
    @login_required
    def view(request: HttpRequest, enrollment_id: int) -> HttpResponse:
        return _part_view(request, enrollment_id, part_key)

    view.__name__ = f"application_part_{part_key}"
    return view


PART_VIEWS = {part.key: part_view(part.key) for part in PARTS}


@login_required
@require_POST
def application_upload(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """Attach a document to a part; a refusal is shown beside the upload's fields (#12)."""
    user = request_user(request)
    enrollment, _application = _case(request, enrollment_id)
    part = PART_OF.get(request.POST.get("part", ""), PART_OF["documents"])
    form = DocumentUploadForm(request.POST, request.FILES, kinds=part.documents)
    if not permissions.may(user, "enrollment.edit_application", enrollment):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            application_services.application_document_add(
                enrollment=enrollment,
                actor=user,
                kind=form.cleaned_data["kind"],
                filename=upload.name,
                data=upload.read(),
                password=form.cleaned_data["password"],
                dated_on=form.cleaned_data.get("dated_on"),
            )
        except RuleViolation as refusal:
            form_refused(form, refusal, default_field="file")
        else:
            messages.success(request, _("The document was attached."))
            return HttpResponseRedirect(
                reverse(f"application_{part.key}", args=[enrollment.pk]), status=303
            )
    return _part_view(request, enrollment.pk, part.key, upload_form=form)


@login_required
def application_confirm(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """「入力内容の確認」: everything that will be sent, and the submit button."""
    enrollment, application = _case(request, enrollment_id)
    if request.method == "POST":
        return _submit(request, enrollment)
    docs = documents_by_kind(application)
    contacts = list(ApplicationContact.objects.filter(application=application))
    holders = list(ApplicationAccountHolder.objects.filter(application=application))
    rows = snapshot_rows(application_snapshot(application, contacts, docs, holders))
    tasks = application_tasks(application, docs)
    context = _common(request, enrollment, application)
    context.update(
        parts=_grouped(rows),
        tasks=tasks,
        ready=all(t.status == "complete" for t in tasks),
        can_submit=permissions.may(request_user(request), "enrollment.submit", enrollment)
        and enrollment.state in application_services.EDITABLE_STATES,
        change_links=context["editable"],  # 「変更」 beside each part (#12)
    )
    return render(request, "enrollment/application_confirm.html", context)


def _submit(request: HttpRequest, enrollment: Enrollment) -> HttpResponse:
    try:
        services.enrollment_transition(
            enrollment=enrollment, name="submit", actor=request_user(request)
        )
    except RuleViolation as refusal:
        if refusal.status in (403, 404):
            raise
        messages.error(request, str(refusal.message))
        return redirect("application_confirm", enrollment_id=enrollment.pk)
    version = application_services.current_version(enrollment)
    assert version is not None
    messages.success(
        request,
        " ".join(  # what happened and what comes next (今後の流れ), then the 到達番号
            (
                transition_done_message("submit"),
                _("Receipt number (到達番号): {receipt}").format(receipt=version.receipt_number),
            )
        ),
    )
    return redirect("application_version", version_id=version.pk)


def _grouped(rows: list[tuple[str, str, Any, str]]) -> list[dict[str, Any]]:
    return [{"part": part, "rows": [r for r in rows if r[0] == part.key]} for part in PARTS]


@login_required
def application_versions(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment, application = _case(request, enrollment_id)
    return render(
        request,
        "enrollment/application_versions.html",
        _common(request, enrollment, application),
    )


@login_required
def application_version(request: HttpRequest, version_id: int) -> HttpResponse:
    """One submitted version; the reviewer's opening of it starts the review (到達 → 審査中)."""
    user = request_user(request)
    version = selectors.version_get_for(user=user, pk=version_id)
    enrollment = version.application.enrollment
    if (
        version.review_started_at is None
        and enrollment.state == State.SUBMITTED
        and permissions.may(user, "application.review", enrollment)
    ):
        version = application_services.application_review_start(version=version, actor=user)
        version = selectors.version_get_for(user=user, pk=version_id)
    return _version_page(request, version)


def _version_page(
    request: HttpRequest, version: Any, *, failed: ReviewCommentForm | None = None
) -> HttpResponse:
    """The version's page; ``failed``: the reviewer's comment refused, drawn again on its part
    with the error beside the comment (and in the page's error summary), 422."""
    user = request_user(request)
    enrollment = version.application.enrollment
    context = _common(request, enrollment, version.application)
    comments = selectors.comments_by_part(version)
    is_current = context["latest"] is not None and context["latest"].pk == version.pk
    reviewing = (
        is_current
        and enrollment.state == State.SUBMITTED
        and permissions.may(user, "application.review", enrollment)
    )
    failed_part = failed.data.get("part") if failed is not None else None
    context.update(
        version=version,
        parts=[
            {
                **group,
                "comments": comments.get(group["part"].key, []),
                "comment_form": _comment_form(group["part"].key, failed),
            }
            for group in _grouped(snapshot_rows(version.snapshot))
        ],
        general_comments=comments.get("general", []),
        general_comment_form=_comment_form("general", failed),
        reviewing=reviewing,
        comment_form=ReviewCommentForm() if reviewing else None,
        options=[
            o
            for o in selectors.transition_options_for(user=user, enrollment=enrollment)
            if o.name in ("accept", "return_for_correction", "reject")
        ]
        if reviewing
        else [],
    )
    if failed is not None:
        known = failed_part in {p.key for p in PARTS} | {"general"}
        context["errors"] = error_summary(failed) if known else []
        if not known:  # not a part of the page: said at the top, nothing to link to
            context["errors"] = [
                {"label": "", "message": str(e), "anchor": ""}
                for errors in failed.errors.values()
                for e in errors
            ]
    return render(
        request,
        "enrollment/application_version.html",
        context,
        status=422 if failed is not None else 200,
    )


def _comment_form(part: str, failed: ReviewCommentForm | None) -> ReviewCommentForm:
    """The comment form of one part (or ``general``): the refused one where it was written."""
    if failed is not None and failed.data.get("part") == part:
        form = failed
    else:
        form = ReviewCommentForm(auto_id=f"comment-{part}-%s", initial={"part": part})
    whole = part == "general"
    form.fields["text"].label = (
        _("Comment on the application as a whole") if whole else _("Comment on this part")
    )
    return form


@login_required
@require_POST
def review_comment_add(request: HttpRequest, version_id: int) -> HttpResponse:
    user = request_user(request)
    version = selectors.version_get_for(user=user, pk=version_id)
    if not permissions.may(user, "application.review", version.application.enrollment):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    part = str(request.POST.get("part", ""))
    form = ReviewCommentForm(request.POST, auto_id=f"comment-{slugify(part)}-%s")
    if form.is_valid():
        try:
            application_services.review_comment_add(
                version=version, actor=user, **form.cleaned_data
            )
        except RuleViolation as refusal:
            form_refused(form, refusal)
        else:
            messages.success(request, _("The comment was added."))
            back = reverse("application_version", args=[version.pk])
            return HttpResponseRedirect(back, status=303)
    return _version_page(request, version, failed=form)


@login_required
def application_compare(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """Two submitted versions side by side (?a=1&b=2), changed items highlighted."""
    enrollment, application = _case(request, enrollment_id)
    context = _common(request, enrollment, application)
    versions = context["versions"]
    rows: list[dict[str, Any]] = []
    left = right = None
    if len(versions) >= 2 or request.GET.get("a"):
        default_a = versions[-2].number if len(versions) >= 2 else 1
        default_b = versions[-1].number if versions else 1
        try:
            left = selectors.version_by_number(
                enrollment=enrollment, number=request.GET.get("a", default_a)
            )
            right = selectors.version_by_number(
                enrollment=enrollment, number=request.GET.get("b", default_b)
            )
        except RuleViolation:
            raise Http404(_("Not found.")) from None
        rows = _compare_rows(left.snapshot, right.snapshot)
    context.update(left=left, right=right, rows=rows)
    return render(request, "enrollment/application_compare.html", context)


def _compare_rows(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    left = {key: (part, label, value) for part, key, label, value in snapshot_rows(a)}
    right = {key: (part, label, value) for part, key, label, value in snapshot_rows(b)}
    keys = list(left) + [k for k in right if k not in left]
    rows = []
    for key in keys:
        part, label, _value = left.get(key) or right[key]
        value_a = left[key][2] if key in left else "—"
        value_b = right[key][2] if key in right else "—"
        rows.append(
            {
                "part": PART_OF[part].label,
                "label": label,
                "a": value_a,
                "b": value_b,
                "changed": value_a != value_b,
            }
        )
    return rows


@login_required
def application_export(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment, _application = _case(request, enrollment_id)
    response = HttpResponse(
        excel.application_workbook(enrollment=enrollment), content_type=excel.XLSX
    )
    response["Content-Disposition"] = f'attachment; filename="{enrollment.number}-application.xlsx"'
    return response


@login_required
@require_POST
def application_import(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = request_user(request)
    enrollment, _application = _case(request, enrollment_id)
    if not permissions.may(user, "enrollment.edit_application", enrollment):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    form = WorkbookImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_WORKBOOK_BYTES:
                raise RuleViolation(
                    _("The workbook is too large (at most 5 MB)."), code="too_large", status=422
                )
            excel.application_import(enrollment=enrollment, actor=user, data=upload.read())
        except RuleViolation as refusal:  # the workbook's sheet, row and column
            form_refused(form, refusal, default_field="file")
        else:
            messages.success(request, _("The application was filled in from the workbook."))
            back = reverse("application_overview", args=[enrollment.pk])
            return HttpResponseRedirect(back, status=303)
    return _overview_page(request, enrollment.pk, import_form=form)
