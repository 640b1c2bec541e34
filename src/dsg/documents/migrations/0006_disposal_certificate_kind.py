"""A kind of document for the disposal certificate of a terminal (廃棄証明書, registry)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0005_folder_reports"),
    ]

    operations = [
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
                    ("inspection_checklist", "Inspection checklist filled in on paper (scanned)"),
                    ("disposal_certificate", "Disposal certificate (廃棄証明書)"),
                    ("notice", "Notice issued by the office"),
                    ("other", "Other"),
                ],
                max_length=32,
                verbose_name="kind",
            ),
        ),
    ]
