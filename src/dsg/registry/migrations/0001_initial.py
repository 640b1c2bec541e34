"""The terminals and their connection tests move from provisioning to the site registry.

A state-only move: the tables stay as they are (still named provisioning_*) so that no row is
copied; 0002 renames them and makes the terminal the site's own.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("enrollment", "0004_application_company_address_and_more"),
        ("orgs", "0002_prefecture_outside_japan_message"),
        ("provisioning", "0003_appointments_gathered"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="Terminal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="terminal name")),
                ("model_name", models.CharField(max_length=100, verbose_name="model")),
                ("serial_number", models.CharField(max_length=100, verbose_name="serial number")),
                (
                    "registered_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="registered at"
                    ),
                ),
                (
                    "enrollment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="terminals",
                        to="enrollment.enrollment",
                        verbose_name="enrollment case",
                    ),
                ),
                (
                    "site",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="terminals",
                        to="orgs.site",
                        verbose_name="site (拠点)",
                    ),
                ),
            ],
            options={
                "verbose_name": "terminal (利用端末)",
                "verbose_name_plural": "terminals (利用端末)",
                "ordering": ["site", "name"],
                "db_table": "provisioning_terminal",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("site", "name"), name="terminal_name_unique_per_site"
                    ),
                    models.UniqueConstraint(
                        fields=("site", "serial_number"), name="terminal_serial_unique_per_site"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ConnectionTest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tested_on", models.DateField(verbose_name="tested on")),
                ("passed", models.BooleanField(verbose_name="passed")),
                ("note", models.TextField(blank=True, verbose_name="note")),
                (
                    "recorded_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="recorded at"
                    ),
                ),
                (
                    "holder",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="connection_tests",
                        to="provisioning.accountholder",
                        verbose_name="account holder",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
                    ),
                ),
                (
                    "terminal",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="connection_tests",
                        to="registry.terminal",
                        verbose_name="terminal",
                    ),
                ),
            ],
            options={
                "verbose_name": "connection test (接続テスト)",
                "verbose_name_plural": "connection tests (接続テスト)",
                "ordering": ["recorded_at", "pk"],
                "db_table": "provisioning_connectiontest",
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
    ]
