"""A connection test names the DSG account it was made with (the caller's key and the holder's
name); its portal user becomes optional (an account holder need not be one)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def names_of_the_testers(apps, schema_editor):
    ConnectionTest = apps.get_model("registry", "ConnectionTest")
    tests = ConnectionTest.objects.select_related("person").filter(tester_name="")
    for test in tests.filter(person__isnull=False):
        test.tester_name = (test.person.full_name or test.person.email)[:100]
        test.save(update_fields=["tester_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_site_registry"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="connectiontest",
            name="tester_key",
            field=models.CharField(
                blank=True, db_index=True, max_length=40, verbose_name="account of the tester"
            ),
        ),
        migrations.AddField(
            model_name="connectiontest",
            name="tester_name",
            field=models.CharField(blank=True, max_length=100, verbose_name="name of the tester"),
        ),
        migrations.AlterField(
            model_name="connectiontest",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="tested by",
            ),
        ),
        migrations.RunPython(names_of_the_testers, migrations.RunPython.noop),
    ]
