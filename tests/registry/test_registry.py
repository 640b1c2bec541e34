"""The site registry: terminals belong to their site, with or without a case, and keep their
connection tests; who sees them follows the site."""

from __future__ import annotations

import pytest

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.enrollment.models import State
from dsg.orgs import permissions
from dsg.registry import selectors, services
from dsg.registry.models import ConnectionTest, Terminal

from ..factories import SiteFactory
from ..walk import new_case, today, walk_to


def register(site, actor, name="PC-01", serial="SN-01"):
    return services.terminal_register(
        site=site, actor=actor, name=name, model_name="指定端末 DSG-T1", serial_number=serial
    )


def test_a_terminal_of_a_site_with_no_case(site, psa):
    assert not site.enrollments.exists()
    terminal = register(site, psa)

    assert terminal.site == site and terminal.origin is None
    assert list(selectors.terminals_of(site)) == [terminal]
    event = AuditEvent.objects.get(action="terminal.register")
    assert event.company_id == site.company_id and event.after["origin"] is None


def test_only_the_sites_own_psa_registers(site, everyone):
    for key in ("delegate", "user", "reviewer", "inspector", "provider_staff", "other_psa"):
        with pytest.raises(RuleViolation) as refusal:
            register(site, everyone[key])
        assert refusal.value.status == 403, key
    assert not Terminal.objects.exists()


def test_after_enrollment_only_the_reviewer_registers_by_approving(site, everyone):
    """A request's approval registers the terminal: the office's reviewer alone, never the PSA."""
    for key in ("psa", "delegate", "user", "inspector", "provider_staff", "other_psa"):
        with pytest.raises(RuleViolation):
            services.terminal_register(
                site=site,
                actor=everyone[key],
                name="PC",
                model_name="M",
                serial_number="S",
                on_approval=True,
            )
    services.terminal_register(
        site=site,
        actor=everyone["reviewer"],
        name="PC",
        model_name="M",
        serial_number="S",
        on_approval=True,
    )
    assert Terminal.objects.count() == 1


def test_a_name_or_serial_number_is_registered_once_per_site(site, psa, company):
    register(site, psa)
    for name, serial in (("PC-01", "SN-09"), ("PC-09", "SN-01")):
        with pytest.raises(RuleViolation) as refusal:
            register(site, psa, name, serial)
        assert refusal.value.code == "duplicate_terminal"
    register(SiteFactory(company=company), psa)  # another site may use the same name
    assert Terminal.objects.count() == 2


def test_the_latest_connection_test_decides(site, psa, delegate):
    terminal = register(site, psa)
    assert selectors.untested(selectors.terminals_of(site)).exists()
    for passed in (True, False, True):
        services.connection_test_record(
            terminal=terminal, person=delegate, actor=delegate, tested_on=today(), passed=passed
        )
    assert not selectors.untested(selectors.terminals_of(site)).exists()
    latest = selectors.terminals_of(site).get()
    assert latest.latest_tester_id == delegate.pk and latest.latest_tested_on == today()
    assert ConnectionTest.objects.filter(terminal=terminal).count() == 3


def test_who_sees_the_registry(site, cast, everyone, company):
    at_survey = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    quiet = register(site, cast.psa)  # a site the provider does not provision
    provisioned = register(at_survey.site, cast.psa, "PC-02", "SN-02")
    seen = {
        key: set(permissions.restrict(person, Terminal.objects.all()))
        for key, person in everyone.items()
    }
    assert seen["psa"] == seen["user"] == seen["reviewer"] == {quiet, provisioned}
    assert seen["provider_staff"] == {provisioned}
    assert seen["other_psa"] == set()
