"""The ④–⑦ rule kept on the case (#14): the column, its index, and every case weighed once."""

from django.db import migrations, models


def weigh_every_case(apps, schema_editor):
    # The rule is weighed by the function the warning uses (one rule, not two): it reads the
    # cases' step records, appointments and inspection rounds by the columns they have here.
    from dsg.enrollment.month_rule import month_rule_keep_all

    month_rule_keep_all()


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0008_office_search_indexes"),
        ("appointments", "0003_appointment_party"),
        ("inspections", "0005_final_checklist_paper_rounds_judgement"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="month_rule_broken_from",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="④–⑦ outside one month, from"
            ),
        ),
        migrations.AddIndex(
            model_name="enrollment",
            index=models.Index(
                condition=models.Q(("month_rule_broken_from__isnull", False)),
                fields=["month_rule_broken_from", "id"],
                name="enrollment_month_rule_idx",
            ),
        ),
        migrations.RunPython(weigh_every_case, migrations.RunPython.noop, elidable=True),
    ]
