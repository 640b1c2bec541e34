"""The homes' step lists (#14): an index on the case's state, ``state_changed_at`` and id, from
which a step's longest-waiting cases are read in order (``selectors.enrollments_first_at_step``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0009_month_rule_kept"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="enrollment",
            index=models.Index(
                fields=["state", "state_changed_at", "id"], name="enrollment_state_since_idx"
            ),
        ),
    ]
