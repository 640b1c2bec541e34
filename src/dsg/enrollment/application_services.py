"""Use cases of the 加入申請書: save a part, attach a document, submit (a version), review.

Called by ``services.py`` (application_update, the submit/return/accept hooks), the pages, the
API and the Excel import. Each runs in one transaction under the case lock, with its ledger event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.documents.services import document_store
from dsg.orgs.japan import (
    normalize_corporate_number,
    normalize_phone,
    normalize_postal_code,
    prefecture_for_postal_code,
)
from dsg.orgs.models import Role, User
from dsg.orgs.permissions import require_permission

from .models import (
    Application,
    ApplicationAccountHolder,
    ApplicationContact,
    ApplicationVersion,
    Enrollment,
    ReviewComment,
    ReviewDecision,
    State,
    StepRecord,
)
from .notifications import notify_receipt
from .parts import (
    ACCOUNT_HOLDER_FIELDS,
    ADDRESSES,
    APPLICATION_FIELDS,
    COMMENT_PARTS,
    CONTACT_FIELDS,
    MAX_ACCOUNT_HOLDERS,
    MAX_CONTACTS,
    PART_OF,
    application_snapshot,
    documents_by_kind,
)
from .rules import require_state
from .services import TransitionInput, case_transition, enrollment_lock

EDITABLE_STATES = (State.DRAFT, State.RETURNED)
UPLOAD_KINDS = tuple(kind for part in PART_OF.values() for kind in part.documents)
COMMENT_MAX = 4000


def _lock(enrollment: Enrollment) -> Enrollment:
    return enrollment_lock(enrollment)


def _refusal(error: ValidationError, prefix: str = "") -> RuleViolation:
    field, messages = next(iter(error.message_dict.items()))
    return RuleViolation(messages[0], code="invalid", status=422, field=f"{prefix}{field}")


def _contacts_of(application: Application) -> list[dict[str, str]]:
    return [
        {name: getattr(c, name) for name in CONTACT_FIELDS}
        for c in ApplicationContact.objects.filter(application=application)
    ]


def clean_contact_rows(rows: Any) -> list[dict[str, str]]:
    """The contacts (連絡先) as given, normalised and checked by the contact's own fields: at most
    MAX_CONTACTS; a refusal names the row and the field (``contacts.<n>.<field>``). The change
    applications check their contacts here too."""
    if not isinstance(rows, list) or len(rows) > MAX_CONTACTS:
        raise RuleViolation(
            _("At most {n} contacts can be given.").format(n=MAX_CONTACTS),
            code="invalid",
            status=422,
            field="contacts",
        )
    cleaned = []
    for position, row in enumerate(rows):
        if not isinstance(row, dict):
            raise RuleViolation(
                _("Each contact has a name, a telephone number and an email."),
                code="invalid",
                status=422,
                field=f"contacts.{position}",
            )
        values = {name: str(row.get(name) or "").strip() for name in CONTACT_FIELDS}
        values["phone"] = normalize_phone(values["phone"])
        try:
            ApplicationContact(position=position, **values).full_clean(exclude=["application"])
        except ValidationError as error:
            raise _refusal(error, prefix=f"contacts.{position}.") from error
        cleaned.append(values)
    return cleaned


def _clean_contacts(application: Application, rows: Any) -> list[ApplicationContact]:
    return [
        ApplicationContact(application=application, position=position, **values)
        for position, values in enumerate(clean_contact_rows(rows))
    ]


def _holders_of(application: Application) -> list[dict[str, Any]]:
    return [
        {**{name: getattr(h, name) for name in ACCOUNT_HOLDER_FIELDS}, "person": h.person_id}
        for h in ApplicationAccountHolder.objects.filter(application=application)
    ]


def _clean_holders(application: Application, rows: Any) -> list[ApplicationAccountHolder]:
    """The account holders (アカウント利用者) as entered, each linked to the company's portal user
    of the same email if there is one; an email appears once."""
    if not isinstance(rows, list) or len(rows) > MAX_ACCOUNT_HOLDERS:
        raise RuleViolation(
            _("At most {n} account holders can be named.").format(n=MAX_ACCOUNT_HOLDERS),
            code="invalid",
            status=422,
            field="account_holders",
        )
    company_id = application.enrollment.site.company_id
    members = {
        u.email.lower(): u
        for u in User.objects.filter(
            organization_id=company_id, role__in=(Role.PSA, Role.DELEGATE, Role.USER)
        )
    }
    holders: list[ApplicationAccountHolder] = []
    for position, row in enumerate(rows):
        values = {name: str(row.get(name) or "").strip() for name in ACCOUNT_HOLDER_FIELDS}
        holder = ApplicationAccountHolder(application=application, position=position, **values)
        try:
            holder.full_clean(exclude=["application", "person"], validate_unique=False)
        except ValidationError as error:
            raise _refusal(error, prefix=f"account_holders.{position}.") from error
        if any(h.email.lower() == holder.email.lower() for h in holders):
            raise RuleViolation(
                _("{email} is named twice; each account holder is named once.").format(
                    email=holder.email
                ),
                code="duplicate_holder",
                status=422,
                field=f"account_holders.{position}.email",
            )
        holder.person = members.get(holder.email.lower())
        holders.append(holder)
    return holders


# Entered dates that may not lie in the past (a stored one is kept until the part is saved
# again; the submission refuses it: parts.py). 利用開始希望日: the procedure takes 3–4 months
# from now. 契約締結の予定日: an expected date, the schedule is planned backwards from it; a
# contract already concluded is described under 実績等 with its evidence, not dated here.
NOT_IN_PAST = {
    "desired_start": _(
        "The desired start of use (利用開始希望日) {date} is in the past; enter a date from "
        "today on."
    ),
    "contract_expected_on": _(
        "The expected date of the contract (契約締結の予定日) {date} is in the past; enter a "
        "date from today on (the schedule is planned backwards from it), or leave it empty if "
        "the contract has been concluded."
    ),
}


def _check_dates(application: Application, data: dict[str, Any]) -> None:
    """A date in the past is refused when it is entered, naming the field."""
    for name, message in NOT_IN_PAST.items():
        day = data.get(name)
        if isinstance(day, dt.date) and day < timezone.localdate():
            raise RuleViolation(
                message.format(date=day.isoformat()), code="date_in_past", status=422, field=name
            )


# What people type (全角, 〒, ー) is stored normalised; then the model's checks validate it.
NORMALIZE = {
    "company_corporate_number": normalize_corporate_number,
    "company_postal_code": normalize_postal_code,
    "site_postal_code": normalize_postal_code,
    "psa_phone": normalize_phone,
}


def _entered(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return NORMALIZE[name](value) if name in NORMALIZE else value.strip()


def _check_addresses(application: Application, data: dict[str, Any]) -> None:
    """An empty prefecture is filled from its postal code (Japan Post's data); an entered postal
    code or prefecture that do not match are refused, naming both."""
    for postal, prefecture in ADDRESSES:
        given = getattr(application, prefecture)
        try:
            filled = prefecture_for_postal_code(getattr(application, postal), given)
        except ValidationError as error:
            if postal in data or prefecture in data:
                raise RuleViolation(
                    error.messages[0], code="invalid", status=422, field=postal
                ) from error
            continue  # a stored pair, entered before the check: the part's next save checks it
        setattr(application, prefecture, filled)


def application_save(*, enrollment: Enrollment, actor: User, data: dict[str, Any]) -> Application:
    require_permission(actor=actor, action="enrollment.edit_application", obj=enrollment)
    with transaction.atomic():
        locked = _lock(enrollment)
        require_state(enrollment=locked, states=EDITABLE_STATES)
        application = Application.objects.get(enrollment=locked)
        before = {name: getattr(application, name) for name in APPLICATION_FIELDS}
        contacts_before = _contacts_of(application)
        for name in APPLICATION_FIELDS:
            if name in data:
                setattr(application, name, _entered(name, data[name]))
        _check_dates(application, data)
        try:
            application.full_clean(exclude=["enrollment"])
        except ValidationError as error:
            raise _refusal(error) from error
        _check_addresses(application, data)
        application.save()
        after = {name: getattr(application, name) for name in APPLICATION_FIELDS}
        if "contacts" in data:
            contacts = _clean_contacts(application, data["contacts"])
            ApplicationContact.objects.filter(application=application).delete()
            ApplicationContact.objects.bulk_create(contacts)
            contacts_after = _contacts_of(application)
            if contacts_after != contacts_before:
                before["contacts"], after["contacts"] = contacts_before, contacts_after
        if "account_holders" in data:
            holders_before = _holders_of(application)
            holders = _clean_holders(application, data["account_holders"])
            ApplicationAccountHolder.objects.filter(application=application).delete()
            ApplicationAccountHolder.objects.bulk_create(holders)
            holders_after = _holders_of(application)
            if holders_after != holders_before:
                before["account_holders"], after["account_holders"] = holders_before, holders_after
        audit_record(
            actor=actor,
            action="application.update",
            obj=application,
            company_id=locked.site.company_id,
            before=_changed(before, after),
            after=_changed(after, before),
        )
    return application


def _changed(mine: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mine.items() if other.get(key) != value}


def application_document_add(
    *,
    enrollment: Enrollment,
    actor: User,
    kind: str,
    filename: str,
    data: bytes,
    password: str = "",
    dated_on: dt.date | None = None,
) -> Any:
    """Attach a document to the draft (レイアウト図, evidence, exception, audit result with the
    date printed on it)."""
    require_permission(actor=actor, action="enrollment.edit_application", obj=enrollment)
    if kind not in UPLOAD_KINDS:
        raise RuleViolation(
            _("This kind of document is not part of the application."),
            code="invalid",
            status=422,
            field="kind",
        )
    with transaction.atomic():
        locked = _lock(enrollment)
        require_state(enrollment=locked, states=EDITABLE_STATES)
        return document_store(
            actor=actor,
            company=locked.site.company,
            subject=locked,
            kind=kind,
            filename=filename,
            data=data,
            password=password,
            dated_on=dated_on,
        )


# Submission and review --------------------------------------------------------------------


def receipt_number_for(enrollment: Enrollment, number: int, at: Any) -> str:
    """The 到達番号: the year and 12 digits (case, submission), unique by construction."""
    return f"{timezone.localtime(at):%Y}{enrollment.pk:08d}{number:04d}"


def application_submit(
    *, enrollment: Enrollment, actor: User, data: TransitionInput | None = None
) -> Enrollment:
    """① The PSA submits the application: the case goes to review and what was submitted is
    frozen as a version with its 到達番号 (the receipt goes to the company's PSAs)."""
    with case_transition(enrollment=enrollment, name="submit", actor=actor, data=data) as (
        case,
        record,
    ):
        application_version_create(enrollment=case, record=record)
    return case


def application_accept(
    *, enrollment: Enrollment, actor: User, data: TransitionInput | None = None
) -> Enrollment:
    """① The office accepts (受理) the submitted version; the case goes on to ②."""
    with case_transition(enrollment=enrollment, name="accept", actor=actor, data=data) as (
        case,
        record,
    ):
        application_version_decide(enrollment=case, record=record)
    return case


def application_return(
    *, enrollment: Enrollment, actor: User, data: TransitionInput | None = None
) -> Enrollment:
    """① The office returns the submitted version for correction (補正), with its comment."""
    with case_transition(
        enrollment=enrollment, name="return_for_correction", actor=actor, data=data
    ) as (case, record):
        application_version_decide(enrollment=case, record=record)
    return case


def application_version_create(*, enrollment: Enrollment, record: StepRecord) -> ApplicationVersion:
    """Freeze what was submitted (inside the submit transition's transaction)."""
    application = Application.objects.get(enrollment=enrollment)
    contacts = list(ApplicationContact.objects.filter(application=application))
    holders = list(ApplicationAccountHolder.objects.filter(application=application))
    number = application.submission_count + 1
    version = ApplicationVersion.objects.create(
        application=application,
        number=number,
        receipt_number=receipt_number_for(enrollment, number, record.recorded_at),
        submitted_at=record.recorded_at,
        submitted_by=record.actor,
        snapshot=application_snapshot(
            application, contacts, documents_by_kind(application), holders
        ),
    )
    application.submission_count = number
    application.submitted_at = record.recorded_at
    application.receipt_number = version.receipt_number
    application.save(update_fields=["submission_count", "submitted_at", "receipt_number"])
    record.data = {"receipt_number": version.receipt_number}
    record.save(update_fields=["data"])
    # The submit transition's own ledger event records it (its record carries the receipt).
    notify_receipt(enrollment, version)
    return version


def application_version_decide(*, enrollment: Enrollment, record: StepRecord) -> None:
    """Record the office's decision on the submitted version (accept or return)."""
    version = current_version(enrollment)
    if version is None:
        return
    version.decision = (
        ReviewDecision.ACCEPTED if record.transition == "accept" else ReviewDecision.RETURNED
    )
    version.decided_at, version.decided_by = record.recorded_at, record.actor
    if version.review_started_at is None:
        version.review_started_at, version.review_started_by = record.recorded_at, record.actor
    version.save(
        update_fields=[
            "decision",
            "decided_at",
            "decided_by",
            "review_started_at",
            "review_started_by",
        ]
    )
    if record.comment:
        ReviewComment.objects.create(
            version=version, part="general", text=record.comment, author=record.actor
        )


def current_version(enrollment: Enrollment) -> ApplicationVersion | None:
    return (
        ApplicationVersion.objects.filter(application__enrollment=enrollment)
        .order_by("-number")
        .first()
    )


def accepted_version(enrollment: Enrollment) -> ApplicationVersion | None:
    """The version the office accepted (受理): what ② to ⑦ go by. None before acceptance."""
    return (
        ApplicationVersion.objects.filter(
            application__enrollment=enrollment, decision=ReviewDecision.ACCEPTED
        )
        .order_by("-number")
        .first()
    )


def _reviewable(version: ApplicationVersion, actor: User) -> Enrollment:
    """Lock the case; the version must be the one under review (the latest, case submitted)."""
    enrollment = version.application.enrollment
    require_permission(actor=actor, action="application.review", obj=enrollment)
    locked = _lock(enrollment)
    require_state(enrollment=locked, states=[State.SUBMITTED])
    latest = current_version(locked)
    if latest is None or latest.pk != version.pk:
        raise RuleViolation(
            _("Only the latest submitted version can be reviewed."), code="wrong_version"
        )
    return locked


def application_review_start(*, version: ApplicationVersion, actor: User) -> ApplicationVersion:
    """The reviewer opens the submitted version: its status goes from 到達 to 審査中."""
    with transaction.atomic():
        locked = _reviewable(version, actor)
        version = ApplicationVersion.objects.select_for_update().get(pk=version.pk)
        if version.review_started_at is None:
            version.review_started_at, version.review_started_by = timezone.now(), actor
            version.save(update_fields=["review_started_at", "review_started_by"])
            audit_record(
                actor=actor,
                action="application.review_start",
                obj=version,
                company_id=locked.site.company_id,
                after={"number": version.number},
            )
    return version


def review_comment_add(
    *, version: ApplicationVersion, actor: User, part: str, text: str
) -> ReviewComment:
    """The reviewer comments on one part of the version under review (for a 補正)."""
    text = text.strip()
    if part not in COMMENT_PARTS:
        raise RuleViolation(
            _("Choose a part of the application."), code="invalid", status=422, field="part"
        )
    if not text or len(text) > COMMENT_MAX:
        raise RuleViolation(
            _("Please enter a comment of at most 4000 characters."),
            code="comment_required",
            status=422,
            field="text",
        )
    version = application_review_start(version=version, actor=actor)
    with transaction.atomic():
        locked = _reviewable(version, actor)
        comment = ReviewComment.objects.create(version=version, part=part, text=text, author=actor)
        audit_record(
            actor=actor,
            action="application.review_comment",
            obj=comment,
            company_id=locked.site.company_id,
            after={"version": version.number, "part": part},
        )
    return comment
