"""② and ⑦'s forms (#12): the tablet's results per item, the paper round, the dates offered and
picked, the remediation reports and the office's decision — a bad input draws the page again
(422) with the error beside its input (the item's own), the summary linking to it, what was
entered kept; nothing changes."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dsg.enrollment.models import State
from dsg.inspections import services
from dsg.inspections.models import ChecklistTemplate, Finding, Result

from ..enrollment.field_errors import Unchanged, assert_described_by_exists, assert_error_beside
from ..walk import DaysFromToday, act, new_case, today, walk_to
from .helpers import inspect, report_all, tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_inspection(site, cast):
    return walk_to(new_case(site, cast), State.INSPECTION, cast)


@pytest.fixture
def inspection(at_inspection, cast):
    return services.inspection_open(subject=at_inspection, actor=cast.inspector)


def _post(client, person, url, data):
    client.force_login(person)
    with Unchanged():
        return client.post(url, data)


def _theme(inspection, theme="施設"):
    facility = list(inspection.findings.filter(item__theme=theme).order_by("pk"))
    form = {"theme": theme, "finding": [str(f.pk) for f in facility]}
    for finding in facility:
        form[f"result-{finding.pk}"] = Result.CONFORMING
    return facility, form


@pytest.mark.parametrize(
    ("field", "prefix", "value"),
    [
        ("due", "due-", DaysFromToday(-1)),
        ("reason", "reason-", "対象外のため"),
    ],
    ids=["due-in-the-past", "reason-without-nonconformity"],
)
def test_the_tablet_says_an_items_error_beside_that_items_input(
    client, inspection, cast, field, prefix, value
):
    facility, form = _theme(inspection)
    item = facility[2]
    form[f"note-{item.pk}"] = "記録簿を確認"
    if field == "due":
        form[f"result-{item.pk}"] = Result.NONCONFORMING
    form[f"{field}-{item.pk}"] = value
    response = _post(client, cast.inspector, f"/inspections/{inspection.pk}/record/", form)
    page = assert_error_beside(
        response, data_form="施設", attr="data-theme", field_id=f"{prefix}{item.pk}"
    )
    assert "記録簿を確認" in page  # what was entered is kept
    assert not Finding.objects.filter(inspection=inspection).exclude(result="").exists()
    for other in facility:  # no other item's input says anything
        if other.pk != item.pk:
            assert f'id="{prefix}{other.pk}_error"' not in page


def test_the_tablet_says_a_missing_result_beside_the_items_choices(client, inspection, cast):
    facility, form = _theme(inspection)
    item = facility[0]
    form[f"result-{item.pk}"] = "maybe"
    response = _post(client, cast.inspector, f"/inspections/{inspection.pk}/record/", form)
    assert_error_beside(response, data_form="施設", attr="data-theme", field_id=f"result-{item.pk}")


def test_the_paper_round_without_its_scan_says_so_beside_the_scan(client, inspection, cast):
    form = {"performed_on": str(today()), "finding": []}
    for finding in inspection.findings.all():
        form["finding"].append(str(finding.pk))
        form[f"result-{finding.pk}"] = Result.CONFORMING
    response = _post(client, cast.inspector, f"/inspections/{inspection.pk}/paper/", form)
    assert_error_beside(response, data_form="paper", field_id="paper-scan")


@pytest.mark.parametrize(
    ("data", "field_id"),
    [
        ({"hours": "3", "exception_reason": "先方の都合"}, "slot-1"),
        ({"starts_at": [tomorrow_at(10).strftime("%Y-%m-%dT%H:%M")], "hours": "20"}, "slot-hours"),
    ],
    ids=["no-date", "too-long"],
)
def test_the_dates_offered_say_their_error_beside_the_field(
    client, inspection, cast, data, field_id
):
    response = _post(client, cast.reviewer, f"/inspections/{inspection.pk}/slots/", data)
    page = assert_error_beside(response, data_form="slots", field_id=field_id)
    if "exception_reason" in data:
        assert 'value="先方の都合"' in page
    assert not inspection.appointments.exists()


def _offered(inspection, cast):
    return services.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[tomorrow_at(10)], hours=2
    )


def test_a_pick_without_a_date_is_said_beside_the_choices(client, inspection, cast):
    _offered(inspection, cast)
    response = _post(
        client, cast.psa, f"/inspections/{inspection.pk}/pick/", {"entry_notes": "正門受付"}
    )
    page = response.content.decode()
    assert response.status_code == 422 and 'href="#slot-0"' in page
    assert 'id="slot_error"' in page and "正門受付" in page


def test_asking_for_other_dates_without_saying_which_is_said_beside_the_message(
    client, inspection, cast
):
    _offered(inspection, cast)
    response = _post(client, cast.psa, f"/inspections/{inspection.pk}/other-dates/", {})
    assert_error_beside(response, data_form="other-dates", field_id="other-msg")


@pytest.fixture
def deficient(at_inspection, cast):
    due = today() + dt.timedelta(days=14)
    return inspect(at_inspection, cast, {"F-05": Result.NONCONFORMING}, due_on=due)


def test_an_empty_remediation_report_is_said_beside_its_deficiency(client, deficient, cast):
    deficiency = deficient.deficiencies.get()
    response = _post(client, cast.psa, f"/deficiencies/{deficiency.pk}/report/", {"text": " "})
    assert_error_beside(response, data_form="report", field_id=f"rep-{deficiency.pk}")
    assert not deficiency.reports.exists()


def test_a_decision_without_a_choice_is_said_beside_the_choices(
    client, at_inspection, deficient, cast
):
    report_all(deficient, cast)
    act(at_inspection, "report_remediation", cast.psa, comment="是正しました")
    url = f"/inspections/{deficient.pk}/decide/"
    # from the round's page (no ``confirmed``): its confirmation page, nothing decided (#12)
    shown = _post(client, cast.reviewer, url, {"decision": "accepted"})
    page = shown.content.decode()
    assert shown.status_code == 200 and 'data-form="confirm"' in page
    assert re.search(r'<input type="radio" name="decision" value="accepted"[^>]*checked', page)
    response = _post(client, cast.reviewer, url, {"confirmed": "1"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'href="#id_decision_0"' in page and 'id="id_decision_error"' in page
    assert_described_by_exists(page)
    deficient.refresh_from_db()
    assert not deficient.decision


def test_the_decision_goes_through_its_confirmation_page(client, at_inspection, deficient, cast):
    report_all(deficient, cast)
    act(at_inspection, "report_remediation", cast.psa, comment="是正しました")
    client.force_login(cast.reviewer)
    url = f"/inspections/{deficient.pk}/decide/"
    detail = client.get(f"/inspections/{deficient.pk}/").content.decode()
    assert f'action="{url}"' in detail
    page = client.get(url)
    assert page.status_code == 200 and "data-consequence" in page.content.decode()
    done = client.post(url, {"decision": "reinspection", "confirmed": "1"})
    assert done.status_code == 303 and done["Location"] == f"/inspections/{deficient.pk}/"
    deficient.refresh_from_db()
    assert deficient.decision == "reinspection"
    again = client.get(url).content.decode()  # decided: said, no button
    assert "data-refusal" in again and 'data-form="confirm"' not in again


def test_the_checklist_editor_says_an_items_error_beside_its_field(client, cast):
    template = ChecklistTemplate.objects.get(is_sample=True, kind="site")
    data = {
        "template": template.pk,
        "action": "save_item",
        "code": "O-09",
        "theme": "組織",
        "text": " ",
        "evidence": "研修記録",
    }
    response = _post(client, cast.reviewer, "/checklists/", data)
    page = assert_error_beside(response, data_form="item-save", field_id="text")
    assert 'value="O-09"' in page and 'value="研修記録"' in page  # what was entered is kept


def test_a_new_checklist_without_a_name_is_said_beside_the_name(client, cast):
    response = _post(client, cast.reviewer, "/checklists/", {"action": "create", "name": ""})
    assert_error_beside(response, data_form="template-create", field_id="new-name")


# Each input of the tablet and the paper page says what to enter (#12) ---------------------------


def _described(page: str, input_id: str) -> list[str]:
    """The ids an input (or a group of choices) is described by."""
    tag = re.search(rf'<[^>]*\bid="{re.escape(input_id)}"[^>]*>', page)
    assert tag, f"no input {input_id}"
    found = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    if found is None:  # the choices: their group carries it
        group = re.search(
            rf'<div class="insp-results"[^>]*aria-labelledby="legend-{input_id.split("-")[1]}"'
            r'[^>]*aria-describedby="([^"]*)"',
            page,
        )
        assert group, f"{input_id} is described by nothing"
        return group.group(1).split()
    return found.group(1).split()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_input_of_the_tablet_and_the_paper_page_says_what_to_enter(
    client, inspection, cast, language
):
    client.force_login(cast.inspector)
    client.cookies["django_language"] = language
    finding = inspection.findings.order_by("pk").first()
    pages = {
        "record": ("result-", "note-", "reason-", "due-", "photo-"),
        "paper": ("result-", "note-", "reason-"),
    }
    for name, prefixes in pages.items():
        page = client.get(f"/inspections/{inspection.pk}/{name}/").content.decode()
        inputs = [f"{p}{finding.pk}" for p in prefixes]
        if name == "paper":
            inputs += ["paper-scan", "paper-date"]
        for input_id in inputs:
            helps = _described(page, input_id)
            assert f"{input_id}_helptext" in helps, (name, input_id)
            text = re.search(rf'id="{input_id}_helptext">(.*?)</p>', page, re.S)
            assert text and text.group(1).strip(), (name, input_id)
            is_japanese = any("\u3040" <= ch <= "\u30ff" for ch in text.group(1))
            assert is_japanese == (language == "ja"), text.group(1)  # kana: the Japanese text
        assert_described_by_exists(page)


def test_an_error_is_read_with_the_help_of_its_input(client, inspection, cast):
    facility, form = _theme(inspection)
    item = facility[1]
    form[f"result-{item.pk}"] = Result.NONCONFORMING
    form[f"due-{item.pk}"] = DaysFromToday(-1)
    response = _post(client, cast.inspector, f"/inspections/{inspection.pk}/record/", form)
    page = response.content.decode()
    assert _described(page, f"due-{item.pk}") == [f"due-{item.pk}_helptext", f"due-{item.pk}_error"]
