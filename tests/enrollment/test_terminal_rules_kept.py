"""⑥ → ⑦'s conditions on the site's terminals (enrollment.rules: HAS_TERMINALS,
EVERY_TERMINAL_PASSED) read by queries compiled once, the site's id a parameter (issue #14):
at every turn of ⑥ they answer what the queries built anew answer — no terminal, one never
tested, failed, passed, another added, the case withdrawn (its terminals never counted) —
another site's terminals never count, and building them reads no row."""

from __future__ import annotations

import pytest

from dsg.enrollment import rules
from dsg.enrollment.models import State
from dsg.provisioning import services as prov
from dsg.registry.selectors import untested

from ..factories import SiteFactory
from ..kept_builds import Builds
from ..walk import act, new_case, setup_terminal_passed, today, walk_to

pytestmark = pytest.mark.django_db


def kept(case) -> tuple[bool, bool]:
    return rules.HAS_TERMINALS(case), rules.EVERY_TERMINAL_PASSED(case)


def built_anew(case) -> tuple[bool, bool]:
    terminals = rules.site_terminals(case)
    return terminals.exists(), not untested(terminals).exists()


def test_the_terminal_rules_answer_as_built_anew_through_step_six(company, cast):
    rules._TERMINAL_RULES.clear()
    case = walk_to(new_case(SiteFactory(company=company), cast), State.TERMINAL_SETUP, cast)
    elsewhere = walk_to(new_case(SiteFactory(company=company), cast), State.TERMINAL_SETUP, cast)
    setup_terminal_passed(elsewhere, cast, name="PC-X")  # another site's: never counted
    seen = []

    def check() -> None:
        case.refresh_from_db()
        assert kept(case) == built_anew(case)
        assert kept(elsewhere) == built_anew(elsewhere) == (True, True)
        seen.append(kept(case))

    check()  # no terminal
    first = prov.terminal_register(
        enrollment=case, actor=cast.psa, name="PC-01", model_name="指定端末", serial_number="S1"
    )
    check()  # never tested
    setup_terminal_passed(case, cast, name="PC-02")
    check()  # PC-02 passed, PC-01 not tested
    holder = case.account_holders.order_by("pk").first()
    prov.connection_test_record(
        terminal=first, holder=holder, actor=cast.delegate, tested_on=today(), passed=False
    )
    check()  # failed
    prov.connection_test_record(
        terminal=first, holder=holder, actor=cast.delegate, tested_on=today(), passed=True
    )
    check()  # both passed
    act(case, "withdraw", cast.psa)
    check()  # withdrawn: its terminals never put in use
    assert seen == [
        (False, True),
        (True, False),
        (True, False),
        (True, False),
        (True, True),
        (False, True),
    ]
    assert len(rules._TERMINAL_RULES._items) == 2  # one query each, kept


def test_building_the_terminal_rules_reads_no_row(company, cast, monkeypatch):
    case = walk_to(new_case(SiteFactory(company=company), cast), State.TERMINAL_SETUP, cast)
    builds = Builds()
    monkeypatch.setattr(rules, "_TERMINAL_RULES", builds.cache())
    assert kept(case) == built_anew(case)
    assert builds.firsts() == {"_every", "untested"}
