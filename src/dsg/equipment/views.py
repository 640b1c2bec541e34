"""Pages of the §5 requests (利用端末・ソフトウェア・可搬記憶媒体の申請): the site's
requests, filing one (kind → lines → 「入力内容の確認」 → 受付番号 and 「今後の流れ」),
the request's page with its lines and their decisions, the 追加資料依頼 and its answer, the
documents, 取下げ; the office's queue, 受理 and the decision on each line through a
confirmation page.

Every page reads through the selectors (a request another party may not see is a 404) and acts
through one service; a refusal is shown beside its line and field and in the error summary, and
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from dsg.core.forms import CommentRule, error_summary, form_refused
from dsg.core.views import Confirmation, confirm_action
from dsg.documents.api import subject_upload_store
from dsg.documents.selectors import documents_for
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import Site, User
from dsg.orgs.selectors import site_get_for
from dsg.registry.catalogues import whitelist_match
from dsg.registry.selectors import media_standing, terminals_standing

from . import selectors, services
from .after import AFTER_ACTION, AfterMessage, request_done_message
from .checks import (
    LineError,
    SoftwareLineValues,
)
from .display import age_days, decide_consequence, decorate, waiting_on, withdraw_consequence
from .forms import (
    AnswerForm,
    AskForm,
    DecisionForm,
    DocumentForm,
    FilterForm,
    HelpdeskAnswerForm,
    HelpdeskForm,
    KindForm,
    PurposeForm,
    label_of,
    line_formset_class,
)
from .models import EquipmentRequest, HelpdeskRequest, RequestKind, RequestState
from .policy import APPLICANTS

LIST_PAGE = 50
SITE_ROWS = 50


def _forbidden() -> RuleViolation:
    return RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)


def _request(request: HttpRequest, pk: int) -> EquipmentRequest:
    return selectors.request_get_for(request_user(request), pk)


def _applicant_or_office(user: User) -> None:
    """A 利用者 files nothing and reads no request (403 on the lists; a request itself is a 404
    to them, as to anyone who may not see it); the provider has only the helpdesk's list."""
    if permissions.is_company_member(user):
        if user.role not in APPLICANTS:
            raise _forbidden()
    elif not permissions.is_office(user):
        raise _forbidden()


def _site_terminals(site: Site) -> list[tuple[str, str]]:
    return [(t.ref, f"{t.ref} {t.name}") for t in terminals_standing(site)]


def _site_media(site: Site) -> list[tuple[str, str]]:
    media = media_standing(site)
    return [(m.ref, f"{m} {m.serial_number}".strip()) for m in media]


# The site's requests ------------------------------------------------------------------------------


@login_required
def site_requests(request: HttpRequest, site_id: int) -> HttpResponse:
    """利用端末等の申請 of one site: its requests and its helpdesk requests, newest first."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    if permissions.is_company_member(user) and user.role not in APPLICANTS:
        raise _forbidden()
    rows: list[Any] = list(selectors.request_list_for(user).filter(site=site)[:SITE_ROWS])
    for row in rows:
        row.waiting_on = waiting_on(row)
    return render(
        request,
        "equipment/site_requests.html",
        {
            "site": site,
            "requests": rows,
            "helpdesk": list(selectors.helpdesk_list_for(user).filter(site=site)[:SITE_ROWS]),
            "can_file": permissions.may(user, "equipment_request.file", site)
            and not site.is_closed,
            "show_requests": not permissions.is_provider(user),
        },
    )


# Filing: kind → lines → 入力内容の確認 → 受付番号 ------------------------------------------------


class Filing:
    """The filing page's forms, bound to what was posted (or fresh)."""

    def __init__(self, request: HttpRequest, site: Site, kind: str) -> None:
        self.site, self.kind = site, kind
        self.terminals, self.media = _site_terminals(site), _site_media(site)
        post = request.POST if request.method == "POST" else None
        self.purpose = PurposeForm(post)
        self.lines = self._formset(post)
        self.page_errors: list[str] = []

    def _formset(self, data: Any = None, initial: Any = None, extra: int = 1) -> Any:
        kwargs = {"terminals": self.terminals, "media": self.media}
        return line_formset_class(self.kind, extra)(
            data, initial=initial, prefix="line", form_kwargs=kwargs
        )

    def reopen(self, *, extra: int) -> None:
        """The same rows, unbound (no error shown yet), with ``extra`` empty rows after them."""
        rows = [{name: form[name].value() for name in form.fields} for form in self.lines.forms]
        self.purpose = PurposeForm(initial={"purpose": self.purpose["purpose"].value()})
        self.lines = self._formset(initial=rows, extra=extra)

    def is_valid(self) -> bool:
        valid = self.purpose.is_valid() & self.lines.is_valid()
        if valid and not self.rows():
            self.page_errors.append(_("Add at least one line to the request."))
            return False
        return valid

    def numbered(self) -> list[tuple[int, Any]]:
        """(the row's number on the page, its form) of every row that is not empty."""
        return [(n, f) for n, f in enumerate(self.lines.forms, start=1) if not f.is_blank()]

    def rows(self) -> list[dict[str, Any]]:
        return [form.line() for _n, form in self.numbered()]

    def refuse(self, refusal: RuleViolation) -> None:
        """A refusal beside the line and field it names, or of the whole request."""
        if refusal.status in (403, 404):
            raise refusal
        if isinstance(refusal, LineError):
            numbered = self.numbered()
            if 0 < refusal.line <= len(numbered):
                form_refused(numbered[refusal.line - 1][1], refusal)
                return
        if refusal.field == "purpose":
            self.purpose.add_error("purpose", str(refusal.message))
        else:
            self.page_errors.append(str(refusal.message))

    def errors(self) -> list[dict[str, str]]:
        summary = [{"label": "", "message": m, "anchor": ""} for m in self.page_errors]
        summary += error_summary(self.purpose)
        summary += [
            {"label": "", "message": str(e), "anchor": ""} for e in self.lines.non_form_errors()
        ]
        for number, form in enumerate(self.lines.forms, start=1):
            summary += error_summary(form, prefix=_("Line {line}").format(line=number))
        return summary

    def preview(self) -> list[dict[str, Any]]:
        """Each line checked as filing will check it, with what will become of it; a refused
        line raises its LineError."""
        numbered = list(self.numbered())
        values = services.request_check(site=self.site, kind=self.kind, lines=self.rows())
        shown = []
        for (number, form), value in zip(numbered, values, strict=True):
            shown.append(
                {"number": number, "fields": _shown_fields(form), "note": _preview_note(value)}
            )
        return shown


def _shown_fields(form: Any) -> list[tuple[str, str]]:
    """(label, value as the page shows it) of each field the row filled in."""
    shown = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", [], False):
            continue
        labels = {str(k): str(v) for k, v in getattr(field, "choices", ())}
        if isinstance(value, bool):
            text = _("Yes")
        elif isinstance(value, list):
            text = ", ".join(labels.get(str(v), str(v)) for v in value)
        else:
            text = labels.get(str(value), str(value))
        shown.append((str(field.label), text))
    return shown


def _preview_note(value: Any) -> str:
    if not isinstance(value, SoftwareLineValues):
        return ""
    if value.installs_online or value.updates_online:
        return _(
            "Software that needs online installation or updates is not approved (留意事項(2)): "
            "this line will be refused as soon as the request is filed."
        )
    if value.preinstalled:
        return _(
            "Preinstalled: it must not be started or used until the office approves it "
            "(留意事項(3))."
        )
    software = value.software
    if whitelist_match(software.name, software.vendor, software.version) is not None:
        return _(
            "On the whitelist: it needs no request. A helpdesk request (ヘルプデスクへの連絡) "
            "is opened instead, and the helpdesk tells you how to install it."
        )
    return ""


def _filing_page(
    request: HttpRequest, filing: Filing, template: str, **context: Any
) -> HttpResponse:
    errors = filing.errors()
    return render(
        request,
        template,
        {
            "site": filing.site,
            "kind": filing.kind,
            "kind_label": RequestKind(filing.kind).label,
            "purpose_form": filing.purpose,
            "lines": filing.lines,
            "numbered_forms": list(enumerate(filing.lines.forms, start=1)),
            "errors": errors,
            **context,
        },
        status=422 if errors else 200,
    )


@login_required
def request_new(request: HttpRequest, site_id: int) -> HttpResponse:
    """GET without a kind: choose it. With a kind: the form with its lines; 「行を追加」 adds a
    row, 「入力内容の確認」 shows what will be filed, 「申請する」 files it."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    if not permissions.may(user, "equipment_request.file", site):
        raise _forbidden()
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    if kind not in RequestKind.values:
        chooser = KindForm(request.GET if "kind" in request.GET else None)
        return render(
            request,
            "equipment/request_kind.html",
            {"site": site, "form": chooser, "errors": error_summary(chooser)},
            status=422 if chooser.errors else 200,
        )
    filing = Filing(request, site, kind)
    step = request.POST.get("step", "")
    if request.method != "POST":
        return _filing_page(request, filing, "equipment/request_form.html")
    if step in ("add_row", "edit"):
        filing.reopen(extra=1 if step == "add_row" else 0)
        return _filing_page(request, filing, "equipment/request_form.html")
    if not filing.is_valid():
        return _filing_page(request, filing, "equipment/request_form.html")
    if step == "file":
        return _file(request, filing)
    try:
        preview = filing.preview()
    except LineError as refusal:
        filing.refuse(refusal)
        return _filing_page(request, filing, "equipment/request_form.html")
    return _filing_page(
        request,
        filing,
        "equipment/request_confirm.html",
        preview=preview,
        document_form=DocumentForm(),
    )


def _file(request: HttpRequest, filing: Filing) -> HttpResponse:
    user = request_user(request)
    document_form = DocumentForm(request.POST, request.FILES)
    document_form.is_valid()
    try:
        result = services.request_file(
            site=filing.site,
            actor=user,
            kind=filing.kind,
            purpose=filing.purpose.cleaned_data["purpose"],
            lines=filing.rows(),
        )
    except RuleViolation as refusal:
        filing.refuse(refusal)
        return _filing_page(request, filing, "equipment/request_form.html")
    upload = document_form.cleaned_data.get("file") if document_form.is_valid() else None
    if upload is not None and result.request is not None:
        _store_filed_document(request, result.request, document_form)
    query = {"helpdesk": ",".join(str(t.pk) for t in result.helpdesk)}
    if result.request is not None:
        query["request"] = str(result.request.pk)
    target = reverse("equipment_request_filed", args=[filing.site.pk])
    return HttpResponseRedirect(f"{target}?{urlencode(query)}", status=303)


def _store_filed_document(request: HttpRequest, filed: EquipmentRequest, form: Any) -> None:
    """The document given with the filing, stored with the request (already filed: a refused
    document is said, and can be attached on the request's page)."""
    try:
        _store(request, filed, form)
    except RuleViolation as refusal:
        if refusal.status == 404:
            raise
        messages.error(
            request,
            _(
                "The request was filed, but the document was not stored: {reason} Attach it on "
                "the request's page."
            ).format(reason=refusal.message),
        )


def _store(request: HttpRequest, subject: EquipmentRequest, form: Any) -> Any:
    return subject_upload_store(
        actor=request_user(request),
        subject=subject,
        kind=form.cleaned_data.get("document_kind") or "other",
        password=form.cleaned_data.get("password") or "",
        dated_on=None,
        file=form.cleaned_data.get("file"),
    )


def _ids(value: str) -> list[int]:
    return [int(part) for part in value.split(",") if part.strip().isdigit()]


@login_required
def request_filed(request: HttpRequest, site_id: int) -> HttpResponse:
    """The confirmation: the 受付番号, the helpdesk requests opened instead of lines on the
    whitelist, and 「今後の流れ」."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    filed = (
        selectors.request_list_for(user)
        .filter(site=site, pk__in=_ids(request.GET.get("request", "")))
        .first()
    )
    helpdesk = list(
        selectors.helpdesk_list_for(user).filter(
            site=site, pk__in=_ids(request.GET.get("helpdesk", ""))
        )
    )
    return render(
        request,
        "equipment/request_filed.html",
        {"site": site, "filed": filed, "helpdesk": helpdesk},
    )


# The queue and the request's page ---------------------------------------------------------------


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """The office's queue: the open requests, the oldest first, with their age (filter by kind
    and state); the company's applicants see their own."""
    user = request_user(request)
    _applicant_or_office(user)
    filters = FilterForm(request.GET or None)
    state = kind = ""
    if filters.is_valid():
        state, kind = filters.cleaned_data["state"], filters.cleaned_data["kind"]
    rows = selectors.request_list_for(user)
    if state == "":
        rows = selectors.request_queue_for(user)
    elif state != "all":
        rows = rows.filter(state=state).order_by("-filed_at", "-pk")
    if kind:
        rows = rows.filter(kind=kind)
    page = Paginator(rows, LIST_PAGE).get_page(request.GET.get("page"))
    row: Any
    for row in page.object_list:
        row.age = age_days(row)
        row.waiting_on = waiting_on(row)
    query = {k: str(v) for k, v in request.GET.items() if k in filters.fields and v}
    counts = selectors.request_counts_for(user)
    return render(
        request,
        "equipment/request_list.html",
        {
            "page": page,
            "requests": page.object_list,
            "filters": filters,
            "filter_query": urlencode(query),
            "counts": [(s, RequestState(s).label, counts.get(s, 0)) for s in _OPEN_ORDER],
            "show_company": not permissions.is_company_member(user),
        },
    )


_OPEN_ORDER = (RequestState.FILED, RequestState.UNDER_REVIEW, RequestState.INFO_REQUESTED)


def _detail_context(request: HttpRequest, filed: EquipmentRequest) -> dict[str, Any]:
    user = request_user(request)
    reviewing = permissions.may(user, "equipment_request.review", filed)
    deciding = reviewing and filed.state in (RequestState.FILED, RequestState.UNDER_REVIEW)
    lines = decorate(selectors.lines_of(user, filed), office=deciding)
    pending = [line for line in lines if line.is_pending]
    return {
        "req": filed,
        "lines": lines,
        "asks": selectors.info_requests_of(user, filed),
        "documents": list(documents_for(user, filed)),
        "waiting_on": waiting_on(filed),
        "can_take_up": reviewing and filed.state == RequestState.FILED,
        "can_ask": deciding,
        "can_decide": deciding and bool(pending),
        "can_answer": permissions.may(user, "equipment_request.answer", filed)
        and filed.state == RequestState.INFO_REQUESTED,
        "can_withdraw": permissions.may(user, "equipment_request.withdraw", filed)
        and filed.is_open,
        "can_upload": permissions.may(user, "equipment_request.file", filed) and filed.is_open,
    }


def _detail(request: HttpRequest, filed: EquipmentRequest, **bound: Any) -> HttpResponse:
    context = _detail_context(request, filed)
    forms = {
        "ask_form": AskForm(),
        "answer_form": AnswerForm(),
        "upload_form": DocumentForm(required=True),
    }
    forms.update(bound)
    context.update(forms)
    context["errors"] = error_summary(*bound.values())
    return render(
        request,
        "equipment/request_detail.html",
        context,
        status=422 if context["errors"] else 200,
    )


@login_required
def request_detail(request: HttpRequest, equipment_request_id: int) -> HttpResponse:
    return _detail(request, _request(request, equipment_request_id))


def _done(request: HttpRequest, filed: EquipmentRequest, message: str, anchor: str = "") -> Any:
    messages.success(request, message)
    back = reverse("equipment_request_detail", args=[filed.pk]) + (f"#{anchor}" if anchor else "")
    return HttpResponseRedirect(back, status=303)


@login_required
@require_POST
def request_ask(request: HttpRequest, equipment_request_id: int) -> HttpResponse:
    """追加資料依頼: what the office needs, by a date if it gives one."""
    user = request_user(request)
    filed = _request(request, equipment_request_id)
    if not permissions.may(user, "equipment_request.review", filed):
        raise _forbidden()
    form = AskForm(request.POST)
    if form.is_valid():
        try:
            services.request_ask(
                request=filed,
                actor=user,
                message=form.cleaned_data["message"],
                due_on=form.cleaned_data["due_on"],
            )
        except RuleViolation as refusal:
            form_refused(form, refusal)
        else:
            return _done(request, filed, request_done_message("ask", filed), "asks")
    return _detail(request, filed, ask_form=form)


@login_required
@require_POST
def request_answer(request: HttpRequest, equipment_request_id: int) -> HttpResponse:
    """The PSA answers the 追加資料依頼, with the document asked for (stored first)."""
    user = request_user(request)
    filed = _request(request, equipment_request_id)
    if not permissions.may(user, "equipment_request.answer", filed):
        raise _forbidden()
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            if form.cleaned_data.get("file") is not None:
                _store(request, filed, form)
            services.request_answer(request=filed, actor=user, answer=form.cleaned_data["answer"])
        except RuleViolation as refusal:
            form_refused(form, refusal)
        else:
            return _done(request, filed, request_done_message("answer", filed), "asks")
    return _detail(request, filed, answer_form=form)


@login_required
@require_POST
def request_upload(request: HttpRequest, equipment_request_id: int) -> HttpResponse:
    """A document of the request into the company's folder, with the request as its subject;
    the office is told."""
    user = request_user(request)
    filed = _request(request, equipment_request_id)
    if not permissions.may(user, "equipment_request.file", filed):
        raise _forbidden()
    form = DocumentForm(request.POST, request.FILES, required=True)
    if form.is_valid():
        try:
            document = _store(request, filed, form)
        except RuleViolation as refusal:
            form_refused(form, refusal)
        else:
            message = request_done_message("upload", filed, name=document.filename)
            return _done(request, filed, message, "documents")
    return _detail(request, filed, upload_form=form)


# 受理, 取下げ and the decision, each through the confirmation page (core.views.confirm_action) ---


@dataclass(frozen=True)
class Step:
    """One irreversible step on a request: who may take it, in which states, its title, what it
    does and what the other side is told, whether it needs a comment. What comes next once taken:
    after.AFTER_ACTION."""

    permission: str
    states: tuple[str, ...]
    title: Any
    told_who: Any
    told: Any
    comment: CommentRule
    comment_label: Any = None
    danger: bool = False


STEPS: dict[str, Step] = {
    "take_up": Step(
        permission="equipment_request.review",
        states=(RequestState.FILED,),
        title=gettext_lazy("Take the request up (受理)"),
        told_who=gettext_lazy("the company's PSA"),
        told=gettext_lazy("The review of the request has started (受理・審査中)."),
        comment="none",
    ),
    "withdraw": Step(
        permission="equipment_request.withdraw",
        states=(RequestState.FILED, RequestState.UNDER_REVIEW, RequestState.INFO_REQUESTED),
        title=gettext_lazy("Withdraw the request (取下げ)"),
        told_who=gettext_lazy("the office"),
        told=gettext_lazy("The request was withdrawn (取下げ), with your reason."),
        comment="required",
        comment_label=label_of(EquipmentRequest, "withdraw_reason"),
        danger=True,
    ),
    "decide": Step(
        permission="equipment_request.review",
        states=(RequestState.FILED, RequestState.UNDER_REVIEW),
        title=gettext_lazy("Decide the lines (承認・却下)"),
        told_who=gettext_lazy("the company's PSA"),
        told=gettext_lazy(
            "Each decided line: approved (承認), or refused (却下) with your reason; and, once no "
            "line is left undecided, the request's outcome."
        ),
        comment="optional",
        danger=True,
    ),
}


def _take_up_consequence() -> list[str]:
    return [
        _(
            "The request is taken up (受理): its state becomes under review (受理・審査中) and "
            "you become its reviewer."
        ),
        _(
            "Then decide its lines (承認・却下), or ask the company for more documents "
            "(追加資料依頼)."
        ),
    ]


def _confirmation(
    request: HttpRequest, filed: EquipmentRequest, name: str, consequence: list[str], after: Any
) -> Confirmation:
    step = STEPS[name]
    back = reverse("equipment_request_detail", args=[filed.pk])
    refusal = (
        ""
        if filed.state in step.states
        else _("This cannot be done while the request is “{state}”.").format(
            state=filed.get_state_display()
        )
    )
    return Confirmation(
        title=step.title,
        object_label=filed.receipt_number,
        back=back,
        success=after,
        consequence=consequence,
        told=(step.told,),
        told_who=step.told_who,
        comment=step.comment,
        comment_label=step.comment_label,
        danger=step.danger,
        crumbs=(
            (_("Dashboard"), reverse("dashboard")),
            (_("Requests for terminals, software and media"), reverse("equipment_request_list")),
            (filed.receipt_number, back),
        ),
        refusal=refusal,
    )


def _step(
    request: HttpRequest,
    filed: EquipmentRequest,
    name: str,
    *,
    consequence: list[str],
    act: Callable[[dict[str, Any], AfterMessage], None],
    form: Callable[[Any], Any] | None = None,
) -> HttpResponse:
    """GET: the step's confirmation page (nothing changes). POST from it: the service, then the
    request's page with what comes next (a POST that skips the page acts on nothing:
    ``confirm_action``)."""
    if not permissions.may(request_user(request), STEPS[name].permission, filed):
        raise _forbidden()
    after = AfterMessage()
    confirmation = _confirmation(request, filed, name, consequence, after)
    return confirm_action(request, confirmation, lambda data: act(data, after), form=form)


@login_required
def request_take_up(request: HttpRequest, equipment_request_id: int) -> HttpResponse:
    """受理: the reviewer takes the request up and becomes its reviewer."""
    user = request_user(request)
    filed = _request(request, equipment_request_id)

    def act(_data: dict[str, Any], after: AfterMessage) -> None:
        done = services.request_take_up(request=filed, actor=user)
        after.text = request_done_message("take_up", done)

    return _step(request, filed, "take_up", consequence=_take_up_consequence(), act=act)


@login_required
def request_withdraw(request: HttpRequest, equipment_request_id: int) -> HttpResponse:
    """取下げ: the consequence, the reason the office reads, and the button that ends it."""
    user = request_user(request)
    filed = _request(request, equipment_request_id)

    def act(data: dict[str, Any], after: AfterMessage) -> None:
        done = services.request_withdraw(request=filed, actor=user, reason=data["comment"])
        after.text = request_done_message("withdraw", done)

    return _step(request, filed, "withdraw", consequence=withdraw_consequence(), act=act)


@login_required
def request_decide(request: HttpRequest, equipment_request_id: int) -> HttpResponse:
    """The decision on the pending lines (approved lines change the registry), on the
    confirmation page: each line's verdict and reason, what deciding does, who is told."""
    user = request_user(request)
    filed = _request(request, equipment_request_id)
    if not permissions.may(user, "equipment_request.review", filed):
        raise _forbidden()
    deciding = filed.state in STEPS["decide"].states
    lines = decorate(selectors.lines_of(user, filed), office=True) if deciding else []
    pending = [line for line in lines if line.is_pending]

    def decision_form(data: Any) -> DecisionForm:
        return DecisionForm(data, lines=pending)

    def act(data: dict[str, Any], after: AfterMessage) -> None:
        verdicts = decision_form(request.POST)
        verdicts.is_valid()
        try:
            services.request_decide(
                request=filed, actor=user, verdicts=verdicts.verdicts(), comment=data["comment"]
            )
        except LineError as refusal:  # beside the line's own field
            field = "reason" if refusal.field == "reason" else "verdict"
            raise RuleViolation(
                refusal.message, code=refusal.code, field=f"line-{refusal.line}-{field}"
            ) from refusal
        done = selectors.request_get_for(user, filed.pk)
        left = len(pending) - len(verdicts.verdicts())
        after.text = request_done_message("decide", done, pending=left)

    consequence = decide_consequence(filed.kind, True, True)
    return _step(request, filed, "decide", consequence=consequence, act=act, form=decision_form)


# Helpdesk requests (whitelisted software) --------------------------------------------------------


def _helpdesk_reader(user: User) -> None:
    if permissions.is_company_member(user) and user.role not in APPLICANTS:
        raise _forbidden()
    if not (
        permissions.is_company_member(user)
        or permissions.is_office(user)
        or permissions.is_provider(user)
    ):
        raise NotVisible()


@login_required
def helpdesk_list(request: HttpRequest) -> HttpResponse:
    """The helpdesk requests: the provider's to answer (open first), the company's own."""
    user = request_user(request)
    _helpdesk_reader(user)
    state = request.GET.get("state", "open")
    tickets = selectors.helpdesk_list_for(user)
    if state in ("open", "answered"):
        tickets = tickets.filter(state=state)
    tickets = tickets.order_by("filed_at", "pk") if state == "open" else tickets
    page = Paginator(tickets, LIST_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "equipment/helpdesk_list.html",
        {
            "page": page,
            "tickets": page.object_list,
            "state": state if state in ("open", "answered") else "all",
            "filter_query": urlencode({"state": state}),
            "show_company": not permissions.is_company_member(user),
        },
    )


def _helpdesk_page(request: HttpRequest, ticket: HelpdeskRequest) -> Any:
    user = request_user(request)
    can_answer = permissions.may(user, "helpdesk.answer", ticket) and ticket.state == "open"
    return render(
        request,
        "equipment/helpdesk_detail.html",
        {
            "ticket": ticket,
            "terminals": list(ticket.terminals.order_by("name", "pk")),
            "form": HelpdeskAnswerForm() if can_answer else None,
        },
    )


@login_required
def helpdesk_detail(request: HttpRequest, helpdesk_request_id: int) -> HttpResponse:
    ticket = selectors.helpdesk_get_for(request_user(request), helpdesk_request_id)
    return _helpdesk_page(request, ticket)


@login_required
def helpdesk_answer(request: HttpRequest, helpdesk_request_id: int) -> HttpResponse:
    """The provider's helpdesk answers with its instructions (once), through the confirmation
    page: the request's page sends the instructions here to be read again before they go."""
    user = request_user(request)
    ticket = selectors.helpdesk_get_for(user, helpdesk_request_id)
    if not permissions.may(user, "helpdesk.answer", ticket):
        raise _forbidden()
    back = reverse("helpdesk_detail", args=[ticket.pk])
    confirmation = Confirmation(
        title=_("Send the instructions"),
        object_label=ticket.number,
        back=back,
        success=AFTER_ACTION["helpdesk_answer"],
        consequence=(
            _(
                "The instructions are the helpdesk's answer to this request: it is answered "
                "once, and the answer cannot be changed afterwards."
            ),
        ),
        told_who=_("the company"),
        told=(
            _(
                "The company's protection system administrators receive the instructions by "
                "mail; they also stand on the request's page."
            ),
        ),
        danger=False,
        crumbs=(
            (_("Dashboard"), reverse("dashboard")),
            (_("Helpdesk requests (ヘルプデスクへの連絡)"), reverse("helpdesk_list")),
            (ticket.number, back),
        ),
        refusal="" if ticket.state == "open" else _("The helpdesk has already answered."),
    )
    return confirm_action(
        request,
        confirmation,
        lambda data: services.helpdesk_answer(ticket=ticket, actor=user, answer=data["answer"]),
        form=HelpdeskAnswerForm,
    )


@login_required
def helpdesk_new(request: HttpRequest, site_id: int) -> HttpResponse:
    """The PSA asks the helpdesk to enable whitelisted software on some terminals."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    if not permissions.may(user, "helpdesk.file", site):
        raise _forbidden()
    form = HelpdeskForm(
        request.POST if request.method == "POST" else None, terminals=_site_terminals(site)
    )
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.helpdesk_file(site=site, actor=user, **form.cleaned_data)
        except RuleViolation as refusal:
            form_refused(form, refusal)
        else:
            target = reverse("equipment_request_filed", args=[site.pk])
            return HttpResponseRedirect(f"{target}?helpdesk={ticket.pk}", status=303)
    errors = error_summary(form)
    return render(
        request,
        "equipment/helpdesk_new.html",
        {"site": site, "form": form, "errors": errors},
        status=422 if errors else 200,
    )
