"""Use cases of the site registry: register a terminal, record its connection test, record and
confirm its disposal.

The callers (⑥ of the enrollment today, terminal requests later) check the step they are at and
lock what they act for; these services check the role, the input and the registry's own rules,
and write the ledger in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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

from .models import ConnectionTest, DisposalMethod, DisposalState, Terminal, TerminalDisposal
from .selectors import site_has_standing_terminals

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
) -> Terminal:
    """Register a 利用端末 of ``site`` (its name and serial number are unique at the site), for
    ``origin``: the case or request that registers it, if any."""
    require_permission(actor=actor, action="terminal.register", obj=site)
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
    failure undoes an earlier pass."""
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
    return test


# The disposal of a terminal (基準 第6第6項第3号・第4号) -----------------------------------------
# The kind of document a proof uploaded with the disposal is stored as in the company's folder.
CERTIFICATE_KIND = "disposal_certificate"


@dataclass(frozen=True)
class CertificateUpload:
    """A disposal certificate (廃棄証明書) uploaded with the record: a PDF, and its password when
    it is protected."""

    filename: str
    data: bytes
    password: str = ""


def _invalid(message: Any, field: str, code: str = "invalid") -> RuleViolation:
    return RuleViolation(message, code=code, status=422, field=field)


def _disposal_values(
    *, method: str, method_other: str, disposed_on: dt.date | None, by: str, by_company: str
) -> dict[str, Any]:
    if method not in DisposalMethod.values:
        raise _invalid(_("Choose how the terminal was disposed of."), "method", "invalid_method")
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
    *, terminal: Terminal, certificate: Document | None, upload: CertificateUpload | None
) -> None:
    """Exactly one proof: a document of the terminal's company's folder, or an upload."""
    if (certificate is None) == (upload is None):
        raise _certificate_required()
    if certificate is not None and (
        certificate.company_id != terminal.site.company_id or certificate.kind in OFFICE_ONLY_KINDS
    ):
        raise _invalid(
            _("Choose a document of this company's folder as the proof."),
            "certificate_id",
            "certificate_not_found",
        )


def _proof(
    actor: User, terminal: Terminal, certificate: Document | None, upload: CertificateUpload | None
) -> Document:
    """The chosen document, or the upload stored in the company's folder (both checked)."""
    if certificate is not None:
        return certificate
    if upload is None:
        raise _certificate_required()
    return document_store(
        actor=actor,
        company=terminal.site.company,
        kind=CERTIFICATE_KIND,
        filename=upload.filename,
        data=upload.data,
        password=upload.password,
    )


def _already_recorded() -> RuleViolation:
    return RuleViolation(
        _("A disposal is already recorded for this terminal."), code="disposal_already_recorded"
    )


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
    require_permission(actor=actor, action="terminal.dispose", obj=terminal)
    if site is not None and terminal.site_id != site.pk:
        raise _invalid(_("The terminal is not one of this site's."), "terminal_id", "wrong_site")
    values = _disposal_values(
        method=method,
        method_other=method_other,
        disposed_on=disposed_on,
        by=performed_by,
        by_company=performed_by_company,
    )
    _check_certificate(terminal=terminal, certificate=certificate, upload=upload)
    try:
        with transaction.atomic():
            locked = Terminal.objects.select_for_update().select_related("site").get(pk=terminal.pk)
            if TerminalDisposal.objects.filter(terminal=locked).exists():
                raise _already_recorded()
            proof = _proof(actor, locked, certificate, upload)
            disposal = TerminalDisposal.objects.create(
                terminal=locked, certificate=proof, recorded_by=actor, **values
            )
            _disposal_audit(actor, "terminal.disposal_record", disposal, locked)
            _disposal_mail_to_office(disposal, locked, actor)
    except IntegrityError as error:  # recorded at the same moment by another request
        raise _already_recorded() from error
    return disposal


# What the apps above do once the last terminal of a site is gone (a closure waiting on it
# applies): each gets the site and the actor, inside the confirming transaction.
EQUIPMENT_GONE: list[Callable[[Site, User], None]] = []


def on_equipment_gone(callback: Callable[[Site, User], None]) -> None:
    if callback not in EQUIPMENT_GONE:
        EQUIPMENT_GONE.append(callback)


def terminal_disposal_confirm(*, disposal: TerminalDisposal, actor: User) -> TerminalDisposal:
    """The office's reviewer confirms a recorded disposal: the terminal is 廃棄済 and leaves the
    site's registry. Of two reviewers at once, one confirms; the other is refused."""
    require_permission(actor=actor, action="terminal_disposal.confirm", obj=disposal)
    with transaction.atomic():
        now = timezone.now()
        confirmed = TerminalDisposal.objects.filter(
            pk=disposal.pk, state=DisposalState.RECORDED
        ).update(state=DisposalState.CONFIRMED, confirmed_by=actor, confirmed_at=now)
        if not confirmed:
            raise RuleViolation(
                _("This disposal was already confirmed."), code="disposal_already_confirmed"
            )
        disposal = TerminalDisposal.objects.select_related("terminal__site__company").get(
            pk=disposal.pk
        )
        _disposal_audit(actor, "terminal.disposal_confirm", disposal, disposal.terminal)
        _disposal_mail_to_company(disposal, actor)
        site = disposal.terminal.site
        if not site_has_standing_terminals(site):
            for callback in EQUIPMENT_GONE:
                callback(site, actor)
    return disposal


def _disposal_audit(
    actor: User, action: str, disposal: TerminalDisposal, terminal: Terminal
) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=disposal,
        company_id=terminal.site.company_id,
        before={"state": DisposalState.RECORDED} if disposal.is_confirmed else None,
        after={
            "terminal": terminal.pk,
            "site": terminal.site_id,
            "serial_number": terminal.serial_number,
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
    disposal: TerminalDisposal, *, to: list[str], actor: User, kind: str, what: Any
) -> None:
    terminal = disposal.terminal
    mail_queue(
        to=to,
        exclude=[actor.email],
        about=f"{terminal.site.name} {terminal.name}",
        subject=what,
        lines=[
            format_lazy(
                _("Terminal {terminal} of {site} ({company}): {what}"),
                terminal=terminal.name,
                site=terminal.site.name,
                company=terminal.site.company.name,
                what=what,
            )
        ],
        link=f"/terminals/{terminal.pk}/disposal/",
        kind=kind,
        company_id=terminal.site.company_id,
    )


def _disposal_mail_to_office(disposal: TerminalDisposal, terminal: Terminal, actor: User) -> None:
    """The office's reviewers hear that a disposal awaits their confirmation."""
    _disposal_mail(
        disposal,
        to=emails_of(roles=[Role.REVIEWER]),
        actor=actor,
        kind="terminal.disposal_record",
        what=_("disposal recorded, please confirm (廃棄の記録)"),
    )


def _disposal_mail_to_company(disposal: TerminalDisposal, actor: User) -> None:
    """The company's PSAs hear that the office confirmed the disposal."""
    _disposal_mail(
        disposal,
        to=psa_emails(disposal.terminal.site.company_id),
        actor=actor,
        kind="terminal.disposal_confirm",
        what=_("disposal confirmed by the office (廃棄の確認)"),
    )
