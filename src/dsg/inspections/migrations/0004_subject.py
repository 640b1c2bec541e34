"""An inspection round belongs to a company and a subject (generic link) and is of a kind, instead
of belonging to an enrollment case at step 2 or 7: the case becomes the subject, step 2 the kind
"site" (現地確認) and step 7 the kind "final" (最終現地確認). Nothing is lost."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Case, F, OuterRef, Subquery, Value, When

KIND_OF_STEP = {2: "site", 7: "final"}


def case_to_subject(apps, schema_editor):
    Inspection = apps.get_model("inspections", "Inspection")
    Enrollment = apps.get_model("enrollment", "Enrollment")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Inspection.objects.exists():
        return
    case_type, _ = ContentType.objects.get_or_create(app_label="enrollment", model="enrollment")
    company = Enrollment.objects.filter(pk=OuterRef("enrollment_id")).values("site__company_id")
    # One update per row: on PostgreSQL a second update of a row in this transaction leaves
    # pending trigger events that make the AlterField below fail.
    Inspection.objects.update(
        company_id=Subquery(company[:1]),
        subject_type=case_type,
        subject_id=F("enrollment_id"),
        kind=Case(*(When(step=step, then=Value(kind)) for step, kind in KIND_OF_STEP.items())),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("enrollment", "0004_application_company_address_and_more"),
        ("inspections", "0003_appointments_gathered"),
        ("orgs", "0002_prefecture_outside_japan_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspection",
            name="company",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="inspections",
                to="orgs.organization",
                verbose_name="company",
            ),
        ),
        migrations.AddField(
            model_name="inspection",
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
            model_name="inspection",
            name="subject_id",
            field=models.PositiveBigIntegerField(null=True, verbose_name="subject"),
        ),
        migrations.AddField(
            model_name="inspection",
            name="kind",
            field=models.CharField(
                choices=[
                    ("site", "On-site inspection (現地確認)"),
                    ("final", "Final on-site inspection (最終現地確認)"),
                ],
                default="site",
                max_length=16,
                verbose_name="kind",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(case_to_subject),  # one way: restore a backup to go back
        migrations.AlterField(
            model_name="inspection",
            name="company",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="inspections",
                to="orgs.organization",
                verbose_name="company",
            ),
        ),
        migrations.AlterField(
            model_name="inspection",
            name="subject_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="kind of subject",
            ),
        ),
        migrations.AlterField(
            model_name="inspection",
            name="subject_id",
            field=models.PositiveBigIntegerField(verbose_name="subject"),
        ),
        migrations.RemoveConstraint(model_name="inspection", name="one_inspection_per_round"),
        migrations.RemoveConstraint(model_name="inspection", name="inspection_step"),
        migrations.RemoveField(model_name="inspection", name="enrollment"),
        migrations.RemoveField(model_name="inspection", name="step"),
        migrations.AlterModelOptions(
            name="inspection",
            options={
                "ordering": ["subject_type", "subject_id", "pk"],
                "verbose_name": "on-site inspection (現地確認)",
                "verbose_name_plural": "on-site inspections (現地確認)",
            },
        ),
        migrations.AddConstraint(
            model_name="inspection",
            constraint=models.UniqueConstraint(
                fields=("subject_type", "subject_id", "kind", "round"),
                name="one_round_per_subject_and_kind",
            ),
        ),
    ]
