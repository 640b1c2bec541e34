"""The use cases of a change application (加入申請内容の変更, guideline §4).

Every service checks the actor's permission, locks the change, checks its state, writes the
record and the ledger and queues its mail in one transaction; a refusal changes nothing.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.documents.selectors import documents_for
from dsg.enrollment.application_services import clean_contact_rows
from dsg.enrollment.inspection import accepted_version
from dsg.enrollment.selectors import completed_case
from dsg.orgs.models import Organization, Role, Site, User
from dsg.orgs.permissions import require_permission

from . import notifications
from .checks import clean_fields, work_outstanding
from .models import (
    EDITABLE_STATES,
    ActionRequest,
    ChangeComment,
    ChangeKind,
    ChangeRecord,
    ChangeRequest,
    ChangeState,
    ChangeVersion,
    ProviderWork,
    RegisteredChange,
)
from .registered import GROUPS, differences, from_application
from .rules import CHANGE_COMPLETE, WORK_DONE, Rule

COMMENT_MAX = 4000
RULES: tuple[Rule, ...] = (CHANGE_COMPLETE, WORK_DONE)
# The columns of the site and the company that the registered data writes.
SITE_COLUMNS = {
    "site_name": "name",
    "site_postal_code": "postal_code",
    "site_prefecture": "prefecture",
    "site_address": "address",
    "facility_name": "facility",
}
COMPANY_COLUMNS = {
    "company_name": "name",
    "company_postal_code": "postal_code",
    "company_prefecture": "prefecture",
    "company_address": "address",
}


def _wrong_state(change: ChangeRequest) -> RuleViolation:
    return RuleViolation(
        _("This cannot be done while the change is in the state “{state}”.").format(
            state=change.get_state_display()
        ),
        code="wrong_state",
    )


def _required(text: str, field: str = "comment") -> str:
    text = (text or "").strip()
    if not text:
        raise RuleViolation(
            _("Give a comment: the company reads it to know why."),
            code="comment_required",
            status=422,
            field=field,
        )
    if len(text) > COMMENT_MAX:
        raise RuleViolation(
            _("At most {n} characters.").format(n=COMMENT_MAX),
            code="invalid",
            status=422,
            field=field,
        )
    return text


def change_lock(change: ChangeRequest) -> ChangeRequest:
    """The change re-read under a row lock: every change to it or its records starts here."""
    return (
        ChangeRequest.objects.select_for_update()
        .select_related("site", "kind", "company")
        .get(pk=change.pk)
    )


# The registered data ---------------------------------------------------------------------------


def _order(change: ChangeRequest) -> tuple[Any, int]:
    return change.applied_at, change.pk


def registered_data(site: Site) -> dict[str, Any]:
    """The site's registered data: as its latest applied change left it (else as the accepted
    application gave it), with the company's name and address as the latest applied change of
    any of the company's sites left them."""
    applied = ChangeRequest.objects.filter(
        company_id=site.company_id, state=ChangeState.COMPLETED, applied_at__isnull=False
    ).order_by("-applied_at", "-pk")
    of_site = applied.filter(site=site).first()
    company_kinds = [k.pk for k in ChangeKind.objects.all() if "company" in k.groups]
    of_company = applied.filter(kind_id__in=company_kinds).first()
    if of_site is not None:
        data: dict[str, Any] = copy.deepcopy(of_site.registered_after or {})
    else:
        case = completed_case(site)
        version = accepted_version(case) if case else None
        data = from_application(version.snapshot if version else {})
    if of_company is not None and (of_site is None or _order(of_company) > _order(of_site)):
        for name in GROUPS["company"]:
            data["fields"][name] = (of_company.registered_after or {})["fields"].get(name, "")
    return data


# Filing -----------------------------------------------------------------------------------------


def change_start(*, actor: User, site: Site, kind: str) -> ChangeRequest:
    """The PSA starts a change of a site that has completed 加入, from its registered data."""
    require_permission(actor=actor, action="change.file", obj=site)
    found = ChangeKind.objects.filter(code=kind, active=True).first()
    if found is None:
        raise RuleViolation(_("Choose a kind of change."), code="invalid", status=422, field="kind")
    with transaction.atomic():
        locked = Site.objects.select_for_update().get(pk=site.pk)
        if locked.is_closed:
            raise RuleViolation(
                _("The site is closed; it takes no more changes."), code="site_closed"
            )
        case = completed_case(locked)
        if case is None:
            raise RuleViolation(
                _("A change can be filed only for a site that has completed 加入."),
                code="site_not_enrolled",
            )
        registered = registered_data(locked)
        change = ChangeRequest(
            company_id=locked.company_id,
            site=locked,
            enrollment=case,
            kind=found,
            registered=registered,
            proposed=copy.deepcopy(registered),
            created_by=actor,
        )
        try:
            with transaction.atomic():
                change.save()
        except IntegrityError as error:
            raise RuleViolation(
                _("This site already has an open change of this kind: continue that one."),
                code="change_already_open",
            ) from error
        audit_record(
            actor=actor,
            action="change.start",
            obj=change,
            company_id=change.company_id,
            after={"site": locked.pk, "kind": found.code},
        )
    return change


def change_update(*, change: ChangeRequest, actor: User, data: dict[str, Any]) -> ChangeRequest:
    """The PSA edits the draft: the values of the groups its kind changes, the description, the
    date of the change. Other values are refused by name."""
    require_permission(actor=actor, action="change.file", obj=change)
    with transaction.atomic():
        locked = change_lock(change)
        if locked.state not in EDITABLE_STATES:
            raise _wrong_state(locked)
        editable = {name for g in locked.kind.groups for name in GROUPS.get(g, ())}
        unknown = [
            name
            for name in data
            if name not in editable
            and name not in ("description", "effective_on", "moves_equipment")
            and not (name == "contacts" and "contacts" in locked.kind.groups)
        ]
        if unknown:
            raise RuleViolation(
                _("“{name}” is not changed by a change of this kind.").format(name=unknown[0]),
                code="not_changeable",
                status=422,
                field=unknown[0],
            )
        before = {
            "proposed": copy.deepcopy(locked.proposed),
            "description": locked.description,
            "effective_on": locked.effective_on,
        }
        names = [name for name in data if name in editable]
        if names:
            merged = {**locked.proposed["fields"], **{n: data[n] for n in names}}
            group_names = [n for g in locked.kind.groups for n in GROUPS.get(g, ())]
            locked.proposed["fields"].update(clean_fields(merged, group_names))
        if "contacts" in data:
            locked.proposed["contacts"] = clean_contact_rows(data["contacts"])
        if "description" in data:
            locked.description = _text(data["description"], "description")
        if "effective_on" in data:
            locked.effective_on = _date(data["effective_on"])
        if "moves_equipment" in data:
            locked.moves_equipment = bool(data["moves_equipment"])
        locked.save()
        audit_record(
            actor=actor,
            action="change.edit",
            obj=locked,
            company_id=locked.company_id,
            before=before,
            after={
                "proposed": locked.proposed,
                "description": locked.description,
                "effective_on": locked.effective_on,
            },
        )
    return locked


def _text(value: Any, field: str) -> str:
    text = str(value or "").strip()
    if len(text) > COMMENT_MAX:
        raise RuleViolation(
            _("At most {n} characters.").format(n=COMMENT_MAX),
            code="invalid",
            status=422,
            field=field,
        )
    return text


def _date(value: Any, field: str = "effective_on") -> dt.date | None:
    """A date from today on; the refusal names ``field`` (the date of the change, a due date)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError as error:
            raise RuleViolation(
                _("Enter a date as YYYY-MM-DD."), code="invalid", status=422, field=field
            ) from error
    if day < timezone.localdate():
        message = (
            _("The date of the change ({date}) has passed: enter a date from today on.")
            if field == "effective_on"
            else _("The due date ({date}) has passed: enter a date from today on.")
        )
        raise RuleViolation(
            message.format(date=day.isoformat()), code="date_in_past", status=422, field=field
        )
    return day


# Transitions ------------------------------------------------------------------------------------


@contextmanager
def change_transition(
    *,
    change: ChangeRequest,
    name: str,
    actor: User,
    comment: str = "",
    data: dict[str, Any] | None = None,
    consequence: bool = False,
) -> Iterator[tuple[ChangeRequest, ChangeRecord]]:
    """Take transition ``name`` under a lock: the caller adds its own work inside the block; the
    record, the ledger event and the mail follow in the same transaction. ``consequence``: the
    transition follows from what the actor did (the last piece of work recorded), whose
    permission its own service checked."""
    with transaction.atomic():
        locked = change_lock(change)
        declared = [t for t in locked.get_all_state_transitions() if t.name == name]
        if not consequence and not declared[0].has_perm(locked, actor):
            raise RuleViolation(
                _("Your role is not allowed to do this with this change."),
                code="forbidden",
                status=403,
            )
        transition = next((t for t in declared if t.source == locked.state), None)
        if transition is None:
            raise _wrong_state(locked)
        for rule in RULES:
            if rule.code in {c.__name__ for c in transition.conditions} and not rule(locked):
                raise RuleViolation(rule.message_for(locked), code=rule.code)
        from_state = locked.state
        getattr(locked, name)()
        locked.state_changed_at = timezone.now()
        locked.save()
        record = ChangeRecord.objects.create(
            change=locked,
            transition=name,
            from_state=from_state,
            to_state=locked.state,
            actor=actor,
            comment=comment,
            data=data or {},
        )
        yield locked, record
        audit_record(
            actor=actor,
            action=f"change.{name}",
            obj=locked,
            company_id=locked.company_id,
            before={"state": from_state},
            after={"state": locked.state, "comment": comment, **record.data},
        )
        notifications.notify_transition(locked, record)


def receipt_number_for(change: ChangeRequest, number: int, at: Any) -> str:
    """The 到達番号 of a change: "C", the year and 12 digits (change, submission)."""
    return f"C{timezone.localtime(at):%Y}{change.pk:08d}{number:04d}"


def change_submit(*, change: ChangeRequest, actor: User) -> ChangeVersion:
    """The PSA submits the change; what was sent is frozen with its 到達番号."""
    with change_transition(change=change, name="submit", actor=actor) as (locked, record):
        number = locked.submission_count + 1
        documents = [
            {"id": d.pk, "kind": d.kind, "filename": d.filename, "sha256": d.sha256}
            for d in documents_for(actor, locked)
        ]
        version = ChangeVersion.objects.create(
            change=locked,
            number=number,
            receipt_number=receipt_number_for(locked, number, record.recorded_at),
            submitted_at=record.recorded_at,
            submitted_by=actor,
            snapshot={
                "kind": locked.kind.code,
                "registered": locked.registered,
                "proposed": locked.proposed,
                "description": locked.description,
                "effective_on": locked.effective_on.isoformat() if locked.effective_on else None,
                "moves_equipment": locked.moves_equipment,
                "documents": documents,
            },
        )
        locked.submission_count = number
        locked.receipt_number = version.receipt_number
        locked.save(update_fields=["submission_count", "receipt_number"])
        record.data = {"receipt_number": version.receipt_number, "version": number}
        record.save(update_fields=["data"])
    return version


def change_comment_add(
    *, change: ChangeRequest, actor: User, part: str, text: str
) -> ChangeComment:
    """The reviewer comments on one part of the submitted change (read by the PSA at 補正)."""
    require_permission(actor=actor, action="change.review", obj=change)
    if part not in (*GROUPS, "description", "documents"):
        raise RuleViolation(_("Choose a part."), code="invalid", status=422, field="part")
    with transaction.atomic():
        locked = change_lock(change)
        if locked.state != ChangeState.SUBMITTED:
            raise _wrong_state(locked)
        version = locked.versions.order_by("-number").first()
        assert version is not None  # submitted: it has a version
        comment = ChangeComment.objects.create(
            version=version, part=part, text=_required(text, "text"), author=actor
        )
        audit_record(
            actor=actor,
            action="change.comment",
            obj=comment,
            company_id=locked.company_id,
            after={"part": part},
        )
    return comment


def change_return(*, change: ChangeRequest, actor: User, comment: str) -> ChangeRequest:
    with change_transition(
        change=change, name="return_for_correction", actor=actor, comment=_required(comment)
    ) as (locked, _record):
        pass
    return locked


def change_reject(*, change: ChangeRequest, actor: User, comment: str) -> ChangeRequest:
    with change_transition(
        change=change, name="reject", actor=actor, comment=_required(comment)
    ) as (
        locked,
        _record,
    ):
        pass
    return locked


def change_withdraw(*, change: ChangeRequest, actor: User, comment: str = "") -> ChangeRequest:
    with change_transition(change=change, name="withdraw", actor=actor, comment=comment) as (
        locked,
        _record,
    ):
        pass
    return locked


def change_accept(
    *,
    change: ChangeRequest,
    actor: User,
    needs_inspection: bool = False,
    provider_work: list[str] | None = None,
    comment: str = "",
) -> ChangeRequest:
    """受理: the office accepts the change and decides what it still needs — a new inspection, the
    provider's work (a relocation). With nothing outstanding, the change applies at once."""
    work = list(dict.fromkeys(provider_work or []))
    kind = ChangeKind.objects.get(pk=change.kind_id)
    if needs_inspection and not kind.may_need_inspection:
        raise RuleViolation(
            _("A change of this kind needs no inspection."),
            code="invalid",
            status=422,
            field="needs_inspection",
        )
    if work and not kind.may_need_provider_work:
        raise RuleViolation(
            _("A change of this kind needs no work of the provider."),
            code="invalid",
            status=422,
            field="provider_work",
        )
    if any(w not in ProviderWork.Kind.values for w in work):
        raise RuleViolation(
            _("Choose the provider's work from the list."),
            code="invalid",
            status=422,
            field="provider_work",
        )
    data = {"needs_inspection": needs_inspection, "provider_work": work}
    with change_transition(
        change=change, name="accept", actor=actor, comment=_text(comment, "comment"), data=data
    ) as (locked, _record):
        locked.needs_inspection = needs_inspection
        locked.inspection_phase = "inspecting" if needs_inspection else ""
        locked.save(update_fields=["needs_inspection", "inspection_phase"])
        ProviderWork.objects.bulk_create(
            [ProviderWork(change=locked, kind=w, opened_by=actor) for w in work]
        )
    if not work_outstanding(locked):
        return change_complete(change=locked, actor=actor)
    return locked


def change_complete(
    *, change: ChangeRequest, actor: User, consequence: bool = False
) -> ChangeRequest:
    """The accepted change applies to the registered data: the site, the company, the PSA, and
    the site's history, in one transaction. Refused while work still stands."""
    with change_transition(
        change=change, name="complete", actor=actor, consequence=consequence
    ) as (locked, record):
        applied = _apply(locked, actor, record.recorded_at)
        record.data = {"applied": [name for name, _old, _new in applied]}
        record.save(update_fields=["data"])
    return locked


def change_complete_if_ready(*, change: ChangeRequest, actor: User) -> ChangeRequest:
    """After a piece of work ends: apply the change if nothing else stands."""
    change.refresh_from_db()
    if change.state == ChangeState.ACCEPTED and not work_outstanding(change):
        return change_complete(change=change, actor=actor, consequence=True)
    return change


def registered_after(change: ChangeRequest, current: dict[str, Any]) -> dict[str, Any]:
    """The registered data once the change applies: the groups its kind edits as the change
    asks, everything else as registered now (other changes may have applied since it began)."""
    after = copy.deepcopy(current)
    for group in change.kind.groups:
        if group == "contacts":
            after["contacts"] = copy.deepcopy(change.proposed.get("contacts", []))
        for name in GROUPS.get(group, ()):
            after["fields"][name] = change.proposed["fields"].get(name, "")
    return after


def _apply(change: ChangeRequest, actor: User, at: dt.datetime) -> list[tuple[str, Any, Any]]:
    site = Site.objects.select_for_update().get(pk=change.site_id)
    company = Organization.objects.select_for_update().get(pk=change.company_id)
    current = registered_data(site)
    after = registered_after(change, current)
    applied: list[tuple[str, Any, Any]] = []
    for _group, name, old, new in differences(current, after):
        if name in SITE_COLUMNS:
            setattr(site, SITE_COLUMNS[name], new)
        if name in COMPANY_COLUMNS:
            setattr(company, COMPANY_COLUMNS[name], new)
        applied.append((name, old, new))
    if change.kind.closes_site:
        site.closed_on = change.effective_on or timezone.localdate()
        applied.append(("closed_on", None, site.closed_on.isoformat()))
    site.save()
    company.save()
    change.registered_after = after
    change.applied_at = at
    change.save(update_fields=["registered_after", "applied_at"])
    RegisteredChange.objects.bulk_create(
        [
            RegisteredChange(
                company_id=change.company_id,
                site=site,
                change=change,
                field=name,
                before=old,
                after=new,
                applied_at=at,
                applied_by=actor,
            )
            for name, old, new in applied
        ]
    )
    if any(name == "psa_email" for name, _old, _new in applied):
        _move_psa(change, actor, current["fields"].get("psa_email", ""))
    return applied


def _move_psa(change: ChangeRequest, actor: User, old_email: str) -> None:
    """保護システム管理者の変更: the PSA role moves to the new person, whose account is created
    if they have none; the old PSA's access ends."""
    fields = change.proposed["fields"]
    email = fields["psa_email"].strip().lower()
    person = User.objects.filter(email__iexact=email).first()
    if person is not None and person.organization_id != change.company_id:
        raise RuleViolation(
            _("The new protection system administrator's email belongs to another organisation."),
            code="psa_of_another_organisation",
        )
    created = person is None
    if person is None:
        person = User.objects.create_user(
            email=email,
            password=None,
            full_name=fields.get("psa_name", ""),
            organization_id=change.company_id,
            role=Role.PSA,
        )
    before_role = person.role
    person.role, person.is_active = Role.PSA, True
    person.save(update_fields=["role", "is_active"])
    audit_record(
        actor=actor,
        action="person.role_change",
        obj=person,
        company_id=change.company_id,
        before={"role": before_role if not created else None},
        after={"role": Role.PSA, "change": change.number},
    )
    old = User.objects.filter(
        email__iexact=old_email, organization_id=change.company_id, role=Role.PSA
    ).exclude(pk=person.pk)
    for former in old:
        former.is_active = False
        former.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="person.deactivate",
            obj=former,
            company_id=change.company_id,
            before={"is_active": True, "role": Role.PSA},
            after={"is_active": False, "change": change.number},
        )
    notifications.notify_new_psa(change, person, created=created)


# 必要な対応や提出する書類の依頼 ------------------------------------------------------------------


def action_request_ask(
    *, change: ChangeRequest, actor: User, text: str, due_on: Any
) -> ActionRequest:
    """The office or the provider asks the PSA for an action or a document, by a date."""
    require_permission(actor=actor, action="change.ask", obj=change)
    due = _date(due_on, "due_on")
    if due is None:
        raise RuleViolation(
            _("Give the date by which it is needed."), code="invalid", status=422, field="due_on"
        )
    with transaction.atomic():
        locked = change_lock(change)
        if locked.is_closed or locked.state == ChangeState.DRAFT:
            raise _wrong_state(locked)
        asked = ActionRequest.objects.create(
            change=locked, asked_by=actor, text=_required(text, "text"), due_on=due
        )
        audit_record(
            actor=actor,
            action="change.ask",
            obj=asked,
            company_id=locked.company_id,
            after={"change": locked.pk, "due_on": due},
        )
        notifications.notify_asked(locked, asked)
    return asked


def action_request_answer(*, asked: ActionRequest, actor: User, answer: str) -> ActionRequest:
    """The PSA answers on the same request (documents go into the change's folder)."""
    require_permission(actor=actor, action="change.answer", obj=asked.change)
    with transaction.atomic():
        locked = ActionRequest.objects.select_for_update().select_related("change").get(pk=asked.pk)
        if locked.is_answered:
            raise RuleViolation(
                _("This request has already been answered."), code="already_answered"
            )
        if locked.change.is_closed:
            raise _wrong_state(locked.change)
        locked.answer = _required(answer, "answer")
        locked.answered_by, locked.answered_at = actor, timezone.now()
        locked.save(update_fields=["answer", "answered_by", "answered_at"])
        audit_record(
            actor=actor,
            action="change.answer",
            obj=locked,
            company_id=locked.change.company_id,
            after={"answered_at": locked.answered_at},
        )
        notifications.notify_answered(locked.change, locked)
    return locked


# The provider's work ------------------------------------------------------------------------------


def provider_work_done(
    *, work: ProviderWork, actor: User, done_on: Any, note: str = ""
) -> ProviderWork:
    """The provider records its work for the change done; the change applies if nothing else
    stands."""
    require_permission(actor=actor, action="change.provider_work", obj=work.change)
    day = _day_done(done_on)
    with transaction.atomic():
        change = change_lock(work.change)
        locked = ProviderWork.objects.select_for_update().get(pk=work.pk)
        if change.state != ChangeState.ACCEPTED or locked.is_done:
            raise RuleViolation(
                _("This work is already recorded, or the change does not wait on it."),
                code="wrong_state",
            )
        locked.done_on, locked.done_by, locked.note = day, actor, _text(note, "note")
        locked.save(update_fields=["done_on", "done_by", "note"])
        audit_record(
            actor=actor,
            action="change.provider_work_done",
            obj=locked,
            company_id=change.company_id,
            after={"kind": locked.kind, "done_on": day},
        )
    change_complete_if_ready(change=change, actor=actor)
    return locked


def _day_done(value: Any) -> dt.date:
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise RuleViolation(
            _("Enter a date as YYYY-MM-DD."), code="invalid", status=422, field="done_on"
        ) from error
    if day > timezone.localdate():
        raise RuleViolation(
            _("The work cannot be recorded as done on a future date."),
            code="date_in_future",
            status=422,
            field="done_on",
        )
    return day


def closure_if_ready(site: Site, actor: User) -> None:
    """The last terminal of a site is gone: an accepted closure waiting on it applies."""
    closure = ChangeRequest.objects.filter(
        site=site, state=ChangeState.ACCEPTED, kind__closes_site=True
    ).first()
    if closure is not None:
        change_complete_if_ready(change=closure, actor=actor)
