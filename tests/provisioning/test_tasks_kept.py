"""The provider's task list kept compiled (issue #14): ``worklist.ProviderTaskList`` runs the
union of ``provider_task_rows`` compiled once per person, one query giving a page with the
list's count. It must count and cut exactly as the union built anew — for every person, at any
page, on data other than it was built with, at another hour (an account link that expires) —
show a task opened or closed on the next call, never show a case the person may not see, and
its building must read no row."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dsg.core.prepared import PreparedCache
from dsg.enrollment.models import Enrollment, State
from dsg.orgs import permissions
from dsg.orgs.models import Role
from dsg.provisioning import services as prov
from dsg.provisioning import worklist
from dsg.provisioning.models import AccountHolder
from dsg.provisioning.worklist import ProviderTaskList, provider_task_rows

from ..appointments.dates import business_day_at
from ..factories import ProviderFactory, SiteFactory, UserFactory
from ..kept_builds import Builds
from ..walk import new_case, today, walk_to

pytestmark = pytest.mark.django_db

SLICES = (slice(0, 2), slice(2, 4), slice(1, 3), slice(0, 50), slice(4, 6), slice(40, 50))


def built_anew(user, now, index: slice) -> tuple[int, list[dict]]:
    rows = provider_task_rows(user=user, now=now)
    return rows.count(), list(rows[index])


def kept(user, now, index: slice) -> tuple[int, list[dict]]:
    tasks = ProviderTaskList(user=user, now=now)
    page = tasks[index]
    return tasks.count(), page


def pages(object_list, number) -> tuple[int, int, list[dict]]:
    page = Paginator(object_list, 2).get_page(number)
    return page.paginator.count, page.number, list(page.object_list)


@pytest.fixture
def scene(company, cast):
    """Cases with a task of most kinds: survey, ancillary work, proposed and confirmed dates,
    another date requested, media and account information; and cases the provider does not
    see yet (a draft, one submitted)."""
    sites = [SiteFactory(company=company) for _ in range(5)]
    survey = walk_to(new_case(sites[0], cast), State.SURVEY, cast)
    works = walk_to(new_case(sites[1], cast), State.SURVEY, cast)
    prov.survey_record(enrollment=works, actor=cast.staff, surveyed_on=today())
    prov.ancillary_work_add(enrollment=works, actor=cast.staff, description="配管")
    proposed = prov.appointment_propose(
        enrollment=works, actor=cast.staff, purpose="construction", starts_at=business_day_at(3)
    )
    setup = walk_to(new_case(sites[2], cast), State.TERMINAL_SETUP, cast)
    again = walk_to(new_case(sites[3], cast), State.SURVEY, cast)
    prov.survey_record(enrollment=again, actor=cast.staff, surveyed_on=today())
    asked = prov.appointment_propose(
        enrollment=again, actor=cast.staff, purpose="construction", starts_at=business_day_at(4)
    )
    prov.appointment_request_other_date(appointment=asked, actor=cast.psa, message="別日")
    router = prov.appointment_propose(
        enrollment=works, actor=cast.staff, purpose="router", starts_at=business_day_at(2)
    )
    prov.appointment_confirm(appointment=router, actor=cast.psa)
    unseen = [
        walk_to(new_case(sites[4], cast), State.DRAFT, cast),
        walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast),
    ]
    return {
        "survey": survey,
        "works": works,
        "setup": setup,
        "again": again,
        "proposed": proposed,
        "unseen": unseen,
    }


def people(everyone):
    """The provider's staff, a second provider's staff, and every other role (who see no task)."""
    second = UserFactory(organization=ProviderFactory(), role=Role.PROVIDER_STAFF)
    return {**everyone, "second_provider_staff": second}


def test_the_kept_list_counts_and_pages_as_built_anew(scene, everyone, company, cast):
    worklist._TASK_LISTS.clear()
    who_all = people(everyone)
    now = timezone.now()
    for _round in range(2):  # built, then kept
        for who, user in who_all.items():
            for index in SLICES:
                assert kept(user, now, index) == built_anew(user, now, index), (who, index)
            for number in ("1", "2", "3", "4", "99", "0", "x", None):
                fresh = pages(provider_task_rows(user=user, now=now), number)
                assert pages(ProviderTaskList(user=user, now=now), number) == fresh, (who, number)
    staff = cast.staff
    count, rows = kept(staff, now, slice(0, 50))
    assert count >= 6
    assert {r["task_kind"] for r in rows} >= {
        "survey",
        "ancillary_work",
        "appointment_proposed",
        "appointment_confirmed",
        "appointment_repropose",
        "media",
        "account",
    }
    # on data other than it was built with: more cases, more tasks, the kept queries unchanged
    built = dict(worklist._TASK_LISTS._items)
    for _ in range(3):
        walk_to(new_case(SiteFactory(company=company), cast), State.TERMINAL_SETUP, cast)
    later = timezone.now()
    for who, user in who_all.items():
        for index in SLICES:
            assert kept(user, later, index) == built_anew(user, later, index), (who, index)
    assert kept(staff, later, slice(0, 50))[0] == count + 6  # media and account of each
    assert all(worklist._TASK_LISTS._items[key] is built[key] for key in built)


def test_a_page_is_one_query_that_also_counts(scene, cast):
    tasks = ProviderTaskList(user=cast.staff)
    tasks.count()  # built and kept
    tasks = ProviderTaskList(user=cast.staff)
    with CaptureQueriesContext(connection) as captured:
        tasks.expect(2, 2)
        page = Paginator(tasks, 2).get_page("2")
        assert len(page.object_list) == 2
        assert page.paginator.count >= 6
    assert len(captured.captured_queries) == 1
    with CaptureQueriesContext(connection) as captured:  # past the end: the count on its own
        page = Paginator(ProviderTaskList(user=cast.staff), 2).get_page("50")
    assert page.number == page.paginator.num_pages
    assert len(captured.captured_queries) == 2


def test_a_task_opened_or_closed_shows_on_the_next_call(scene, cast):
    staff = cast.staff
    now = timezone.now()
    first = kept(staff, now, slice(0, 100))
    survey = scene["survey"]
    assert ("survey", survey.pk) in {(r["task_kind"], r["task_case"]) for r in first[1]}
    prov.survey_record(enrollment=survey, actor=staff, surveyed_on=today())  # closed
    second = kept(staff, now, slice(0, 100))
    assert ("survey", survey.pk) not in {(r["task_kind"], r["task_case"]) for r in second[1]}
    assert second[0] == first[0] - 1
    work = prov.ancillary_work_add(enrollment=survey, actor=staff, description="電源")  # opened
    third = kept(staff, now, slice(0, 100))
    assert ("ancillary_work", work.pk) in {(r["task_kind"], r["task_ref"]) for r in third[1]}
    assert third == built_anew(staff, now, slice(0, 100))
    prov.appointment_cancel(appointment=scene["proposed"], actor=staff, reason="取消")
    fourth = kept(staff, now, slice(0, 100))
    assert scene["proposed"].pk not in {
        r["task_ref"] for r in fourth[1] if r["task_kind"] == "appointment_proposed"
    }
    assert fourth == built_anew(staff, now, slice(0, 100))


def test_an_account_link_that_expired_is_a_task_again_at_the_hour_asked(scene, cast):
    staff = cast.staff
    holder = scene["setup"].account_holders.get()
    delivery, _token = prov.account_delivery_create(
        holder=holder, actor=staff, username="u", password="p"
    )
    now = timezone.now()
    expired = delivery.expires_at + dt.timedelta(seconds=1)
    for _round in range(2):
        waiting = kept(staff, now, slice(0, 100))
        assert ("account", holder.pk) not in {(r["task_kind"], r["task_ref"]) for r in waiting[1]}
        assert waiting == built_anew(staff, now, slice(0, 100))
        again = kept(staff, expired, slice(0, 100))
        assert ("account", holder.pk) in {(r["task_kind"], r["task_ref"]) for r in again[1]}
        assert again == built_anew(staff, expired, slice(0, 100))


def test_cases_the_person_may_not_see_never_appear(scene, everyone, other_company, cast):
    theirs = dataclasses.replace(cast, psa=everyone["other_psa"])
    other = walk_to(new_case(SiteFactory(company=other_company), theirs), State.SURVEY, theirs)
    hidden = {case.pk for case in scene["unseen"]}  # before ③: no task of the provider's yet
    for _round in range(2):  # built, then kept
        for who, user in people(everyone).items():
            count, rows = kept(user, timezone.now(), slice(0, 200))
            cases = {r["task_case"] for r in rows}
            assert count == len(rows) and not cases & hidden, who
            sees = permissions.restrict(user, Enrollment.objects.all())
            assert cases <= set(sees.values_list("pk", flat=True)), who
            if user.role == Role.PROVIDER_STAFF:  # the provider does every company's cases
                assert other.pk in cases and scene["survey"].pk in cases, who
        assert other.pk not in {r["task_case"] for r in kept(cast.psa, None, slice(0, 200))[1]}
        assert {r["task_case"] for r in kept(everyone["other_psa"], None, slice(0, 200))[1]} == {
            other.pk
        }


def test_each_person_has_every_task_of_the_cases_they_see(scene, everyone, other_company, cast):
    """The union asks of each row whether the person sees its case (EXISTS, #14): every role's
    list, built anew and kept, is the office's list of every task (the office sees every case)
    cut to the cases ``restrict`` gives that person — none missing, none more, in order."""
    theirs = dataclasses.replace(cast, psa=everyone["other_psa"])
    walk_to(new_case(SiteFactory(company=other_company), theirs), State.TERMINAL_SETUP, theirs)
    now = timezone.now()
    every = list(provider_task_rows(user=everyone["reviewer"], now=now))
    assert {r["task_kind"] for r in every} >= {"survey", "media", "appointment_repropose"}
    for who, user in people(everyone).items():
        sees = set(
            permissions.restrict(user, Enrollment.objects.all()).values_list("pk", flat=True)
        )
        expected = [r for r in every if r["task_case"] in sees]
        assert list(provider_task_rows(user=user, now=now)) == expected, who
        assert kept(user, now, slice(0, 500)) == (len(expected), expected), who


def test_building_the_kept_list_reads_no_row(scene, everyone, monkeypatch):
    builds = Builds()
    ContentType.objects.get_for_model(Enrollment)  # read once (Django keeps it), in the key
    who_all = people(everyone)
    for user in who_all.values():
        user.organization  # noqa: B018  # read with the person
    monkeypatch.setattr(worklist, "_TASK_LISTS", builds.cache())
    monkeypatch.setattr(worklist, "_COMPLETING", builds.cache())
    monkeypatch.setattr(worklist, "_WARNING_LISTS", builds.cache())
    Enrollment.objects.filter(pk=scene["setup"].pk).update(month_rule_broken_from=today())
    for user in who_all.values():
        tasks = ProviderTaskList(user=user)
        tasks.count()
        worklist.provider_tasks_complete(tasks[0:20])
        worklist.provider_month_rule_first(user=user, limit=10)
    lists = [key for key in builds.keys if len(key) > 2 and key[0] not in ("count", "first")]
    assert len(lists) == len(who_all)  # a list per person
    assert builds.firsts() >= {"count", "first"}  # the warnings' count and first
    assert {key[0] for key in builds.keys if len(key) == 2} == {  # the page's four reads, kept
        "cases",
        "appointments",
        "holders",
        "works",
    }


def test_a_pages_tasks_are_completed_with_their_objects(scene, cast, monkeypatch):
    """Each task gets its case (with site and company), its date, holder or work — by kept
    reads of 32 ids, or more for a longer page (here 4, or more) — as ``in_bulk`` read them."""
    monkeypatch.setattr(worklist, "_slots", lambda n: max(4, 1 << (n - 1).bit_length()))
    monkeypatch.setattr(worklist, "_COMPLETING", PreparedCache())
    rows = list(provider_task_rows(user=cast.staff))
    assert len(rows) > 4
    for page in (rows[:3], rows[1:5], rows, rows[:3]):
        tasks = worklist.provider_tasks_complete(page)
        with CaptureQueriesContext(connection) as captured:
            for row, task in zip(page, tasks, strict=True):
                assert (task.kind, task.at) == (row["task_kind"], row["task_at"])
                case = Enrollment.objects.select_related("site__company").get(pk=row["task_case"])
                assert task.enrollment == case
                assert task.enrollment.site.company.name == case.site.company.name
                assert task.enrollment.site.name == case.site.name
                if task.kind.startswith("appointment"):
                    assert task.appointment is not None and task.appointment.pk == row["task_ref"]
                elif task.kind == "ancillary_work":
                    assert task.work is not None and task.work.pk == row["task_ref"]
                elif task.kind in worklist.HOLDER_TASKS:
                    assert task.holder is not None and task.holder.pk == row["task_ref"]
                    assert task.holder.name == AccountHolder.objects.get(pk=row["task_ref"]).name
        # the case read anew for each task, nothing else: its objects came with it
        assert len(captured.captured_queries) == len(page) + len(
            [t for t in tasks if t.kind in worklist.HOLDER_TASKS]
        )


def test_the_kept_warnings_count_and_list_as_built_anew(scene, everyone, cast):
    """The dashboard's ④–⑦ warnings (``provider_month_rule_first``): as the queryset built anew
    counts and cuts, for every person, as cases break the rule or keep it again."""
    worklist._WARNING_LISTS.clear()
    who_all = people(everyone)
    cases = [scene["survey"], scene["works"], scene["setup"], scene["again"]]

    def fresh(user, limit):
        broken = worklist.provider_month_rule_cases(user=user)
        first = list(broken[:limit])
        return broken.count(), [(c.pk, c.site.name, c.site.company.name) for c in first]

    def kept_first(user, limit):
        count, first = worklist.provider_month_rule_first(user=user, limit=limit)
        return count, [(c.pk, c.site.name, c.site.company.name) for c in first]

    for broken_from in ([None] * 4, [today()] * 2 + [None] * 2, [today()] * 4, [None] * 4):
        for case, day in zip(cases, broken_from, strict=True):
            Enrollment.objects.filter(pk=case.pk).update(month_rule_broken_from=day)
        for who, user in who_all.items():
            for limit in (1, 3, 10):
                assert kept_first(user, limit) == fresh(user, limit), (who, limit)
        assert kept_first(cast.staff, 10)[0] == sum(day is not None for day in broken_from)


def test_the_api_pages_the_kept_list_as_the_list_built_anew(scene, cast, client):
    """``/api/v1/provider/tasks`` reads the dashboard's kept list: each page and the count as
    the union built anew; an offset past the end is an empty page with the count, one past what
    a database's integers hold is refused (422) and reads nothing."""
    client.force_login(cast.staff)
    fresh = provider_task_rows(user=cast.staff)
    total = fresh.count()
    assert total > 4
    for offset, limit in ((0, 50), (0, 2), (2, 2), (3, 1), (total - 1, 5), (total + 10, 5)):
        answer = client.get(f"/api/v1/provider/tasks?offset={offset}&limit={limit}")
        assert answer.status_code == 200, (offset, limit)
        body = answer.json()
        expected = worklist.provider_tasks_complete(list(fresh[offset : offset + limit]))
        assert body["count"] == total
        assert [(i["kind"], i["enrollment_id"], i["appointment_id"]) for i in body["items"]] == [
            (t.kind, t.enrollment.pk, t.appointment.pk if t.appointment else None) for t in expected
        ], (offset, limit)
    with CaptureQueriesContext(connection) as read:
        refused = client.get("/api/v1/provider/tasks?offset=99999999999999999999")
    assert refused.status_code == 422
    assert not [q for q in read.captured_queries if "provisioning" in q["sql"]]
