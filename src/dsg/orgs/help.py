"""Help: each organisation's workflow, read from docs/workflows/ and shown in the portal.

The pages are the operator documentation of the repository (one Markdown file per kind of
organisation), rendered with markdown-it-py with raw HTML off: what the docs say is what the
portal shows, in one place. A link between the workflow pages stays within the help; a link to
another document of the repository is shown as its text. Where the portal runs without the
repository's docs (an installed package), the page says so and points to the contacts.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from markdown_it import MarkdownIt

from .auth import request_user
from .models import OrganizationKind

# The help of each kind of organisation: its file under docs/workflows/.
PAGES = {
    OrganizationKind.COMPANY: "company",
    OrganizationKind.OFFICE: "office",
    OrganizationKind.PROVIDER: "provider",
}
_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)
_PAGE_LINK = re.compile(r"^(company|office|provider)\.md(#[^\s]*)?$")


def help_dir() -> Path:
    return Path(getattr(settings, "DSG_HELP_DIR", settings.BASE_DIR.parents[1] / "docs/workflows"))


@cache
def _render(path: Path, mtime: float) -> str:  # mtime: a changed file is read again
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(path.read_text())
    return _LINK.sub(_keep_within_help, html)


def _keep_within_help(link: re.Match[str]) -> str:
    href, text = link.group(1), link.group(2)
    page = _PAGE_LINK.match(href)
    if page:
        url = reverse("help_page", args=[page.group(1)]) + (page.group(2) or "")
        return f'<a href="{url}">{text}</a>'
    if href.startswith(("https://", "http://", "mailto:", "#", "/")):
        return link.group(0)
    return text  # another file of the repository: not served by the portal


def page_html(name: str) -> SafeString | None:
    path = help_dir() / f"{name}.md"
    if not path.is_file():
        return None
    # markdown-it escapes every character of the source (html off); links are rebuilt above.
    return mark_safe(_render(path, path.stat().st_mtime))  # noqa: S308


@login_required
@require_GET
def help_page(request: HttpRequest, page: str | None = None) -> HttpResponse:
    """The workflow of the user's kind of organisation (or the one named), with the contacts."""
    user = request_user(request)
    organization = user.organization
    own = PAGES.get(OrganizationKind(organization.kind)) if organization is not None else None
    name = page or own or "company"
    if name not in PAGES.values():
        raise Http404(_("Not found."))
    pages = [(page, OrganizationKind(kind).label) for kind, page in PAGES.items()]
    return render(
        request,
        "orgs/help.html",
        {"name": name, "own": own, "pages": pages, "body": page_html(name)},
    )
