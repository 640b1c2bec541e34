"""A notice is addressed to a company about a subject (generic link) instead of an enrollment case;
its PDF may be pending (rendered after the issuing transaction). Existing notices keep their case
as subject, their company and their signed PDF."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def case_to_subject(apps, schema_editor):
    Notice = apps.get_model("notices", "Notice")
    Enrollment = apps.get_model("enrollment", "Enrollment")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Notice.objects.exists():
        return
    case_type, _ = ContentType.objects.get_or_create(app_label="enrollment", model="enrollment")
    company = Enrollment.objects.filter(pk=OuterRef("enrollment_id")).values("site__company_id")
    Notice.objects.update(
        company_id=Subquery(company[:1]), subject_type=case_type, subject_id=F("enrollment_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("documents", "0002_subject"),
        ("enrollment", "0004_application_company_address_and_more"),
        ("notices", "0002_number_counter"),
        ("orgs", "0002_prefecture_outside_japan_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="company",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="notices",
                to="orgs.organization",
                verbose_name="company",
            ),
        ),
        migrations.AddField(
            model_name="notice",
            name="subject_type",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="kind of subject",
            ),
        ),
        migrations.AddField(
            model_name="notice",
            name="subject_id",
            field=models.PositiveBigIntegerField(null=True, verbose_name="subject"),
        ),
        migrations.RunPython(case_to_subject),  # one way: restore a backup to go back
        migrations.AlterField(
            model_name="notice",
            name="company",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="notices",
                to="orgs.organization",
                verbose_name="company",
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="subject_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="kind of subject",
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="subject_id",
            field=models.PositiveBigIntegerField(verbose_name="subject"),
        ),
        migrations.RemoveField(model_name="notice", name="enrollment"),
        migrations.AddField(
            model_name="notice",
            name="render_attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="failed renderings"),
        ),
        migrations.AddField(
            model_name="notice",
            name="render_error",
            field=models.TextField(blank=True, verbose_name="last rendering error"),
        ),
        migrations.AlterField(
            model_name="notice",
            name="document",
            field=models.OneToOneField(
                blank=True,
                help_text="Empty while the PDF is being rendered and signed.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="notice",
                to="documents.document",
                verbose_name="signed PDF",
            ),
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(fields=["subject_type", "subject_id"], name="notice_subject_idx"),
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(
                condition=models.Q(("document__isnull", True)),
                fields=["issued_at"],
                name="notice_pending_idx",
            ),
        ),
    ]
