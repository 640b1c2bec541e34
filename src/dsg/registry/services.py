"""Use cases of the site registry: register a terminal, record its set-up and its connection
test, put a site's terminals in use, record and confirm the disposal of a terminal or of a
removable medium (one implementation for both).

The callers (⑥ of the enrollment, its completion, the requests after 加入) check the step they
are at and lock what they act for; these services check the role, the input and the registry's
own rules, and write the ledger in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.core.inputs import past_or_today, required_text
from dsg.documents.models import Document
from dsg.documents.policy import OFFICE_ONLY_KINDS
from dsg.documents.services import document_store
from dsg.notifications.services import mail_queue
from dsg.orgs.models import Role, Site, User
from dsg.orgs.permissions import require_permission
from dsg.orgs.selectors import emails_of, psa_emails

from .models import (
    ConnectionTest,
    Disposal,
    DisposalMethod,
    DisposalState,
    MediumDisposal,
    RemovableMedium,
    Terminal,
    TerminalDisposal,
)
from .selectors import site_has_standing_equipment, site_in_use_since, terminals_of

NOTE_MAX = 2000


def _origin(origin: models.Model | None) -> dict[str, object] | None:
    return None if origin is None else {"type": origin._meta.label_lower, "id": origin.pk}


def terminal_register(
    *,
    site: Site,
    actor: User,
    name: str,
    model_name: str,
    serial_number: str,
    origin: models.Model | None = None,
    on_approval: bool = False,
) -> Terminal:
    """Register a 利用端末 of ``site`` (its name and serial number are unique at the site), for
    ``origin``: the case or request that registers it, if any. The PSA registers at ⑥; after
    加入 the office's reviewer registers by approving a request (``on_approval``)."""
    action = "terminal.register_on_approval" if on_approval else "terminal.register"
    require_permission(actor=actor, action=action, obj=site)
    values = {
        "name": required_text(name, "name", 100),
        "model_name": required_text(model_name, "model_name", 100),
        "serial_number": required_text(serial_number, "serial_number", 100),
    }
    try:
        with transaction.atomic():
            terminal = Terminal.objects.create(
                site=site,
                origin_type=ContentType.objects.get_for_model(origin) if origin else None,
                origin_id=origin.pk if origin else None,
                **values,
            )
            audit_record(
                actor=actor,
                action="terminal.register",
                obj=terminal,
                company_id=site.company_id,
                after={
                    "site": site.pk,
                    "name": terminal.name,
                    "model": terminal.model_name,
                    "serial_number": terminal.serial_number,
                    "origin": _origin(origin),
                },
            )
    except IntegrityError as error:
        raise RuleViolation(
            _("A terminal with this name or serial number is already registered for this site."),
            code="duplicate_terminal",
            status=422,
        ) from error
    return terminal


def connection_test_record(
    *,
    terminal: Terminal,
    person: User | None,
    actor: User,
    tested_on: dt.date | None,
    passed: bool,
    note: str = "",
    tester_name: str = "",
    tester_key: str = "",
) -> ConnectionTest:
    """A 接続テスト of ``terminal`` by the holder of a DSG account: ``tester_key`` (the caller's
    key of that account) and ``tester_name``, and ``person`` when they are a portal user. A later
    failure undoes an earlier pass. After 加入 (a terminal of the site is in use), a terminal
    whose test passes is put in use on the test's date (not before the site's 利用開始日)."""
    require_permission(actor=actor, action="connection_test.record", obj=terminal)
    if TerminalDisposal.objects.filter(terminal=terminal).exists():
        raise RuleViolation(
            _("This terminal was disposed of: it takes no more connection tests."),
            code="terminal_disposed",
        )
    name = (tester_name or "").strip()[:100] or (str(person) if person is not None else "")
    with transaction.atomic():
        test = ConnectionTest.objects.create(
            terminal=terminal,
            person=person,
            tester_name=name,
            tester_key=(tester_key or "")[:40],
            tested_on=past_or_today(tested_on, "tested_on"),
            passed=bool(passed),
            note=(note or "").strip()[:NOTE_MAX],
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="connection_test.record",
            obj=test,
            company_id=terminal.site.company_id,
            after={
                "terminal": terminal.pk,
                "person": person.pk if person is not None else None,
                "tester": test.tester_key or test.tester_name,
                "passed": test.passed,
                "tested_on": test.tested_on,
            },
        )
        if test.passed:
            _in_use_after_enrollment(terminal, test.tested_on, actor)
    return test


def _in_use_after_enrollment(terminal: Terminal, tested_on: dt.date, actor: User) -> None:
    """A terminal that passed at a site already in use is in use from its test's date."""
    site = terminal.site
    started = site_in_use_since(site)
    if started is None:
        return  # before 加入: the case's completion puts the site's terminals in use
    ready = terminals_of(site).filter(pk=terminal.pk, latest_passed=True, in_use_since=None)
    _put_in_use(site, list(ready.values_list("pk", flat=True)), max(tested_on, started), actor)


def terminal_setup_record(
    *, terminal: Terminal, actor: User, set_up_on: dt.date | None
) -> Terminal:
    """The PSA or the delegate records the day the terminal was set up (セットアップ日: past or
    today); a date recorded before is corrected. A terminal whose disposal is recorded is not."""
    require_permission(actor=actor, action="terminal.set_up", obj=terminal)
    day = past_or_today(set_up_on, "set_up_on")
    with transaction.atomic():
        locked = Terminal.objects.select_for_update().select_related("site").get(pk=terminal.pk)
        if TerminalDisposal.objects.filter(terminal=locked).exists():
            raise RuleViolation(
                _("This terminal was disposed of: its set-up is no longer recorded."),
                code="terminal_disposed",
            )
        before = locked.set_up_on
        locked.set_up_on = day
        locked.save(update_fields=["set_up_on"])
        audit_record(
            actor=actor,
            action="terminal.set_up",
            obj=locked,
            company_id=locked.site.company_id,
            before={"set_up_on": before},
            after={"set_up_on": day},
        )
    return locked


def terminals_put_in_use(*, site: Site, on: dt.date, actor: User) -> list[int]:
    """The site starts its use (利用開始日 ``on``): every standing terminal whose latest
    connection test passed and that is not in use yet is in use from ``on``; one ledger event
    names them. Called by the procedure that decides it (the completion of 加入), which checked
    its actor; returns the terminals' ids (none: no event)."""
    with transaction.atomic():
        ready = terminals_of(site).filter(latest_passed=True, in_use_since=None)
        return _put_in_use(site, list(ready.values_list("pk", flat=True)), on, actor)


def _put_in_use(site: Site, ids: list[int], on: dt.date, actor: User) -> list[int]:
    locked = Terminal.objects.select_for_update().filter(pk__in=ids, in_use_since=None)
    ids = sorted(locked.values_list("pk", flat=True))
    if not ids:
        return []
    Terminal.objects.filter(pk__in=ids).update(in_use_since=on)
    audit_record(
        actor=actor,
        action="terminal.put_in_use",
        obj=site,
        company_id=site.company_id,
        after={"terminals": ids, "in_use_since": on},
    )
    return ids


# The disposal of a terminal or a removable medium (基準 第6第6項第3号・第4号) ------------------
# The kind of document a proof uploaded with the disposal is stored as in the company's folder.
CERTIFICATE_KIND = "disposal_certificate"


@dataclass(frozen=True)
class CertificateUpload:
    """A disposal certificate (廃棄証明書) uploaded with the record: a PDF, and its password when
    it is protected."""

    filename: str
    data: bytes
    password: str = ""


Equipment = Terminal | RemovableMedium


@dataclass(frozen=True)
class _Kind:
    """What differs between the disposal of a terminal and of a removable medium."""

    model: type[Terminal] | type[RemovableMedium]
    disposal_model: type[TerminalDisposal] | type[MediumDisposal]
    field: str  # the disposal's foreign key, and the prefix of its actions and ledger events
    confirm_action: str
    link: str  # its disposal page, with {pk}
    id_field: str
    choose_method: Any
    already_recorded: Any
    wrong_site: Any
    mail_line: Any  # with {name}, {site}, {company}, {what}

    def identity(self, item: Any) -> dict[str, Any]:
        """What names the item in the ledger."""
        facts = {self.field: item.pk, "site": item.site_id, "serial_number": item.serial_number}
        if isinstance(item, RemovableMedium):
            facts.update(vendor_id=item.vendor_id, product_id=item.product_id)
        return facts

    def name(self, item: Any) -> str:
        return item.name if isinstance(item, Terminal) else item.ref


TERMINAL = _Kind(
    model=Terminal,
    disposal_model=TerminalDisposal,
    field="terminal",
    confirm_action="terminal_disposal.confirm",
    link="/terminals/{pk}/disposal/",
    id_field="terminal_id",
    choose_method=_("Choose how the terminal was disposed of."),
    already_recorded=_("A disposal is already recorded for this terminal."),
    wrong_site=_("The terminal is not one of this site's."),
    mail_line=_("Terminal {name} of {site} ({company}): {what}"),
)
MEDIUM = _Kind(
    model=RemovableMedium,
    disposal_model=MediumDisposal,
    field="medium",
    confirm_action="medium_disposal.confirm",
    link="/media/{pk}/disposal/",
    id_field="medium_id",
    choose_method=_("Choose how the medium was disposed of."),
    already_recorded=_("A disposal is already recorded for this medium."),
    wrong_site=_("The medium is not one of this site's."),
    mail_line=_("Removable medium {name} of {site} ({company}): {what}"),
)


def _invalid(message: Any, field: str, code: str = "invalid") -> RuleViolation:
    return RuleViolation(message, code=code, status=422, field=field)


def _disposal_values(
    kind: _Kind,
    *,
    method: str,
    method_other: str,
    disposed_on: dt.date | None,
    by: str,
    by_company: str,
) -> dict[str, Any]:
    if method not in DisposalMethod.values:
        raise _invalid(kind.choose_method, "method", "invalid_method")
    other = (method_other or "").strip()
    if method == DisposalMethod.OTHER:
        other = required_text(other, "method_other", 200)
    return {
        "method": method,
        "method_other": other if method == DisposalMethod.OTHER else "",
        "disposed_on": past_or_today(disposed_on, "disposed_on"),
        "performed_by": required_text(by, "performed_by", 100),
        "performed_by_company": required_text(by_company, "performed_by_company", 200),
    }


def _certificate_required() -> RuleViolation:
    return _invalid(
        _("Attach the disposal certificate (廃棄証明書): upload it or choose it from the folder."),
        "certificate_id",
        "certificate_required",
    )


def _check_certificate(
    *, company_id: int, certificate: Document | None, upload: CertificateUpload | None
) -> None:
    """Exactly one proof: a document of the item's company's folder, or an upload."""
    if (certificate is None) == (upload is None):
        raise _certificate_required()
    if certificate is not None and (
        certificate.company_id != company_id or certificate.kind in OFFICE_ONLY_KINDS
    ):
        raise _invalid(
            _("Choose a document of this company's folder as the proof."),
            "certificate_id",
            "certificate_not_found",
        )


def _proof(
    actor: User, site: Site, certificate: Document | None, upload: CertificateUpload | None
) -> Document:
    """The chosen document, or the upload stored in the company's folder (both checked)."""
    if certificate is not None:
        return certificate
    if upload is None:
        raise _certificate_required()
    return document_store(
        actor=actor,
        company=site.company,
        kind=CERTIFICATE_KIND,
        filename=upload.filename,
        data=upload.data,
        password=upload.password,
    )


@dataclass(frozen=True)
class DisposalInput:
    """What the PSA records of a disposal, as the page or the API gave it."""

    method: str
    disposed_on: dt.date | None
    performed_by: str
    performed_by_company: str
    method_other: str = ""
    certificate: Document | None = None
    upload: CertificateUpload | None = None


def _disposal_record(
    kind: _Kind, *, item: Equipment, actor: User, given: DisposalInput, site: Site | None
) -> Disposal:
    require_permission(actor=actor, action=f"{kind.field}.dispose", obj=item)
    if site is not None and item.site_id != site.pk:
        raise _invalid(kind.wrong_site, kind.id_field, "wrong_site")
    values = _disposal_values(
        kind,
        method=given.method,
        method_other=given.method_other,
        disposed_on=given.disposed_on,
        by=given.performed_by,
        by_company=given.performed_by_company,
    )
    company_id = item.site.company_id
    _check_certificate(company_id=company_id, certificate=given.certificate, upload=given.upload)
    disposals = kind.disposal_model._default_manager
    try:
        with transaction.atomic():
            items = kind.model._default_manager.select_for_update().select_related("site")
            locked = items.get(pk=item.pk)
            if disposals.filter(**{kind.field: locked}).exists():
                raise RuleViolation(kind.already_recorded, code="disposal_already_recorded")
            proof = _proof(actor, locked.site, given.certificate, given.upload)
            disposal = disposals.create(
                **{kind.field: locked}, certificate=proof, recorded_by=actor, **values
            )
            _disposal_audit(kind, actor, f"{kind.field}.disposal_record", disposal, locked)
            _disposal_mail_to_office(kind, locked, actor)
    except IntegrityError as error:  # recorded at the same moment by another request
        raise RuleViolation(kind.already_recorded, code="disposal_already_recorded") from error
    return disposal


def terminal_disposal_record(
    *,
    terminal: Terminal,
    actor: User,
    method: str,
    disposed_on: dt.date | None,
    performed_by: str,
    performed_by_company: str,
    method_other: str = "",
    certificate: Document | None = None,
    upload: CertificateUpload | None = None,
    site: Site | None = None,
) -> TerminalDisposal:
    """The company's PSA records how, when and by whom ``terminal`` was disposed of (基準 第6第6項
    第3号・第4号), with its proof: ``certificate`` (a document of the company's folder) or an
    ``upload`` stored there. The terminal still stands until the office confirms it. ``site``,
    when given, is the site the caller acts for: a terminal of another site is refused."""
    given = DisposalInput(
        method, disposed_on, performed_by, performed_by_company, method_other, certificate, upload
    )
    disposal = _disposal_record(TERMINAL, item=terminal, actor=actor, given=given, site=site)
    return cast(TerminalDisposal, disposal)


def medium_disposal_record(
    *,
    medium: RemovableMedium,
    actor: User,
    method: str,
    disposed_on: dt.date | None,
    performed_by: str,
    performed_by_company: str,
    method_other: str = "",
    certificate: Document | None = None,
    upload: CertificateUpload | None = None,
    site: Site | None = None,
) -> MediumDisposal:
    """The company's PSA records the disposal of a removable medium (可搬記憶媒体), as of a
    terminal: the medium stays registered until the office confirms it."""
    given = DisposalInput(
        method, disposed_on, performed_by, performed_by_company, method_other, certificate, upload
    )
    disposal = _disposal_record(MEDIUM, item=medium, actor=actor, given=given, site=site)
    return cast(MediumDisposal, disposal)


# What the apps above do once the last terminal and medium of a site are gone (a closure
# waiting on it applies): each gets the site and the actor, inside the confirming transaction.
EQUIPMENT_GONE: list[Callable[[Site, User], None]] = []


def on_equipment_gone(callback: Callable[[Site, User], None]) -> None:
    if callback not in EQUIPMENT_GONE:
        EQUIPMENT_GONE.append(callback)


def _disposal_confirm(kind: _Kind, *, disposal: Disposal, actor: User) -> Disposal:
    require_permission(actor=actor, action=kind.confirm_action, obj=disposal)
    disposals = kind.disposal_model._default_manager
    with transaction.atomic():
        now = timezone.now()
        confirmed = disposals.filter(pk=disposal.pk, state=DisposalState.RECORDED).update(
            state=DisposalState.CONFIRMED, confirmed_by=actor, confirmed_at=now
        )
        if not confirmed:
            raise RuleViolation(
                _("This disposal was already confirmed."), code="disposal_already_confirmed"
            )
        disposal = disposals.select_related(f"{kind.field}__site__company").get(pk=disposal.pk)
        item = getattr(disposal, kind.field)
        _disposal_audit(kind, actor, f"{kind.field}.disposal_confirm", disposal, item)
        _disposal_mail_to_company(kind, item, actor)
        if not site_has_standing_equipment(item.site):
            for callback in EQUIPMENT_GONE:
                callback(item.site, actor)
    return disposal


def terminal_disposal_confirm(*, disposal: TerminalDisposal, actor: User) -> TerminalDisposal:
    """The office's reviewer confirms a recorded disposal: the terminal is 廃棄済 and leaves the
    site's registry. Of two reviewers at once, one confirms; the other is refused."""
    return cast(TerminalDisposal, _disposal_confirm(TERMINAL, disposal=disposal, actor=actor))


def medium_disposal_confirm(*, disposal: MediumDisposal, actor: User) -> MediumDisposal:
    """The office's reviewer confirms a medium's recorded disposal: it is 廃棄済 and leaves the
    site's registry."""
    return cast(MediumDisposal, _disposal_confirm(MEDIUM, disposal=disposal, actor=actor))


def _disposal_audit(kind: _Kind, actor: User, action: str, disposal: Disposal, item: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=disposal,
        company_id=item.site.company_id,
        before={"state": DisposalState.RECORDED} if disposal.is_confirmed else None,
        after={
            **kind.identity(item),
            "state": disposal.state,
            "method": disposal.method,
            "method_other": disposal.method_other,
            "disposed_on": disposal.disposed_on,
            "performed_by": disposal.performed_by,
            "performed_by_company": disposal.performed_by_company,
            "certificate": disposal.certificate_id,
        },
    )


def _disposal_mail(
    kind: _Kind, item: Any, *, to: list[str], actor: User, mail_kind: str, what: Any
) -> None:
    site = item.site
    mail_queue(
        to=to,
        exclude=[actor.email],
        about=f"{site.name} {kind.name(item)}",
        subject=what,
        lines=[
            format_lazy(
                kind.mail_line,
                name=kind.name(item),
                site=site.name,
                company=site.company.name,
                what=what,
            )
        ],
        link=kind.link.format(pk=item.pk),
        kind=mail_kind,
        company_id=site.company_id,
    )


def _disposal_mail_to_office(kind: _Kind, item: Any, actor: User) -> None:
    """The office's reviewers hear that a disposal awaits their confirmation."""
    _disposal_mail(
        kind,
        item,
        to=emails_of(roles=[Role.REVIEWER]),
        actor=actor,
        mail_kind=f"{kind.field}.disposal_record",
        what=_("disposal recorded, please confirm (廃棄の記録)"),
    )


def _disposal_mail_to_company(kind: _Kind, item: Any, actor: User) -> None:
    """The company's PSAs hear that the office confirmed the disposal."""
    _disposal_mail(
        kind,
        item,
        to=psa_emails(item.site.company_id),
        actor=actor,
        mail_kind=f"{kind.field}.disposal_confirm",
        what=_("disposal confirmed by the office (廃棄の確認)"),
    )
