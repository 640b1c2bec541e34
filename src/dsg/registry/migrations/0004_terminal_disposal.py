"""The disposal of a terminal (基準 第6第6項第3号・第4号): method, date, who, its proof, who
confirmed it."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0004_dated_on"),
        ("registry", "0003_connection_test_tester"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TerminalDisposal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("physical_destruction", "Physical destruction (物理的破壊)"),
                            (
                                "erasure_software",
                                "Erasure with dedicated software (専用ソフトによる消去)",
                            ),
                            ("contractor", "Entrusted to a disposal contractor (業者への委託)"),
                            ("other", "Other (その他)"),
                        ],
                        max_length=32,
                        verbose_name="disposal method (廃棄方法)",
                    ),
                ),
                (
                    "method_other",
                    models.CharField(
                        blank=True,
                        max_length=200,
                        verbose_name="disposal method, described (その他の廃棄方法)",
                    ),
                ),
                ("disposed_on", models.DateField(verbose_name="disposed on (廃棄日)")),
                (
                    "performed_by",
                    models.CharField(max_length=100, verbose_name="disposed of by (廃棄作業者)"),
                ),
                (
                    "performed_by_company",
                    models.CharField(
                        max_length=200,
                        verbose_name="company or contractor that disposed of it (実施会社・委託業者)",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            (
                                "recorded",
                                "Disposal recorded, awaiting the office's confirmation (廃棄確認待ち)",
                            ),
                            ("confirmed", "Disposed (廃棄済)"),
                        ],
                        default="recorded",
                        max_length=16,
                        verbose_name="state",
                    ),
                ),
                (
                    "recorded_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="recorded at"
                    ),
                ),
                (
                    "confirmed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="confirmed at"),
                ),
                (
                    "certificate",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="documents.document",
                        verbose_name="disposal certificate or proof (廃棄証明書)",
                    ),
                ),
                (
                    "confirmed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="confirmed by (確認者)",
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
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="disposal",
                        to="registry.terminal",
                        verbose_name="terminal",
                    ),
                ),
            ],
            options={
                "verbose_name": "terminal disposal (利用端末の廃棄)",
                "verbose_name_plural": "terminal disposals (利用端末の廃棄)",
                "ordering": ["-recorded_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("confirmed_at__isnull", True),
                                ("confirmed_by__isnull", True),
                                ("state", "recorded"),
                            ),
                            models.Q(
                                ("confirmed_at__isnull", False),
                                ("confirmed_by__isnull", False),
                                ("state", "confirmed"),
                            ),
                            _connector="OR",
                        ),
                        name="terminal_disposal_confirmed_whole_or_none",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("method", "other"), ("method_other", ""), _negated=True
                        ),
                        name="terminal_disposal_other_method_described",
                    ),
                ],
            },
        ),
    ]
