"""Use cases of a 加入案件: one function each, one transaction each, one ledger event each.

Pages, the API, the admin and the commands all call these; none of them changes state directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.orgs.models import Site, User
from dsg.orgs.permissions import require_permission

from .models import Application, ApplicationAccountHolder, Enrollment, StepRecord
from .month_rule import month_rule_keep
from .notifications import notify_transition
from .parts import APPLICATION_FIELDS
from .rules import conditions_of

__all__ = ["APPLICATION_FIELDS"]  # re-exported: tests and the API name the editable fields here

_TRANSITIONS = list(Enrollment._meta.get_field("state").get_all_transitions(Enrollment))
TRANSITION_NAMES = frozenset(t.name for t in _TRANSITIONS)
# The outcomes of ② and ⑦: taken only when an inspection round ends or the office decides on a
# remediation (enrollment/inspection.py), never by name from a page or the API.
INSPECTION_TRANSITIONS = frozenset(t.name for t in _TRANSITIONS if t.custom.get("taken_by"))
ACTION_NAMES = TRANSITION_NAMES - INSPECTION_TRANSITIONS
COMMENT_MAX = 4000


@dataclass(frozen=True)
class TransitionInput:
    comment: str = ""
    performed_on: dt.date | None = None
    router_serial: str = ""


def enrollment_create(*, site: Site, actor: User) -> Enrollment:
    """A PSA opens a case for one of their sites; a site has at most one open case."""
    require_permission(actor=actor, action="enrollment.create", obj=site)
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(site=site, created_by=actor)
            application = Application.objects.create(
                enrollment=enrollment, **application_prefill(site=site, actor=actor)
            )
            # The PSA is the first account holder (アカウント利用者) the application names.
            ApplicationAccountHolder.objects.create(
                application=application,
                name=actor.full_name or actor.email,
                email=actor.email,
                person=actor,
            )
            audit_record(
                actor=actor,
                action="enrollment.create",
                obj=enrollment,
                company_id=site.company_id,
                after={"state": enrollment.state, "site": site.pk},
            )
    except IntegrityError as error:
        raise RuleViolation(
            _("This site already has an open enrollment case."), code="open_case_exists"
        ) from error
    return enrollment


def application_prefill(*, site: Site, actor: User) -> dict[str, Any]:
    """A new application starts from what the portal knows: the company, the site, the PSA."""
    company = site.company
    return {
        "company_corporate_number": company.corporate_number or "",
        "company_name": company.name,
        "company_postal_code": company.postal_code,
        "company_prefecture": company.prefecture,
        "company_address": company.address,
        "site_name": site.name,
        "site_postal_code": site.postal_code,
        "site_prefecture": site.prefecture,
        "site_address": site.address,
        "facility_name": site.facility,
        "psa_name": actor.full_name,
        "psa_email": actor.email,
    }


def application_update(*, enrollment: Enrollment, actor: User, data: dict[str, Any]) -> Application:
    """The PSA saves any part of the application (a draft) while it is a draft or returned.

    ``data`` holds fields of ``APPLICATION_FIELDS`` and optionally ``contacts`` (a list of
    {name, department, phone, email}, replacing the contacts). Anything else is ignored.
    """
    from .application_services import application_save

    return application_save(enrollment=enrollment, actor=actor, data=data)


def _changed(mine: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mine.items() if other.get(key) != value}


# One step of the procedure ---------------------------------------------------------------
# A transition that has a use case of its own (submit → application_submit, complete_construction
# → construction_complete ...) is taken through it, wherever it is asked for by name (the page's
# and the API's generic action, the inspections). Apps above this one register theirs.
TransitionService = Callable[..., Enrollment]  # (enrollment=, actor=, data=TransitionInput)
TRANSITION_SERVICES: dict[str, TransitionService] = {}


def register_transition_service(name: str, service: TransitionService) -> None:
    if name not in TRANSITION_NAMES:
        raise ImproperlyConfigured(f"no transition {name!r} is declared")
    TRANSITION_SERVICES[name] = service


def transition_refused(name: str) -> RuleViolation | None:
    """Why ``name`` is never taken by ``enrollment_transition``, whatever the case: it is no step
    of the procedure, or it is an inspection's outcome (recorded as a round). None otherwise."""
    if name not in TRANSITION_NAMES:
        return RuleViolation(_("Unknown action."), code="unknown_transition", status=404)
    if name in INSPECTION_TRANSITIONS:
        return RuleViolation(
            _(
                "The outcome of an on-site inspection is recorded as a round of the inspection, "
                "with its notice: open the round from the case page (a round held on paper is "
                "recorded there with its scanned checklist)."
            ),
            code="recorded_by_inspection",
        )
    return None


def enrollment_transition(
    *, enrollment: Enrollment, name: str, actor: User, data: TransitionInput | None = None
) -> Enrollment:
    """Take the step ``name`` of the procedure — through its own service when it has one.

    Refusals raise RuleViolation and change nothing.
    """
    data = data or TransitionInput()
    refusal = transition_refused(name)
    if refusal is not None:
        raise refusal
    service = TRANSITION_SERVICES.get(name)
    if service is not None:
        return service(enrollment=enrollment, actor=actor, data=data)
    with case_transition(enrollment=enrollment, name=name, actor=actor, data=data) as (
        case,
        record,
    ):
        pass
    return case


@contextmanager
def case_transition(
    *, enrollment: Enrollment, name: str, actor: User, data: TransitionInput | None = None
) -> Iterator[tuple[Enrollment, StepRecord]]:
    """The mechanics of one step, for the services: lock the case, check the role, the state,
    the conditions and the input, change the state and record the step; the service's own writes
    go inside the block; then the mail and the ledger event — all in one transaction."""
    data = data or TransitionInput()
    with transaction.atomic():
        locked = enrollment_lock(enrollment)
        transition = _transition_from_state(locked, name, actor)
        _validate_input(transition.custom["payload"], data)
        from_state = locked.state
        getattr(locked, name)()
        locked.state_changed_at = timezone.now()
        locked.save(update_fields=["state", "state_changed_at"])
        record = StepRecord.objects.create(
            enrollment=locked,
            transition=name,
            step=Enrollment.step_of(from_state),
            from_state=from_state,
            to_state=locked.state,
            actor=actor,
            performed_on=data.performed_on,
            comment=data.comment.strip(),
            data={"router_serial": data.router_serial} if data.router_serial else {},
        )
        yield locked, record
        # The record's dates and the new state weigh in the ④–⑦ rule kept on the case (#14).
        locked.month_rule_broken_from = month_rule_keep([locked.pk])[locked.pk]
        notify_transition(locked, record)
        audit_record(
            actor=actor,
            action=f"enrollment.{name}",
            obj=locked,
            company_id=locked.site.company_id,
            before={"state": from_state},
            after={"state": locked.state, "record": record.pk},
        )
    enrollment.refresh_from_db()


def enrollment_lock(enrollment: Enrollment) -> Enrollment:
    """The case re-read under a row lock: every change to a case or its records starts here."""
    return Enrollment.objects.select_for_update().select_related("site").get(pk=enrollment.pk)


def _transition_from_state(enrollment: Enrollment, name: str, actor: User) -> Any:
    """The transition ``name`` from the current state, or the rule that refuses it."""
    declared = [t for t in enrollment.get_all_state_transitions() if t.name == name]
    if not declared[0].has_perm(enrollment, actor):
        raise RuleViolation(
            _("Your role is not allowed to do this in this case."), code="forbidden", status=403
        )
    transition = next((t for t in declared if t.source == enrollment.state), None)
    if transition is None:
        raise RuleViolation(
            _("“{action}” cannot be done while the case is in the state “{state}”.").format(
                action=declared[0].custom["label"], state=enrollment.get_state_display()
            ),
            code="wrong_state",
        )
    for rule in conditions_of(transition):
        if not rule(enrollment):
            raise RuleViolation(rule.message_for(enrollment), code=rule.code)
    return transition


def _validate_input(payload: dict[str, bool], data: TransitionInput) -> None:
    if payload.get("comment") and not data.comment.strip():
        raise RuleViolation(
            _("Please enter a comment: it is required for this action."),
            code="comment_required",
            status=422,
            field="comment",
        )
    if len(data.comment) > COMMENT_MAX:
        raise RuleViolation(
            _("The comment is too long (at most 4000 characters)."),
            code="comment_too_long",
            status=422,
            field="comment",
        )
    if payload.get("performed_on"):
        if data.performed_on is None:
            raise RuleViolation(
                _("Please enter the date on which this was done."),
                code="date_required",
                status=422,
                field="performed_on",
            )
        if data.performed_on > timezone.localdate():
            raise RuleViolation(
                _("The date cannot be in the future."),
                code="date_in_future",
                status=422,
                field="performed_on",
            )
    if payload.get("router_serial") and not data.router_serial.strip():
        raise RuleViolation(
            _("Please enter the router's serial number."),
            code="router_serial_required",
            status=422,
            field="router_serial",
        )
