"""A terminal's life (登録済 → セットアップ済 → 接続テスト合格 → 利用中 → 削除申請中 → 廃棄済),
computed in the query from what is stored; its set-up date; a site put in use when its case
completes, and a terminal that passes its test after 加入 put in use on the test's date."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import State
from dsg.registry import selectors, services
from dsg.registry.models import Terminal
from dsg.registry.selectors import LifeStage

from ..factories import SiteFactory
from ..walk import after_commit, new_case, setup_terminal_passed, today, walk_to
from .disposal import record, terminal_at


def stage(terminal: Terminal) -> str:
    return selectors.terminal_life_stage(terminal)


def run_test(terminal: Terminal, actor, passed: bool = True):
    return services.connection_test_record(
        terminal=terminal, person=actor, actor=actor, tested_on=today(), passed=passed
    )


@pytest.fixture
def pending_removals():
    """Register a removal-pending rule as the equipment app would, and take it out after."""
    ids: set[int] = set()
    rule = lambda site: ids  # noqa: E731
    selectors.register_removal_pending(rule)
    yield ids
    selectors._REMOVAL_PENDING.remove(rule)


def test_a_terminal_goes_through_its_life(site, psa, delegate, reviewer, pending_removals):
    terminal = terminal_at(site, psa)
    assert stage(terminal) == LifeStage.REGISTERED
    services.terminal_setup_record(terminal=terminal, actor=delegate, set_up_on=today())
    assert stage(terminal) == LifeStage.SET_UP
    run_test(terminal, delegate, passed=False)
    assert stage(terminal) == LifeStage.SET_UP
    run_test(terminal, delegate)
    assert stage(terminal) == LifeStage.TESTED
    services.terminals_put_in_use(site=site, on=today(), actor=reviewer)
    assert stage(terminal) == LifeStage.IN_USE
    pending_removals.add(terminal.pk)  # the equipment app: a removal request is pending
    assert stage(terminal) == LifeStage.REMOVAL_REQUESTED
    pending_removals.clear()
    disposal = record(terminal, psa)
    assert stage(terminal) == LifeStage.REMOVAL_REQUESTED
    services.terminal_disposal_confirm(disposal=disposal, actor=reviewer)
    assert stage(terminal) == LifeStage.DISPOSED


def test_a_terminal_tested_without_a_set_up_date_is_tested(site, psa, delegate):
    terminal = terminal_at(site, psa)
    run_test(terminal, delegate)
    assert stage(terminal) == LifeStage.TESTED


def test_the_life_stage_is_one_query_for_any_number_of_terminals(site, psa, delegate):
    terminals = [terminal_at(site, psa, f"PC-{n:02d}") for n in range(1, 6)]
    for terminal in terminals[:3]:
        run_test(terminal, delegate)
    services.terminal_setup_record(terminal=terminals[3], actor=psa, set_up_on=today())
    with CaptureQueriesContext(connection) as queries:
        stages = {t.name: t.life_stage for t in selectors.terminals_of(site)}
    assert len(queries) == 1
    assert stages == {
        "PC-01": "tested",
        "PC-02": "tested",
        "PC-03": "tested",
        "PC-04": "set_up",
        "PC-05": "registered",
    }


def test_the_set_up_date_is_recorded_by_the_psa_or_the_delegate(site, everyone):
    terminal = terminal_at(site, everyone["psa"])
    for key in ("user", "reviewer", "inspector", "provider_staff", "other_psa"):
        with pytest.raises(RuleViolation) as refusal:
            services.terminal_setup_record(
                terminal=terminal, actor=everyone[key], set_up_on=today()
            )
        assert refusal.value.status == 403, key
    yesterday = today() - dt.timedelta(days=1)
    services.terminal_setup_record(terminal=terminal, actor=everyone["psa"], set_up_on=yesterday)
    services.terminal_setup_record(terminal=terminal, actor=everyone["delegate"], set_up_on=today())
    terminal.refresh_from_db()
    assert terminal.set_up_on == today()
    events = AuditEvent.objects.filter(action="terminal.set_up").order_by("sequence")
    assert [(e.before, e.after) for e in events] == [
        ({"set_up_on": None}, {"set_up_on": yesterday.isoformat()}),
        ({"set_up_on": yesterday.isoformat()}, {"set_up_on": today().isoformat()}),
    ]


@pytest.mark.parametrize(
    ("day", "code"), [(None, "date_required"), (dt.timedelta(days=1), "date_in_future")]
)
def test_a_bad_set_up_date_is_refused_and_changes_nothing(site, psa, day, code):
    terminal = terminal_at(site, psa)
    events = AuditEvent.objects.count()
    with pytest.raises(RuleViolation) as refusal:
        services.terminal_setup_record(
            terminal=terminal, actor=psa, set_up_on=None if day is None else today() + day
        )
    assert (refusal.value.status, refusal.value.code, refusal.value.field) == (
        422,
        code,
        "set_up_on",
    )
    terminal.refresh_from_db()
    assert terminal.set_up_on is None and AuditEvent.objects.count() == events


def test_a_terminal_whose_disposal_is_recorded_takes_no_set_up_date(site, psa):
    terminal = terminal_at(site, psa)
    record(terminal, psa)
    with pytest.raises(RuleViolation) as refusal:
        services.terminal_setup_record(terminal=terminal, actor=psa, set_up_on=today())
    assert refusal.value.code == "terminal_disposed"


def test_putting_a_site_in_use_takes_the_terminals_that_passed(site, psa, delegate, reviewer):
    passed, failed, untested = (terminal_at(site, psa, f"PC-0{n}") for n in (1, 2, 3))
    gone = terminal_at(site, psa, "PC-04")
    run_test(passed, delegate)
    run_test(failed, delegate, passed=False)
    run_test(gone, delegate)
    services.terminal_disposal_confirm(disposal=record(gone, psa), actor=reviewer)
    start = today() + dt.timedelta(days=3)

    assert services.terminals_put_in_use(site=site, on=start, actor=reviewer) == [passed.pk]
    in_use = dict(Terminal.objects.filter(site=site).values_list("name", "in_use_since"))
    assert in_use == {"PC-01": start, "PC-02": None, "PC-03": None, "PC-04": None}
    event = AuditEvent.objects.get(action="terminal.put_in_use")
    assert event.object_type == "orgs.site" and event.object_id == str(site.pk)
    assert event.after == {"terminals": [passed.pk], "in_use_since": start.isoformat()}
    assert event.company_id == site.company_id
    # Again: nothing more to put in use, no event.
    assert services.terminals_put_in_use(site=site, on=today(), actor=reviewer) == []
    assert AuditEvent.objects.filter(action="terminal.put_in_use").count() == 1
    untested.refresh_from_db()
    assert untested.in_use_since is None


def test_the_completed_case_puts_its_sites_terminals_in_use(site, cast):
    with after_commit():  # ⑥ registers PC-01 and passes its test on the way
        enrollment = walk_to(new_case(site, cast), State.COMPLETED, cast)
    terminal = Terminal.objects.get(site=site)
    assert enrollment.use_starts_on is not None
    assert terminal.in_use_since == enrollment.use_starts_on
    assert stage(terminal) == LifeStage.IN_USE
    event = AuditEvent.objects.get(action="terminal.put_in_use")
    assert event.after["terminals"] == [terminal.pk]


def test_after_enrollment_a_terminal_that_passes_is_in_use_from_its_test(site, cast):
    with after_commit():
        enrollment = walk_to(new_case(site, cast), State.COMPLETED, cast)
    start = enrollment.use_starts_on
    added = terminal_at(site, cast.psa, "PC-NEW")
    run_test(added, cast.delegate, passed=False)
    added.refresh_from_db()
    assert added.in_use_since is None and stage(added) == LifeStage.REGISTERED
    run_test(added, cast.delegate)
    added.refresh_from_db()
    assert added.in_use_since == max(today(), start)
    assert stage(added) == LifeStage.IN_USE
    # A later test changes nothing of its date.
    run_test(added, cast.delegate)
    added.refresh_from_db()
    assert added.in_use_since == max(today(), start)


def test_before_enrollment_a_passed_test_puts_nothing_in_use(site, cast, company):
    enrollment = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    setup_terminal_passed(enrollment, cast, name="PC-01")
    assert Terminal.objects.get(site=site).in_use_since is None
    # A site of the same company already in use does not make this one in use.
    other = SiteFactory(company=company)
    with after_commit():
        walk_to(new_case(other, cast), State.COMPLETED, cast)
    terminal = terminal_at(site, cast.psa, "PC-02")
    run_test(terminal, cast.delegate)
    terminal.refresh_from_db()
    assert terminal.in_use_since is None


def test_the_data_migration_puts_the_terminals_of_completed_cases_in_use(site, cast, company):
    with after_commit():
        completed = walk_to(new_case(site, cast), State.COMPLETED, cast)
    Terminal.objects.filter(site=site).update(in_use_since=None)  # as before this change
    failed = terminal_at(site, cast.psa, "PC-FAILED")
    run_test(failed, cast.delegate, passed=False)
    at_setup = walk_to(new_case(SiteFactory(company=company), cast), State.TERMINAL_SETUP, cast)
    setup_terminal_passed(at_setup, cast, name="PC-SETUP")
    migration = importlib.import_module("dsg.enrollment.migrations.0007_terminals_in_use")

    migration.terminals_in_use(apps, None)
    in_use = dict(Terminal.objects.values_list("name", "in_use_since"))
    assert in_use == {"PC-01": completed.use_starts_on, "PC-FAILED": None, "PC-SETUP": None}
