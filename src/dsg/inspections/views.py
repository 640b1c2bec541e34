"""Pages of ② and ⑦. Each POST validates its input, calls one service and goes back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dsg.core import subjects
from dsg.core.errors import NotVisible, RuleViolation
from dsg.core.views import Confirmation, confirm_action
from dsg.orgs import permissions
from dsg.orgs.auth import request_user

from . import selectors, services
from .calendar import appointment_ics
from .inspected import (
    DECIDING,
    INSPECTING,
    REMEDIATING,
    Stage,
    effective_default,
    effective_label,
    inspected,
    stage_of,
)
from .models import Decision, InspectionKind, InspectionStatus, Result
from .printing import checklist_pdf_response

PHOTO_MAX = 10 * 1024 * 1024
SCAN_MAX = 20 * 1024 * 1024


def _back(inspection_id: int) -> str:
    return reverse("inspection_detail", args=[inspection_id])


def _required(request: HttpRequest, action: str, obj: Any) -> None:
    if not permissions.may(request_user(request), action, obj):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    """Open rounds and overdue deficiencies: what each side has to look at."""
    user = request_user(request)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    inspections = (
        selectors.inspection_list_for(user=user)
        .exclude(status=InspectionStatus.FINISHED)
        .order_by("scheduled_for", "pk")[:100]
    )
    overdue = selectors.overdue_deficiencies_for(user=user)[:100]
    return render(
        request,
        "inspections/inspection_list.html",
        {"inspections": inspections, "overdue": overdue},
    )


@login_required
def inspection_detail(request: HttpRequest, inspection_id: int) -> HttpResponse:
    if request.method != "GET":
        selectors.inspection_get_for(user=request_user(request), pk=inspection_id)
        return HttpResponseNotAllowed(["GET"])
    return _detail(request, inspection_id)


# The round page's forms: a refusal's field -> the id of its input, where its error is drawn and
# the page's error summary links to (#12). The first is where an error of no field goes.
SLOT_FIELDS = {"starts": "slot-1", "hours": "slot-hours", "exception_reason": "slot-exception"}
PICK_FIELDS = {"slot_id": "slot-0", "entry_notes": "entry-notes"}
OTHER_DATES_FIELDS = {"message": "other-msg"}
# The tablet's and the paper round's fields of one item, by the id prefix of their inputs.
ITEM_FIELDS = {
    "result": "result-",
    "note": "note-",
    "due_on": "due-",
    "no_remediation_reason": "reason-",
    "photo": "photo-",
}
PAPER_FIELDS = {"scan": "paper-scan", "performed_on": "paper-date"}


def _errors_of(refusal: RuleViolation, fields: dict[str, str]) -> list[dict[str, str]]:
    """The refusal as the page's error summary: one error, linked to the input it is about."""
    if refusal.status in (403, 404):
        raise refusal
    anchor = fields.get(refusal.field or "") or next(iter(fields.values()))
    return [{"label": "", "message": str(refusal.message), "anchor": anchor}]


def _on_detail(
    request: HttpRequest,
    inspection_id: int,
    call: Any,
    *,
    success: str,
    fields: dict[str, str],
) -> HttpResponse:
    """Call the service; back to the round's page on success, else the page drawn again with the
    error beside its input and what was entered (422, nothing changed)."""
    try:
        call()
    except RuleViolation as refusal:
        return _detail(request, inspection_id, errors=_errors_of(refusal, fields), status=422)
    messages.success(request, success)
    return HttpResponseRedirect(_back(inspection_id), status=303)


def _detail(
    request: HttpRequest,
    inspection_id: int,
    *,
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The round's page; ``errors``: a form's refusal, said beside its input (and what was
    entered kept) and in the page's error summary (#12)."""
    user = request_user(request)
    inspection = selectors.inspection_get_for(user=user, pk=inspection_id)
    subject = subjects.linked_subject(inspection)
    findings = selectors.findings_of(inspection)
    rounds = selectors.inspections_of(user=user, subject=subject)
    this = next(r for r in rounds if r.pk == inspection.pk)
    latest = max((r for r in rounds if r.kind == inspection.kind), key=lambda r: r.round)
    stage = stage_of(subject)
    may = {
        name.replace(".", "_"): permissions.may(user, name, inspection)
        for name in (
            "inspection.schedule",
            "inspection.pick_slot",
            "inspection.record",
            "remediation.report",
            "remediation.decide",
        )
    }
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "inspection": this,
            "place": subjects.subject_type_of(subject).place(subject),
            "findings": findings,
            "slots": [a for a in this.appointments.all() if a.is_active],
            "deficiencies": list(this.deficiencies.all()),
            "may": may,
            "is_open": not inspection.is_finished,
            "can_report": may["remediation_report"]
            and stage == Stage(inspection.kind, REMEDIATING)
            and latest.pk == inspection.pk,
            "can_decide": may["remediation_decide"]
            and stage == Stage(inspection.kind, DECIDING)
            and latest.pk == inspection.pk
            and not inspection.decision,
            "decisions": Decision.choices,
            "today": timezone.localdate(),
            **_effective_field(subject, inspection.kind),
            "pick_error": next((e["message"] for e in errors or () if e["anchor"] == "slot-0"), ""),
            "errors": errors or [],
            "posted": request.POST if errors else {},
            "entry_notes": request.POST.get("entry_notes") if errors else None,
        },
        status=status,
    )


def _effective_field(subject: Any, kind: str) -> dict[str, Any]:
    """The date the office sets when this kind of round decides the subject's outcome (a
    case's 利用開始日 at ⑦), with its proposed value; nothing when no date is asked."""
    label = effective_label(subject, kind)
    if label is None:
        return {}
    return {"effective_label": label, "effective_default": effective_default(subject)}


@login_required
def inspection_checklist(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """The checklist sent to the company in advance: a printable page."""
    inspection = selectors.inspection_get_for(user=request_user(request), pk=inspection_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    findings = selectors.findings_of(inspection)
    return render(
        request,
        "inspections/checklist_print.html",
        {"inspection": inspection, "themes": selectors.findings_by_theme(findings)},
    )


@login_required
def inspection_checklist_pdf(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """The same checklist as a PDF to file or print (Japanese, fonts embedded; not signed)."""
    inspection = selectors.inspection_get_for(user=request_user(request), pk=inspection_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return checklist_pdf_response(inspection)


@login_required
def appointment_calendar(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = selectors.inspection_get_for(user=request_user(request), pk=inspection_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    chosen = inspection.calendar_date
    if chosen is None:
        raise NotVisible()
    response = HttpResponse(
        appointment_ics(inspection, chosen), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="inspection-{inspection.pk}.ics"'
    return response


@login_required
def inspection_record(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """The tablet page: one theme per section, each saved on its own; no JavaScript needed."""
    user = request_user(request)
    inspection = selectors.inspection_get_for(user=user, pk=inspection_id)
    if request.method == "POST":
        _required(request, "inspection.record", inspection)
        theme = request.POST.get("theme", "")
        back = reverse("inspection_record", args=[inspection.pk]) + (
            f"#theme-{theme}" if theme else ""
        )
        try:
            services.inspection_record(inspection=inspection, actor=user, entries=_entries(request))
        except RuleViolation as refusal:
            if refusal.status in (403, 404):
                raise
            return _record_page(request, inspection, errors=_item_errors(refusal), status=422)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(back, status=303)
    return _record_page(request, inspection)


def _record_page(
    request: HttpRequest,
    inspection: Any,
    *,
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The tablet page; ``errors``: the section sent back, each error beside its item's input,
    with what was entered (#12)."""
    user = request_user(request)
    findings = selectors.findings_of(inspection)
    recorded = sum(1 for f in findings if f.result)
    if errors:
        _keep_posted(request, findings)
    return render(
        request,
        "inspections/record.html",
        {
            "inspection": inspection,
            "themes": selectors.findings_by_theme(findings),
            "can_record": permissions.may(user, "inspection.record", inspection)
            and not inspection.is_finished,
            "results": Result.choices,
            "recorded": recorded,
            "total": len(findings),
            "today": timezone.localdate(),
            "default_due": timezone.localdate() + dt.timedelta(days=services.DEFAULT_DUE_DAYS),
            "errors": errors or [],
        },
        status=status,
    )


def _keep_posted(request: HttpRequest, findings: Any) -> None:
    """What was entered before a refusal, else what is recorded."""
    post = request.POST
    for finding in findings:
        key = str(finding.pk)
        if key not in post.getlist("finding"):
            continue
        finding.result = post.get(f"result-{key}", finding.result)
        finding.note = post.get(f"note-{key}", finding.note)
        finding.no_remediation_reason = post.get(f"reason-{key}", finding.no_remediation_reason)
        due = parse_date(post.get(f"due-{key}", "") or "")
        finding.due_on = due or finding.due_on


class ItemRefused(RuleViolation):
    """An item's entry refused: which item (``finding_id``) the field is of."""

    def __init__(self, refusal: RuleViolation, finding_id: int) -> None:
        super().__init__(
            refusal.message, code=refusal.code, status=refusal.status, field=refusal.field
        )
        self.finding_id = finding_id


def _item_errors(refusal: RuleViolation) -> list[dict[str, str]]:
    """A refusal of the tablet or paper page, linked to its item's input when it names one."""
    if isinstance(refusal, ItemRefused):
        prefix = ITEM_FIELDS.get(refusal.field or "", "result-")
        anchor = f"{prefix}{refusal.finding_id}"
    else:
        anchor = ""
    return [{"label": "", "message": str(refusal.message), "anchor": anchor}]


def _entries(request: HttpRequest) -> list[services.FindingInput]:
    """The items of the posted section that have a result chosen."""
    entries = []
    for raw in request.POST.getlist("finding"):
        if not raw.isdigit():
            continue
        result = request.POST.get(f"result-{raw}", "")
        if not result:
            continue
        photo = request.FILES.get(f"photo-{raw}")
        data = photo.read(PHOTO_MAX + 1) if photo else b""
        if len(data) > PHOTO_MAX:
            too_large = _("The photo is too large (at most 10 MB).")
            refusal = RuleViolation(too_large, code="too_large", status=422, field="photo")
            raise ItemRefused(refusal, int(raw))
        entry = services.FindingInput(
            finding_id=int(raw),
            result=result,
            note=request.POST.get(f"note-{raw}", ""),
            due_on=parse_date(request.POST.get(f"due-{raw}", "") or "") or None,
            photo_name=(photo.name or "") if photo else "",
            photo_data=data,
            no_remediation_reason=request.POST.get(f"reason-{raw}", ""),
        )
        try:
            services.finding_input_check(entry)  # each item's error beside its own input
        except RuleViolation as refusal:
            raise ItemRefused(refusal, entry.finding_id) from None
        entries.append(entry)
    return entries


def _refused(request: HttpRequest, message: Any, back: str) -> HttpResponse:
    messages.error(request, str(message))
    return HttpResponseRedirect(back, status=303)


def _post_inspection(request: HttpRequest, inspection_id: int) -> Any:
    return selectors.inspection_get_for(user=request_user(request), pk=inspection_id)


@login_required
@require_POST
def propose_slots(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _post_inspection(request, inspection_id)
    _required(request, "inspection.schedule", inspection)
    starts = []
    for raw in request.POST.getlist("starts_at"):
        value = parse_datetime(raw) if raw else None
        if value is not None:
            starts.append(timezone.make_aware(value) if timezone.is_naive(value) else value)
    hours = request.POST.get("hours", "3")
    return _on_detail(
        request,
        inspection.pk,
        lambda: services.inspection_propose_slots(
            inspection=inspection,
            actor=request_user(request),
            starts=starts,
            hours=int(hours) if hours.isdigit() else 0,
            exception_reason=request.POST.get("exception_reason", ""),
        ),
        success=_("The dates were sent to the company."),
        fields=SLOT_FIELDS,
    )


@login_required
@require_POST
def pick_slot(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _post_inspection(request, inspection_id)
    _required(request, "inspection.pick_slot", inspection)
    raw = request.POST.get("slot_id", "")
    return _on_detail(
        request,
        inspection.pk,
        lambda: services.inspection_pick_slot(
            inspection=inspection,
            actor=request_user(request),
            slot_id=int(raw) if raw.isdigit() else 0,
            entry_notes=request.POST.get("entry_notes", ""),
        ),
        success=_("The date was chosen."),
        fields=PICK_FIELDS,
    )


@login_required
@require_POST
def ask_other_slots(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _post_inspection(request, inspection_id)
    _required(request, "inspection.pick_slot", inspection)
    return _on_detail(
        request,
        inspection.pk,
        lambda: services.inspection_ask_other_slots(
            inspection=inspection,
            actor=request_user(request),
            message=request.POST.get("message", ""),
        ),
        success=_("Your request was sent to the office."),
        fields=OTHER_DATES_FIELDS,
    )


class FinishForm(forms.Form):
    """Finishing a round: the day it was held, and the office's date where the round decides the
    subject's outcome (a case's 利用開始日 at ⑦)."""

    performed_on = forms.DateField(
        label=gettext_lazy("Performed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, effective_label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if effective_label is None:
            del self.fields["effective_on"]
        else:
            self.fields["effective_on"].label = effective_label
            self.fields["effective_on"].help_text = _("Used only if the round passes.")

    def clean_performed_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["performed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Please enter the date on which this was done."))
        return value


@login_required
def finish(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """GET: what finishing the round does — the round ends, its notice named as the guideline
    names it (現地確認結果通知書; at ⑦ with no deficiency the 加入完了通知書 and the case completed:
    加入完了, from its 利用開始日) and who is mailed — nothing changes; POST from that page: finish
    it (#12: nothing irreversible by one click). The tablet's round and the one kept from paper
    (``paper_round``, whose date this page proposes) finish here alike."""
    inspection = _post_inspection(request, inspection_id)
    _required(request, "inspection.record", inspection)
    subject = subjects.linked_subject(inspection)
    field = _effective_field(subject, inspection.kind)
    initial = {
        "performed_on": request.GET.get("performed_on")
        or inspection.performed_on
        or timezone.localdate(),
        "effective_on": request.GET.get("effective_on") or field.get("effective_default"),
    }

    def form(data: Any) -> FinishForm:
        return FinishForm(data, initial=initial, effective_label=field.get("effective_label"))

    findings = selectors.findings_of(inspection)
    confirmation = Confirmation(
        title=_("Finish the inspection"),
        object_label=inspection.get_kind_display(),
        back=_back(inspection.pk),
        success=_("The inspection was finished and its notice issued."),
        consequence=_finish_consequence(inspection, subject, findings, completes=bool(field)),
        told_who=_("the company"),
        told=(
            _(
                "The company's protection system administrators (保護システム管理者) are mailed "
                "that the notice is in the portal (the mail holds none of its content)."
            ),
        ),
        danger=False,
        refusal=_finish_refusal(inspection, findings, request_user(request)),
    )
    return confirm_action(
        request,
        confirmation,
        lambda data: services.inspection_finish(
            inspection=inspection,
            actor=request_user(request),
            performed_on=data["performed_on"],
            effective_on=data.get("effective_on"),
        ),
        form=form,
    )


def _finish_refusal(inspection: Any, findings: Any, user: Any) -> Any:
    """Why the round cannot be finished now (the page then offers no button), or ''."""
    if inspection.is_finished:
        return _("This inspection is already finished.")
    open_items = [f.item.code for f in findings if not f.result]
    if open_items:
        return _("Record every item before finishing; still open: {items}.").format(
            items=", ".join(open_items)
        )
    if inspection.paper_checklist_id is not None:
        try:
            services.require_own_round(inspection, user)
        except RuleViolation as refusal:
            return refusal.message
    return ""


def _finish_consequence(
    inspection: Any, subject: Any, findings: Any, *, completes: bool
) -> list[Any]:
    """What finishing does with the findings as they stand: the notice it issues (named as the
    guideline names it), the deficiencies it makes, and where the round decides the subject's
    outcome from a date (a case's ⑦), that the enrollment completes (加入完了) or not yet."""
    lines = [_("The round ends with the findings as recorded: they cannot be changed afterwards.")]
    if inspection.paper_checklist_id is not None:
        lines.append(
            _(
                "It was held on paper: the kept scan ({filename}) and the results transcribed "
                "from it are the round's record."
            ).format(filename=inspection.paper_checklist.filename)
        )
    needs = sum(1 for f in findings if f.needs_remediation)
    nonconforming = any(f.result == Result.NONCONFORMING for f in findings)
    if needs:
        lines.append(
            _(
                "{count} 不適合 need remediation: the 現地確認結果通知書 is issued with each "
                "deficiency and its due date, and the company reports its remediation (改善報告)."
            ).format(count=needs)
        )
        if completes:
            lines.append(
                _(
                    "The enrollment is not completed yet: it completes (加入完了) when the office "
                    "accepts the remediation or a re-inspection passes."
                )
            )
        return lines
    if nonconforming or inspection.kind not in inspected(subject).own_notice_on_pass:
        lines.append(
            _("No deficiency remains: the round passes and the 現地確認結果通知書 is issued.")
        )
    if completes:
        lines.append(
            _(
                "The enrollment completes (加入完了): the 加入完了通知書 is issued and use starts "
                "on the start of use (利用開始日) set below."
            )
        )
    return lines


@login_required
def paper_round(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """A round held with the paper checklist, in two steps (#12: nothing irreversible by one
    click). This page keeps what the inspector transcribed — every item's result, note and
    reason, the day of the visit — and the scan; sent again, it replaces what was kept. Nothing
    is finished, issued or mailed here: the round is finished on the tablet's confirmation page
    (``finish``), which this page leads to once something is kept. A refusal shows the page
    again with what was entered and the error beside its input (422)."""
    user = request_user(request)
    inspection = selectors.inspection_get_for(user=user, pk=inspection_id)
    _required(request, "inspection.record", inspection)
    if request.method == "POST":
        try:
            _paper_round_keep(request, inspection)
        except PaperRefused as refused:
            return _paper_round_page(request, inspection, errors=refused.errors, status=422)
        except RuleViolation as refusal:
            if refusal.status in (403, 404):
                raise
            errors = _paper_errors(refusal)
            return _paper_round_page(request, inspection, errors=errors, status=422)
        messages.success(
            request,
            _(
                "The transcription and the scan were kept. The round is not finished yet: "
                "check them, then finish the round to issue its notice."
            ),
        )
        back = reverse("inspection_paper", args=[inspection.pk]) + "#paper-finish"
        return HttpResponseRedirect(back, status=303)
    return _paper_round_page(request, inspection)


class PaperRefused(Exception):
    """Items of the paper round left without a result: one error beside each item's choices."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors[0]["message"])
        self.errors = errors


def _paper_errors(refusal: RuleViolation) -> list[dict[str, str]]:
    """A refusal of the paper page, beside the input it names: an item's, the scan (too large,
    not a PDF: the document store's ``file``), the date; else the whole form's."""
    if isinstance(refusal, ItemRefused):
        return _item_errors(refusal)
    field = "scan" if refusal.field == "file" else refusal.field
    anchor = PAPER_FIELDS.get(field or "", "paper-form")
    return [{"label": "", "message": str(refusal.message), "anchor": anchor}]


def _paper_round_keep(request: HttpRequest, inspection: Any) -> None:
    """Keep what the page sent; what is missing (the scan when none is kept, the day, an item's
    result) or too large is said all at once, beside each input, before anything is kept."""
    scan = request.FILES.get("scan")
    data = scan.read(SCAN_MAX + 1) if scan else b""
    performed_on = parse_date(request.POST.get("performed_on", "") or "")
    errors = []
    if len(data) > SCAN_MAX:
        errors.append(_paper_error(_("The scan is too large (at most 20 MB)."), "paper-scan"))
    elif not data and inspection.paper_checklist_id is None:
        message = _("Attach the scan of the checklist filled in on paper.")
        errors.append(_paper_error(message, "paper-scan"))
    if performed_on is None:
        message = _("Please enter the date on which this was done.")
        errors.append(_paper_error(message, "paper-date"))
    message = _("Choose the result ticked on the paper for this item.")
    for pk, code in _without_result(request, inspection):
        errors.append(_paper_error(message, f"result-{pk}", label=code))
    if errors or performed_on is None:
        raise PaperRefused(errors)
    services.inspection_record_on_paper(
        inspection=inspection,
        actor=request_user(request),
        performed_on=performed_on,
        scan_name=(scan.name or "") if scan else "",
        scan_data=data,
        entries=_entries(request),
    )


def _paper_error(message: Any, anchor: str, *, label: str = "") -> dict[str, str]:
    return {"label": label, "message": str(message), "anchor": anchor}


def _without_result(request: HttpRequest, inspection: Any) -> list[tuple[int, str]]:
    """The round's items the posted transcription gives no result (id, item code)."""
    items = inspection.findings.values_list("pk", "item__code")
    return [(pk, code) for pk, code in items if not request.POST.get(f"result-{pk}")]


def _paper_round_page(
    request: HttpRequest,
    inspection: Any,
    *,
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The paper round's page, saying which step the round is at: to transcribe, entered and
    kept (the scan and the date shown, the way to its confirmation page), finished."""
    subject = subjects.linked_subject(inspection)
    findings = selectors.findings_of(inspection)
    post = request.POST if request.method == "POST" else {}
    for finding in findings:  # what was entered before a refusal, else what is kept
        key = str(finding.pk)
        finding.result = post.get(f"result-{key}", finding.result)
        finding.note = post.get(f"note-{key}", finding.note)
        finding.no_remediation_reason = post.get(f"reason-{key}", finding.no_remediation_reason)
    kept = inspection.paper_checklist_id is not None
    step = "finished" if inspection.is_finished else "kept" if kept else "enter"
    can_record = not inspection.is_finished and stage_of(subject) == Stage(
        inspection.kind, INSPECTING
    )
    if not can_record:  # no form is drawn: the summary says it, linked to nothing
        errors = [{**error, "anchor": ""} for error in errors or ()]
    performed_on = post.get("performed_on", "") or (
        inspection.performed_on.isoformat() if inspection.performed_on else ""
    )
    return render(
        request,
        "inspections/paper.html",
        {
            "inspection": inspection,
            "themes": selectors.findings_by_theme(findings),
            "results": Result.choices,
            "step": step,
            "can_record": can_record,
            "today": timezone.localdate(),
            "performed_on": performed_on,
            "errors": errors or [],
        },
        status=status,
    )


class DecideForm(forms.Form):
    """The office's decision on a round whose remediation was reported: accepted without
    re-inspection, or a re-inspection; and the office's date where accepting decides the
    subject's outcome (a case's 利用開始日 at ⑦)."""

    html_id = "decide-form"  # the confirmation page's <form>: a refusal of it is linked there

    decision = forms.ChoiceField(
        label=gettext_lazy("Decide on this round"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose a decision.")},
    )
    effective_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, effective_label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if effective_label is None:
            del self.fields["effective_on"]
        else:
            self.fields["effective_on"].label = effective_label
            self.fields["effective_on"].help_text = _("Used only if the remediation is accepted.")


@login_required
def decide(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """GET: what the decision does — accepting moves the subject on (at ⑦ it completes the
    enrollment: 加入完了), a re-inspection opens the next round — nothing changes. POST from that
    page: the decision (#12: nothing irreversible by one click; the round's page sends its
    choice here)."""
    inspection = _post_inspection(request, inspection_id)
    _required(request, "remediation.decide", inspection)
    subject = subjects.linked_subject(inspection)
    field = _effective_field(subject, inspection.kind)

    def form(data: Any) -> DecideForm:
        return DecideForm(
            data,
            initial={"effective_on": field.get("effective_default")},
            effective_label=field.get("effective_label"),
        )

    consequence = [
        _(
            "Accepted without re-inspection: the deficiencies are closed and the step is passed; "
            "the decision cannot be changed afterwards."
        ),
        _("Re-inspection required: the next round of this step is opened and planned as before."),
    ]
    if inspection.kind == InspectionKind.FINAL:
        consequence.append(
            _(
                "At the final on-site inspection (⑦), accepting completes the enrollment "
                "(加入完了): the 加入完了通知書 is issued and use starts on the date set here."
            )
        )
    confirmation = Confirmation(
        title=_("Decide on this round"),
        object_label=inspection.get_kind_display(),
        back=_back(inspection.pk),
        success=_("The decision was recorded."),
        consequence=consequence,
        told_who=_("the company"),
        told=(
            _(
                "The company's protection system administrators see the decision on the case's "
                "page; a notice it issues reaches them by mail."
            ),
        ),
        danger=False,
        refusal=_("Only the latest round of this step can be decided.")
        if inspection.decision
        else "",
    )
    return confirm_action(
        request,
        confirmation,
        lambda data: services.remediation_decide(
            inspection=inspection,
            actor=request_user(request),
            decision=data["decision"],
            effective_on=data.get("effective_on"),
        ),
        form=form,
    )


@login_required
@require_POST
def report_deficiency(request: HttpRequest, deficiency_id: int) -> HttpResponse:
    user = request_user(request)
    deficiency = selectors.deficiency_get_for(user=user, pk=deficiency_id)
    _required(request, "remediation.report", deficiency.inspection)
    upload = request.FILES.get("evidence")
    data = upload.read(PHOTO_MAX + 1) if upload else b""
    return _on_detail(
        request,
        deficiency.inspection_id,
        lambda: services.remediation_report_file(
            deficiency=deficiency,
            actor=user,
            text=request.POST.get("text", ""),
            evidence_name=(upload.name or "") if upload else "",
            evidence_data=data,
        ),
        success=_("The remediation report was filed."),
        fields={"text": f"rep-{deficiency.pk}", "evidence": f"ev-{deficiency.pk}"},
    )


# Checklists (office) --------------------------------------------------------------------
CHECKLIST_ACTIONS = ("create", "rename", "default", "save_item", "delete_item", "publish")


@login_required
def checklists(request: HttpRequest) -> HttpResponse:
    """The office's checklist templates; ``?template=`` opens one. Office only."""
    user = request_user(request)
    if not permissions.may(user, "checklist.view"):
        raise RuleViolation(_("Your role is not allowed to do this."), code="forbidden", status=403)
    templates = list(selectors.checklist_template_list_for(user=user))
    raw = request.GET.get("template") or request.POST.get("template") or ""
    current = (
        selectors.checklist_template_get_for(user=user, pk=int(raw)) if raw.isdigit() else None
    )
    if request.method == "POST":
        return _checklist_post(request, current)
    return _checklists_page(request, templates, current)


def _checklists_page(
    request: HttpRequest,
    templates: list[Any],
    current: Any,
    *,
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
    """The checklist editor; ``errors``: a form refused, its error beside the input it names and
    what was entered kept (#12), 422."""
    user = request_user(request)
    versions = list(current.versions.prefetch_related("items")) if current else []
    return render(
        request,
        "inspections/checklists.html",
        {
            "templates": templates,
            "current": current,
            "versions": versions,
            "draft": versions[0] if versions and versions[0].published_at is None else None,
            "can_manage": permissions.may(user, "checklist.manage"),
            "kinds": InspectionKind.choices,
            "errors": errors or [],
            "posted": request.POST if errors else {},
            "posted_action": request.POST.get("action", "") if errors else "",
        },
        status=422 if errors else 200,
    )


# The checklist editor's forms: a refusal's field -> the id of its input (#12).
CHECKLIST_FIELDS = {
    "create": {"name": "new-name", "kind": "new-kind"},
    "rename": {"name": "rename"},
    "save_item": {
        "code": "code",
        "theme": "theme",
        "text": "text",
        "order": "order",
        "guidance": "guidance",
        "evidence": "evidence",
        "standard_clause": "clause",
        "nist_tags": "nist",
    },
}


def _checklist_post(request: HttpRequest, template: Any) -> HttpResponse:
    action, post, user = request.POST.get("action", ""), request.POST, request_user(request)
    if action not in CHECKLIST_ACTIONS or (template is None and action != "create"):
        raise NotVisible()
    back = reverse("checklists") + (f"?template={template.pk}" if template else "")
    item: dict[str, Any] = {
        key: post.get(key, "")
        for key in ("code", "theme", "text", "guidance", "evidence", "standard_clause", "nist_tags")
    }
    item["order"] = int(post["order"]) if post.get("order", "").isdigit() else 0
    item["final_recheck"] = post.get("final_recheck") == "on"
    calls = {
        "create": lambda: services.checklist_template_create(
            actor=user, name=post.get("name", ""), kind=post.get("kind", "")
        ),
        "rename": lambda: services.checklist_template_update(
            actor=user, template=template, name=post.get("name", "")
        ),
        "default": lambda: services.checklist_template_update(
            actor=user, template=template, is_default=True
        ),
        "save_item": lambda: services.checklist_item_save(
            actor=user, template=template, data=item, code=post.get("original_code") or None
        ),
        "delete_item": lambda: services.checklist_item_delete(
            actor=user, template=template, code=post.get("code", "")
        ),
        "publish": lambda: services.checklist_version_publish(actor=user, template=template),
    }
    try:
        calls[action]()
    except RuleViolation as refusal:
        if refusal.status in (403, 404):
            raise
        fields = CHECKLIST_FIELDS.get(action, {})
        anchor = fields.get(refusal.field or "", "")
        errors = [{"label": "", "message": str(refusal.message), "anchor": anchor}]
        templates = list(selectors.checklist_template_list_for(user=user))
        return _checklists_page(request, templates, template, errors=errors)
    messages.success(request, _("Saved."))
    return HttpResponseRedirect(back, status=303)
