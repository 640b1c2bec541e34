"""Every page each role reaches, checked by axe-core in Chromium; and the README's screenshots.

The world is the demo's (`dsg demo`, what `make run` serves): cases at every step, requests after
加入, notices, the catalogues. Each demo person logs in through the real form and walks the
portal from their home page, following every link to a page of the portal (downloads, the
logout and the language switch left out), breadth first; axe-core (axe-playwright-python, its
bundled axe.min.js, no network) checks each page it reaches. A violation of impact serious or
critical fails, named by page, rule and element. The walk runs once, on SQLite (the pages do not
depend on the database; the PostgreSQL half of `make test` skips it).

`make screenshots` runs the last test with DSG_SHOTS_DIR=docs/screenshots: the main page of each
role, shown in the README.
"""

from __future__ import annotations

import io
import re
from collections import Counter, deque
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection

from dsg.demo.loader import DEMO_PASSWORD
from dsg.enrollment.models import Enrollment, State
from dsg.orgs.models import Role, User

from ..walk import after_commit
from .conftest import SHOTS, login

# Links that lead to a file, not a page, or that change the session.
NOT_PAGES = re.compile(
    r"\.(ics|xlsx|csv|pdf|zip|pem|json|txt)$|/(download|pdf|zip|usbguard|fapolicyd|santa)/$"
    r"|^/(accounts/logout|i18n|admin|metrics|healthz|readyz|api)/?"
)
PAGES_PER_ROLE = 30
SAME_SHAPE = 1  # pages of one shape (/notifications/<n>/): the first one found
SERIOUS = {"serious", "critical"}


@pytest.fixture
def demo(settings, tmp_path) -> dict[str, User]:
    """The demo's world, with its documents in this test's own directory; a person per role."""
    if connection.vendor != "sqlite":
        pytest.skip("the pages' accessibility does not depend on the database: SQLite only")
    settings.DATA_DIR = tmp_path
    with after_commit():
        call_command("demo", stdout=io.StringIO())
    people = User.objects.filter(email__endswith=".example.jp").order_by("pk")
    return {role: people.filter(role=role).first() for role in Role.values}


def _links(page) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    here = urlsplit(page.url)
    found = []
    for href in hrefs:
        url = urlsplit(href)
        if url.netloc != here.netloc or NOT_PAGES.search(url.path):
            continue
        found.append(url.path)  # the query (a filter, a page number) shows the same page
    return found


def _violations(axe, page) -> list[str]:
    results = axe.run(page)
    return [
        f"{rule['id']} ({rule['impact']}): "
        + ", ".join(str(node["target"]) for node in rule["nodes"][:3])
        for rule in results.response["violations"]
        if rule["impact"] in SERIOUS
    ]


# The delegate's pages are the PSA's, fewer.
WALKERS = (Role.PSA, Role.USER, Role.REVIEWER, Role.INSPECTOR, Role.PROVIDER_STAFF)


def test_every_page_each_role_reaches_passes_axe(demo, new_page):
    from axe_playwright_python.sync_playwright import Axe

    axe, failures = Axe(), {}
    for role in WALKERS:
        page = _login(new_page, demo[role])
        visited = _walk(page, axe, failures, role)
        assert visited >= 5, f"{role} reached only {visited} pages"
        page.context.close()
    assert not failures, "\n".join(f"{where}: {v}" for where, v in failures.items())


def _walk(page, axe, failures: dict[str, list[str]], role: str) -> int:
    """Breadth first from the home page; each page checked once; how many were checked."""
    queue, seen, shapes = deque(["/"]), {"/"}, Counter[str]()
    visited = 0
    while queue and visited < PAGES_PER_ROLE:
        path = queue.popleft()
        response = page.goto(path)
        content_type = response.headers.get("content-type", "") if response else ""
        if response is None or response.status != 200 or "text/html" not in content_type:
            continue
        visited += 1
        found = _violations(axe, page)
        if found:
            failures[f"{path} as {role}"] = found
        for link in _links(page):
            shape = re.sub(r"\d+", "N", link)
            if link not in seen and shapes[shape] < SAME_SHAPE:
                seen.add(link)
                shapes[shape] += 1
                queue.append(link)
    return visited


def _login(new_page, person):
    """The person's own browser context, logged in through the form with the demo's password."""
    page = new_page()
    login(page, person, DEMO_PASSWORD)
    return page


# name of the picture -> (who, which page); the case is the demo's at ⑥.
MAIN_PAGES = {
    "psa-home": (Role.PSA, lambda case: "/"),
    "psa-case": (Role.PSA, lambda case: f"/enrollments/{case.pk}/"),
    "psa-notifications": (Role.PSA, lambda case: "/notifications/"),
    "reviewer-home": (Role.REVIEWER, lambda case: "/"),
    "reviewer-cases": (Role.REVIEWER, lambda case: "/office/cases/"),
    "reviewer-overview": (Role.REVIEWER, lambda case: "/office/overview/"),
    "inspector-home": (Role.INSPECTOR, lambda case: "/"),
    "provider-home": (Role.PROVIDER_STAFF, lambda case: "/"),
}


def test_screenshots_of_the_main_pages(demo, new_page):
    """The first screen (1280×900) of each role's main pages, as PNG in DSG_SHOTS_DIR."""
    case = Enrollment.objects.filter(state=State.TERMINAL_SETUP).first()
    pages = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, (role, path) in MAIN_PAGES.items():
        if role not in pages:
            pages[role] = _login(new_page, demo[role])
        page = pages[role]
        assert page.goto(path(case)).status == 200, name
        shot = SHOTS / f"{name}.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000, name
