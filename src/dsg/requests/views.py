"""Pages of 加入申請内容の変更 (guideline §4): the list, the start from a site, the edit with its
documents, 「入力内容の確認」 and the submission, the change's page with the review, the requests
(依頼), the provider's work and the inspection; the decisions through a confirmation page.

Every page reads through the selectors (a change another party may not see is a 404) and acts
through one service; a refusal is shown beside its field and in the error summary, and changes
nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dsg.core.errors import NotVisible, RuleViolation
from dsg.core.forms import error_summary, form_refused
from dsg.core.views import Confirmation, confirm_action
from dsg.documents import folder
from dsg.documents.selectors import documents_for
from dsg.documents.services import max_upload_bytes, too_large
from dsg.enrollment.models import State
from dsg.enrollment.selectors import completed_case
from dsg.inspections import services as inspections
from dsg.inspections.inspected import INSPECTING, REMEDIATING
from dsg.inspections.models import InspectionStatus
from dsg.inspections.selectors import inspections_of
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import User
from dsg.orgs.permissions import restrict
from dsg.orgs.selectors import site_get_for, site_list_for

from . import selectors, services
from .after import AfterMessage, change_done_message
from .checks import change_missing, work_outstanding
from .display import comparison, difference_rows, history_rows, value_text
from .forms import (
    AnswerForm,
    AskForm,
    ChangeDocumentForm,
    ChangeFilterForm,
    ChangeStartForm,
    CommentForm,
    ContactFormSet,
    DecisionForm,
    WorkDoneForm,
    change_fields_form_class,
    editable_names,
    kind_groups,
)
from .inspection import change_remediation_report
from .models import (
    OPEN_STATES,
    ActionRequest,
    ChangeComment,
    ChangeRecord,
    ChangeRequest,
    ChangeState,
    ChangeVersion,
    ProviderWork,
)
from .policy import APPLICANTS
from .registered import GROUP_LABELS

CHANGE_LIST_PAGE = 50
HISTORY_ROWS = 50


def _forbidden() -> RuleViolation:
    return RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)


def _change(request: HttpRequest, change_id: int) -> ChangeRequest:
    return selectors.change_get_for(request_user(request), change_id)


# The list ------------------------------------------------------------------------------------


def _applicant_or_party(user: User) -> None:
    """A 利用者 files nothing and reads no application: the change list is not theirs (403; a
    change itself is a 404 to them, as to anyone who may not see it)."""
    if permissions.is_company_member(user) and user.role not in APPLICANTS:
        raise _forbidden()
    if not (
        permissions.is_company_member(user)
        or permissions.is_office(user)
        or permissions.is_provider(user)
    ):
        raise NotVisible()


@login_required
def change_list(request: HttpRequest) -> HttpResponse:
    """The company's changes; every company's for the office; the provider's concerned ones."""
    user = request_user(request)
    _applicant_or_party(user)
    kinds = list(selectors.kinds_offered())
    filters = ChangeFilterForm(request.GET or None, kinds=kinds)
    changes = selectors.change_list_for(user)
    if filters.is_valid():
        state = filters.cleaned_data["state"]
        if state == "open":
            changes = changes.filter(state__in=OPEN_STATES)
        elif state:
            changes = changes.filter(state=state)
        if filters.cleaned_data["kind"]:
            changes = changes.filter(kind__code=filters.cleaned_data["kind"])
    page = Paginator(changes, CHANGE_LIST_PAGE).get_page(request.GET.get("page"))
    query = {k: str(v) for k, v in request.GET.items() if k in filters.fields and v}
    return render(
        request,
        "requests/change_list.html",
        {
            "page": page,
            "changes": page.object_list,
            "filters": filters,
            "filter_query": urlencode(query),
            "show_company": not permissions.is_company_member(user),
            "can_start": permissions.may(user, "change.file"),
        },
    )


# Start -----------------------------------------------------------------------------------------


def startable_sites(user: User) -> list[Any]:
    """The user's sites that have completed 加入 and are not closed."""
    return list(
        site_list_for(user=user)
        .filter(enrollments__state=State.COMPLETED, closed_on__isnull=True)
        .distinct()
        .order_by("name", "pk")
    )


@login_required
def change_new(request: HttpRequest) -> HttpResponse:
    """Choose the site and the kind; the change starts from the site's registered data."""
    user = request_user(request)
    if not permissions.may(user, "change.file"):
        raise _forbidden()
    sites = startable_sites(user)
    asked = request.POST.get("site") or request.GET.get("site")
    if asked:
        site = site_get_for(user=user, pk=int(asked) if str(asked).isdigit() else 0)
        if site not in sites:  # refused by the service, with its reason beside the field
            sites.append(site)
    kinds = list(selectors.kinds_offered())
    form = ChangeStartForm(
        request.POST if request.method == "POST" else None,
        initial={"site": asked} if asked else None,
        sites=sites,
        kinds=kinds,
    )
    if request.method == "POST" and form.is_valid():
        chosen = site_get_for(user=user, pk=form.cleaned_data["site"])
        try:
            change = services.change_start(actor=user, site=chosen, kind=form.cleaned_data["kind"])
        except RuleViolation as refusal:
            refusal.field = refusal.field or "site"  # a refusal of the site chosen
            form_refused(form, refusal)
        else:
            messages.success(
                request,
                _("The change {number} was started from the registered data.").format(
                    number=change.number
                ),
            )
            return HttpResponseRedirect(reverse("change_edit", args=[change.pk]), status=303)
    return render(
        request,
        "requests/change_new.html",
        {
            "form": form,
            "groups": kind_groups(kinds),
            "errors": error_summary(form),
            "no_site": not sites,
        },
        status=422 if form.errors else 200,
    )


# Edit ------------------------------------------------------------------------------------------


def _editable(user: User, change: ChangeRequest) -> bool:
    return permissions.may(user, "change.file", change) and change.is_editable


def _returned_comments(user: User, change: ChangeRequest) -> dict[str, list[ChangeComment]]:
    """The office's comments on the last submitted version, by part (read while returned)."""
    if change.state != ChangeState.RETURNED:
        return {}
    comments = restrict(
        user,
        ChangeComment.objects.filter(
            version__change=change, version__number=change.submission_count
        ),
    ).select_related("author")
    by_part: dict[str, list[ChangeComment]] = {}
    for comment in comments:
        by_part.setdefault(comment.part, []).append(comment)
    return by_part


def _fields_form(change: ChangeRequest, data: Any = None) -> Any:
    fields = change.proposed["fields"]
    initial: dict[str, Any] = {n: fields.get(n, "") for n in editable_names(change.kind)}
    initial.update(
        description=change.description,
        effective_on=change.effective_on,
        moves_equipment=change.moves_equipment,
    )
    return change_fields_form_class(change.kind)(data, initial=initial, kind=change.kind)


def _contacts_formset(change: ChangeRequest, data: Any = None) -> Any:
    if "contacts" not in change.kind.groups:
        return None
    return ContactFormSet(data, initial=change.proposed.get("contacts", []), prefix="contact")


@login_required
def change_edit(request: HttpRequest, change_id: int) -> HttpResponse:
    """The PSA edits a draft or a returned change: the values its kind changes, beside the
    registered ones; what changes and why; the date; the documents."""
    user = request_user(request)
    change = _change(request, change_id)
    if not permissions.may(user, "change.file", change):
        raise _forbidden()
    if not change.is_editable:  # said on the page; a POST changes nothing
        return render(request, "requests/change_edit.html", {"change": change, "closed": True})
    post = request.POST if request.method == "POST" else None
    form, contacts = _fields_form(change, post), _contacts_formset(change, post)
    if post is not None and _save(request, change, form, contacts):
        messages.success(request, _("The change was saved."))
        target = "change_confirm" if request.POST.get("next") == "confirm" else "change_edit"
        return HttpResponseRedirect(reverse(target, args=[change.pk]), status=303)
    return _edit_page(request, change, form, contacts, ChangeDocumentForm())


def _save(request: HttpRequest, change: ChangeRequest, form: Any, contacts: Any) -> bool:
    if not form.is_valid() or (contacts is not None and not contacts.is_valid()):
        return False
    data: dict[str, Any] = {n: form.cleaned_data.get(n) or "" for n in editable_names(change.kind)}
    data["description"] = form.cleaned_data["description"]
    for name in ("effective_on", "moves_equipment"):
        if name in form.fields:
            data[name] = form.cleaned_data[name]
    rows: list[Any] = []
    if contacts is not None:
        rows = [f for f in contacts.forms if f.has_changed() and not f.is_blank()]
        data["contacts"] = [f.cleaned_data for f in rows]
    try:
        services.change_update(change=change, actor=request_user(request), data=data)
    except RuleViolation as refusal:
        if refusal.status in (403, 404):
            raise
        field = refusal.field or ""
        if field.startswith("contacts.") and contacts is not None:
            _, position, *rest = field.split(".")
            target = rows[int(position)] if int(position) < len(rows) else contacts.forms[0]
            target.add_error(rest[0] if rest else None, str(refusal.message))
        else:
            form_refused(form, refusal)
        return False
    return True


def _edit_page(
    request: HttpRequest,
    change: ChangeRequest,
    form: Any,
    contacts: Any,
    upload_form: Any,
) -> HttpResponse:
    user = request_user(request)
    comments = _returned_comments(user, change)
    registered = comparison(change.kind.groups, change.registered, change.registered)
    parts = []
    for part in registered:
        fields = [
            (form[row["name"]], row["before"]) for row in part["rows"] if row["name"] in form.fields
        ]
        parts.append({**part, "fields": fields, "comments": comments.get(part["key"], [])})
    contact_forms = list(contacts.forms) if contacts is not None else []
    errors = error_summary(form, upload_form, *contact_forms)
    if contacts is not None and contacts.non_form_errors():
        errors += [
            {"label": "", "message": str(e), "anchor": ""} for e in contacts.non_form_errors()
        ]
    return render(
        request,
        "requests/change_edit.html",
        {
            "change": change,
            "form": form,
            "parts": parts,
            "contacts": contacts,
            "registered_contacts": [
                value_text("contacts", [c]) for c in change.registered.get("contacts", [])
            ],
            "upload_form": upload_form,
            "documents": list(documents_for(user, change)),
            "general_comments": [
                c for key in ("description", "documents") for c in comments.get(key, [])
            ],
            "description_comments": comments.get("description", []),
            "document_comments": comments.get("documents", []),
            "errors": errors,
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def change_upload(request: HttpRequest, change_id: int) -> HttpResponse:
    """A document of the change (レイアウト図, 結果通知書, 変更内容を証する書類) into the company's
    folder, with the change as its subject; the office is told."""
    user = request_user(request)
    change = _change(request, change_id)
    if not _editable(user, change):
        raise _forbidden()
    upload = ChangeDocumentForm(request.POST, request.FILES)
    if upload.is_valid():
        file = upload.cleaned_data["file"]
        try:
            if file.size > max_upload_bytes():
                raise too_large()
            document = folder.folder_document_store(
                actor=user,
                company=change.company,
                subject=change,
                kind=upload.cleaned_data["kind"],
                filename=file.name,
                data=file.read(),
                password=upload.cleaned_data["password"],
                dated_on=upload.cleaned_data["dated_on"],
            )
        except RuleViolation as refusal:
            form_refused(upload, refusal)
        else:
            messages.success(
                request,
                _("“{name}” was stored with the change; the office has been told.").format(
                    name=document.filename
                ),
            )
            back = reverse("change_edit", args=[change.pk]) + "#documents"
            return HttpResponseRedirect(back, status=303)
    return _edit_page(
        request, change, _fields_form(change), _contacts_formset(change), upload_form=upload
    )


# Check and submit --------------------------------------------------------------------------------


@login_required
def change_confirm(request: HttpRequest, change_id: int) -> HttpResponse:
    """「入力内容の確認」: registered against proposed (what differs highlighted), what is
    missing, and the submit button."""
    user = request_user(request)
    change = _change(request, change_id)
    if not permissions.may(user, "change.file", change):
        raise _forbidden()
    refusal: RuleViolation | None = None
    if request.method == "POST":
        try:
            services.change_submit(change=change, actor=user)
        except RuleViolation as error:
            if error.status in (403, 404):
                raise
            refusal = error
        else:
            return HttpResponseRedirect(reverse("change_submitted", args=[change.pk]), status=303)
    missing = change_missing(change) if change.is_editable else []
    return render(
        request,
        "requests/change_confirm.html",
        {
            "change": change,
            "parts": comparison(change.kind.groups, change.registered, change.proposed),
            "missing": missing,
            "refusal": refusal,
            "documents": list(documents_for(user, change)),
            "can_submit": permissions.may(user, "change.submit", change) and change.is_editable,
        },
        status=422 if refusal else 200,
    )


@login_required
def change_submitted(request: HttpRequest, change_id: int) -> HttpResponse:
    """The confirmation: the 到達番号 and 「今後の流れ」."""
    user = request_user(request)
    change = _change(request, change_id)
    version = (
        restrict(user, ChangeVersion.objects.filter(change=change)).order_by("-number").first()
    )
    if version is None:
        return HttpResponseRedirect(reverse("change_detail", args=[change.pk]), status=303)
    return render(request, "requests/change_submitted.html", {"change": change, "version": version})


# The change's page ---------------------------------------------------------------------------


def _rounds(user: User, change: ChangeRequest) -> list[Any]:
    if not permissions.may(user, "inspection.view", change):
        return []
    return inspections_of(user=user, subject=change)


def _detail_context(request: HttpRequest, change: ChangeRequest) -> dict[str, Any]:
    user = request_user(request)
    provider = permissions.is_provider(user)
    versions = list(
        restrict(user, ChangeVersion.objects.filter(change=change))
        .select_related("submitted_by")
        .prefetch_related("comments__author")
    )
    asks = list(
        restrict(user, ActionRequest.objects.filter(change=change)).select_related(
            "asked_by__organization", "answered_by"
        )
    )
    work = list(
        restrict(user, ProviderWork.objects.filter(change=change)).select_related(
            "opened_by", "done_by"
        )
    )
    rounds = _rounds(user, change)
    accepted = change.state == ChangeState.ACCEPTED
    history = list(selectors.site_history_for(user, change.site)[:HISTORY_ROWS])
    reviewing = permissions.may(user, "change.review", change)
    return {
        "change": change,
        "provider": provider,
        "differences": difference_rows(change.registered, change.proposed),
        "versions": versions,
        "records": list(
            restrict(user, ChangeRecord.objects.filter(change=change)).select_related("actor")
        ),
        "asks": asks,
        "work": work,
        "rounds": rounds,
        "outstanding": work_outstanding(change) if accepted and not provider else [],
        "documents": list(documents_for(user, change)),
        "history": history_rows(history),
        "can_edit": _editable(user, change),
        "can_withdraw": permissions.may(user, "change.file", change) and not change.is_closed,
        "can_answer": permissions.may(user, "change.answer", change) and not change.is_closed,
        "can_ask": permissions.may(user, "change.ask", change)
        and not change.is_closed
        and change.state != ChangeState.DRAFT,
        "can_record_work": permissions.may(user, "change.provider_work", change) and accepted,
        "reviewing": reviewing and change.state == ChangeState.SUBMITTED,
        "can_reject": reviewing
        and change.state in (ChangeState.SUBMITTED, ChangeState.RETURNED, ChangeState.ACCEPTED),
        "can_complete": reviewing and accepted,
        "can_report_remediation": permissions.may(user, "change.file", change)
        and accepted
        and change.inspection_phase == REMEDIATING,
        "can_open_round": accepted
        and change.inspection_phase == INSPECTING
        and permissions.may(user, "inspection.schedule", change)
        and not any(r.status != InspectionStatus.FINISHED for r in rounds),
        "part_labels": GROUP_LABELS,
    }


def _detail(
    request: HttpRequest,
    change: ChangeRequest,
    *,
    comment_form: Any = None,
    ask_form: Any = None,
    answer: tuple[int, Any] | None = None,
) -> HttpResponse:
    context = _detail_context(request, change)
    context.update(
        comment_form=comment_form or CommentForm(),
        ask_form=ask_form or AskForm(),
        answer_forms={a.pk: AnswerForm(prefix=f"answer-{a.pk}") for a in context["asks"]},
        work_forms={w.pk: WorkDoneForm(prefix=f"work-{w.pk}") for w in context["work"]},
    )
    if answer is not None:
        context["answer_forms"][answer[0]] = answer[1]
    bound = [comment_form, ask_form, answer and answer[1]]
    context["errors"] = error_summary(*[f for f in bound if f])
    for ask in context["asks"]:
        ask.form = context["answer_forms"][ask.pk]
    for piece in context["work"]:
        piece.form = context["work_forms"][piece.pk]
    return render(
        request,
        "requests/change_detail.html",
        context,
        status=422 if context["errors"] else 200,
    )


@login_required
def change_detail(request: HttpRequest, change_id: int) -> HttpResponse:
    return _detail(request, _change(request, change_id))


def _done(request: HttpRequest, change: ChangeRequest, message: str, anchor: str = "") -> Any:
    messages.success(request, message)
    back = reverse("change_detail", args=[change.pk]) + (f"#{anchor}" if anchor else "")
    return HttpResponseRedirect(back, status=303)


@login_required
@require_POST
def change_comment(request: HttpRequest, change_id: int) -> HttpResponse:
    """The reviewer comments on one part of the submitted change."""
    user = request_user(request)
    change = _change(request, change_id)
    if not permissions.may(user, "change.review", change):
        raise _forbidden()
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.change_comment_add(change=change, actor=user, **form.cleaned_data)
        except RuleViolation as refusal:
            form_refused(form, refusal)
        else:
            return _done(request, change, change_done_message("comment", change), "review")
    return _detail(request, change, comment_form=form)


@login_required
@require_POST
def change_ask(request: HttpRequest, change_id: int) -> HttpResponse:
    """The office or the provider asks the PSA for an action or a document, by a date."""
    user = request_user(request)
    change = _change(request, change_id)
    if not permissions.may(user, "change.ask", change):
        raise _forbidden()
    form = AskForm(request.POST)
    if form.is_valid():
        try:
            services.action_request_ask(
                change=change,
                actor=user,
                text=form.cleaned_data["text"],
                due_on=form.cleaned_data["due_on"],
            )
        except RuleViolation as refusal:
            form_refused(form, refusal)
        else:
            due = form.cleaned_data["due_on"].isoformat()
            return _done(request, change, change_done_message("ask", change, due=due), "asks")
    return _detail(request, change, ask_form=form)


@login_required
@require_POST
def action_request_answer(request: HttpRequest, action_request_id: int) -> HttpResponse:
    user = request_user(request)
    asked = selectors.action_request_get_for(user, action_request_id)
    change = asked.change
    if not permissions.may(user, "change.answer", change):
        raise _forbidden()
    form = AnswerForm(request.POST, prefix=f"answer-{asked.pk}")
    if form.is_valid():
        try:
            services.action_request_answer(
                asked=asked, actor=user, answer=form.cleaned_data["answer"]
            )
        except RuleViolation as refusal:
            form_refused(form, refusal)
        else:
            return _done(request, change, change_done_message("answer", change), "asks")
    return _detail(request, change, answer=(asked.pk, form))


@login_required
def provider_work_done(request: HttpRequest, provider_work_id: int) -> HttpResponse:
    """「作業完了」 of the provider's work on the change, through its confirmation page (the
    change's page sends the date and note here): the day cannot be changed afterwards, and the
    change may apply at once."""
    user = request_user(request)
    work = selectors.provider_work_get_for(user, provider_work_id)
    change = work.change
    if not permissions.may(user, "change.provider_work", change):
        raise _forbidden()
    back = reverse("change_detail", args=[change.pk])
    after = AfterMessage()
    confirmation = Confirmation(
        title=_("Record the work as done"),
        object_label=f"{change.number} — {work.get_kind_display()}",
        back=back + "#work",
        done=back,
        success=after,
        consequence=(
            _("The work is recorded as done on the day given; the record cannot be changed."),
            _(
                "Once no other work or inspection stands, the change applies to the registered "
                "data at once (変更完了)."
            ),
        ),
        told_who=_("the company"),
        told=(
            _(
                "The company's protection system administrators see the work as done on the "
                "change's page; when the change applies, they receive a mail."
            ),
        ),
        danger=False,
        crumbs=_crumbs(change, back),
        refusal=""
        if change.state == ChangeState.ACCEPTED and not work.is_done
        else _("This work is already recorded, or the change does not wait on it."),
    )

    def act(data: dict[str, Any]) -> None:
        services.provider_work_done(
            work=work, actor=user, done_on=data["done_on"], note=data["note"]
        )
        after.text = change_done_message("work_done", selectors.change_get_for(user, change.pk))

    return confirm_action(
        request,
        confirmation,
        act,
        form=lambda data: WorkDoneForm(data, prefix=f"work-{work.pk}"),
    )


@login_required
def change_remediation(request: HttpRequest, change_id: int) -> HttpResponse:
    """「改善措置を報告」: the PSA reports the remediation of the change's inspection, through its
    confirmation page (the office decides next; the report cannot be taken back)."""
    user = request_user(request)
    change = _change(request, change_id)
    if not permissions.may(user, "change.file", change):
        raise _forbidden()
    back = reverse("change_detail", args=[change.pk])
    waiting = change.state == ChangeState.ACCEPTED and change.inspection_phase == REMEDIATING
    confirmation = Confirmation(
        title=_("Report the remediation (改善措置を報告)"),
        object_label=change.number,
        back=back + "#inspection",
        done=back,
        success=change_done_message("remediation", change),
        consequence=(
            _(
                "The reports on each deficiency (改善報告) go to the office as they stand: they "
                "cannot be changed afterwards."
            ),
            _("The office then decides: it accepts the remediation or inspects again."),
        ),
        told_who=_("the Information Systems Management Office"),
        told=(_("The office finds the report among its open items and on the change's page."),),
        comment="none",
        danger=False,
        crumbs=_crumbs(change, back),
        refusal="" if waiting else _("The change's inspection awaits no remediation report."),
    )
    return confirm_action(
        request,
        confirmation,
        lambda _data: change_remediation_report(change=change, actor=user),
    )


def _crumbs(change: ChangeRequest, back: str) -> tuple[tuple[Any, str], ...]:
    return (
        (_("Dashboard"), reverse("dashboard")),
        (_("Change applications (加入申請内容の変更)"), reverse("change_list")),
        (change.number, back),
    )


@login_required
@require_POST
def change_inspection_open(request: HttpRequest, change_id: int) -> HttpResponse:
    """The office opens the round of the change's new inspection, then plans it on its page."""
    user = request_user(request)
    change = _change(request, change_id)
    try:
        inspection = inspections.inspection_open(subject=change, actor=user)
    except RuleViolation as refusal:
        if refusal.status in (403, 404):
            raise
        messages.error(request, str(refusal.message))
        back = reverse("change_detail", args=[change.pk]) + "#inspection"
        return HttpResponseRedirect(back, status=303)
    return HttpResponseRedirect(reverse("inspection_detail", args=[inspection.pk]), status=303)


# Decisions, each through the confirmation page (core.views.confirm_action) ----------------------


def _consequence(action: str, change: ChangeRequest) -> list[str]:
    kind = change.kind
    if action == "return":
        return [
            _(
                "The change goes back to the company for correction (補正). The company reads "
                "your comment and the comments on its parts, edits the change and submits it "
                "again under a new receipt number."
            )
        ]
    if action == "reject":
        return [
            _(
                "The change is rejected (却下). This ends it: it cannot be reopened, and the "
                "registered data stays as it is. The company would have to file a new change."
            )
        ]
    if action == "withdraw":
        return [
            _(
                "The change is withdrawn (取下げ). This ends it: it cannot be reopened. Its "
                "records and documents are kept, and the registered data stays as it is."
            )
        ]
    lines = []
    if action == "accept":
        lines.append(
            _(
                "The change is accepted (受理). If it needs no new inspection and no work of the "
                "provider, it applies to the registered data at once."
            )
        )
    lines.append(
        _(
            "Applying the change writes the new values into the registered data and the site's "
            "history. This cannot be undone: a later change would be needed."
        )
    )
    if "psa" in kind.groups:
        lines.append(
            _(
                "The protection system administrator role moves to the new person, and the "
                "former administrator's access ends."
            )
        )
    if kind.closes_site:
        lines.append(
            _("The site is closed on {date}.").format(
                date=change.effective_on.isoformat() if change.effective_on else _("today")
            )
        )
    return lines


# Each decision: who may take it, its transition, its title, what the other side is told and
# whether it needs a comment. What comes next once taken: after.AFTER_ACTION.
DECISIONS: dict[str, dict[str, Any]] = {
    "return": {
        "permission": "change.review",
        "transition": "return_for_correction",
        "title": gettext_lazy("Return for correction (補正)"),
        "comment": "required",
        "told_who": gettext_lazy("the company's PSA"),
        "told": gettext_lazy(
            "The change was returned for correction (補正), with your comment and your "
            "comments on its parts."
        ),
    },
    "reject": {
        "permission": "change.review",
        "transition": "reject",
        "title": gettext_lazy("Reject (却下)"),
        "comment": "required",
        "told_who": gettext_lazy("the company's PSA"),
        "told": gettext_lazy("The change was rejected (却下), with your comment as the reason."),
    },
    "withdraw": {
        "permission": "change.file",
        "transition": "withdraw",
        "title": gettext_lazy("Withdraw (取下げ)"),
        "comment": "optional",
        "told_who": gettext_lazy("the office"),
        "told": gettext_lazy(
            "The change was withdrawn (取下げ), with your comment if you give one."
        ),
    },
    "accept": {
        "permission": "change.review",
        "transition": "accept",
        "title": gettext_lazy("Accept (受理)"),
        "comment": "optional",
        "told_who": gettext_lazy("the company's PSA"),
        "told": gettext_lazy(
            "The change was accepted (受理), and what it still needs: a new inspection, the "
            "provider's work (the provider is told of its work), or nothing."
        ),
    },
    "complete": {
        "permission": "change.review",
        "transition": "complete",
        "title": gettext_lazy("Apply the change to the registered data"),
        "comment": "none",
        "told_who": gettext_lazy("the company's PSA"),
        "told": gettext_lazy("The change was applied to the registered data (変更完了)."),
    },
}


def _decide(change: ChangeRequest, action: str, actor: User, data: dict[str, Any]) -> Any:
    comment = data.get("comment", "")
    if action == "return":
        return services.change_return(change=change, actor=actor, comment=comment)
    if action == "reject":
        return services.change_reject(change=change, actor=actor, comment=comment)
    if action == "withdraw":
        return services.change_withdraw(change=change, actor=actor, comment=comment)
    if action == "accept":
        return services.change_accept(
            change=change,
            actor=actor,
            needs_inspection=data.get("needs_inspection", False),
            provider_work=data.get("provider_work") or [],
            comment=comment,
        )
    return services.change_complete(change=change, actor=actor)


def _decision_refusal(change: ChangeRequest, action: str) -> str:
    """Why the decision cannot be taken now ("" when it can): the change's state, or — to apply
    it — what still stands."""
    transition = DECISIONS[action]["transition"]
    possible = any(
        t.name == transition and t.source == change.state
        for t in change.get_all_state_transitions()
    )
    if not possible:
        return _("This cannot be done while the change is in the state “{state}”.").format(
            state=change.get_state_display()
        )
    if action == "complete" and (outstanding := work_outstanding(change)):
        return " ".join([_("The change cannot be applied yet:"), *map(str, outstanding)])
    return ""


@login_required
def change_decide(request: HttpRequest, change_id: int, action: str) -> HttpResponse:
    """GET: the confirmation page of 補正, 却下, 取下げ, 受理 or 「変更を反映する」 (what it does,
    what the other side is told; nothing changes). POST from that page: the service, then the
    change's page with what comes next (今後の流れ). 補正 and 却下 need the comment the company
    reads."""
    user = request_user(request)
    change = _change(request, change_id)
    spec = DECISIONS[action]
    if not permissions.may(user, spec["permission"], change):
        raise _forbidden()
    back = reverse("change_detail", args=[change.pk])
    after = AfterMessage()
    confirmation = Confirmation(
        title=spec["title"],
        object_label=change.number,
        back=back,
        success=after,
        consequence=_consequence(action, change),
        told=(spec["told"],),
        told_who=spec["told_who"],
        comment=spec["comment"],
        danger=action in ("reject", "withdraw", "return"),
        crumbs=_crumbs(change, back),
        refusal=_decision_refusal(change, action),
    )

    def decision_form(data: Any) -> DecisionForm:
        return DecisionForm(
            data, action=action, kind=change.kind, comment_required=spec["comment"] == "required"
        )

    def act(data: dict[str, Any]) -> None:
        _decide(change, action, user, data)
        after.text = change_done_message(action, selectors.change_get_for(user, change.pk))

    return confirm_action(request, confirmation, act, form=decision_form)


# The site page's section --------------------------------------------------------------------------


def site_panel(request: HttpRequest, site: Any) -> dict[str, Any] | None:
    """The site's changes (for those who see them), the start of a new one (the PSA, once the
    site has completed 加入) and the history of its registered data."""
    user = request_user(request)
    applicant = not permissions.is_company_member(user) or user.role in APPLICANTS
    changes = list(selectors.changes_of_site(user, site)[:20]) if applicant else []
    history = list(selectors.site_history_for(user, site)[:HISTORY_ROWS])
    may_file = permissions.may(user, "change.file", site)
    enrolled = may_file and not site.is_closed and completed_case(site) is not None
    return {
        "site": site,
        "changes": changes,
        "history": history_rows(history),
        "can_start": enrolled,
        "show_changes": applicant,
    }
