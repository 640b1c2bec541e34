"""A case that completed before terminals knew their 利用開始日: each standing terminal of its site
whose latest connection test passed is in use since the case's use_starts_on, as the completion
now records (registry.services.terminals_put_in_use)."""

from django.db import migrations
from django.db.models import OuterRef, Q, Subquery


def terminals_in_use(apps, schema_editor):
    Enrollment = apps.get_model("enrollment", "Enrollment")
    Terminal = apps.get_model("registry", "Terminal")
    ConnectionTest = apps.get_model("registry", "ConnectionTest")
    latest = ConnectionTest.objects.filter(terminal=OuterRef("pk")).order_by(
        "-tested_on", "-recorded_at", "-pk"
    )
    completed = Enrollment.objects.filter(state="completed", use_starts_on__isnull=False)
    for case in completed.order_by("use_starts_on", "pk"):
        Terminal.objects.filter(
            Q(disposal__isnull=True) | Q(disposal__state="recorded"),
            site_id=case.site_id,
            in_use_since__isnull=True,
        ).annotate(latest_passed=Subquery(latest.values("passed")[:1])).filter(
            latest_passed=True
        ).update(in_use_since=case.use_starts_on)


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0006_application_account_holders"),
        ("registry", "0005_media_software_catalogues"),
    ]

    operations = [migrations.RunPython(terminals_in_use, migrations.RunPython.noop)]
