"""End-to-end fixtures: Debian's chromium driven by Playwright against pytest-django's live server.

Each actor gets a fresh browser context (own cookies, own session) and logs in through the real
login form. Chromium is never downloaded: without /usr/bin/chromium the suite is skipped locally
and fails under CI (CI=true), so a CI image that lost the browser cannot pass silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.utils import translation

from ..factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's ORM (fixtures, assertions)
# would otherwise refuse to run "from an async context". The live server runs in its own thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("DSG_CHROMIUM", "/usr/bin/chromium")  # Debian's package, never downloaded
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("DSG_SHOTS_DIR", "/tmp/dsg-shots"))
TIMEOUT_MS = 10_000


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _unavailable(reason: str) -> None:
    message = (
        f"{reason} The e2e tests drive Debian's chromium ({CHROMIUM}); install it with "
        "`apt-get install chromium` (never `playwright install`)."
    )
    if _in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


try:
    import playwright.sync_api  # noqa: F401
except ImportError:  # the test modules import it: locally leave them out, under CI let them fail
    if not _in_ci():
        collect_ignore_glob = ["test_*.py"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        _unavailable(f"{CHROMIUM} is missing" + (f" (a chromium is at {found})." if found else "."))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("The Python package playwright is not installed.")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except Exception as error:  # any launch failure means: no usable browser
            _unavailable(f"{CHROMIUM} could not be started: {error}")
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[..., object]]:
    """``new_page(locale="ja-JP")``: a page in a fresh context, pointed at the live server."""
    contexts = []

    def make(*, locale: str = "ja-JP") -> object:
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def login(page, user, password: str = PASSWORD) -> None:
    """Log ``user`` in through the real form at /accounts/login/ and land on the dashboard."""
    page.goto("/accounts/login/")
    form = page.locator("form[data-form=login]")
    form.locator("input[name=login]").fill(user.email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def actor(new_page) -> Callable[..., object]:
    """``actor(user)``: a page in the user's own browser context, logged in."""

    def make(user, *, locale: str = "ja-JP") -> object:
        page = new_page(locale=locale)
        login(page, user)
        return page

    return make


def ja(text: object) -> str:
    """``text`` (a msgid or a lazy string) as the server renders it for a Japanese browser."""
    with translation.override("ja"):
        return str(translation.gettext(text) if isinstance(text, str) else text)


def shoot(page, name: str) -> Path:
    """A full-page screenshot in DSG_SHOTS_DIR (default /tmp/dsg-shots), outside the repo."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
