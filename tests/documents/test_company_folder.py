"""The company's folder (申請書等格納フォルダ): a document with no case, Excel forms, subjects.

A document belongs to its company and, optionally, to a subject (the case it was filed for). The
folder takes an Excel workbook for the kinds that are Excel forms, checked by content like every
upload: a zip bomb, a macro workbook, XML entities or a password-protected (OLE) file are refused
and leave nothing behind.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import ProtectedError

from dsg.audit.models import AuditEvent
from dsg.core.errors import RuleViolation
from dsg.documents import selectors, services
from dsg.documents.models import Document, DocumentKind
from dsg.enrollment.models import Enrollment

from . import files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def store(actor, company, data, *, kind="request_form", subject=None, name="申請書.xlsx"):
    return services.document_store(
        actor=actor, company=company, subject=subject, kind=kind, filename=name, data=data
    )


def test_a_document_sits_in_the_company_folder_without_a_case(psa, company, footprint):
    document = store(psa, company, files.pdf(), kind="other", name="連絡.pdf")

    assert document.company == company
    assert document.subject is None and document.subject_type_id is None
    assert list(selectors.folder_for(psa, company)) == [document]
    assert services.document_read(document=document, actor=psa) == files.pdf()
    stored = AuditEvent.objects.get(action="document.stored", object_id=str(document.pk))
    assert stored.after["subject"] is None and stored.company_id == company.pk


def test_another_company_never_sees_the_folder(psa, company, other_psa, reviewer):
    document = store(psa, company, files.pdf(), kind="other")

    assert not selectors.folder_for(other_psa, company).exists()
    assert list(selectors.folder_for(reviewer, company)) == [document]


def test_an_excel_request_form_is_stored_as_a_workbook(psa, company, case):
    workbook = files.xlsx()
    document = store(psa, company, workbook, subject=case)

    assert document.content_type == XLSX and document.kind == DocumentKind.REQUEST_FORM
    assert document.subject == case
    assert list(selectors.documents_for(psa, case)) == [document]
    assert services.document_read(document=document, actor=psa) == workbook


def test_the_application_form_may_be_a_workbook_too(psa, company):
    assert store(psa, company, files.xlsx(), kind="application").content_type == XLSX


@pytest.mark.parametrize(
    ("build", "code"),
    [
        pytest.param(files.xlsm, "excel_macros", id="macros"),
        pytest.param(lambda: files.xlsx_zip_bomb(120), "excel_too_large_unpacked", id="zip-bomb"),
        pytest.param(files.xlsx_with_entity, "excel_xml_entities", id="xml-entity"),
        pytest.param(files.ole_file, "excel_ole", id="password-protected-or-xls"),
    ],
)
def test_a_dangerous_workbook_is_refused_and_leaves_nothing(psa, company, footprint, build, code):
    with pytest.raises(RuleViolation) as refusal:
        store(psa, company, build())
    assert refusal.value.code == code and refusal.value.status == 422
    assert footprint.unchanged()


def test_a_kind_that_must_be_a_pdf_refuses_a_workbook(psa, company, footprint):
    with pytest.raises(RuleViolation) as refusal:
        store(psa, company, files.xlsx(), kind="layout")
    assert refusal.value.code == "pdf_not_pdf"
    assert footprint.unchanged()


def test_a_subject_of_another_company_is_refused(psa, company, other_company, footprint):
    from tests.factories import SiteFactory

    foreign = Enrollment.objects.create(site=SiteFactory(company=other_company), created_by=psa)
    with pytest.raises(RuleViolation) as refusal:
        store(psa, company, files.xlsx(), subject=foreign)
    assert refusal.value.status == 422
    assert footprint.unchanged()


def test_a_case_with_documents_cannot_be_deleted(psa, company, case):
    store(psa, company, files.xlsx(), subject=case)

    with pytest.raises(ProtectedError), transaction.atomic():
        Enrollment.objects.filter(pk=case.pk).delete()
    assert Document.objects.filter(subject_id=case.pk).exists()
