"""A document belongs to a company and, optionally, to a subject (generic link) instead of an
enrollment case: the case becomes the subject of the documents filed for it, nothing is lost."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def case_to_subject(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    ContentType = apps.get_model("contenttypes", "ContentType")
    filed = Document.objects.filter(enrollment__isnull=False)
    if filed.exists():
        case_type, _ = ContentType.objects.get_or_create(app_label="enrollment", model="enrollment")
        filed.update(subject_type=case_type, subject_id=F("enrollment_id"))


def subject_to_case(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    ContentType = apps.get_model("contenttypes", "ContentType")
    case_type = ContentType.objects.filter(app_label="enrollment", model="enrollment").first()
    if case_type is not None:
        Document.objects.filter(subject_type=case_type).update(enrollment_id=F("subject_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("documents", "0001_initial"),
        ("enrollment", "0004_application_company_address_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="subject_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="kind of subject",
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="subject_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="subject"),
        ),
        migrations.RunPython(case_to_subject, subject_to_case),
        migrations.RemoveIndex(model_name="document", name="documents_d_enrollm_395e6f_idx"),
        migrations.RemoveField(model_name="document", name="enrollment"),
        migrations.AlterField(
            model_name="document",
            name="kind",
            field=models.CharField(
                choices=[
                    ("application", "Application form (加入申請書)"),
                    ("layout", "Layout diagram (レイアウト図)"),
                    ("audit_result", "Audit-result notice (結果通知書)"),
                    ("contract_evidence", "Evidence of contracts"),
                    ("facility_exception", "Approved exception under 特約条項 第9条第5項"),
                    ("requirement_evidence", "Evidence for a requirement (加入の要件)"),
                    ("request_form", "Request form (申請書, Excel)"),
                    ("remediation_evidence", "Evidence of remediation (改善措置)"),
                    ("inspection_photo", "Inspection photo"),
                    ("notice", "Notice issued by the office"),
                    ("other", "Other"),
                ],
                max_length=32,
                verbose_name="kind",
            ),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                fields=["subject_type", "subject_id", "kind"], name="document_subject_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["company", "kind"], name="document_company_kind_idx"),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=models.Q(subject_type__isnull=True, subject_id__isnull=True)
                | models.Q(subject_type__isnull=False, subject_id__isnull=False),
                name="document_subject_whole_or_none",
            ),
        ),
    ]
