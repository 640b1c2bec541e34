"""Load the sample checklist (marked as a sample the office edits) as version 1, published."""

from __future__ import annotations

from django.db import migrations


def load_sample(apps, schema_editor):
    from dsg.inspections.sample_checklist import sample_load

    sample_load(
        apps.get_model("inspections", "ChecklistTemplate"),
        apps.get_model("inspections", "ChecklistVersion"),
        apps.get_model("inspections", "ChecklistItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(load_sample, migrations.RunPython.noop)]
