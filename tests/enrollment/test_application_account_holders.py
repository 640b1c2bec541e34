"""The 加入申請書 names its account holders (アカウント利用者): the PSA and the persons they
designate, each with name, department and email, linked to the company's portal user of that
email. They are submitted and frozen with the version like every other part."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.enrollment.excel import SHEET, application_import, application_workbook
from dsg.enrollment.models import Application, ApplicationAccountHolder, ApplicationVersion
from dsg.enrollment.parts import application_tasks
from dsg.enrollment.services import application_update
from dsg.orgs.models import Role

from ..factories import SiteFactory, UserFactory
from ..walk import act, new_case

pytestmark = pytest.mark.django_db


def holders_of(enrollment) -> list[tuple]:
    return list(
        ApplicationAccountHolder.objects.filter(application__enrollment=enrollment).values_list(
            "name", "department", "email", "person"
        )
    )


def save(enrollment, actor, rows):
    return application_update(enrollment=enrollment, actor=actor, data={"account_holders": rows})


def test_a_new_application_names_its_psa_as_the_first_account_holder(site, cast):
    case = new_case(site, cast, complete=False)
    assert holders_of(case) == [(cast.psa.full_name, "", cast.psa.email, cast.psa.pk)]
    tasks = {t.part.key: t for t in application_tasks(Application.objects.get(enrollment=case))}
    assert tasks["account_holders"].status == "complete"


def test_without_any_account_holder_the_application_is_not_complete(site, cast):
    case = new_case(site, cast)
    save(case, cast.psa, [])
    tasks = {t.part.key: t for t in application_tasks(Application.objects.get(enrollment=case))}
    assert tasks["account_holders"].status == "incomplete"
    assert tasks["account_holders"].missing_keys == ["account_holders"]
    with pytest.raises(RuleViolation) as refusal:
        act(case, "submit", cast.psa)
    assert refusal.value.code == "application_incomplete"
    assert "アカウント利用者" in str(refusal.value.message)


def test_holders_are_linked_to_the_companys_portal_users_by_email(site, cast, other_psa):
    case = new_case(site, cast)
    user = UserFactory(organization=site.company, role=Role.USER)
    save(
        case,
        cast.psa,
        [
            {"name": " 管理 一郎 ", "department": "情報部", "email": cast.psa.email.upper()},
            {"name": "指定 次郎", "email": cast.delegate.email},
            {"name": "利用 三郎", "email": user.email},
            {"name": "他社 四郎", "email": other_psa.email},  # another company's: no link
            {"name": "外部 五郎", "department": "工場", "email": "goro@example.jp"},
        ],
    )
    assert holders_of(case) == [
        ("管理 一郎", "情報部", cast.psa.email.upper(), cast.psa.pk),
        ("指定 次郎", "", cast.delegate.email, cast.delegate.pk),
        ("利用 三郎", "", user.email, user.pk),
        ("他社 四郎", "", other_psa.email, None),
        ("外部 五郎", "工場", "goro@example.jp", None),
    ]
    event = AuditEvent.objects.filter(action="application.update").latest("sequence")
    assert len(event.after["account_holders"]) == 5


@pytest.mark.parametrize(
    ("rows", "code", "field"),
    [
        ([{"name": "", "email": "a@x.jp"}], "invalid", "account_holders.0.name"),
        ([{"name": "A", "email": "not-an-email"}], "invalid", "account_holders.0.email"),
        (
            [{"name": "A", "email": "a@x.jp"}, {"name": "B", "email": "A@X.JP"}],
            "duplicate_holder",
            "account_holders.1.email",
        ),
        ([{"name": f"N{i}", "email": f"n{i}@x.jp"} for i in range(21)], "invalid", None),
    ],
)
def test_bad_holders_are_refused_and_nothing_changes(site, cast, rows, code, field):
    case = new_case(site, cast)
    before = holders_of(case)
    with pytest.raises(RuleViolation) as refusal:
        save(case, cast.psa, rows)
    assert (refusal.value.status, refusal.value.code) == (422, code)
    assert refusal.value.field == (field or "account_holders")
    assert holders_of(case) == before


def test_the_holders_are_frozen_with_the_submitted_version(site, cast, client):
    case = new_case(site, cast)
    save(case, cast.psa, [{"name": "管理 一郎", "department": "情報部", "email": cast.psa.email}])
    act(case, "submit", cast.psa)
    act(case, "return_for_correction", cast.reviewer, comment="利用者を追加してください")
    save(
        case,
        cast.psa,
        [
            {"name": "管理 一郎", "department": "情報部", "email": cast.psa.email},
            {"name": "指定 次郎", "department": "設計部", "email": cast.delegate.email},
        ],
    )
    act(case, "submit", cast.psa)
    first, second = ApplicationVersion.objects.filter(application__enrollment=case)
    assert [h["email"] for h in first.snapshot["account_holders"]] == [cast.psa.email]
    assert [h["person"] for h in second.snapshot["account_holders"]] == [
        cast.psa.pk,
        cast.delegate.pk,
    ]
    with pytest.raises(RuleViolation) as refusal:  # under review: no change
        save(case, cast.psa, [])
    assert refusal.value.code == "wrong_state"
    client.force_login(cast.reviewer)
    page = client.get(f"/application-versions/{second.pk}/").content.decode()
    assert "指定 次郎" in page and "設計部" in page
    compare = client.get(f"/enrollments/{case.pk}/application/compare/?a=1&b=2").content.decode()
    assert "指定 次郎" in compare


def test_the_part_page_saves_the_holders(client, site, cast):
    case = new_case(site, cast)
    client.force_login(cast.psa)
    url = f"/enrollments/{case.pk}/application/account_holders/"
    page = client.get(url).content.decode()
    assert "data-holders" in page and cast.psa.email in page
    form = {
        "holder-TOTAL_FORMS": "3",
        "holder-INITIAL_FORMS": "0",
        "holder-0-name": "管理 一郎",
        "holder-0-department": "情報部",
        "holder-0-email": cast.psa.email,
        "holder-1-name": "指定 次郎",
        "holder-1-email": cast.delegate.email,
        "holder-2-name": "",
        "holder-2-email": "",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    assert [h[2] for h in holders_of(case)] == [cast.psa.email, cast.delegate.email]
    form["holder-1-email"] = "broken"
    page = client.post(url, form).content.decode()
    assert "field--error" in page and len(holders_of(case)) == 2
    client.force_login(cast.delegate)  # reads, never edits
    page = client.get(url).content.decode()
    assert "指定 次郎" in page and 'name="holder-0-name"' not in page


def test_the_holders_go_through_the_api(client, site, cast):
    case = new_case(site, cast)
    client.force_login(cast.psa)
    url = f"/api/v1/enrollments/{case.pk}/application"
    response = client.patch(
        url,
        {"account_holders": [{"name": "外部 五郎", "email": "goro@example.jp"}]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["account_holders"] == [
        {"name": "外部 五郎", "department": "", "email": "goro@example.jp"}
    ]
    untouched = client.patch(url, {"site_name": "別名"}, content_type="application/json")
    assert len(untouched.json()["account_holders"]) == 1  # absent: the list is kept


def test_the_workbook_carries_the_holders_there_and_back(site, cast, other_psa):
    case = new_case(site, cast)
    rows = [
        {"name": "管理 一郎", "department": "情報部", "email": cast.psa.email},
        {"name": "外部 五郎", "department": "", "email": "goro@example.jp"},
    ]
    save(case, cast.psa, rows)
    data = application_workbook(enrollment=case)
    sheet = load_workbook(io.BytesIO(data))[SHEET]
    keys = [row[3].value for row in sheet.iter_rows() if row[3].value]
    assert "holder.1.email" in keys and "holder.4.name" in keys  # two named, two empty rows
    other = new_case(SiteFactory(company=site.company), cast)
    save(other, cast.psa, [])
    application_import(enrollment=other, actor=cast.psa, data=data)
    assert [h[:3] for h in holders_of(other)] == [
        (r["name"], r["department"], r["email"]) for r in rows
    ]
