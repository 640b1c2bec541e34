"""The 加入申請書 names its account holders (アカウント利用者). An application already saved starts
with its protection system administrator as the one holder, as a new application does."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

HOLDER_ROLES = ("psa", "delegate", "user")


def psa_as_first_holder(apps, schema_editor):
    Application = apps.get_model("enrollment", "Application")
    Holder = apps.get_model("enrollment", "ApplicationAccountHolder")
    User = apps.get_model("orgs", "User")
    for application in Application.objects.exclude(psa_email="").select_related(
        "enrollment__site"
    ):
        person = User.objects.filter(
            organization_id=application.enrollment.site.company_id,
            email__iexact=application.psa_email,
            role__in=HOLDER_ROLES,
        ).first()
        Holder.objects.create(
            application=application,
            position=0,
            name=application.psa_name or application.psa_email,
            department=application.psa_department,
            email=application.psa_email,
            person=person,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0005_use_starts_on"),
        ("orgs", "0002_prefecture_outside_japan_message"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ApplicationAccountHolder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "department",
                    models.CharField(blank=True, max_length=200, verbose_name="department"),
                ),
                ("email", models.EmailField(max_length=254, verbose_name="email address")),
                (
                    "application",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="account_holders",
                        to="enrollment.application",
                        verbose_name="application",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="portal user",
                    ),
                ),
            ],
            options={
                "verbose_name": "account holder (アカウント利用者)",
                "verbose_name_plural": "account holders (アカウント利用者)",
                "ordering": ["position", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("application", "email"), name="application_account_holder_once"
                    )
                ],
            },
        ),
        migrations.RunPython(psa_as_first_holder, migrations.RunPython.noop),
    ]
