"""The kinds of change the guideline names (§4①); the office may add others."""

from django.db import migrations

from dsg.requests.seed import kinds_seed


def add_kinds(apps, schema_editor):
    kinds_seed(apps.get_model("requests", "ChangeKind"))


class Migration(migrations.Migration):
    dependencies = [("requests", "0001_initial")]

    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
