"""Queries per page stay constant as data grows: as many for few objects as for many."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dsg.enrollment.models import State
from dsg.orgs.permissions import may_use_api

from .factories import SiteFactory
from .walk import new_case, setup_terminal_passed, walk_to

STATES = [State.DRAFT, State.SUBMITTED, State.SURVEY, State.TERMINAL_SETUP, State.WITHDRAWN]


def _grow(company, cast, rounds: int) -> None:
    """Add ``rounds`` cases in each of several states, for the same company."""
    for _ in range(rounds):
        for state in STATES:
            walk_to(new_case(SiteFactory(company=company), cast), state, cast)


def _reachable(user, urls: list[str]) -> list[str]:
    """The URLs the person reaches: the 利用者 uses no API (#12), only the pages."""
    return [url for url in urls if may_use_api(user) or not url.startswith("/api/")]


def _count(client, user, url: str) -> int:
    client.force_login(user)
    # Content types are cached for the process once read: start each count from a cold cache,
    # so that what earlier code happened to read does not change the count.
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


PAGES = [
    "/",
    "/sites/",
    "/enrollments/?step=1",
    "/enrollments/?step=3",
    "/api/v1/enrollments",
    "/api/v1/sites",
    "/notifications/",  # the inbox (#12): the mails grow with the cases
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["psa", "reviewer", "provider_staff"])
def test_list_pages_use_a_fixed_number_of_queries(client, company, cast, everyone, url, who):
    _grow(company, cast, 1)
    few = _count(client, everyone[who], url)
    _grow(company, cast, 3)
    many = _count(client, everyone[who], url)
    assert many == few, f"{url} as {who}: {few} queries with few cases, {many} with many"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["psa", "reviewer", "provider_staff", "delegate"])
def test_case_page_uses_a_fixed_number_of_queries_whatever_the_terminals(
    client, site, cast, everyone, who
):
    enrollment = walk_to(new_case(site, cast), State.TERMINAL_SETUP, cast)
    setup_terminal_passed(enrollment, cast, name="PC-01")
    url = f"/enrollments/{enrollment.pk}/"
    few = _count(client, everyone[who], url)
    for n in range(2, 7):
        setup_terminal_passed(enrollment, cast, name=f"PC-{n:02d}")
    many = _count(client, everyone[who], url)
    assert many == few, f"case page as {who}: {few} queries with 1 terminal, {many} with 6"


def _terminals_with_disposals(site, cast, first: int, last: int) -> None:
    """registry: terminals ``first``..``last`` of the site, one standing, one with its disposal
    recorded and one confirmed (廃棄済) in every three."""
    from dsg.registry.services import terminal_disposal_confirm

    from .registry.disposal import record, terminal_at

    for n in range(first, last + 1):
        terminal = terminal_at(site, cast.psa, f"PC-{n:02d}")
        if n % 3:
            disposal = record(terminal, cast.psa)
            if n % 3 == 2:
                terminal_disposal_confirm(disposal=disposal, actor=cast.reviewer)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["psa", "user", "reviewer", "provider_staff"])
def test_the_site_registry_uses_a_fixed_number_of_queries_whatever_the_terminals(
    client, site, cast, everyone, who
):
    walk_to(new_case(site, cast), State.SURVEY, cast)  # the provider serves the site
    urls = [
        f"/sites/{site.pk}/",
        f"/sites/{site.pk}/terminals/",
        f"/api/v1/sites/{site.pk}/terminals?include_disposed=true",
    ]
    urls = _reachable(everyone[who], urls)
    _terminals_with_disposals(site, cast, 1, 3)
    for url in urls:  # warm the per-process caches (content types) first
        _count(client, everyone[who], url)
    few = [_count(client, everyone[who], url) for url in urls]
    _terminals_with_disposals(site, cast, 4, 12)
    many = [_count(client, everyone[who], url) for url in urls]
    assert many == few, f"as {who}: {few} queries with 3 terminals, {many} with 12"


def _equipment(site, cast, first: int, last: int) -> None:
    """registry: terminals ``first``..``last`` as above, each with a medium on it and two pieces
    of software (one 起動・使用禁止); the media disposed of in the same rhythm."""
    from dsg.registry.models import Terminal
    from dsg.registry.services import medium_disposal_confirm

    from .registry.disposal import medium_at, record_medium, software_on

    _terminals_with_disposals(site, cast, first, last)
    for n in range(first, last + 1):
        terminal = Terminal.objects.get(site=site, name=f"PC-{n:02d}")
        medium = medium_at(site, terminal, serial=f"SER-{n}")
        software_on(terminal, f"承認ソフト-{n}", "approved")
        software_on(terminal, f"申告ソフト-{n}", "prohibited", preinstalled=True)
        if n % 3:
            disposal = record_medium(medium, cast.psa)
            if n % 3 == 2:
                medium_disposal_confirm(disposal=disposal, actor=cast.reviewer)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["psa", "user", "reviewer", "provider_staff"])
def test_the_registry_page_api_and_export_use_a_fixed_number_of_queries(
    client, site, cast, everyone, who
):
    walk_to(new_case(site, cast), State.SURVEY, cast)  # the provider serves the site
    urls = [
        f"/sites/{site.pk}/terminals/",
        f"/sites/{site.pk}/registry.xlsx",
        f"/api/v1/sites/{site.pk}/registry?include_disposed=true",
        f"/api/v1/sites/{site.pk}/registry/export",
    ]
    urls = _reachable(everyone[who], urls)
    _equipment(site, cast, 1, 3)
    for url in urls:  # warm the per-process caches (content types) first
        _count(client, everyone[who], url)
    few = [_count(client, everyone[who], url) for url in urls]
    _equipment(site, cast, 4, 30)
    many = [_count(client, everyone[who], url) for url in urls]
    assert many == few, f"as {who}: {few} queries with 3 terminals and media, {many} with 30"


def _grow_folder(company, cast, rounds: int) -> None:
    """``rounds`` documents stored by the company, each for a case of its own or for none, each
    read by the office: the folder lists them with their subjects, readers and reports."""
    from dsg.documents.folder import folder_document_store
    from dsg.documents.services import document_read

    from .documents.files import pdf, xlsx

    for n in range(rounds):
        case = new_case(SiteFactory(company=company), cast, complete=False)
        for subject, data, kind in ((case, pdf(), "other"), (None, xlsx(), "request_form")):
            document = folder_document_store(
                actor=cast.psa,
                company=company,
                subject=subject,
                kind=kind,
                filename=f"{n}-{kind}",
                data=data,
            )
            document_read(document=document, actor=cast.reviewer)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("psa", "/folder/"),
        ("user", "/folder/"),
        ("reviewer", "/companies/{company}/folder/"),
        ("reviewer", "/folder/"),
        ("reviewer", "/"),
        ("psa", "/api/v1/companies/{company}/folder"),
        ("reviewer", "/api/v1/folder-reports"),
    ],
)
def test_the_company_folder_uses_a_fixed_number_of_queries(
    client, settings, tmp_path, company, cast, everyone, who, url
):
    settings.DATA_DIR = tmp_path
    url = url.format(company=company.pk)
    _grow_folder(company, cast, 1)
    _count(client, everyone[who], url)  # warm the per-process caches (content types) first
    few = _count(client, everyone[who], url)
    _grow_folder(company, cast, 4)
    many = _count(client, everyone[who], url)
    assert many == few, f"{url} as {who}: {few} queries with few documents, {many} with many"


def _enrolled_site(company, cast):
    from .walk import after_commit

    site = SiteFactory(company=company)
    with after_commit():
        walk_to(new_case(site, cast), State.COMPLETED, cast)
    return site


def _more_changes(site, cast, n: int) -> None:
    """``n`` submitted relocations of other sites of the company (rows only: the query count
    depends on the number of rows, not on how they were filed)."""
    from dsg.requests.models import ChangeKind, ChangeRequest

    relocation = ChangeKind.objects.get(code="relocation")
    case = site.enrollments.get()
    data = {"fields": {}, "contacts": []}
    for _ in range(n):
        change = ChangeRequest.objects.create(
            company_id=site.company_id,
            site=SiteFactory(company=site.company),
            enrollment=case,
            kind=relocation,
            registered=data,
            proposed=data,
            created_by=cast.psa,
        )
        ChangeRequest.objects.filter(pk=change.pk).update(state="submitted", receipt_number="C1")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["psa", "reviewer", "provider_staff"])
def test_the_change_list_uses_a_fixed_number_of_queries(client, company, cast, everyone, who):
    site = _enrolled_site(company, cast)
    _more_changes(site, cast, 1)
    few = _count(client, everyone[who], "/changes/")
    _more_changes(site, cast, 6)
    many = _count(client, everyone[who], "/changes/")
    assert many == few, f"/changes/ as {who}: {few} queries with 1 change, {many} with 7"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["psa", "reviewer", "provider_staff"])
def test_the_change_page_uses_a_fixed_number_of_queries(client, company, cast, everyone, who):
    import datetime as dt

    from dsg.requests import services

    from .requests.helpers import attach

    site = _enrolled_site(company, cast)
    change = services.change_start(actor=cast.psa, site=site, kind="relocation")
    later = timezone.localdate() + dt.timedelta(days=30)
    services.change_update(
        change=change,
        actor=cast.psa,
        data={
            "site_postal_code": "231-0023",
            "site_prefecture": "14",
            "site_address": "横浜市中区山下町1",
            "description": "移転",
            "effective_on": later,
        },
    )
    attach(change, cast.psa)
    services.change_submit(change=change, actor=cast.psa)

    def grow() -> None:
        change.refresh_from_db()
        services.change_comment_add(
            change=change, actor=cast.reviewer, part="site_address", text="x"
        )
        services.action_request_ask(change=change, actor=cast.reviewer, text="資料", due_on=later)
        change.refresh_from_db()
        services.action_request_ask(change=change, actor=cast.staff, text="経路", due_on=later)
        services.change_return(change=change, actor=cast.reviewer, comment="補正")
        attach(change, cast.psa, "other")
        services.change_submit(change=change, actor=cast.psa)

    grow()
    url = f"/changes/{change.pk}/"
    few = _count(client, everyone[who], url)
    for _ in range(3):
        grow()
    many = _count(client, everyone[who], url)
    assert many == few, f"change page as {who}: {few} queries, then {many} with more versions"


def _more_confirmations(annual_round, cast, n: int) -> None:
    """年次確認: ``n`` more companies in the round (rows only), every other one answered and the
    rest reminded as overdue."""
    from django.utils import timezone

    from dsg.annual.models import AnnualConfirmation, AnnualReminder

    from .factories import CompanyFactory

    for k in range(n):
        confirmation = AnnualConfirmation.objects.create(
            round=annual_round, company=CompanyFactory()
        )
        if k % 2:
            AnnualConfirmation.objects.filter(pk=confirmation.pk).update(
                state="confirmed", answered_at=timezone.now(), answered_by=cast.psa
            )
        else:
            AnnualReminder.objects.create(confirmation=confirmation, kind="overdue")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("reviewer", "/annual/"),
        ("reviewer", "/annual/rounds/{round}/"),
        ("reviewer", "/annual/rounds/{round}/?state=overdue"),
        ("reviewer", "/annual/rounds/{round}/export.csv"),
        ("inspector", "/"),
        ("reviewer", "/api/v1/annual/rounds/{round}/confirmations"),
        ("reviewer", "/api/v1/annual/confirmations"),
    ],
)
def test_the_annual_rounds_use_a_fixed_number_of_queries(client, cast, everyone, who, url):
    import datetime as dt

    from dsg.annual.models import AnnualRound

    annual_round = AnnualRound.objects.create(
        title="2026年度 年次確認",
        due_on=timezone.localdate() - dt.timedelta(days=1),
        opened_by=cast.reviewer,
    )
    url = url.format(round=annual_round.pk)
    _more_confirmations(annual_round, cast, 2)
    _count(client, everyone[who], url)  # warm the per-process caches (content types) first
    few = _count(client, everyone[who], url)
    _more_confirmations(annual_round, cast, 8)
    many = _count(client, everyone[who], url)
    assert many == few, f"{url} as {who}: {few} queries with 2 companies, {many} with 10"


def _medium_lines(terminal, first: int, count: int) -> list[dict]:
    return [
        {
            "action": "add",
            "kind": "usb_memory",
            "vendor_id": "0781",
            "product_id": "5581",
            "serial_number": f"SN-{n:04d}",
            "capacity_gb": "32",
            "custodian": "山田 太郎",
            "terminals": [terminal.pk],
        }
        for n in range(first, first + count)
    ]


def _equipment_requests(site, cast, first: int, count: int) -> list:
    """``count`` medium requests of the site, each with one line (利用端末等の申請)."""
    from dsg.equipment import services
    from dsg.registry.models import Terminal

    terminal = Terminal.objects.filter(site=site).order_by("pk").first()
    return [
        services.request_file(
            site=site,
            actor=cast.psa,
            kind="medium",
            purpose="業務",
            lines=_medium_lines(terminal, n, 1),
        ).request
        for n in range(first, first + count)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("reviewer", "/equipment-requests/"),
        ("psa", "/equipment-requests/"),
        ("reviewer", "/"),
        ("psa", "/sites/{site}/equipment-requests/"),
        ("reviewer", "/api/v1/equipment-requests"),
    ],
)
def test_the_equipment_queue_uses_a_fixed_number_of_queries(
    client, company, cast, everyone, who, url
):
    site = _enrolled_site(company, cast)
    url = url.format(site=site.pk)
    _equipment_requests(site, cast, 0, 2)
    _count(client, everyone[who], url)  # warm the per-process caches (content types) first
    few = _count(client, everyone[who], url)
    _equipment_requests(site, cast, 2, 18)
    many = _count(client, everyone[who], url)
    assert many == few, f"{url} as {who}: {few} queries with 2 requests, {many} with 20"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["psa", "reviewer", "delegate"])
@pytest.mark.parametrize("api", [False, True])
def test_the_equipment_request_page_uses_a_fixed_number_of_queries_whatever_the_lines(
    client, company, cast, everyone, who, api
):
    from dsg.equipment import services
    from dsg.registry.models import Terminal

    site = _enrolled_site(company, cast)
    terminal = Terminal.objects.filter(site=site).order_by("pk").first()

    def filed(first: int, count: int) -> str:
        request = services.request_file(
            site=site,
            actor=cast.psa,
            kind="medium",
            purpose="業務",
            lines=_medium_lines(terminal, first, count),
        ).request
        services.request_ask(request=request, actor=cast.reviewer, message="追加資料")
        services.request_answer(request=request, actor=cast.psa, answer="格納しました")
        prefix = "/api/v1/equipment-requests/" if api else "/equipment-requests/"
        return f"{prefix}{request.pk}" + ("" if api else "/")

    few_url, many_url = filed(0, 2), filed(100, 20)
    _count(client, everyone[who], few_url)  # warm the per-process caches first
    few = _count(client, everyone[who], few_url)
    many = _count(client, everyone[who], many_url)
    assert many == few, f"request page as {who}: {few} queries with 2 lines, {many} with 20"


def _grow_open_items(company, cast, rounds: int) -> None:
    """core.todos (#12): cases whose open items come from every provider — ② with dates offered
    (inspections), ③ with a date proposed and ancillary work (provisioning), ① under review."""
    from dsg.inspections import services as insp
    from dsg.provisioning import services as prov

    from .appointments.dates import business_day_at

    for _ in range(rounds):
        at_inspection = walk_to(
            new_case(SiteFactory(company=company), cast), State.INSPECTION, cast
        )
        inspection = insp.inspection_open(subject=at_inspection, actor=cast.inspector)
        insp.inspection_propose_slots(
            inspection=inspection, actor=cast.reviewer, starts=[business_day_at(3, 10)]
        )
        at_survey = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
        prov.appointment_propose(
            enrollment=at_survey, actor=cast.staff, purpose="survey", starts_at=business_day_at(3)
        )
        prov.ancillary_work_add(enrollment=at_survey, actor=cast.staff, description="配管工事")
        walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["psa", "delegate", "reviewer", "inspector", "provider_staff"])
def test_the_homes_to_do_lists_use_a_fixed_number_of_queries(client, company, cast, everyone, who):
    _grow_open_items(company, cast, 1)
    few = _count(client, everyone[who], "/")
    _grow_open_items(company, cast, 2)
    many = _count(client, everyone[who], "/")
    assert many == few, f"home as {who}: {few} queries with few open items, {many} with many"


# The office's search, its exports and its overview (#12): cases of several companies, some
# behind their plan, some with more terminals (another length of ⑥).
OFFICE_PAGES = [
    ("reviewer", "/office/cases/"),
    ("reviewer", "/office/cases/?q=DSG&overdue=1&sort=-company"),
    ("reviewer", "/office/cases/?q=工業&step=1&waiting=office&prefecture=13&sort=receipt"),
    ("reviewer", "/office/cases/export.csv?sort=-since"),
    ("reviewer", "/office/cases/export.xlsx?q=DSG"),
    ("reviewer", "/office/overview/"),
    ("inspector", "/office/overview/"),
    ("provider_staff", "/office/cases/?sort=site"),
    ("reviewer", "/api/v1/enrollments?q=DSG&ordering=-since&overdue=true"),
    ("psa", "/api/v1/enrollments?q=DSG&ordering=company"),
]


def _grow_office(company, cast, rounds: int) -> None:
    """Cases in several states, and late ones whose ⑥ is longer each round."""
    import datetime as dt

    from django.utils import timezone

    from dsg.enrollment.models import ApplicationVersion

    _grow(company, cast, rounds)
    for n in range(rounds):
        late = walk_to(new_case(SiteFactory(company=company), cast), State.SUBMITTED, cast)
        ApplicationVersion.objects.filter(application__enrollment=late).update(
            submitted_at=timezone.now() - dt.timedelta(days=60 + n)
        )
        late.application.planned_terminals = 25 + 10 * n
        late.application.save(update_fields=["planned_terminals"])


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "url"), OFFICE_PAGES)
def test_the_office_search_and_overview_use_a_fixed_number_of_queries(
    client, company, cast, everyone, who, url
):
    _grow_office(company, cast, 1)
    _count(client, everyone[who], url)  # warm the per-process caches first
    few = _count(client, everyone[who], url)
    _grow_office(company, cast, 3)
    many = _count(client, everyone[who], url)
    assert many == few, f"{url} as {who}: {few} queries with few cases, {many} with many"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["psa", "reviewer", "inspector"])
def test_the_inspection_list_uses_a_fixed_number_of_queries(client, company, cast, everyone, who):
    """/inspections/ (the open rounds) at two sizes: one open round, then three (#14)."""
    from dsg.inspections import services as insp

    def grow(rounds: int) -> None:
        for _ in range(rounds):
            case = walk_to(new_case(SiteFactory(company=company), cast), State.INSPECTION, cast)
            insp.inspection_open(subject=case, actor=cast.inspector)

    grow(1)
    few = _count(client, everyone[who], "/inspections/")
    grow(2)
    many = _count(client, everyone[who], "/inspections/")
    assert many == few, f"/inspections/ as {who}: {few} queries with few rounds, {many} with many"
    listed = client.get("/inspections/").content.decode().count('href="/inspections/')
    assert listed >= 3, f"/inspections/ as {who} lists the open rounds ({listed})"


# The office's queue and the search's 「次の対応者」 (#12/#14): counted and cut in the database
# (core.todos.TodoQueue, waiting_on_q), whatever the number of open items.
OFFICE_PAGES = [
    "/",
    "/office/queue/",
    "/office/queue/?who=inspector",
    "/office/queue/?sort=age&page=2",
    "/office/queue/?kind=application.review",
    "/office/cases/?waiting=company",
    "/office/cases/?waiting=office&step=1",
]


@pytest.mark.django_db
def test_the_offices_queue_and_waiting_filter_use_a_fixed_number_of_queries(
    client, company, cast, everyone
):
    _grow(company, cast, 1)
    urls = OFFICE_PAGES
    for url in urls:  # warm the per-process caches (the review's durations)
        _count(client, everyone["reviewer"], url)
    few = [_count(client, everyone["reviewer"], url) for url in urls]
    _grow(company, cast, 3)
    many = [_count(client, everyone["reviewer"], url) for url in urls]
    assert many == few, dict(zip(urls, zip(few, many, strict=True), strict=True))


def _grow_month_warnings(company, cast, cases: int) -> None:
    """Cases at ③ whose ④ and ⑤ dates fall in two months: each breaks the ④–⑦ rule."""
    import datetime as dt

    from dsg.core.calendar import business_day_on_or_after
    from dsg.provisioning.services import appointment_propose

    first = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    second = (first + dt.timedelta(days=32)).replace(day=1)
    for _ in range(cases):
        case = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast)
        for purpose, day in (("construction", first), ("router", second)):
            at = dt.datetime.combine(business_day_on_or_after(day), dt.time(10))
            appointment_propose(
                enrollment=case,
                actor=cast.staff,
                purpose=purpose,
                starts_at=timezone.make_aware(at),
            )


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/provider/month-warnings/"])
def test_the_providers_month_warnings_use_a_fixed_number_of_queries(
    client, company, cast, everyone, url
):
    """The provider's ④–⑦ warnings (#14): the dashboard's first ones and count, and the page of
    all of them, at two sizes."""
    _grow_month_warnings(company, cast, 1)
    few = _count(client, everyone["provider_staff"], url)
    _grow_month_warnings(company, cast, 3)
    many = _count(client, everyone["provider_staff"], url)
    assert many == few, f"{url}: {few} queries with one warning, {many} with four"
    assert client.get(url).content.decode().count("data-warning=") == 4
