"""The restructured data model takes the portal's existing data with it: nothing is lost.

After c8f99fa the enrollment case stopped owning documents, notices and inspection rounds (they
belong to a company and name a generic subject), the provider's dates
(``provisioning.ProvisioningAppointment``) and the office's proposed dates for ② and ⑦
(``inspections.AppointmentSlot``) were gathered into ``appointments.Appointment``, and terminals
and connection tests moved to the site registry (``dsg.registry``).

The test builds a small portal at the schema of c8f99fa with the historical models, migrates it to
the latest state and checks, with the latest historical models, that

* every document keeps its company and every column, and gets its case as subject (none when it
  was filed without a case);
* every notice keeps number, kind, snapshot, signed PDF and every column, and gets the case's
  company and the case as subject;
* every provider date keeps its id and every column (the account holder becomes the person, the
  vein registration method the mode), about the case, for the case's company;
* every proposed date of a round becomes an appointment about the round: ② → "site_inspection",
  ⑦ → "final_inspection"; chosen → confirmed, no longer offered → withdrawn, the latest date of a
  round whose company asked for other dates → other_date_requested with the request as message;
  ends_at = starts_at + hours; the round's reminder mark lands on the confirmed date only;
* every inspection round keeps round, outcome, every other column and its findings, and gets its
  kind ("site"/"final"), the case's company and the case as subject;
* terminals keep ids, names and serials and get their case as origin; connection tests keep their
  ids and get the account holder's person as the person who tested;
* an appointment made after the migration gets an id past every copied one (sequence reset);
* no row is lost or added: the same ids before and after (appointments: one per old date).

Three of the migrations are one way (notices 0003, inspections 0004 and registry 0002 say "restore
a backup to go back"), so the test database cannot be migrated backwards: the test drops every table
and migrates the empty database forward to the leaf nodes of c8f99fa instead. Whatever happens, it
leaves the database migrated to the latest state for the tests that run after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from types import SimpleNamespace
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from .factories import corporate_number

# The schema of c8f99fa, before the restructuring; the apps it added did not exist yet.
LEAVES_BEFORE_THE_REFACTOR = [
    ("orgs", "0002_prefecture_outside_japan_message"),
    ("audit", "0001_initial"),
    ("enrollment", "0004_application_company_address_and_more"),
    ("documents", "0001_initial"),
    ("inspections", "0002_sample_checklist"),
    ("notices", "0002_number_counter"),
    ("provisioning", "0002_appointments_media_accounts"),
    ("schedule", "0001_initial"),
    ("notifications", "0001_initial"),
]
APPS_ADDED_BY_THE_REFACTOR = [("appointments", None), ("registry", None)]

JST = ZoneInfo("Asia/Tokyo")


def at(day: int, hour: int) -> dt.datetime:
    """A time in April 2026, Tokyo."""
    return dt.datetime(2026, 4, day, hour, tzinfo=JST)


# The test database ---------------------------------------------------------------------------


def _drop_every_table() -> None:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    with connection.schema_editor() as editor:  # SQLite: foreign keys unchecked meanwhile
        for table in tables:
            editor.execute(editor.sql_delete_table % {"table": editor.quote_name(table)})


def _migrate_an_empty_database_to(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    _drop_every_table()
    ContentType.objects.clear_cache()  # the ids of the content types start again
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # read what is applied now
    return executor


def _leave_the_database_at_the_latest_state() -> None:
    """After a failure half-way, start again from an empty database: the later tests need it."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    if executor.migration_plan(latest):
        _migrate_an_empty_database_to(latest)
    ContentType.objects.clear_cache()


def _rows(apps: Any, label: str) -> dict[int, dict[str, Any]]:
    """Every row of a historical model by id, column by column (binary data as bytes)."""
    model = apps.get_model(*label.split("."))
    return {
        row["id"]: {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()}
        for row in model.objects.values()
    }


def _assert_kept(before: dict, after: dict, *, replaced: Collection[str] = ()) -> None:
    """The same ids, and every column the migration did not replace holds the same value."""
    assert sorted(after) == sorted(before)
    for pk, old in before.items():
        kept = {name: value for name, value in old.items() if name not in replaced}
        assert {name: after[pk][name] for name in kept} == kept, f"row {pk}"


def _subject(row: dict[str, Any], prefix: str = "subject") -> tuple[int | None, int | None]:
    return row[f"{prefix}_type_id"], row[f"{prefix}_id"]


# The portal before the refactor ---------------------------------------------------------------


def _build_the_portal_before_the_refactor(apps: Any) -> SimpleNamespace:
    """Two companies' cases with what each step leaves behind, in the tables of c8f99fa."""
    Organization = apps.get_model("orgs", "Organization")
    User = apps.get_model("orgs", "User")
    Site = apps.get_model("orgs", "Site")
    Enrollment = apps.get_model("enrollment", "Enrollment")
    Notice = apps.get_model("notices", "Notice")
    p = SimpleNamespace()

    p.company = Organization.objects.create(
        kind="company", name="Kanto Precision", corporate_number=corporate_number(700000001)
    )
    p.other_company = Organization.objects.create(
        kind="company", name="Tohoku Optics", corporate_number=corporate_number(700000002)
    )
    office = Organization.objects.create(kind="office", name="Information Systems Office")
    provider = Organization.objects.create(kind="provider", name="Line Provider")

    def person(org: Any, role: str, name: str) -> Any:
        return User.objects.create(
            email=f"{name}@example.jp", full_name=name, organization=org, role=role
        )

    p.psa = person(p.company, "psa", "psa")
    p.delegate = person(p.company, "delegate", "delegate")
    p.other_psa = person(p.other_company, "psa", "other-psa")
    p.reviewer = person(office, "reviewer", "reviewer")  # the office's first member
    p.inspector = person(office, "inspector", "inspector")
    p.staff = person(provider, "provider_staff", "staff")

    def site(company: Any, name: str) -> Any:
        return Site.objects.create(
            company=company, name=name, postal_code="100-0001", prefecture="13", address="千代田1"
        )

    kanto = site(p.company, "Head office")
    p.done_case = Enrollment.objects.create(site=kanto, state="completed", created_by=p.psa)
    p.setup_case = Enrollment.objects.create(site=kanto, state="terminal_setup", created_by=p.psa)
    p.other_case = Enrollment.objects.create(
        site=site(p.other_company, "Sendai"), state="inspection", created_by=p.other_psa
    )

    p.documents = _file_documents(apps, p)
    Notice.objects.create(
        enrollment=p.done_case,
        kind="completion",
        number="DSG-2026-000042",
        issued_at=at(30, 15),
        issued_by=p.reviewer,
        snapshot={"company": "Kanto Precision", "site": "Head office", "on": "2026-04-30"},
        document=p.documents.completion_notice,
    )
    p.rounds = _hold_inspection_rounds(apps, p)
    p.holders = _provision(apps, p, kanto)
    return p


def _file_documents(apps: Any, p: SimpleNamespace) -> SimpleNamespace:
    Document = apps.get_model("documents", "Document")

    def document(company: Any, case: Any, kind: str, name: str, **more: Any) -> Any:
        return Document.objects.create(
            company=company,
            enrollment=case,
            kind=kind,
            filename=name,
            content_type="application/pdf",
            size=1024,
            sha256="ab" * 32,
            storage_key=f"key-{name}",
            uploaded_by=p.psa,
            uploaded_at=at(1, 9),
            **more,
        )

    return SimpleNamespace(
        application=document(p.company, p.done_case, "application", "application.pdf"),
        completion_notice=document(p.company, p.done_case, "notice", "completion.pdf"),
        audit_result=document(p.company, p.setup_case, "audit_result", "audit.pdf"),
        without_a_case=document(
            p.company,
            None,
            "other",
            "company-letter.pdf",
            password_protected=True,
            encrypted_password=b"\x00sealed\xff",
            is_current=False,
        ),
        other_companys_layout=document(p.other_company, p.other_case, "layout", "layout.pdf"),
    )


def _hold_inspection_rounds(apps: Any, p: SimpleNamespace) -> SimpleNamespace:
    """② and ⑦ of the completed case, ② deemed done by an audit result, ② asking other dates."""
    Inspection = apps.get_model("inspections", "Inspection")
    Slot = apps.get_model("inspections", "AppointmentSlot")
    Finding = apps.get_model("inspections", "Finding")
    item = apps.get_model("inspections", "ChecklistItem").objects.order_by("pk").first()

    site_inspection = Inspection.objects.create(
        enrollment=p.done_case,
        step=2,
        round=1,
        checklist_version=item.version,
        status="finished",
        outcome="remediation_required",
        scheduled_at=at(13, 9),
        entry_notes="Report to the east gate; bring an ID card.",
        performed_on=dt.date(2026, 4, 13),
        inspector=p.inspector,
        finished_at=at(13, 12),
        decision="accepted",
        decided_by=p.reviewer,
        decided_at=at(17, 10),
        reminded_at=at(12, 18),
        created_at=at(1, 10),
    )
    # The first offer was withdrawn; of the second, the company chose one date.
    Slot.objects.create(inspection=site_inspection, starts_at=at(6, 10), withdrawn=True)
    Slot.objects.create(inspection=site_inspection, starts_at=at(13, 9), hours=2, chosen=True)
    Slot.objects.create(inspection=site_inspection, starts_at=at(14, 9))
    Finding.objects.create(
        inspection=site_inspection,
        item=item,
        order=1,
        result="nonconforming",
        note="The server room door was not locked.",
        due_on=dt.date(2026, 5, 13),
        recorded_by=p.inspector,
        recorded_at=at(13, 11),
    )

    final_inspection = Inspection.objects.create(
        enrollment=p.done_case,
        step=7,
        round=1,
        status="finished",
        outcome="passed",
        scheduled_at=at(28, 14),
        inspector=p.inspector,
        created_at=at(20, 10),
    )
    Slot.objects.create(inspection=final_inspection, starts_at=at(28, 14), hours=4, chosen=True)

    deemed_by_audit = Inspection.objects.create(
        enrollment=p.setup_case,
        step=2,
        round=1,
        status="finished",
        outcome="deemed_by_audit",
        audit_document=p.documents.audit_result,
        created_at=at(2, 10),
    )

    other_dates_asked = Inspection.objects.create(  # no inspector yet: the office proposed
        enrollment=p.other_case,
        step=2,
        round=1,
        slot_request="Any morning in the week of 27 April, please.",
        created_at=at(3, 10),
    )
    Slot.objects.create(inspection=other_dates_asked, starts_at=at(20, 10), withdrawn=True)
    Slot.objects.create(inspection=other_dates_asked, starts_at=at(21, 10), withdrawn=True)

    return SimpleNamespace(
        site_inspection=site_inspection,
        final_inspection=final_inspection,
        deemed_by_audit=deemed_by_audit,
        other_dates_asked=other_dates_asked,
    )


def _provision(apps: Any, p: SimpleNamespace, kanto: Any) -> SimpleNamespace:
    """The provider's dates (ids 7, 9 and 12), account holders, terminals and their tests."""
    AccountHolder = apps.get_model("provisioning", "AccountHolder")
    ProvisioningAppointment = apps.get_model("provisioning", "ProvisioningAppointment")
    Terminal = apps.get_model("provisioning", "Terminal")
    ConnectionTest = apps.get_model("provisioning", "ConnectionTest")

    psa_holder = AccountHolder.objects.create(
        enrollment=p.done_case, person=p.psa, vein_method="remote", added_at=at(22, 9)
    )
    delegate_holder = AccountHolder.objects.create(
        enrollment=p.setup_case, person=p.delegate, vein_method="shinjuku", added_at=at(23, 9)
    )

    ProvisioningAppointment.objects.create(
        id=7,
        enrollment=p.done_case,
        purpose="survey",
        starts_at=at(15, 13),
        ends_at=at(15, 15),
        place="Head office, 3F",
        notes="Bring the floor plan.",
        state="done",
        proposed_by=p.staff,
        proposed_at=at(8, 9),
        confirmed_by=p.psa,
        confirmed_at=at(9, 9),
        closed_by=p.staff,
        closed_at=at(15, 16),
    )
    ProvisioningAppointment.objects.create(
        id=9,
        enrollment=p.done_case,
        purpose="construction",
        starts_at=at(18, 9),
        state="cancelled",
        proposed_by=p.staff,
        proposed_at=at(10, 9),
        closed_by=p.staff,
        closed_at=at(11, 9),
    )
    ProvisioningAppointment.objects.create(
        id=12,
        enrollment=p.setup_case,
        purpose="vein_registration",
        holder=delegate_holder,
        vein_method="shinjuku",
        starts_at=at(24, 10),
        ends_at=at(24, 11),
        state="other_date_requested",
        proposed_by=p.staff,
        proposed_at=at(23, 10),
        response_message="The delegate is away that week.",
    )

    first = Terminal.objects.create(
        site=kanto, enrollment=p.done_case, name="PC-01", model_name="X1", serial_number="SN-001"
    )
    second = Terminal.objects.create(
        site=kanto, enrollment=p.setup_case, name="PC-02", model_name="X1", serial_number="SN-002"
    )
    ConnectionTest.objects.create(
        terminal=first, holder=psa_holder, tested_on=dt.date(2026, 4, 25), passed=True,
        recorded_by=p.staff, recorded_at=at(25, 11),
    )  # fmt: skip
    ConnectionTest.objects.create(
        terminal=second, holder=delegate_holder, tested_on=dt.date(2026, 4, 26), passed=False,
        note="The vein reader was not recognised.", recorded_by=p.staff, recorded_at=at(26, 11),
    )  # fmt: skip
    return SimpleNamespace(psa=psa_holder, delegate=delegate_holder)


# What the migration must have made of it -------------------------------------------------------


class ProposedDate(NamedTuple):
    starts_at: dt.datetime
    ends_at: dt.datetime
    purpose: str
    state: str
    response_message: str
    reminded_at: dt.datetime | None


def _dates_about(appointments: dict, inspection_type: int, inspection: Any) -> list[ProposedDate]:
    return sorted(
        ProposedDate(
            row["starts_at"],
            row["ends_at"],
            row["purpose"],
            row["state"],
            row["response_message"],
            row["reminded_at"],
        )
        for row in appointments.values()
        if _subject(row) == (inspection_type, inspection.pk)
    )


def _check_documents(before: dict, apps: Any, case_type: int, p: SimpleNamespace) -> None:
    documents = _rows(apps, "documents.Document")
    _assert_kept(before["documents.Document"], documents, replaced={"enrollment_id"})
    for pk, old in before["documents.Document"].items():
        case = old["enrollment_id"]
        assert _subject(documents[pk]) == ((case_type, case) if case else (None, None))
    assert _subject(documents[p.documents.without_a_case.pk]) == (None, None)
    assert _subject(documents[p.documents.other_companys_layout.pk]) == (case_type, p.other_case.pk)


def _check_notices(before: dict, apps: Any, case_type: int, p: SimpleNamespace) -> None:
    notices = _rows(apps, "notices.Notice")
    _assert_kept(before["notices.Notice"], notices, replaced={"enrollment_id"})
    (notice,) = notices.values()
    assert notice["number"] == "DSG-2026-000042"
    assert notice["kind"] == "completion"
    assert notice["snapshot"]["on"] == "2026-04-30"
    assert notice["document_id"] == p.documents.completion_notice.pk
    assert notice["company_id"] == p.company.pk
    assert _subject(notice) == (case_type, p.done_case.pk)
    assert (notice["render_attempts"], notice["render_error"]) == (0, "")


def _check_provider_dates(
    before: dict, appointments: dict, case_type: int, p: SimpleNamespace
) -> None:
    provider_dates = before["provisioning.ProvisioningAppointment"]
    assert sorted(provider_dates) == [7, 9, 12]
    _assert_kept(
        provider_dates,
        {pk: appointments[pk] for pk in provider_dates},
        replaced={"enrollment_id", "holder_id", "vein_method"},
    )
    person_of_holder = {p.holders.psa.pk: p.psa.pk, p.holders.delegate.pk: p.delegate.pk}
    for pk, old in provider_dates.items():
        new = appointments[pk]
        assert new["company_id"] == p.company.pk
        assert _subject(new) == (case_type, old["enrollment_id"])
        assert new["person_id"] == person_of_holder.get(old["holder_id"])
        assert new["mode"] == old["vein_method"]
        assert new["reminded_at"] is None
    assert appointments[12]["person_id"] == p.delegate.pk
    assert appointments[12]["mode"] == "shinjuku"
    assert appointments[12]["response_message"] == "The delegate is away that week."


def _check_proposed_dates(appointments: dict, inspection_type: int, p: SimpleNamespace) -> None:
    rounds = p.rounds
    assert _dates_about(appointments, inspection_type, rounds.site_inspection) == [
        ProposedDate(at(6, 10), at(6, 13), "site_inspection", "withdrawn", "", None),
        ProposedDate(at(13, 9), at(13, 11), "site_inspection", "confirmed", "", at(12, 18)),
        ProposedDate(at(14, 9), at(14, 12), "site_inspection", "proposed", "", None),
    ]
    assert _dates_about(appointments, inspection_type, rounds.final_inspection) == [
        ProposedDate(at(28, 14), at(28, 18), "final_inspection", "confirmed", "", None),
    ]
    assert _dates_about(appointments, inspection_type, rounds.deemed_by_audit) == []
    asked = "Any morning in the week of 27 April, please."
    assert _dates_about(appointments, inspection_type, rounds.other_dates_asked) == [
        ProposedDate(at(20, 10), at(20, 13), "site_inspection", "withdrawn", "", None),
        ProposedDate(
            at(21, 10), at(21, 13), "site_inspection", "other_date_requested", asked, None
        ),
    ]

    who_proposed = {  # the round's inspector; without one, the office's first member
        rounds.site_inspection.pk: (p.company.pk, p.inspector.pk, at(1, 10)),
        rounds.final_inspection.pk: (p.company.pk, p.inspector.pk, at(20, 10)),
        rounds.other_dates_asked.pk: (p.other_company.pk, p.reviewer.pk, at(3, 10)),
    }
    for row in appointments.values():
        if row["subject_type_id"] == inspection_type:
            assert (row["company_id"], row["proposed_by_id"], row["proposed_at"]) == (
                who_proposed[row["subject_id"]]
            )
            assert row["person_id"] is None
            assert (row["mode"], row["place"], row["notes"]) == ("", "", "")


def _check_inspections(before: dict, apps: Any, case_type: int, p: SimpleNamespace) -> None:
    inspections = _rows(apps, "inspections.Inspection")
    _assert_kept(
        before["inspections.Inspection"],
        inspections,
        replaced={"enrollment_id", "step", "scheduled_at", "slot_request", "reminded_at"},
    )
    company_of_case = {
        p.done_case.pk: p.company.pk,
        p.setup_case.pk: p.company.pk,
        p.other_case.pk: p.other_company.pk,
    }
    for pk, old in before["inspections.Inspection"].items():
        new = inspections[pk]
        assert new["kind"] == {2: "site", 7: "final"}[old["step"]]
        assert new["company_id"] == company_of_case[old["enrollment_id"]]
        assert _subject(new) == (case_type, old["enrollment_id"])
    site_inspection = inspections[p.rounds.site_inspection.pk]
    assert (site_inspection["round"], site_inspection["outcome"]) == (1, "remediation_required")
    assert inspections[p.rounds.final_inspection.pk]["kind"] == "final"
    assert inspections[p.rounds.deemed_by_audit.pk]["audit_document_id"] == (
        p.documents.audit_result.pk
    )
    _assert_kept(before["inspections.Finding"], _rows(apps, "inspections.Finding"))


def _check_site_registry(before: dict, apps: Any, case_type: int, p: SimpleNamespace) -> None:
    terminals = _rows(apps, "registry.Terminal")
    _assert_kept(before["provisioning.Terminal"], terminals, replaced={"enrollment_id"})
    for pk, old in before["provisioning.Terminal"].items():
        assert _subject(terminals[pk], "origin") == (case_type, old["enrollment_id"])
    assert sorted((t["name"], t["serial_number"]) for t in terminals.values()) == [
        ("PC-01", "SN-001"),
        ("PC-02", "SN-002"),
    ]

    tests = _rows(apps, "registry.ConnectionTest")
    _assert_kept(before["provisioning.ConnectionTest"], tests, replaced={"holder_id"})
    person_of_holder = {p.holders.psa.pk: p.psa.pk, p.holders.delegate.pk: p.delegate.pk}
    for pk, old in before["provisioning.ConnectionTest"].items():
        assert tests[pk]["person_id"] == person_of_holder[old["holder_id"]]
    _assert_kept(before["provisioning.AccountHolder"], _rows(apps, "provisioning.AccountHolder"))


def _check_the_sequence_was_reset(apps: Any, appointments: dict, p: SimpleNamespace) -> None:
    """The provider's ids were given explicitly: the next appointment gets an id past them all."""
    Appointment = apps.get_model("appointments", "Appointment")
    case_type = apps.get_model("contenttypes", "ContentType").objects.get(
        app_label="enrollment", model="enrollment"
    )
    later = Appointment.objects.create(
        company_id=p.company.pk,
        subject_type=case_type,
        subject_id=p.setup_case.pk,
        purpose="vein_registration",
        starts_at=at(29, 10),
        proposed_by_id=p.staff.pk,
    )
    assert later.pk > max(appointments)


# The test ---------------------------------------------------------------------------------------

BEFORE = [
    "documents.Document",
    "notices.Notice",
    "inspections.Inspection",
    "inspections.Finding",
    "inspections.AppointmentSlot",
    "provisioning.ProvisioningAppointment",
    "provisioning.AccountHolder",
    "provisioning.Terminal",
    "provisioning.ConnectionTest",
]


@pytest.mark.django_db(transaction=True)
def test_the_restructuring_migrations_keep_every_row():
    try:
        executor = _migrate_an_empty_database_to(
            LEAVES_BEFORE_THE_REFACTOR + APPS_ADDED_BY_THE_REFACTOR
        )
        old = executor.loader.project_state(LEAVES_BEFORE_THE_REFACTOR).apps
        portal = _build_the_portal_before_the_refactor(old)
        before = {label: _rows(old, label) for label in BEFORE}
        assert all(before.values()), "every old table has rows to move"

        latest = executor.loader.graph.leaf_nodes()
        executor.migrate(latest)
        executor.loader.build_graph()
        new = executor.loader.project_state(latest).apps

        ContentTypes = new.get_model("contenttypes", "ContentType").objects
        case_type = ContentTypes.get(app_label="enrollment", model="enrollment").pk
        inspection_type = ContentTypes.get(app_label="inspections", model="inspection").pk
        appointments = _rows(new, "appointments.Appointment")
        assert len(appointments) == len(before["provisioning.ProvisioningAppointment"]) + len(
            before["inspections.AppointmentSlot"]
        )

        _check_documents(before, new, case_type, portal)
        _check_notices(before, new, case_type, portal)
        _check_provider_dates(before, appointments, case_type, portal)
        _check_proposed_dates(appointments, inspection_type, portal)
        _check_inspections(before, new, case_type, portal)
        _check_site_registry(before, new, case_type, portal)
        _check_the_sequence_was_reset(new, appointments, portal)
    finally:
        _leave_the_database_at_the_latest_state()
