"""inspections' open items (core.todos): whose turn it is at ② and ⑦ — the office proposes dates,
the PSA picks one, the inspector visits, the company reports on each deficiency by its due date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dsg.core.todos import todos_for
from dsg.enrollment.models import State
from dsg.inspections import services
from dsg.inspections.models import Result
from tests.walk import new_case, small_pdf, walk_to

from .helpers import record, tomorrow_at


def items(user, enrollment) -> list[tuple[str, str]]:
    """The (code, who) of the case's items that ``user`` sees, from this app."""
    found = todos_for(user=user, cases={"enrollment": [enrollment.pk]})
    return [(t.code, t.who) for t in found if t.url.startswith("/inspections/")]


@pytest.mark.django_db
def test_a_round_waits_on_the_office_then_the_psa_then_the_inspector(site, cast):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = services.inspection_open(subject=enrollment, actor=cast.inspector)
    assert items(cast.reviewer, enrollment) == [("inspection.propose_slots", "office")]

    first, second = tomorrow_at(10), tomorrow_at(14)
    slots = services.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[second, first]
    )
    [pick] = todos_for(user=cast.psa, cases={"enrollment": [enrollment.pk]})
    assert (pick.code, pick.who, pick.action) == (
        "inspection.pick_slot",
        "company",
        "inspection.pick_slot",
    )
    assert pick.due == timezone.localdate(first)  # before the first date offered passes
    assert pick.url == f"/inspections/{inspection.pk}/#appointment"
    assert pick.number == enrollment.number and pick.site_id == site.pk

    services.inspection_ask_other_slots(
        inspection=inspection, actor=cast.psa, message="別の週でお願いします"
    )
    assert items(cast.reviewer, enrollment) == [("inspection.propose_slots", "office")]

    slots = services.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[first]
    )
    services.inspection_pick_slot(inspection=inspection, actor=cast.psa, slot_id=slots[0].pk)
    [visit] = todos_for(user=cast.inspector, cases={"enrollment": [enrollment.pk]})
    assert (visit.code, visit.who, visit.due) == (
        "inspection.visit",
        "inspector",
        timezone.localdate(first),
    )
    assert visit.url == f"/inspections/{inspection.pk}/#findings"

    # Held on paper and kept: the same item, now leading to finishing the round.
    services.inspection_record_on_paper(
        inspection=inspection,
        actor=cast.inspector,
        performed_on=timezone.localdate(),
        scan_data=small_pdf(),
        entries=[
            services.FindingInput(finding_id=f.pk, result=Result.CONFORMING)
            for f in inspection.findings.all()
        ],
    )
    [finish] = todos_for(user=cast.inspector, cases={"enrollment": [enrollment.pk]})
    assert (finish.code, finish.due) == ("inspection.visit", visit.due)
    assert finish.url == f"/inspections/{inspection.pk}/paper/#paper-finish"
    assert str(finish.button) == "回を終了する"


@pytest.mark.django_db
def test_deficiencies_wait_on_the_company_until_each_is_reported(site, cast):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = services.inspection_open(subject=enrollment, actor=cast.inspector)
    due = timezone.localdate() + dt.timedelta(days=30)
    first_item = inspection.findings.order_by("order", "pk").first().item.code
    record(inspection, cast, {first_item: Result.NONCONFORMING}, due_on=due)
    services.inspection_finish(
        inspection=inspection, actor=cast.inspector, performed_on=timezone.localdate()
    )
    assert items(cast.psa, enrollment) == [("remediation.report", "company")]
    [report] = [
        t
        for t in todos_for(user=cast.psa, cases={"enrollment": [enrollment.pk]})
        if t.code == "remediation.report"
    ]
    assert report.due == due and report.url.endswith("#deficiencies")
    for deficiency in inspection.deficiencies.all():
        services.remediation_report_file(deficiency=deficiency, actor=cast.psa, text="対応済み")
    assert items(cast.psa, enrollment) == []


@pytest.mark.django_db
def test_neither_a_company_user_nor_the_provider_sees_the_rounds_items(site, cast, everyone):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = services.inspection_open(subject=enrollment, actor=cast.inspector)
    services.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[tomorrow_at()]
    )
    assert items(everyone["psa"], enrollment) == [("inspection.pick_slot", "company")]
    assert items(everyone["delegate"], enrollment) == [("inspection.pick_slot", "company")]
    assert items(everyone["user"], enrollment) == []
    assert items(everyone["provider_staff"], enrollment) == []
    assert items(everyone["other_psa"], enrollment) == []
