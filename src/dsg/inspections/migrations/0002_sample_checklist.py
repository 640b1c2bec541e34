"""Load the sample checklist (marked as a sample the office edits) as version 1, published."""

from __future__ import annotations

from django.db import migrations
from django.utils import timezone


def load_sample(apps, schema_editor):  # type: ignore[no-untyped-def]
    from dsg.inspections.sample_checklist import SAMPLE_ITEMS, SAMPLE_NAME

    template_model = apps.get_model("inspections", "ChecklistTemplate")
    version_model = apps.get_model("inspections", "ChecklistVersion")
    item_model = apps.get_model("inspections", "ChecklistItem")
    if template_model.objects.filter(is_sample=True).exists():
        return
    template = template_model.objects.create(name=SAMPLE_NAME, is_sample=True, is_default=True)
    version = version_model.objects.create(template=template, number=1, published_at=timezone.now())
    item_model.objects.bulk_create(
        item_model(
            version=version,
            code=code,
            theme=theme,
            order=index * 10,
            text=text,
            nist_tags=nist,
            evidence=evidence,
            standard_clause=clause,
            final_recheck=final,
        )
        for index, (code, theme, text, nist, evidence, clause, final) in enumerate(SAMPLE_ITEMS, 1)
    )


def unload_sample(apps, schema_editor):  # type: ignore[no-untyped-def]
    return None


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(load_sample, unload_sample)]
