"""The provider's dashboard: its tasks across all cases by date, paged, with a fixed number of
queries; warnings where ④–⑦ no longer fit one calendar month; nothing of ①② findings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dsg.core.calendar import business_day_on_or_after
from dsg.enrollment.models import State
from dsg.enrollment.schedule import month_rule_breaks, month_rule_warnings
from dsg.provisioning import services as prov
from dsg.provisioning import views, warning_views, worklist
from dsg.provisioning.views import PROVIDER_TASKS_PAGE

from ..appointments.dates import business_day_at
from ..factories import SiteFactory
from ..walk import new_case, take_by_inspection, today, walk_to


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """``day`` at ``hour``, or the first business day after it: dates go on business days."""
    return timezone.make_aware(dt.datetime.combine(business_day_on_or_after(day), dt.time(hour)))


def first_of_next_month(months: int = 1) -> dt.date:
    d = timezone.localdate().replace(day=1)
    for _ in range(months):
        d = (d + dt.timedelta(days=32)).replace(day=1)
    return d


def test_the_month_rule_itself():
    d = dt.date
    assert not month_rule_breaks({4: [d(2027, 5, 10)], 5: [d(2027, 5, 20)], 7: [d(2027, 5, 31)]})
    assert month_rule_breaks({4: [d(2027, 5, 31)], 7: [d(2027, 6, 1)]})
    assert month_rule_breaks({4: [d(2027, 12, 20)], 6: [d(2028, 12, 21)]})  # same month, not year
    assert not month_rule_breaks({3: [d(2027, 4, 1)], 4: [d(2027, 5, 1)]})  # ③ does not count
    assert not month_rule_breaks({})


@pytest.mark.django_db
def test_tasks_across_cases_come_ordered_by_date(company, cast):
    survey_case = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    setup_case = walk_to(new_case(SiteFactory(company=company), cast), State.TERMINAL_SETUP, cast)
    prov.survey_record(enrollment=survey_case, actor=cast.staff, surveyed_on=today())
    prov.ancillary_work_add(enrollment=survey_case, actor=cast.staff, description="配管")
    late = prov.appointment_propose(
        enrollment=survey_case,
        actor=cast.staff,
        purpose="construction",
        starts_at=business_day_at(9),
    )
    early = prov.appointment_propose(
        enrollment=survey_case,
        actor=cast.staff,
        purpose="router",
        starts_at=business_day_at(2),
    )
    prov.appointment_confirm(appointment=early, actor=cast.psa)

    rows = list(worklist.provider_task_rows(user=cast.staff))
    tasks = worklist.provider_tasks_complete(rows)
    kinds = [t.kind for t in tasks]
    assert sorted(kinds) == sorted(  # no vein registration before the account is received
        [
            "ancillary_work",
            "media",
            "account",
            "appointment_confirmed",
            "appointment_proposed",
        ]
    )
    assert [t.at for t in tasks] == sorted(t.at for t in tasks)
    assert kinds[-2:] == ["appointment_confirmed", "appointment_proposed"]  # the future last
    assert tasks[-1].appointment == late
    assert "survey" not in kinds  # recorded already

    # Done work leaves the list: media shipped, account delivered, vein appointment booked.
    prov.media_ship(
        enrollment=setup_case,
        actor=cast.staff,
        carrier="c",
        tracking_number="t",
        shipped_on=today(),
    )
    holder = setup_case.account_holders.get()
    _delivery, token = prov.account_delivery_create(
        holder=holder, actor=cast.staff, username="u", password="p"
    )
    prov.account_delivery_open(token=token, actor=cast.psa)
    assert "vein" in [r["task_kind"] for r in worklist.provider_task_rows(user=cast.staff)]
    prov.appointment_propose(
        enrollment=setup_case,
        actor=cast.staff,
        purpose="vein_registration",
        holder=holder,
        vein_method="remote",
        starts_at=business_day_at(4),
    )
    kinds = [
        t.kind
        for t in worklist.provider_tasks_complete(
            list(worklist.provider_task_rows(user=cast.staff))
        )
    ]
    assert "media" not in kinds and "account" not in kinds and "vein" not in kinds
    assert kinds.count("appointment_proposed") == 2


@pytest.mark.django_db
def test_another_date_requested_asks_the_provider_to_propose_again(site, cast):
    case = walk_to(new_case(site, cast), State.SURVEY, cast)
    prov.survey_record(enrollment=case, actor=cast.staff, surveyed_on=today())
    appointment = prov.appointment_propose(
        enrollment=case,
        actor=cast.staff,
        purpose="construction",
        starts_at=business_day_at(3),
    )
    prov.appointment_request_other_date(appointment=appointment, actor=cast.psa, message="別日")
    kinds = [r["task_kind"] for r in worklist.provider_task_rows(user=cast.staff)]
    assert kinds == ["appointment_repropose"]
    prov.appointment_propose(
        enrollment=case,
        actor=cast.staff,
        purpose="construction",
        starts_at=business_day_at(5),
    )
    kinds = [r["task_kind"] for r in worklist.provider_task_rows(user=cast.staff)]
    assert kinds == ["appointment_proposed"]


@pytest.mark.django_db
def test_a_warning_when_four_to_seven_spill_over_a_month(client, company, cast):
    case = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    fits = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    month = first_of_next_month()
    for c in (case, fits):
        prov.appointment_propose(
            enrollment=c,
            actor=cast.staff,
            purpose="construction",
            starts_at=at(month + dt.timedelta(days=5)),
        )
    prov.appointment_propose(
        enrollment=case, actor=cast.staff, purpose="router", starts_at=at(first_of_next_month(2))
    )
    prov.appointment_propose(
        enrollment=fits,
        actor=cast.staff,
        purpose="router",
        starts_at=at(month + dt.timedelta(days=9)),
    )
    warnings = worklist.provider_month_warnings(user=cast.staff)
    assert [c for c, _w in warnings] == [case]
    client.force_login(cast.staff)
    page = client.get("/").content.decode()
    assert f'data-warning="{case.number}"' in page
    assert f'data-warning="{fits.number}"' not in page


@pytest.mark.django_db
def test_the_dashboard_pages_its_tasks_with_a_fixed_number_of_queries(client, company, cast):
    def grow(n: int) -> None:
        for _ in range(n):
            c = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
            prov.ancillary_work_add(enrollment=c, actor=cast.staff, description="配線")
            prov.appointment_propose(
                enrollment=c,
                actor=cast.staff,
                purpose="survey",
                starts_at=business_day_at(3),
            )
            prov.appointment_propose(
                enrollment=c,
                actor=cast.staff,
                purpose="construction",
                starts_at=at(first_of_next_month() + dt.timedelta(days=1)),
            )
            prov.appointment_propose(
                enrollment=c,
                actor=cast.staff,
                purpose="router",
                starts_at=at(first_of_next_month(2)),
            )

    client.force_login(cast.staff)

    def count(url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    grow(1)
    few, _page = count("/")
    few_api, _ = count("/api/v1/provider/tasks")
    grow(7)  # 7 × 5 tasks: more than a page
    many, page = count("/")
    many_api, _ = count("/api/v1/provider/tasks")
    assert few == many and few_api == many_api
    assert page.count('data-task="') == PROVIDER_TASKS_PAGE
    assert "tasks_page=2" in page
    second = client.get("/?tasks_page=2").content.decode()
    assert second.count('data-task="') == 8 * 5 - PROVIDER_TASKS_PAGE
    assert page.count("data-warning=") == 8


@pytest.mark.django_db
def test_the_task_list_is_the_providers_and_shows_no_findings(client, site, cast):
    case = walk_to(new_case(site, cast), State.INSPECTION_REMEDIATION_REPORTED, cast)
    case = take_by_inspection(case, "accept_remediation", cast)
    client.force_login(cast.psa)
    assert client.get("/api/v1/provider/tasks").status_code == 403
    client.force_login(cast.staff)
    api = client.get("/api/v1/provider/tasks")
    assert api.status_code == 200 and api.json()["items"][0]["kind"] == "survey"
    page = client.get("/").content.decode()
    assert (
        'data-task="survey"' in page
        and "入退室記録なし" not in page
        and "入退室記録なし" not in api.content.decode()
    )


@pytest.mark.django_db
def test_the_appointment_of_the_final_inspection_counts_too(site, cast):
    from dsg.appointments.models import Appointment
    from dsg.enrollment.schedule import month_rule_warnings
    from dsg.inspections.models import Inspection, InspectionKind

    case = walk_to(new_case(site, cast), State.SURVEY, cast)
    month = first_of_next_month()
    prov.appointment_propose(
        enrollment=case, actor=cast.staff, purpose="construction", starts_at=at(month)
    )
    assert month_rule_warnings([case.pk]) == []
    seventh = Inspection.objects.create(
        company=case.site.company, subject=case, kind=InspectionKind.FINAL
    )
    taken = Appointment.objects.create(
        company=case.site.company,
        subject=seventh,
        purpose="final_inspection",
        starts_at=at(month + dt.timedelta(days=20)),
        state="confirmed",
        proposed_by=cast.inspector,
    )
    assert month_rule_warnings([case.pk]) == []
    Appointment.objects.filter(pk=taken.pk).update(starts_at=at(first_of_next_month(2)))
    [warning] = month_rule_warnings([case.pk])
    assert warning.dates[7] == [business_day_on_or_after(first_of_next_month(2))]
    assert "④～⑦" in warning.message or "④–⑦" in warning.message


@pytest.mark.django_db
def test_an_expired_account_link_is_a_task_again(site, cast):
    from dsg.provisioning.models import AccountDelivery

    case = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    holder = case.account_holders.get()  # the PSA, from the application

    def kinds() -> list[str]:
        return [r["task_kind"] for r in worklist.provider_task_rows(user=cast.staff)]

    assert "account" in kinds()
    delivery, _token = prov.account_delivery_create(
        holder=holder, actor=cast.staff, username="u", password="p"
    )
    assert "account" not in kinds()
    AccountDelivery.objects.filter(pk=delivery.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert "account" in kinds()


@pytest.mark.django_db
def test_a_recorded_step_closes_its_date_and_it_leaves_the_task_list(site, cast, client):
    case = walk_to(new_case(site, cast), State.SURVEY, cast)
    survey = prov.appointment_propose(
        enrollment=case, actor=cast.staff, purpose="survey", starts_at=business_day_at(1)
    )
    prov.appointment_confirm(appointment=survey, actor=cast.psa)
    kinds = [r["task_kind"] for r in worklist.provider_task_rows(user=cast.staff)]
    assert "appointment_confirmed" in kinds
    prov.survey_record(enrollment=case, actor=cast.staff, surveyed_on=today())
    kinds = [r["task_kind"] for r in worklist.provider_task_rows(user=cast.staff)]
    assert "appointment_confirmed" not in kinds and "survey" not in kinds
    client.force_login(cast.staff)
    page = client.get("/").content.decode()
    assert 'data-task="appointment_confirmed"' not in page


@pytest.mark.django_db
def test_a_date_asked_for_again_is_no_task_once_its_step_is_recorded(site, cast):
    case = walk_to(new_case(site, cast), State.SURVEY, cast)
    survey = prov.appointment_propose(
        enrollment=case, actor=cast.staff, purpose="survey", starts_at=business_day_at(1)
    )
    prov.appointment_request_other_date(appointment=survey, actor=cast.psa, message="別日")
    again = prov.appointment_propose(
        enrollment=case, actor=cast.staff, purpose="survey", starts_at=business_day_at(2)
    )
    prov.appointment_confirm(appointment=again, actor=cast.psa)
    prov.survey_record(enrollment=case, actor=cast.staff, surveyed_on=today())
    kinds = [r["task_kind"] for r in worklist.provider_task_rows(user=cast.staff)]
    assert "appointment_repropose" not in kinds and "appointment_confirmed" not in kinds


@pytest.mark.django_db
def test_a_holder_added_after_acceptance_is_a_task_marked_as_such(site, cast):
    case = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    added = prov.account_holder_add(
        enrollment=case, actor=cast.psa, person_id=cast.delegate.pk, reason="交代要員"
    )
    tasks = worklist.provider_tasks_complete(list(worklist.provider_task_rows(user=cast.staff)))
    [task] = [t for t in tasks if t.kind == "account" and t.holder == added]
    assert added.name in task.detail and "受理後に追加" in task.detail


def _breaking_cases(company, cast, n: int) -> list:
    """``n`` cases at ③ whose ④ falls in next month and ⑤ the month after, each ④ a day later
    than the one before (so their order, earliest date first, is the order made)."""
    cases = []
    for i in range(n):
        case = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
        for purpose, day in (
            ("construction", first_of_next_month() + dt.timedelta(days=i)),
            ("router", first_of_next_month(2)),
        ):
            prov.appointment_propose(
                enrollment=case, actor=cast.staff, purpose=purpose, starts_at=at(day)
            )
        cases.append(case)
    return sorted(cases, key=lambda c: (month_rule_warnings([c.pk])[0].first, c.pk))


@pytest.mark.django_db
def test_the_dashboard_shows_the_first_warnings_and_links_to_all_of_them(
    client, company, cast, monkeypatch
):
    """The dashboard shows how many cases break the ④–⑦ rule and the first ones, earliest date
    first; the provider's page of the warnings lists every one, a page at a time (#14)."""
    monkeypatch.setattr(views, "MONTH_WARNINGS_SHOWN", 2)
    monkeypatch.setattr(warning_views, "MONTH_WARNINGS_PAGE", 2)
    cases = _breaking_cases(company, cast, 5)
    fits = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    prov.appointment_propose(
        enrollment=fits,
        actor=cast.staff,
        purpose="construction",
        starts_at=at(first_of_next_month()),
    )
    client.force_login(cast.staff)
    home = client.get("/").content.decode()
    shown = [f'data-warning="{c.number}"' for c in cases]
    assert home.count("data-warning=") == 2
    assert home.index(shown[0]) < home.index(shown[1])
    assert '<span class="count" data-count>5</span>' in home
    assert 'href="/provider/month-warnings/" data-more-warnings' in home

    listed = []
    for number in (1, 2, 3):
        response = client.get(f"/provider/month-warnings/?page={number}")
        assert response.status_code == 200
        page = response.content.decode()
        assert '<span class="count" data-count>5</span>' in page
        listed += [s for s in shown if s in page]
        assert f'data-warning="{fits.number}"' not in page
    assert listed == shown  # every one, each once, earliest first
    assert "?page=2" in client.get("/provider/month-warnings/").content.decode()


@pytest.mark.django_db
def test_no_link_to_the_warnings_when_the_dashboard_shows_them_all(client, company, cast):
    cases = _breaking_cases(company, cast, 2)
    client.force_login(cast.staff)
    home = client.get("/").content.decode()
    assert home.count("data-warning=") == 2 and "data-more-warnings" not in home
    assert all(f'data-warning="{c.number}"' in home for c in cases)


@pytest.mark.django_db
def test_the_warnings_page_is_the_providers_only(client, company, cast, company_user):
    _breaking_cases(company, cast, 1)
    for person in (cast.psa, cast.delegate, company_user, cast.reviewer, cast.inspector):
        client.force_login(person)
        response = client.get("/provider/month-warnings/")
        assert response.status_code == 403, (person.role, response.status_code)
        assert "data-warning=" not in response.content.decode()
    client.logout()
    assert client.get("/provider/month-warnings/").status_code == 302  # to the login page
