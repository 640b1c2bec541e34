"""The スケジュール表 in Chromium: the Gantt chart renders under the CSP (no inline styles, no
JavaScript), and the reviewer changes a step's duration through the settings page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dsg.enrollment.models import State
from dsg.schedule.models import StepDuration

from ..walk import new_case, walk_to
from .conftest import shoot

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_case_page_draws_the_gantt_chart(actor, site, cast):
    enrollment = walk_to(new_case(site, cast), State.SURVEY, cast)
    page = actor(cast.psa)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"/enrollments/{enrollment.pk}/#schedule")  # folded: its link opens it
    chart = page.locator("#schedule table.gantt")
    expect(chart.locator("tr.gantt__planned")).to_have_count(7)
    bar = chart.locator("tr.gantt__planned[data-step='4'] td.gantt__bar").first
    expect(bar).to_be_visible()
    painted = bar.evaluate("cell => getComputedStyle(cell).backgroundImage")
    assert painted.startswith("linear-gradient"), painted  # the stylesheet applied
    expect(
        chart.locator("tr.gantt__actual[data-step='1'] td.gantt__bar--actual")
    ).not_to_have_count(0)
    expect(chart.locator("thead th.gantt__today")).to_have_count(1)
    assert violations == []
    shoot(page, "schedule-gantt")


def test_the_reviewer_changes_a_duration(actor, reviewer):
    page = actor(reviewer)
    page.goto("/schedule/settings/")
    form = page.locator("form[data-form=step-durations]")
    form.locator("input[name=step_3]").fill("25")
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice--success")).to_be_visible()
    expect(page.locator("input[name=step_3]")).to_have_value("25")
    assert StepDuration.objects.get(step=3).business_days == 25
    form = page.locator("form[data-form=step-durations]")
    field = form.locator("input[name=step_4]")
    field.fill("121")
    form.locator("button[type=submit]").click()  # the browser holds it back (max 120)
    assert field.evaluate("input => input.validity.rangeOverflow")
    assert not StepDuration.objects.filter(step=4).exists()
    shoot(page, "schedule-settings")
