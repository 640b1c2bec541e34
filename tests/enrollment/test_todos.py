"""Whose turn it is (#12): the case's own open items, each role's home as a to-do list, the case
page's next action and the message after each step (今後の流れ)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dsg.core.calendar import add_business_days
from dsg.core.todos import todos_for
from dsg.enrollment.models import AFTER_TRANSITION, State
from dsg.inspections import services as insp

from ..factories import SiteFactory
from ..inspections.helpers import tomorrow_at
from ..walk import new_case, walk_to

# state -> what its case waits on, seen by the office (the case's own item)
OWN_ITEMS = [
    (State.DRAFT, "application.fill", "company"),
    (State.RETURNED, "application.correct", "company"),
    (State.SUBMITTED, "application.review", "office"),
    (State.INSPECTION, "inspection.open", "office"),
    (State.INSPECTION_REMEDIATION_REPORTED, "remediation.decide", "office"),
    (State.CONSTRUCTION, "construction.record", "provider"),
    (State.ROUTER_INSTALLATION, "router.record", "provider"),
    (State.TERMINAL_SETUP, "final_inspection.request", "company"),
    (State.FINAL_INSPECTION, "inspection.open", "office"),
]


def codes(user, enrollment) -> list[tuple[str, str]]:
    found = todos_for(user=user, cases={"enrollment": [enrollment.pk]})
    return [(t.code, t.who) for t in found]


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "code", "who"), OWN_ITEMS)
def test_each_state_names_whose_turn_it_is(site, cast, state, code, who):
    enrollment = walk_to(new_case(site, cast), state, cast)
    assert (code, who) in codes(cast.reviewer, enrollment)


@pytest.mark.django_db
def test_the_review_is_due_after_the_offices_business_days(site, cast):
    enrollment = walk_to(new_case(site, cast), State.SUBMITTED, cast)
    [review] = todos_for(user=cast.reviewer, cases={"enrollment": [enrollment.pk]})
    started = timezone.localdate(enrollment.state_changed_at)
    assert review.due == add_business_days(started, 20)
    assert review.url == f"/enrollments/{enrollment.pk}/application/"


@pytest.mark.django_db
def test_once_the_round_is_open_the_case_waits_on_the_psa_picking_a_date(site, cast):
    """The case's state says ② (the office's step); its open item says the PSA's turn."""
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = insp.inspection_open(subject=enrollment, actor=cast.inspector)
    insp.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[tomorrow_at()]
    )
    assert codes(cast.reviewer, enrollment) == [("inspection.pick_slot", "company")]


@pytest.mark.django_db
def test_the_psa_home_lists_each_sites_items_with_the_link_to_the_form(client, company, cast):
    picking = walk_to(
        new_case(SiteFactory(company=company, name="第1拠点"), cast), State.INSPECTION, cast
    )
    inspection = insp.inspection_open(subject=picking, actor=cast.inspector)
    insp.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[tomorrow_at()]
    )
    drafting = new_case(SiteFactory(company=company, name="第2拠点"), cast)
    client.force_login(cast.psa)
    page = client.get("/").content.decode()
    first = page[page.index('data-site="第1拠点"') : page.index('data-site="第2拠点"')]
    second = page[page.index('data-site="第2拠点"') :]
    assert 'data-todo="inspection.pick_slot"' in first
    assert f'href="/inspections/{inspection.pk}/#appointment">日程を選択</a>' in first
    assert 'data-waiting="company"' in first and 'data-waiting="office"' not in first
    assert 'data-todo="application.fill"' in second
    assert f'href="/enrollments/{drafting.pk}/application/"' in second


@pytest.mark.django_db
def test_a_company_user_sees_no_link_to_forms_their_role_may_not_use(
    client, site, cast, company_user
):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = insp.inspection_open(subject=enrollment, actor=cast.inspector)
    insp.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[tomorrow_at()]
    )
    client.force_login(company_user)
    page = client.get("/").content.decode()
    assert "inspection.pick_slot" not in page  # the rounds are not a 利用者's to read
    assert f"/inspections/{inspection.pk}/" not in page
    assert "todo--own" not in page


@pytest.mark.django_db
def test_the_reviewers_queue_is_ordered_by_due_date_with_the_age(client, company, cast):
    submitted = walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast)
    waiting = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
    drafting = new_case(SiteFactory(company=company), cast)
    client.force_login(cast.reviewer)
    page = client.get("/").content.decode()
    queue = page[page.index('id="queue"') :]
    queue = queue[: queue.index("</section>")]
    # The review has a due date and comes first; opening the round has none.
    assert queue.index(f'data-todo-case="{submitted.number}"') < queue.index(
        f'data-todo-case="{waiting.number}"'
    )
    assert drafting.number not in queue  # the company's turn, not the office's
    assert 'data-todo="application.review"' in queue and ">0</td>" in queue


@pytest.mark.django_db
def test_the_inspectors_home_lists_the_coming_visits(client, site, cast):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = insp.inspection_open(subject=enrollment, actor=cast.inspector)
    [slot] = insp.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[tomorrow_at()]
    )
    insp.inspection_pick_slot(inspection=inspection, actor=cast.psa, slot_id=slot.pk)
    client.force_login(cast.inspector)
    page = client.get("/").content.decode()
    visits = page[page.index('id="visits"') :]
    assert 'data-todo="inspection.visit"' in visits
    assert f'href="/inspections/{inspection.pk}/#findings"' in visits
    assert timezone.localdate(slot.starts_at).isoformat() in visits


@pytest.mark.django_db
def test_the_case_page_leads_with_the_viewers_next_action(client, site, cast):
    enrollment = walk_to(new_case(site, cast), State.INSPECTION, cast)
    inspection = insp.inspection_open(subject=enrollment, actor=cast.inspector)
    insp.inspection_propose_slots(
        inspection=inspection, actor=cast.reviewer, starts=[tomorrow_at()]
    )
    client.force_login(cast.psa)
    page = client.get(f"/enrollments/{enrollment.pk}/").content.decode()
    assert 'data-next-action="inspection.pick_slot"' in page
    assert page.index("data-next-action") < page.index('id="actions"')
    for anchor in ("actions", "inspections", "history"):
        assert f'href="#{anchor}"' in page and f'id="{anchor}"' in page
    client.force_login(cast.reviewer)
    page = client.get(f"/enrollments/{enrollment.pk}/").content.decode()
    assert 'data-next-action=""' in page and 'data-waiting="company"' in page


@pytest.mark.django_db
def test_each_step_says_what_happened_and_what_comes_next(client, site, cast):
    enrollment = new_case(site, cast)
    client.force_login(cast.psa)
    url = f"/enrollments/{enrollment.pk}/application/confirm/"
    text = client.post(url, follow=True).content.decode()
    assert "加入申請書を提出しました。情報システム管理室が審査します（目安：20営業日）。" in text
    assert "到達番号" in text
    enrollment = walk_to(
        new_case(SiteFactory(company=site.company), cast), State.CONSTRUCTION, cast
    )
    client.force_login(cast.staff)
    url = f"/enrollments/{enrollment.pk}/complete-construction/"  # its confirmation page (#12)
    today = timezone.localdate().isoformat()
    text = client.post(url, {"performed_on": today, "confirmed": "1"}, follow=True)
    text = text.content.decode()
    assert "回線敷設工事を記録しました。次は通信ルータの設置（⑤）です（目安：2営業日）。" in text


def test_every_step_a_person_takes_has_its_message():
    from dsg.enrollment.models import Enrollment

    names = {t.name for t in Enrollment._meta.get_field("state").get_all_transitions(Enrollment)}
    taken_by_people = {
        t.name
        for t in Enrollment._meta.get_field("state").get_all_transitions(Enrollment)
        if not t.custom.get("taken_by")
    }
    assert taken_by_people <= set(AFTER_TRANSITION) <= names
