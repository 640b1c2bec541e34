"""§3①: of several audit-result notices (監査結果通知書) the latest counts — the one with the latest
date printed on it, not the last uploaded. The date is asked for on the upload page and in the
API; a missing or future date is refused with a message and stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.documents import selectors, services
from dsg.documents.models import Document
from tests.factories import SiteFactory
from tests.walk import new_case

from . import files

R5, R6, R7 = dt.date(2023, 6, 30), dt.date(2024, 6, 28), dt.date(2025, 7, 1)


def audit(actor, case, dated_on, *, filename="監査結果.pdf"):
    return services.document_store(
        actor=actor,
        company=case.site.company,
        subject=case,
        kind="audit_result",
        filename=filename,
        data=files.pdf(1),
        dated_on=dated_on,
    )


def current_flags(case) -> dict[str, bool]:
    return dict(selectors.documents_of(case, "audit_result").values_list("filename", "is_current"))


def test_the_latest_date_counts_not_the_last_upload(case, psa):
    newest = audit(psa, case, R7, filename="R7.pdf")
    older = audit(psa, case, R5, filename="R5.pdf")  # uploaded later, dated earlier
    assert not older.is_current and newest.is_current
    assert selectors.current_audit_result(case) == newest
    assert current_flags(case) == {"R7.pdf": True, "R5.pdf": False}
    later = audit(psa, case, R6, filename="R6.pdf")
    assert not later.is_current and selectors.current_audit_result(case) == newest


def test_a_later_date_takes_over(case, psa):
    audit(psa, case, R5, filename="R5.pdf")
    newest = audit(psa, case, R6, filename="R6.pdf")
    assert newest.is_current and current_flags(case) == {"R5.pdf": False, "R6.pdf": True}


def test_of_two_with_the_same_date_the_later_upload_counts(case, psa):
    first = audit(psa, case, R6, filename="一.pdf")
    second = audit(psa, case, R6, filename="二.pdf")
    assert selectors.current_audit_result(case) == second
    assert current_flags(case) == {"一.pdf": False, "二.pdf": True}
    assert list(selectors.audit_results_latest_first(company_id=case.site.company_id)) == [
        second,
        first,
    ]


def test_the_company_list_puts_the_latest_date_first_across_its_cases(case, psa, cast):
    other_case = new_case(SiteFactory(company=case.site.company), cast, complete=False)
    old = audit(psa, case, R5)
    newest = audit(psa, other_case, R7)
    middle = audit(psa, case, R6)
    assert list(selectors.audit_results_latest_first(company_id=case.site.company_id)) == [
        newest,
        middle,
        old,
    ]


def test_one_stored_before_dates_were_asked_comes_after_every_dated_one(case, psa):
    """An audit result without a date (stored before this rule) never outranks a dated one."""
    undated = services._save(
        actor=psa,
        company=case.site.company,
        subject=case,
        kind="audit_result",
        filename="旧.pdf",
        data=files.pdf(1),
        content_type="application/pdf",
        password="",
    )
    assert undated.is_current  # alone, it counts
    dated = audit(psa, case, R5, filename="R5.pdf")
    assert dated.is_current and selectors.current_audit_result(case) == dated
    assert current_flags(case) == {"旧.pdf": False, "R5.pdf": True}


@pytest.mark.parametrize(
    ("dated_on", "code"),
    [
        (None, "dated_on_required"),
        (1, "dated_on_future"),
    ],
)
def test_a_missing_or_future_date_is_refused_and_stores_nothing(
    case, psa, footprint, dated_on, code
):
    if dated_on is not None:  # days from today, taken when the test runs (not at collection)
        dated_on = timezone.localdate() + dt.timedelta(days=dated_on)
    with pytest.raises(RuleViolation) as refusal:
        audit(psa, case, dated_on)
    assert refusal.value.code == code and refusal.value.field == "dated_on"
    assert refusal.value.status == 422 and str(refusal.value.message)
    assert footprint.unchanged()


def test_today_is_not_the_future(case, psa):
    assert audit(psa, case, timezone.localdate()).dated_on == timezone.localdate()


def test_the_ledger_records_the_date_on_the_notice(case, psa):
    document = audit(psa, case, R6)
    event = AuditEvent.objects.get(action="document.stored", object_id=str(document.pk))
    assert event.after["dated_on"] == "2024-06-28"


def test_other_kinds_carry_no_date(case, psa):
    layout = services.document_store(
        actor=psa,
        company=case.site.company,
        subject=case,
        kind="layout",
        filename="配置図.pdf",
        data=files.pdf(1),
        dated_on=R6,
    )
    assert layout.dated_on is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.filter(pk=layout.pk).update(dated_on=R6)


# --- the upload page ---------------------------------------------------------------------------


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def page_upload(client, case, dated_on: str):
    return client.post(
        f"/enrollments/{case.pk}/documents/",
        {
            "kind": "audit_result",
            "password": "",
            "dated_on": dated_on,
            "file": SimpleUploadedFile("監査結果.pdf", files.pdf(1)),
        },
    )


def test_the_folder_asks_for_the_date_and_shows_it(case, psa):
    client = page_client(psa)
    form = client.get(f"/enrollments/{case.pk}/documents/").content.decode()
    assert 'name="dated_on"' in form and 'type="date"' in form
    assert f'max="{timezone.localdate().isoformat()}"' in form
    assert page_upload(client, case, "2025-07-01").status_code == 303
    assert page_upload(client, case, "2023-06-30").status_code == 303
    assert [d.dated_on for d in Document.objects.order_by("pk")] == [R7, R5]
    html = client.get(f"/enrollments/{case.pk}/documents/").content.decode()
    assert 'data-dated-on="2025-07-01"' in html and "2025-07-01 (令和7年7月1日)" in html
    rows = [row for row in html.split("<tr")[1:] if 'data-kind="audit_result"' in row]
    [current] = [row for row in rows if "current (the one that counts)" in row]
    assert 'data-dated-on="2025-07-01"' in current  # the latest date, uploaded first


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter the date printed on the audit-result notice"),
        (3, "cannot be in the future"),
        ("2025-13-40", "Enter a valid date"),
    ],
)
def test_the_page_refuses_a_missing_future_or_bad_date_with_a_message(case, psa, value, message):
    if isinstance(value, int):  # days from today, taken when the test runs
        value = (timezone.localdate() + dt.timedelta(days=value)).isoformat()
    client = page_client(psa)
    response = page_upload(client, case, value)
    assert response.status_code == 303
    assert message in client.get(response["Location"]).content.decode()
    assert not Document.objects.exists()


# --- the API ----------------------------------------------------------------------------------


def api_upload(client, case, **fields):
    return client.post(
        f"/api/v1/enrollments/{case.pk}/documents",
        {"kind": "audit_result", **fields, "file": SimpleUploadedFile("監査.pdf", files.pdf(1))},
    )


def test_the_api_takes_the_date_and_returns_it(case, psa):
    client = page_client(psa)
    response = api_upload(client, case, dated_on="2024-06-28")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["dated_on"] == "2024-06-28" and body["is_current"] is True
    assert client.get(f"/api/v1/documents/{body['id']}").json()["dated_on"] == "2024-06-28"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({}, "dated_on_required"),
        ({"dated_on": 1}, "dated_on_future"),
    ],
)
def test_the_api_refuses_a_missing_or_future_date(case, psa, fields, code):
    if "dated_on" in fields:  # days from today, taken when the test runs
        fields = {"dated_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}
    response = api_upload(page_client(psa), case, **fields)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code and response.json()["detail"]
    assert not Document.objects.exists()


def test_the_api_refuses_a_date_that_is_not_one(case, psa):
    response = api_upload(page_client(psa), case, dated_on="yesterday")
    assert response.status_code == 422
    assert not Document.objects.exists()
