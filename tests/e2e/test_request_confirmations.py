"""The requests after 加入 in the browser, each decision through the one confirmation page (#12):
the reviewer returns a change application for correction (補正) — the page says what it does and
who is told, a missing reason comes back beside the field with the summary at the top linking to
it — then the 今後の流れ message; the reviewer takes a terminal request up (受理) and approves its
line through the same page, and reads what comes next, and the terminal stands in the registry."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from dsg.enrollment.models import State
from dsg.equipment import services as equipment
from dsg.equipment.after import request_done_message
from dsg.equipment.models import EquipmentRequest, Outcome, RequestState
from dsg.registry.models import Terminal
from dsg.requests import services as changes
from dsg.requests.after import change_done_message
from dsg.requests.models import ChangeRequest, ChangeState

from ..factories import SiteFactory
from ..walk import new_case, walk_to
from .conftest import shoot
from .test_enrollment_walk import submit

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def enrolled_site(company, cast):
    site = SiteFactory(company=company, name="市ヶ谷事業所")
    walk_to(new_case(site, cast), State.COMPLETED, cast)
    return site


def in_japanese(message) -> str:
    with translation.override("ja"):
        return message()


def test_a_change_is_returned_for_correction_through_its_confirmation(
    actor, cast, psa, reviewer, enrolled_site
):
    change = changes.change_start(actor=psa, site=enrolled_site, kind="site_name")
    changes.change_update(
        change=change, actor=psa, data={"site_name": "市ヶ谷第二事業所", "description": "改称"}
    )
    changes.change_submit(change=change, actor=psa)
    change.refresh_from_db()

    office = actor(reviewer)
    office.goto(f"/changes/{change.pk}/")
    expect(office.locator("form[action$='/return/']")).to_have_count(0)  # no one-click form
    submit(office, office.locator("[data-decision=return] a[data-confirm-page]"))
    assert office.url.endswith(f"/changes/{change.pk}/return/")
    expect(office.locator("[data-consequence]")).to_contain_text("補正")
    expect(office.locator("[data-told]")).to_be_visible()
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.SUBMITTED

    # No reason: the page comes back, the error beside the field, the summary focused and linked.
    form = office.locator("form[data-form=confirm]")
    submit(office, form.locator("button[data-confirm]"))
    summary = office.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(office.locator("#id_comment_error")).to_be_visible()
    summary.locator("a[href='#id_comment']").click()
    expect(office.locator("#id_comment")).to_be_focused()
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeState.SUBMITTED
    shoot(office, "change-return-reason-missing")

    office.locator("#id_comment").fill("改称の根拠となる資料を格納してください")
    submit(office, office.locator("form[data-form=confirm] button[data-confirm]"))
    assert office.url.endswith(f"/changes/{change.pk}/")
    returned = ChangeRequest.objects.get(pk=change.pk)
    assert returned.state == ChangeState.RETURNED
    expected = in_japanese(lambda: change_done_message("return", returned))
    expect(office.locator(".notice--success")).to_have_text(expected)
    assert "今後の流れ" in expected  # what comes next, said in the message itself
    shoot(office, "change-returned-next")


def test_a_terminal_request_is_taken_up_and_approved_through_its_confirmation(
    actor, psa, reviewer, enrolled_site
):
    filed = equipment.request_file(
        site=enrolled_site,
        actor=psa,
        kind="terminal",
        purpose="設計部門の増員のため",
        lines=[
            {"action": "add", "name": "PC-10", "model_name": "ThinkPad", "serial_number": "SN10"}
        ],
    ).request
    assert filed is not None

    office = actor(reviewer)
    office.goto(f"/equipment-requests/{filed.pk}/")
    expect(office.locator("form[action$='take-up/']")).to_have_count(0)  # no one-click form
    submit(office, office.locator("[data-action=take-up] a[data-confirm-page]"))
    expect(office.locator("[data-consequence]")).to_be_visible()
    assert EquipmentRequest.objects.get(pk=filed.pk).state == RequestState.FILED
    submit(office, office.locator("form[data-form=confirm] button[data-confirm]"))
    taken = EquipmentRequest.objects.get(pk=filed.pk)
    assert taken.state == RequestState.UNDER_REVIEW
    expected = in_japanese(lambda: request_done_message("take_up", taken))
    expect(office.locator(".notice--success")).to_have_text(expected)

    submit(office, office.locator("a[data-link=decide]"))
    expect(office.locator("[data-consequence]")).to_be_visible()
    office.locator("input[name=line-1-verdict][value=approve]").check()
    shoot(office, "equipment-terminal-decide-confirm")
    assert not Terminal.objects.filter(site=enrolled_site, name="PC-10").exists()
    submit(office, office.locator("form[data-form=confirm] button[data-confirm]"))

    decided = EquipmentRequest.objects.get(pk=filed.pk)
    assert (decided.state, decided.outcome) == (RequestState.DECIDED, Outcome.APPROVED)
    expected = in_japanese(lambda: request_done_message("decide", decided))
    assert "今後の流れ" in expected and "接続試験" in expected
    expect(office.locator(".notice--success")).to_have_text(expected)
    assert Terminal.objects.filter(site=enrolled_site, name="PC-10").exists()
    shoot(office, "equipment-terminal-decided-next")
