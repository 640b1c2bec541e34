"""The provider's dates are appointments now (copied, ids kept, by appointments 0002)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("provisioning", "0002_appointments_media_accounts"),
        ("appointments", "0002_gather_appointments"),
    ]

    operations = [migrations.DeleteModel(name="ProvisioningAppointment")]
