"""The terminals and their connection tests belong to the site registry now (registry 0001 took
them over without touching the tables)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("provisioning", "0003_appointments_gathered"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ConnectionTest"),
                migrations.DeleteModel(name="Terminal"),
            ]
        ),
    ]
