"""The change's last one-click actions go through the confirmation page (#12): the provider's
「作業完了」 (the change may apply at once) and the PSA's 改善報告 of the change's inspection.
The change's page sends its values to the page (a POST without ``confirmed``): the page is drawn
with them, nothing changes; the POST from the page acts and says what comes next (今後の流れ)."""

from __future__ import annotations

import html
import re

import pytest
from django.utils import translation

from dsg.audit.models import AuditEvent
from dsg.inspections import services as insp
from dsg.requests import services
from dsg.requests.after import change_done_message
from dsg.requests.models import ChangeRequest, ChangeState, ProviderWork

from ..inspections.helpers import record, report_all
from ..walk import after_commit, today
from .test_views import as_, relocation

pytestmark = pytest.mark.django_db


def success_message(response) -> str:
    found = re.search(r'<p class="notice notice--success">(.*?)</p>', response.content.decode())
    assert found, "no message"
    return html.unescape(found.group(1))


def accepted_with_work(enrolled, cast, reviewer) -> tuple[ChangeRequest, ProviderWork]:
    change = relocation(enrolled, cast)
    services.change_accept(change=change, actor=reviewer, provider_work=["survey"])
    return change, change.provider_work.get()


def test_the_work_done_goes_through_its_confirmation_page(client, enrolled, cast, reviewer):
    change, work = accepted_with_work(enrolled, cast, reviewer)
    staff = as_(client, cast.staff)
    detail = staff.get(f"/changes/{change.pk}/").content.decode()
    assert f'action="/provider-work/{work.pk}/done/"' in detail
    day = today().isoformat()
    values = {f"work-{work.pk}-done_on": day, f"work-{work.pk}-note": "回線工事済み"}

    # from the change's page (no ``confirmed``): the page to confirm on, the values carried
    first = staff.post(f"/provider-work/{work.pk}/done/", values)
    page = first.content.decode()
    assert first.status_code == 200 and 'data-form="confirm"' in page and "data-consequence" in page
    assert f'value="{day}"' in page and "回線工事済み" in page
    assert f'name="work-{work.pk}-confirmed"' in page
    work.refresh_from_db()
    assert work.done_on is None and ChangeRequest.objects.get(pk=change.pk).state == "accepted"
    assert not AuditEvent.objects.filter(action="change.provider_work_done").exists()

    # from the page: done, and the change (nothing else standing) applies; what comes next
    done = staff.post(
        f"/provider-work/{work.pk}/done/", {**values, f"work-{work.pk}-confirmed": "1"}
    )
    assert done.status_code == 303 and done["Location"] == f"/changes/{change.pk}/"
    work.refresh_from_db()
    assert work.done_on == today() and work.note == "回線工事済み"
    change.refresh_from_db()
    assert change.state == ChangeState.COMPLETED
    with translation.override("ja"):
        expected = change_done_message("work_done", change)
    assert success_message(staff.get(done["Location"])) == expected


def test_a_work_done_in_the_future_is_refused_beside_its_date(client, enrolled, cast, reviewer):
    change, work = accepted_with_work(enrolled, cast, reviewer)
    staff = as_(client, cast.staff)
    later = today().replace(year=today().year + 1).isoformat()
    response = staff.post(
        f"/provider-work/{work.pk}/done/",
        {f"work-{work.pk}-done_on": later, f"work-{work.pk}-confirmed": "1"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert f'id="id_work-{work.pk}-done_on_error"' in page
    work.refresh_from_db()
    assert work.done_on is None


def test_only_the_provider_records_the_work_and_only_while_it_is_open(
    client, enrolled, cast, reviewer
):
    change, work = accepted_with_work(enrolled, cast, reviewer)
    assert as_(client, cast.psa).get(f"/provider-work/{work.pk}/done/").status_code == 403
    services.provider_work_done(work=work, actor=cast.staff, done_on=today())
    staff = as_(client, cast.staff)
    page = staff.get(f"/provider-work/{work.pk}/done/")
    assert page.status_code == 200 and "data-refusal" in page.content.decode()
    again = staff.post(
        f"/provider-work/{work.pk}/done/",
        {f"work-{work.pk}-done_on": today().isoformat(), f"work-{work.pk}-confirmed": "1"},
    )
    assert again.status_code == 409


def _remediating(enrolled, cast, reviewer) -> ChangeRequest:
    change = relocation(enrolled, cast)
    services.change_accept(change=change, actor=reviewer, needs_inspection=True)
    with after_commit():
        inspection = insp.inspection_open(subject=change, actor=cast.inspector)
        first = inspection.findings.select_related("item").first().item.code
        record(inspection, cast, {first: "nonconforming"}, due_on=today())
        insp.inspection_finish(inspection=inspection, actor=cast.inspector, performed_on=today())
    report_all(inspection, cast)
    change.refresh_from_db()
    assert change.inspection_phase == "remediating"
    return change


def test_the_remediation_report_goes_through_its_confirmation_page(
    client, enrolled, cast, reviewer
):
    change = _remediating(enrolled, cast, reviewer)
    psa = as_(client, cast.psa)
    url = f"/changes/{change.pk}/remediation-report/"
    detail = psa.get(f"/changes/{change.pk}/").content.decode()
    assert f'href="{url}" data-confirm-page' in detail and f'action="{url}"' not in detail

    page = psa.get(url)
    assert page.status_code == 200 and "data-told" in page.content.decode()
    skipped = psa.post(url)  # a crafted one-click POST
    assert skipped.status_code == 200 and 'data-form="confirm"' in skipped.content.decode()
    assert ChangeRequest.objects.get(pk=change.pk).inspection_phase == "remediating"

    done = psa.post(url, {"confirmed": "1"})
    assert done.status_code == 303 and done["Location"] == f"/changes/{change.pk}/"
    assert ChangeRequest.objects.get(pk=change.pk).inspection_phase == "deciding"
    with translation.override("ja"):
        expected = change_done_message("remediation", change)
    assert success_message(psa.get(done["Location"])) == expected


def test_the_remediation_report_is_refused_while_the_inspection_awaits_none(
    client, enrolled, cast, reviewer
):
    change = relocation(enrolled, cast)
    services.change_accept(change=change, actor=reviewer, needs_inspection=True)
    psa = as_(client, cast.psa)
    url = f"/changes/{change.pk}/remediation-report/"
    page = psa.get(url)
    assert page.status_code == 200 and "data-refusal" in page.content.decode()
    assert psa.post(url, {"confirmed": "1"}).status_code == 409
    assert ChangeRequest.objects.get(pk=change.pk).inspection_phase == "inspecting"
    assert as_(client, reviewer).get(url).status_code == 403
