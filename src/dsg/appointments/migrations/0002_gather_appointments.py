"""Gather the two appointment tables into one: the provider's dates (③–⑥, keeping their ids, which
URLs and the API show) and the office's proposed dates for ② and ⑦ (subject: the inspection
round; a chosen date is confirmed, a date no longer offered is withdrawn, the company's request
for other dates is kept on the latest date it declined, and the day-before reminder mark moves to
the confirmed date). A request for other dates made while no date was offered (possible only
through the API) has no date to belong to and is not carried over.
"""

import datetime as dt

from django.core.management.color import no_style
from django.db import migrations

PROVIDER_FIELDS = (
    "purpose",
    "starts_at",
    "ends_at",
    "place",
    "notes",
    "state",
    "proposed_by_id",
    "proposed_at",
    "confirmed_by_id",
    "confirmed_at",
    "response_message",
    "closed_by_id",
    "closed_at",
)
STEP_PURPOSE = {2: "site_inspection", 7: "final_inspection"}


def _content_type(apps, app_label, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=app_label, model=model)[0]


def gather(apps, schema_editor):
    Appointment = apps.get_model("appointments", "Appointment")
    _copy_provider_dates(apps, Appointment)
    connection = schema_editor.connection
    with connection.cursor() as cursor:  # ids were given explicitly: move the sequence past them
        for statement in connection.ops.sequence_reset_sql(no_style(), [Appointment]):
            cursor.execute(statement)
    _copy_inspection_slots(apps, Appointment)


def _copy_provider_dates(apps, Appointment):
    ProvisioningAppointment = apps.get_model("provisioning", "ProvisioningAppointment")
    rows = ProvisioningAppointment.objects.select_related("enrollment__site", "holder")
    if not rows.exists():
        return
    case_type = _content_type(apps, "enrollment", "enrollment")
    Appointment.objects.bulk_create(
        Appointment(
            id=old.pk,
            company_id=old.enrollment.site.company_id,
            subject_type=case_type,
            subject_id=old.enrollment_id,
            person_id=old.holder.person_id if old.holder_id else None,
            mode=old.vein_method,
            **{field: getattr(old, field) for field in PROVIDER_FIELDS},
        )
        for old in rows.order_by("pk")
    )


def _copy_inspection_slots(apps, Appointment):
    Inspection = apps.get_model("inspections", "Inspection")
    AppointmentSlot = apps.get_model("inspections", "AppointmentSlot")
    User = apps.get_model("orgs", "User")
    if not AppointmentSlot.objects.exists():
        return
    inspection_type = _content_type(apps, "inspections", "inspection")
    office = User.objects.filter(organization__kind="office").order_by("pk").first()
    for inspection in Inspection.objects.select_related("enrollment__site").order_by("pk"):
        slots = list(AppointmentSlot.objects.filter(inspection=inspection).order_by("pk"))
        if not slots:
            continue
        declined = slots[-1] if inspection.slot_request and not inspection.scheduled_at else None
        Appointment.objects.bulk_create(
            _from_slot(Appointment, inspection, slot, declined, inspection_type, office)
            for slot in slots
        )


def _from_slot(Appointment, inspection, slot, declined, inspection_type, office):
    state = "confirmed" if slot.chosen else ("withdrawn" if slot.withdrawn else "proposed")
    if slot is declined:
        state = "other_date_requested"
    proposer = inspection.inspector_id or (office.pk if office else None)
    return Appointment(
        company_id=inspection.enrollment.site.company_id,
        subject_type=inspection_type,
        subject_id=inspection.pk,
        purpose=STEP_PURPOSE[inspection.step],
        starts_at=slot.starts_at,
        ends_at=slot.starts_at + dt.timedelta(hours=max(slot.hours, 1)),  # an end after the start
        state=state,
        proposed_by_id=proposer,
        proposed_at=inspection.created_at,
        response_message=inspection.slot_request if slot is declined else "",
        reminded_at=inspection.reminded_at if slot.chosen else None,
    )


def scatter(apps, schema_editor):
    """Back to the two tables: the provider's dates by id, the inspection dates as slots."""
    Appointment = apps.get_model("appointments", "Appointment")
    ProvisioningAppointment = apps.get_model("provisioning", "ProvisioningAppointment")
    AccountHolder = apps.get_model("provisioning", "AccountHolder")
    AppointmentSlot = apps.get_model("inspections", "AppointmentSlot")
    Inspection = apps.get_model("inspections", "Inspection")
    for new in Appointment.objects.filter(subject_type__model="enrollment").order_by("pk"):
        holder = AccountHolder.objects.filter(
            enrollment_id=new.subject_id, person_id=new.person_id
        ).first()
        ProvisioningAppointment.objects.create(
            id=new.pk,
            enrollment_id=new.subject_id,
            holder=holder,
            vein_method=new.mode,
            **{field: getattr(new, field) for field in PROVIDER_FIELDS},
        )
    for new in Appointment.objects.filter(subject_type__model="inspection").order_by("pk"):
        hours = max(1, round(((new.ends_at - new.starts_at).total_seconds()) / 3600))
        AppointmentSlot.objects.create(
            inspection_id=new.subject_id,
            starts_at=new.starts_at,
            hours=hours,
            chosen=new.state == "confirmed",
            withdrawn=new.state in ("withdrawn", "other_date_requested"),
        )
        changes = {}
        if new.state == "confirmed":
            changes = {"scheduled_at": new.starts_at, "reminded_at": new.reminded_at}
        if new.state == "other_date_requested":
            changes = {"slot_request": new.response_message}
        if changes:
            Inspection.objects.filter(pk=new.subject_id).update(**changes)


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0001_initial"),
        ("inspections", "0002_sample_checklist"),
        ("provisioning", "0002_appointments_media_accounts"),
        ("enrollment", "0004_application_company_address_and_more"),
    ]

    operations = [migrations.RunPython(gather, scatter)]
