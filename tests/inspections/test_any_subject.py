"""An inspection of a subject that is not an enrollment step: the inspections app imports no
procedure, so any app can have its subject inspected by registering it (here a test-only subject
type: a site, as a change application's re-inspection will be)."""

from __future__ import annotations

import pytest
from django.db import transaction

from dsg.core import subjects
from dsg.core.errors import RuleViolation
from dsg.inspections import services
from dsg.inspections.inspected import (
    DECIDING,
    INSPECTING,
    REMEDIATING,
    InspectedSubject,
    Stage,
    register_inspected,
    unregister_inspected,
)
from dsg.inspections.models import Decision, InspectionKind, Outcome, Result
from dsg.inspections.selectors import rounds_of
from dsg.notices.models import Notice, NoticeKind
from dsg.orgs.models import Site

from ..walk import after_commit, today


class SiteUnderInspection:
    """The test's own subject type: a site whose stage the test sets, with what it was told."""

    def __init__(self) -> None:
        self.stage: Stage | None = Stage(InspectionKind.SITE, INSPECTING)
        self.told: list[tuple[str, str]] = []

    def outcome(self, inspection, actor, *, comment: str, effective_on=None) -> None:
        self.told.append(("outcome", inspection.outcome))

    def decided(self, inspection, actor, *, effective_on=None) -> None:
        self.told.append(("decided", inspection.decision))


@pytest.fixture
def inspected_site(site):
    under = SiteUnderInspection()
    subjects.register(
        subjects.SubjectType(
            key="test-site",
            model=Site,
            get_for=lambda *, user, pk: Site.objects.get(pk=pk),
            lock=lambda s: Site.objects.select_for_update().get(pk=s.pk),
            company=lambda s: s.company,
            number=lambda s: f"SITE-{s.pk}",
            label=lambda s: f"SITE-{s.pk} {s.name}",
            url=lambda s: f"/sites/{s.pk}/",
        )
    )
    register_inspected(
        InspectedSubject(
            model=Site,
            stage=lambda s: under.stage,
            outcome=under.outcome,
            decided=under.decided,
            party=lambda s: {"company": {"name": s.company.name}, "site": {"name": s.name}},
        )
    )
    yield under
    unregister_inspected(Site)
    subjects.unregister("test-site")


def test_a_round_of_a_subject_that_is_no_enrollment_step(site, inspected_site, cast):
    inspection = services.inspection_open(subject=site, actor=cast.inspector)
    assert inspection.subject == site and inspection.company == site.company
    assert inspection.kind == InspectionKind.SITE and inspection.round == 1

    findings = list(inspection.findings.select_related("item"))
    services.inspection_record(
        inspection=inspection,
        actor=cast.inspector,
        entries=[
            services.FindingInput(
                finding_id=f.pk,
                result=Result.NONCONFORMING if n == 0 else Result.CONFORMING,
                note="施錠なし" if n == 0 else "",
            )
            for n, f in enumerate(findings)
        ],
    )
    with after_commit(), transaction.atomic():
        finished = services.inspection_finish(
            inspection=inspection, actor=cast.inspector, performed_on=today()
        )
    assert finished.outcome == Outcome.REMEDIATION
    assert inspected_site.told == [("outcome", Outcome.REMEDIATION)]
    notice = subjects.attached_to(Notice.objects.all(), site).get()
    assert notice.kind == NoticeKind.INSPECTION_RESULT and not notice.is_pending
    assert notice.snapshot["inspection"]["kind"] == "initial"  # no step number of its own

    inspected_site.stage = Stage(InspectionKind.SITE, REMEDIATING)
    [deficiency] = finished.deficiencies.all()
    services.remediation_report_file(deficiency=deficiency, actor=cast.psa, text="施錠した")
    inspected_site.stage = Stage(InspectionKind.SITE, DECIDING)
    services.remediation_decide(inspection=finished, actor=cast.reviewer, decision="accepted")
    assert inspected_site.told[-1] == ("decided", Decision.ACCEPTED)
    assert list(rounds_of(site)) == [finished]


def test_the_subjects_stage_decides_what_can_be_done(site, inspected_site, cast):
    inspected_site.stage = None
    with pytest.raises(RuleViolation) as refusal:
        services.inspection_open(subject=site, actor=cast.inspector)
    assert refusal.value.code == "wrong_state"
    assert not rounds_of(site).exists()
