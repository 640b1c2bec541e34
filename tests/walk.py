"""Drive a case through the services to any state, each step by the actor who owns it."""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.test import TestCase
from django.utils import timezone
from pypdf import PdfWriter

from dsg.enrollment.models import Enrollment, State
from dsg.enrollment.services import (
    TransitionInput,
    application_update,
    enrollment_create,
    enrollment_transition,
)
from dsg.inspections import services as insp
from dsg.inspections.models import Deficiency, Result
from dsg.inspections.selectors import rounds_of
from dsg.orgs.models import Site, User
from dsg.provisioning import services as prov

# 利用開始希望日 of the test data: about four months ahead, never in the past (the application
# refuses a past date, and so does its submission).
DESIRED_START = timezone.localdate() + dt.timedelta(days=120)
COMPLETE_APPLICATION = {
    "track_record": "部品製造契約に従事中",
    "facility_basis": "standard",
    "equipment_confirmed": True,
    "planned_terminals": 1,
    "desired_start": DESIRED_START,
    "contract_name": "試験契約",
    # 加入申請書 parts (issue #3): the rest of 会社/拠点/保護システム管理者 is prefilled.
    "facility_name": "第1取扱施設",
    "psa_department": "情報セキュリティ部",
    "psa_phone": "03-3268-3111",
    "terminal_models": "指定端末 DSG-T1",
}
# The documents a submittable application carries (添付書類: レイアウト図, 実績等の資料).
APPLICATION_DOCUMENTS = ("layout", "contract_evidence")


@contextmanager
def after_commit() -> Iterator[None]:
    """Run, at the end of the block, what the code leaves for after its transaction commits (a
    notice's PDF is rendered and signed then): a test's own transaction never commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


@functools.cache
def small_pdf() -> bytes:
    """A real one-page PDF, built with pypdf."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def attach_documents(enrollment: Enrollment, actor: User, kinds=APPLICATION_DOCUMENTS) -> None:
    """Store the application's documents the way the upload does, less the PDF check in a child
    process (0.4 s a file, too slow for every case of the suite; tests/enrollment and
    tests/documents upload through ``document_store`` itself)."""
    from django.db import transaction

    from dsg.documents.services import _save

    with transaction.atomic():
        for kind in kinds:
            _save(
                actor=actor,
                company=enrollment.site.company,
                subject=enrollment,
                kind=kind,
                filename=f"{kind}.pdf",
                data=small_pdf(),
                content_type="application/pdf",
                password="",
                # an audit-result notice carries the date printed on it
                dated_on=today() if kind == "audit_result" else None,
            )


@dataclass
class Cast:
    psa: User
    delegate: User
    reviewer: User
    inspector: User
    staff: User


def today() -> dt.date:
    return timezone.localdate()


class DaysFromToday:
    """A form value for a day relative to today in Japan, taken when the form is posted.

    A parametrized ``today() + n`` is taken when pytest collects, and is the wrong day once the run
    crosses midnight in Japan (15:00 UTC); this one is read when the test client encodes it."""

    def __init__(self, days: int) -> None:
        self.days = days

    def __str__(self) -> str:
        return (today() + dt.timedelta(days=self.days)).isoformat()

    def __repr__(self) -> str:
        return f"today{self.days:+d}"


def new_case(site: Site, cast: Cast, *, complete: bool = True) -> Enrollment:
    enrollment = enrollment_create(site=site, actor=cast.psa)
    if complete:
        application_update(enrollment=enrollment, actor=cast.psa, data=COMPLETE_APPLICATION)
        attach_documents(enrollment, cast.psa)
    return enrollment


def act(enrollment: Enrollment, name: str, actor: User, **data: object) -> Enrollment:
    return enrollment_transition(
        enrollment=enrollment, name=name, actor=actor, data=TransitionInput(**data)
    )  # type: ignore[arg-type]


def setup_terminal_passed(enrollment: Enrollment, cast: Cast, *, name: str = "PC-01") -> None:
    """At ⑥, in the guideline's order: one terminal; the first account holder of the accepted
    application (the PSA, taken over when ⑥ started) receives the account information (the
    provider delivers it, the PSA opens the one-time link), registers their veins and passes the
    connection test with the received account."""
    terminal = prov.terminal_register(
        enrollment=enrollment,
        actor=cast.psa,
        name=name,
        model_name="指定端末",
        serial_number=f"SN-{name}",
    )
    holder = enrollment.account_holders.order_by("pk").first() or prov.account_holder_add(
        enrollment=enrollment,
        actor=cast.psa,
        person_id=cast.delegate.pk,
        reason="申請書に記載のない担当者を追加",
    )
    if not holder.account_received:
        _delivery, token = prov.account_delivery_create(
            holder=holder, actor=cast.staff, username=f"dsg-{holder.pk}", password="Init-Pw-1"
        )
        prov.account_delivery_open(token=token, actor=cast.psa)
        holder.refresh_from_db()
    if not holder.vein_registered:
        prov.vein_registration_record(
            holder=holder, actor=cast.staff, registered_on=today(), method="remote"
        )
    prov.connection_test_record(
        terminal=terminal, holder=holder, actor=cast.delegate, tested_on=today(), passed=True
    )


# ② and ⑦ are recorded as rounds of the inspections app, never by a bare transition: these two
# moves of a path open the round the case awaits, record every item and finish it, with every item
# 適合 or with one 不適合 (the first item).
INSPECT_PASSED = "inspect:passed"
INSPECT_DEFICIENT = "inspect:deficient"


def inspect_round(enrollment: Enrollment, cast: Cast, *, deficient: bool = False) -> Enrollment:
    """The inspector opens the round the case awaits, records it and finishes it."""
    inspection = insp.inspection_open(subject=enrollment, actor=cast.inspector)
    findings = list(inspection.findings.order_by("order", "pk"))
    entries = [
        insp.FindingInput(
            finding_id=f.pk,
            result=Result.NONCONFORMING if deficient and n == 0 else Result.CONFORMING,
            note="入退室記録なし" if deficient and n == 0 else "",
        )
        for n, f in enumerate(findings)
    ]
    insp.inspection_record(inspection=inspection, actor=cast.inspector, entries=entries)
    insp.inspection_finish(inspection=inspection, actor=cast.inspector, performed_on=today())
    enrollment.refresh_from_db()
    return enrollment


def take_by_inspection(
    enrollment: Enrollment, name: str, cast: Cast, *, comment: str = ""
) -> Enrollment:
    """Take one of the outcome transitions of ② and ⑦ the only way there is: through the
    inspections service that records it (a round, the audit result, the office's decision)."""
    if name in ("pass_inspection", "require_remediation"):
        return inspect_round(enrollment, cast, deficient=name == "require_remediation")
    if name == "deem_inspection_by_audit":
        insp.inspection_deem_by_audit(
            subject=enrollment, actor=cast.reviewer, comment=comment or "監査結果による"
        )
    elif name in ("accept_remediation", "require_reinspection"):
        kind = "final" if enrollment.step == 7 else "site"
        latest = rounds_of(enrollment, kind).order_by("-round").first()
        decision = "accepted" if name == "accept_remediation" else "reinspection"
        insp.remediation_decide(inspection=latest, actor=cast.reviewer, decision=decision)
    else:
        raise ValueError(f"{name} is not taken by an inspection")
    enrollment.refresh_from_db()
    return enrollment


def report_every_deficiency(enrollment: Enrollment, cast: Cast) -> None:
    """The PSA files a remediation report on each open deficiency of the case."""
    open_ones = Deficiency.objects.filter(
        inspection__subject_id=enrollment.pk, resolved_at__isnull=True, reports__isnull=True
    )
    for deficiency in open_ones.filter(inspection__subject_type__model="enrollment"):
        insp.remediation_report_file(
            deficiency=deficiency, actor=cast.psa, text="記録簿を整備しました"
        )


# The shortest path from a fresh draft to each state: (transition, actor attribute, data).
PATH: dict[str, list[tuple[str, str, dict[str, object]]]] = {}
_MAIN = [
    (State.SUBMITTED, ("submit", "psa", {})),
    (State.INSPECTION, ("accept", "reviewer", {})),
    (State.SURVEY, (INSPECT_PASSED, "inspector", {})),
    (State.CONSTRUCTION, ("complete_survey", "staff", {})),
    (State.ROUTER_INSTALLATION, ("complete_construction", "staff", {"performed_on": "today"})),
    (
        State.TERMINAL_SETUP,
        ("install_router", "staff", {"performed_on": "today", "router_serial": "RTR-1"}),
    ),
    (State.FINAL_INSPECTION, ("request_final_inspection", "psa", {})),
    (State.COMPLETED, (INSPECT_PASSED, "inspector", {})),
]


def _build_paths() -> None:
    path: list[tuple[str, str, dict[str, object]]] = []
    PATH[State.DRAFT] = []
    for state, move in _MAIN:
        path = [*path, move]
        PATH[state] = path
    PATH[State.RETURNED] = [
        *PATH[State.SUBMITTED],
        ("return_for_correction", "reviewer", {"comment": "補正してください"}),
    ]
    remediation = (INSPECT_DEFICIENT, "inspector", {})
    report = ("report_remediation", "psa", {"comment": "記録簿を整備しました"})
    PATH[State.INSPECTION_REMEDIATION] = [*PATH[State.INSPECTION], remediation]
    PATH[State.INSPECTION_REMEDIATION_REPORTED] = [*PATH[State.INSPECTION_REMEDIATION], report]
    PATH[State.FINAL_REMEDIATION] = [*PATH[State.FINAL_INSPECTION], remediation]
    PATH[State.FINAL_REMEDIATION_REPORTED] = [*PATH[State.FINAL_REMEDIATION], report]
    PATH[State.WITHDRAWN] = [("withdraw", "psa", {})]
    PATH[State.REJECTED] = [
        *PATH[State.SUBMITTED],
        ("reject", "reviewer", {"comment": "要件を満たしません"}),
    ]


_build_paths()


def prepare_for(enrollment: Enrollment, name: str, cast: Cast) -> None:
    """Record what a transition needs before it can go ahead (survey, terminals)."""
    if name == "complete_survey":
        prov.survey_record(enrollment=enrollment, actor=cast.staff, surveyed_on=today())
    if name == "request_final_inspection":
        setup_terminal_passed(enrollment, cast)
    if name == "deem_inspection_by_audit":
        choose_audit_result(enrollment, cast)
    if name == "report_remediation":
        report_every_deficiency(enrollment, cast)


def choose_audit_result(enrollment: Enrollment, cast: Cast) -> None:
    """inspections: the company's audit-result notice, chosen by the office to stand in for ②
    (the condition of deem_inspection_by_audit)."""
    from dsg.inspections.services import audit_result_choose

    attach_documents(enrollment, cast.psa, kinds=("audit_result",))
    audit_result_choose(subject=enrollment, actor=cast.reviewer)


def walk_to(enrollment: Enrollment, state: str, cast: Cast) -> Enrollment:
    for name, who, data in PATH[state]:
        if name in (INSPECT_PASSED, INSPECT_DEFICIENT):
            enrollment = inspect_round(enrollment, cast, deficient=name == INSPECT_DEFICIENT)
            continue
        prepare_for(enrollment, name, cast)
        values = {k: today() if v == "today" else v for k, v in data.items()}
        enrollment = act(enrollment, name, getattr(cast, who), **values)
    assert enrollment.state == state, (enrollment.state, state)
    return enrollment
