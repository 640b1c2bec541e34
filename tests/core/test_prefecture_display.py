"""Read-only pages show a 都道府県 by its name, never by the JIS code stored for it.

The company is in 沖縄県 (code 47), its site in 北海道 (code 01): codes that no date, count or
number of these pages prints as an element's whole text. Every page of the URL resolver that
these objects can fill is fetched by the PSA, the office and the provider, and every page, notice
PDF and workbook must show no bare code where a prefecture goes, and name the prefecture wherever
it shows the address that follows it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from pypdf import PdfReader

from dsg.enrollment.models import ApplicationVersion, State
from dsg.inspections.models import ChecklistTemplate, Inspection
from dsg.notices.models import Notice

from ..factories import CompanyFactory, SiteFactory
from ..walk import act, after_commit, new_case, walk_to

COMPANY = {
    "postal_code": "900-0021",
    "prefecture": "47",
    "name": "沖縄県",
    "address": "那覇市泉崎1-2-2",
}
SITE = {
    "postal_code": "060-0001",
    "prefecture": "01",
    "name": "北海道",
    "address": "札幌市中央区北1条西2丁目",
}
CODES = (COMPANY["prefecture"], SITE["prefecture"])
SKIPPED = ("admin/", "accounts/", "i18n/", "api/", "help/")  # help/: docs/workflows, no data
_CONVERTER = re.compile(r"<(?:\w+:)?(?P<name>\w+)>")
# A bare code as the whole text of an element (<dd>01</dd>), or printed before the address.
CODE = "|".join(CODES)
ADDRESS_START = "|".join(re.escape(place["address"][:3]) for place in (COMPANY, SITE))
BARE_CODE = re.compile(rf">\s*(?:{CODE})\s*<")
CODE_BEFORE_ADDRESS = re.compile(rf"(?<![\d-])(?:{CODE})\s*(?:{ADDRESS_START})")
# Pages that must be among those checked: the site, the case, every part of its application
# (read-only once submitted), its versions, the comparison, the notices, the provider's and the
# office's pages and the dashboards.
MUST_CHECK = {
    "",
    "sites/",
    "sites/<int:site_id>/",
    "enrollments/",
    "enrollments/<int:enrollment_id>/",
    "enrollments/<int:enrollment_id>/application/company/",
    "enrollments/<int:enrollment_id>/application/site/",
    "enrollments/<int:enrollment_id>/application/confirm/",
    "enrollments/<int:enrollment_id>/application/versions/",
    "enrollments/<int:enrollment_id>/application/compare/",
    "enrollments/<int:enrollment_id>/application/export/",
    "application-versions/<int:version_id>/",
    "enrollments/<int:enrollment_id>/notices/",
    "notices/<int:notice_id>/pdf/",
    "enrollments/<int:enrollment_id>/documents/",
    "inspections/",
    "inspections/<int:inspection_id>/",
    "inspections/<int:inspection_id>/checklist/",
}


@pytest.fixture
def company(db):
    return CompanyFactory(
        postal_code=COMPANY["postal_code"],
        prefecture=COMPANY["prefecture"],
        address=COMPANY["address"],
    )


@pytest.fixture
def site(company):
    return SiteFactory(
        company=company,
        postal_code=SITE["postal_code"],
        prefecture=SITE["prefecture"],
        address=SITE["address"],
    )


def _site_like(site: Any) -> Any:
    return SiteFactory(
        company=site.company,
        postal_code=site.postal_code,
        prefecture=site.prefecture,
        address=site.address,
    )


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED):
            continue
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _urls(route: str, values: dict[str, list[Any]]) -> list[str]:
    """The route with every parameter filled in each possible way; [] if one cannot be."""
    urls = ["/" + route]
    for name in {m["name"] for m in _CONVERTER.finditer(route)}:
        if not values.get(name):
            return []
        pattern = re.compile(rf"<(?:\w+:)?{name}>")
        urls = [pattern.sub(str(v), url) for url in urls for v in values[name]]
    return urls


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _content(response: Any) -> tuple[str, str]:
    """(markup, visible text) of an HTML page, a PDF or a workbook; ("", "") for anything else."""
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if kind.startswith("text/html"):
        html = body.decode()
        return html, _visible_text(html)
    if kind.startswith("application/pdf"):
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
        return "", text
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        cells = [
            "" if cell is None else str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        ]
        return "".join(f">{c}<" for c in cells), "\n".join(cells)
    return "", ""


def _problems(url: str, markup: str, text: str) -> list[str]:
    found = []
    if match := BARE_CODE.search(markup):
        found.append(f"{url}: a bare prefecture code {match.group(0)!r}")
    if match := CODE_BEFORE_ADDRESS.search(text):
        found.append(f"{url}: a prefecture code before the address {match.group(0)!r}")
    for place in (COMPANY, SITE):
        if place["address"] in text and place["name"] not in text:
            found.append(f"{url}: shows the address {place['address']} without {place['name']}")
    return found


@pytest.mark.django_db
def test_pages_notices_and_exports_name_the_prefecture_never_its_code(site, cast):
    with after_commit():
        done = walk_to(new_case(site, cast), State.COMPLETED, cast)
    # a draft the PSA still edits, and an application submitted twice (two versions compared)
    draft = new_case(_site_like(site), cast)
    again = act(walk_to(new_case(_site_like(site), cast), State.RETURNED, cast), "submit", cast.psa)
    values: dict[str, list[Any]] = {
        "site_id": [site.pk],
        "enrollment_id": [done.pk, draft.pk, again.pk],
        "version_id": list(
            ApplicationVersion.objects.filter(
                application__enrollment__in=[done, again]
            ).values_list("pk", flat=True)
        ),
        "notice_id": list(Notice.objects.filter(subject_id=done.pk).values_list("pk", flat=True)),
        "inspection_id": list(
            Inspection.objects.filter(subject_id=done.pk).values_list("pk", flat=True)
        ),
        "template_id": list(ChecklistTemplate.objects.values_list("pk", flat=True)),
    }
    assert values["notice_id"] and values["inspection_id"] and values["version_id"]
    problems: list[str] = []
    checked: set[str] = set()
    for person in (cast.psa, cast.reviewer, cast.staff):
        client = Client()
        client.force_login(person)
        for route in _routes(get_resolver().url_patterns):
            for url in _urls(route, values):
                response = client.get(url)
                if response.status_code != 200:
                    continue
                markup, text = _content(response)
                if markup or text:
                    checked.add(route)
                    problems += _problems(url, markup, text)
    assert not problems, "\n".join(sorted(set(problems)))
    assert MUST_CHECK <= checked, sorted(MUST_CHECK - checked)


@pytest.mark.django_db
def test_the_check_finds_a_bare_code():
    """The control: the patterns above do catch a code where a name belongs."""
    assert _problems("/x", "<dd>01</dd>", "")
    assert _problems("/x", "", f"〒100-0001 47{COMPANY['address']}")
    assert _problems("/x", "", f"{SITE['address']}")
    assert not _problems("/x", "<dd>北海道</dd>", f"北海道{SITE['address']}")
