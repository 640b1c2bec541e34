"""An email names one account holder of a case (the holders were given theirs by 0005)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("provisioning", "0005_account_holders_of_the_application"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="accountholder",
            constraint=models.UniqueConstraint(
                fields=("enrollment", "email"), name="account_holder_email_once_per_case"
            ),
        ),
    ]
