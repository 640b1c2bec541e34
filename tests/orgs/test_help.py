"""The help pages: each organisation's workflow from docs/workflows, in the portal."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from dsg.orgs import help as help_pages


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("psa", "company"),
        ("company_user", "company"),
        ("reviewer", "office"),
        ("provider_staff", "provider"),
    ],
)
def test_each_person_opens_the_help_of_their_organisation(client, request, who, page):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("help"))
    assert response.status_code == 200
    text = response.content.decode()
    assert f'data-help-page="{page}"' in text
    source = (help_pages.help_dir() / f"{page}.md").read_text()
    title = source.splitlines()[0].removeprefix("# ")
    assert f"<h1>{title}</h1>" in text  # the workflow's own heading, rendered
    assert reverse("contacts") in text  # and who to ask


@pytest.mark.django_db
def test_a_help_page_keeps_its_links_within_the_help_and_never_renders_raw_html(
    client, psa, tmp_path, settings
):
    (tmp_path / "company.md").write_text(
        "# 手順\n\n[審査の流れ](office.md#審査) と [設計](../architecture.md) と "
        "[外部](https://www.mod.go.jp/)\n\n<script>alert(1)</script>\n"
    )
    settings.DSG_HELP_DIR = tmp_path
    client.force_login(psa)
    text = client.get(reverse("help_page", args=["company"])).content.decode()
    office = reverse("help_page", args=["office"])
    assert f'<a href="{office}#{quote("審査")}">審査の流れ</a>' in text
    assert "architecture.md" not in text and "設計" in text  # shown as text, not a dead link
    assert '<a href="https://www.mod.go.jp/">外部</a>' in text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


@pytest.mark.django_db
def test_an_unknown_help_page_is_not_found_and_missing_docs_are_said(
    client, psa, tmp_path, settings
):
    client.force_login(psa)
    assert client.get("/help/secrets/").status_code == 404
    settings.DSG_HELP_DIR = tmp_path / "absent"
    text = client.get(reverse("help")).content.decode()
    assert "data-help-missing" in text


def test_help_needs_a_login(client):
    response = client.get(reverse("help"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
