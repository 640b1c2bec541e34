"""The company home's trackers (#14): ``{% case_tracker %}`` draws each kind of case once and
gives what ``enrollment/_tracker.html`` draws for the case itself — every state, an ended case
at each step it may have stopped at, in Japanese and in English."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from dsg.enrollment.models import STEP_NAMES, Enrollment, State
from dsg.enrollment.templatetags.case_tracker import _drawn

from ..factories import SiteFactory
from ..walk import new_case, walk_to

STEPS = [(n, STEP_NAMES[n]) for n in range(1, 8)]
TAG = Template("{% load case_tracker %}{% case_tracker enrollment %}")


def _cases() -> list[Enrollment]:
    cases = [Enrollment(state=state) for state in State.values]
    for state in (State.WITHDRAWN, State.REJECTED):
        for stopped in (None, *range(1, 8)):
            case = Enrollment(state=state)
            case.last_step = stopped  # type: ignore[attr-defined]  # as the selectors annotate
            cases.append(case)
    return cases


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_tag_draws_what_the_template_draws_for_every_case(language):
    with translation.override(language):
        for case in _cases():
            drawn = TAG.render(Context({"enrollment": case}))
            included = render_to_string(
                "enrollment/_tracker.html", {"enrollment": case, "steps": STEPS}
            )
            assert drawn == included, (case.state, getattr(case, "last_step", None))
            assert TAG.render(Context({"enrollment": case})) == drawn  # kept: the same again


def test_each_kind_of_case_is_drawn_once_per_language():
    _drawn.cache_clear()
    with translation.override("ja"):
        for _ in range(3):
            for state in (State.SURVEY, State.TERMINAL_SETUP):
                TAG.render(Context({"enrollment": Enrollment(state=state)}))
    assert _drawn.cache_info().misses == 2 and _drawn.cache_info().hits == 4
    with translation.override("en"):
        english = TAG.render(Context({"enrollment": Enrollment(state=State.SURVEY)}))
    assert "Site survey" in english or "survey" in english.lower()
    assert _drawn.cache_info().misses == 3


@pytest.mark.django_db
def test_the_company_home_shows_each_case_s_tracker_at_its_step(client, company, cast):
    at_three = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
    draft = new_case(SiteFactory(company=company), cast, complete=False)
    client.force_login(cast.psa)
    page = client.get("/").content.decode()
    for case, step in ((at_three, 3), (draft, 1)):
        card = page[page.index(f'data-case="{case.number}"') :]
        tracker = card[card.index('<ol class="tracker"') : card.index("</ol>")]
        current = re.findall(r'--current" aria-current="step" title="([^"]+)"', tracker)
        assert current == [str(STEP_NAMES[step])], (case.number, current)
        assert tracker.count("tracker__step--done") == step - 1
