"""The office's search over every case (#12): one box over company name, 法人番号, site name,
case number and 到達番号 (NFKC, partial), filters, a whitelisted sort, the pages, the exports and
the API."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dsg.audit.models import AuditEvent
from dsg.enrollment import office_views
from dsg.enrollment.models import ApplicationVersion, Enrollment, State
from dsg.enrollment.search import SORTS, CaseQuery, case_query_from, enrollment_search

from ..factories import CompanyFactory, SiteFactory, UserFactory, corporate_number
from ..walk import act, new_case, walk_to

NUMBER = corporate_number(987654)  # 法人番号 of ABC精機, ends 987654


@pytest.fixture
def world(company, cast):
    """Three cases of two companies: a draft, one under review (ＡＢＣ in full width, its site in
    half-width katakana, in Osaka), one at the survey."""
    other = CompanyFactory(name="ABC精機株式会社", corporate_number=NUMBER)
    draft = new_case(SiteFactory(company=company, name="本社", prefecture="13"), cast)
    cast_other = type(cast)(**{**cast.__dict__, "psa": _psa_of(other)})
    submitted = walk_to(
        new_case(SiteFactory(company=other, name="ﾃｽﾄ工場", prefecture="27"), cast_other),
        State.SUBMITTED,
        cast_other,
    )
    survey = walk_to(
        new_case(SiteFactory(company=company, name="研究所", prefecture="13"), cast),
        State.SURVEY,
        cast,
    )
    return {"draft": draft, "submitted": submitted, "survey": survey, "other": other}


def _psa_of(company):
    return UserFactory(organization=company)


def _found(user, **params) -> list[int]:
    query = case_query_from(params)
    return list(enrollment_search(user=user, query=query).values_list("pk", flat=True))


def _receipt(case: Enrollment) -> str:
    return ApplicationVersion.objects.get(application__enrollment=case, number=1).receipt_number


# Search by each field --------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_company_name_is_found_in_any_width(world, cast):
    submitted = world["submitted"].pk
    assert _found(cast.reviewer, q="ABC") == [submitted]
    assert _found(cast.reviewer, q="ａｂｃ精機") == [submitted]  # full width, lower case
    assert _found(cast.reviewer, q="精機") == [submitted]


@pytest.mark.django_db
def test_the_corporate_number_is_found_in_part_and_in_full_width_digits(world, cast):
    submitted = world["submitted"].pk
    assert _found(cast.reviewer, q=NUMBER) == [submitted]
    assert _found(cast.reviewer, q="９８７６５４") == [submitted]


@pytest.mark.django_db
def test_the_site_name_stored_in_half_width_kana_is_found_by_full_width(world, cast):
    assert _found(cast.reviewer, q="テスト工場") == [world["submitted"].pk]
    assert _found(cast.reviewer, q="研究") == [world["survey"].pk]


@pytest.mark.django_db
def test_the_case_number_is_found_whole_and_in_part(world, cast):
    survey = world["survey"]
    assert _found(cast.reviewer, q=survey.number) == [survey.pk]
    assert _found(cast.reviewer, q=survey.number.lower().replace("-", "－")) == [survey.pk]
    every = _found(cast.reviewer, q=f"DSG-{survey.created_at:%Y}")
    assert set(every) == {c.pk for c in (world["draft"], world["submitted"], survey)}


@pytest.mark.django_db
def test_the_receipt_number_is_found_by_the_office_not_by_the_provider(world, cast):
    survey = world["survey"]
    receipt = _receipt(survey)
    assert _found(cast.reviewer, q=receipt) == [survey.pk]
    assert _found(cast.inspector, q=receipt[-6:]) == [survey.pk]
    # The provider sees the case (③) but never reads the application's 到達番号.
    assert _found(cast.staff, q=receipt) == []
    assert _found(cast.staff, q=survey.number) == [survey.pk]


@pytest.mark.django_db
def test_every_word_must_be_found(world, cast):
    assert _found(cast.reviewer, q="ABC テスト") == [world["submitted"].pk]
    assert _found(cast.reviewer, q="ABC 研究所") == []


# Filters ---------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_filters_by_step_state_waiting_and_prefecture(world, cast):
    draft, submitted, survey = world["draft"].pk, world["submitted"].pk, world["survey"].pk
    assert _found(cast.reviewer, step="1", sort="number") == sorted([draft, submitted])
    assert _found(cast.reviewer, step="3") == [survey]
    assert _found(cast.reviewer, state="submitted") == [submitted]
    assert _found(cast.reviewer, waiting="office") == [submitted]
    assert _found(cast.reviewer, waiting="provider") == [survey]
    assert _found(cast.reviewer, waiting="company") == [draft]
    assert _found(cast.reviewer, prefecture="27") == [submitted]
    assert _found(cast.reviewer, prefecture="13", step="3") == [survey]


@pytest.mark.django_db
def test_behind_its_plan_is_the_first_plan_s_end_of_the_current_step_passed(world, cast):
    submitted = world["submitted"]
    assert _found(cast.reviewer, overdue="1") == []
    # ① is planned to take 20 business days: submitted 60 days ago, the review is behind.
    long_ago = timezone.now() - dt.timedelta(days=60)
    ApplicationVersion.objects.filter(application__enrollment=submitted).update(
        submitted_at=long_ago
    )
    assert _found(cast.reviewer, overdue="1") == [submitted.pk]
    case = enrollment_search(user=cast.reviewer, query=CaseQuery()).get(pk=submitted.pk)
    assert case.behind_plan is True
    # A closed case is behind nothing.
    act(submitted, "reject", cast.reviewer, comment="要件を満たさない")
    assert _found(cast.reviewer, overdue="1") == []


# Sorting ---------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(SORTS))
def test_every_whitelisted_sort_orders_in_the_database(world, cast, client, key):
    up = _found(cast.reviewer, sort=key)
    down = _found(cast.reviewer, sort=f"-{key}")
    assert len(up) == 3 and sorted(up) == sorted(down)
    client.force_login(cast.reviewer)
    assert client.get(f"/office/cases/?sort=-{key}").status_code == 200


@pytest.mark.django_db
def test_the_company_sort_orders_by_name(world, cast):
    up = _found(cast.reviewer, sort="company")
    names = [Enrollment.objects.get(pk=pk).site.company.name for pk in up]
    assert names == sorted(names)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    ["sort=password", "sort=site__company__name", "step=9", "state=nope", "prefecture=99"],
)
def test_a_parameter_not_understood_is_ignored_with_a_message(world, cast, client, params):
    client.force_login(cast.reviewer)
    response = client.get(f"/office/cases/?{params}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "were ignored" in page or "無視しました" in page
    assert page.count("data-case=") == 3


# Pages -----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_dashboard_search_opens_the_one_case_found(world, cast, client):
    client.force_login(cast.reviewer)
    assert "data-office-search" in client.get("/").content.decode()
    receipt = _receipt(world["survey"])
    response = client.get("/office/cases/", {"q": receipt, "jump": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/enrollments/{world['survey'].pk}/"
    # Several found: the list, not a guess.
    several = client.get("/office/cases/", {"q": "DSG", "jump": "1"})
    assert several.status_code == 200 and several.content.decode().count("data-case=") == 3


@pytest.mark.django_db
def test_the_list_pages(company, cast, client, monkeypatch):
    for n in range(3):
        new_case(SiteFactory(company=company, name=f"拠点{n}"), cast, complete=False)
    client.force_login(cast.reviewer)
    monkeypatch.setattr(office_views, "SEARCH_PAGE", 2)
    first = client.get("/office/cases/?sort=site").content.decode()
    second = client.get("/office/cases/?sort=site&page=2").content.decode()
    assert first.count("data-case=") == 2 and second.count("data-case=") == 1
    assert "拠点2" in second and "sort=site&amp;page=2" in first


# Exports ---------------------------------------------------------------------------------------
@pytest.fixture
def formula_case(cast):
    company = CompanyFactory(name='=HYPERLINK("http://x.example","株式会社")')
    site = SiteFactory(company=company, name="+SUM(A1:A2)")
    psa = _psa_of(company)
    return new_case(site, type(cast)(**{**cast.__dict__, "psa": psa}), complete=False)


@pytest.mark.django_db
def test_the_csv_export_lists_the_filtered_cases_with_formulas_neutralised(
    world, formula_case, cast, client
):
    client.force_login(cast.reviewer)
    response = client.get("/office/cases/export.csv", {"step": "1", "sort": "number"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["加入案件番号", "会社名", "法人番号", "拠点名"]
    numbers = [row[0] for row in rows[1:]]
    assert numbers == [world["draft"].number, world["submitted"].number, formula_case.number]
    last = rows[-1]
    assert last[1] == '\'=HYPERLINK("http://x.example","株式会社")'
    assert last[3] == "'+SUM(A1:A2)"
    submitted = rows[2]
    assert submitted[9] == _receipt(world["submitted"]) and submitted[4] == "大阪府"
    assert AuditEvent.objects.filter(action="enrollment.search_export").count() == 1


@pytest.mark.django_db
def test_the_xlsx_export_holds_formulas_as_text(world, formula_case, cast, client):
    client.force_login(cast.reviewer)
    response = client.get("/office/cases/export.xlsx", {"q": "HYPERLINK"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == formula_case.number
    name = sheet["B2"]
    assert name.value.startswith("=HYPERLINK") and name.data_type == "s" and name.quotePrefix
    assert sheet["D2"].quotePrefix


# Who may search --------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/office/cases/", "/office/cases/export.csv", "/office/cases/export.xlsx"]
)
def test_a_company_gets_403_on_the_office_search(world, everyone, client, url):
    for who in ("psa", "delegate", "user"):
        client.force_login(everyone[who])
        response = client.get(url, {"q": "ABC"})
        assert response.status_code == 403, (who, url)
        assert "ABC精機" not in response.content.decode()


@pytest.mark.django_db
def test_the_provider_searches_only_what_it_sees(world, cast, client):
    client.force_login(cast.staff)
    page = client.get("/office/cases/").content.decode()
    assert world["survey"].number in page
    assert world["draft"].number not in page and world["submitted"].number not in page
    assert "到達番号" not in page and "Receipt number" not in page


# The API ---------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_api_searches_filters_and_orders(world, cast, client):
    client.force_login(cast.reviewer)
    found = client.get("/api/v1/enrollments", {"q": "ａｂｃ"}).json()
    assert [c["id"] for c in found["items"]] == [world["submitted"].pk]
    assert found["items"][0]["behind_plan"] is False
    step3 = client.get("/api/v1/enrollments", {"step": 3, "prefecture": "13"}).json()
    assert [c["id"] for c in step3["items"]] == [world["survey"].pk]
    ordered = client.get("/api/v1/enrollments", {"ordering": "-company"}).json()["items"]
    names = [c["company_name"] for c in ordered]
    assert names == sorted(names, reverse=True)
    newest = client.get("/api/v1/enrollments").json()["items"]  # unchanged default
    assert [c["id"] for c in newest] == sorted((c["id"] for c in newest), reverse=True)


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"ordering": "password"}, {"step": 9}, {"waiting": "x"}])
def test_the_api_refuses_a_bad_parameter_with_a_message(world, cast, client, params):
    client.force_login(cast.reviewer)
    response = client.get("/api/v1/enrollments", params)
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.django_db
def test_a_company_s_api_search_returns_only_its_own_cases(world, cast, client):
    client.force_login(cast.psa)
    items = client.get("/api/v1/enrollments", {"q": "DSG"}).json()["items"]
    assert {c["id"] for c in items} == {world["draft"].pk, world["survey"].pk}
    assert client.get("/api/v1/enrollments", {"q": "ABC"}).json()["count"] == 0
    other_receipt = _receipt(world["submitted"])
    assert client.get("/api/v1/enrollments", {"q": other_receipt}).json()["count"] == 0
