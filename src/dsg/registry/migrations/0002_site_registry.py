"""The terminal becomes the site's own: its table is renamed, and instead of a case it names what
registered it (its origin: the case, at ⑥); a connection test names the person who tested
instead of the case's account holder. Nothing is lost: the origin is the terminal's case and the
person is the holder's person.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def from_the_case(apps, schema_editor):
    Terminal = apps.get_model("registry", "Terminal")
    ConnectionTest = apps.get_model("registry", "ConnectionTest")
    AccountHolder = apps.get_model("provisioning", "AccountHolder")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if Terminal.objects.exists():
        case_type, _ = ContentType.objects.get_or_create(app_label="enrollment", model="enrollment")
        Terminal.objects.update(origin_type=case_type, origin_id=F("enrollment_id"))
    person = AccountHolder.objects.filter(pk=OuterRef("holder_id")).values("person_id")
    ConnectionTest.objects.update(person_id=Subquery(person[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("registry", "0001_initial"),
        ("provisioning", "0004_terminals_to_registry"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelTable(name="terminal", table=None),
        migrations.AlterModelTable(name="connectiontest", table=None),
        migrations.AddField(
            model_name="terminal",
            name="origin_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="registered by (kind)",
            ),
        ),
        migrations.AddField(
            model_name="terminal",
            name="origin_id",
            field=models.PositiveBigIntegerField(
                blank=True, null=True, verbose_name="registered by"
            ),
        ),
        migrations.AddField(
            model_name="connectiontest",
            name="person",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="tested by",
            ),
        ),
        migrations.RunPython(from_the_case),  # one way: restore a backup to go back
        migrations.AlterField(
            model_name="connectiontest",
            name="person",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="tested by",
            ),
        ),
        migrations.RemoveField(model_name="connectiontest", name="holder"),
        migrations.RemoveField(model_name="terminal", name="enrollment"),
        migrations.AddIndex(
            model_name="terminal",
            index=models.Index(fields=["origin_type", "origin_id"], name="terminal_origin_idx"),
        ),
    ]
