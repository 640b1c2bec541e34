"""The proposed dates of ② and ⑦ are appointments now (copied by appointments 0002): the slot
table and the round's own date, request and reminder fields go."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0002_sample_checklist"),
        ("appointments", "0002_gather_appointments"),
    ]

    operations = [
        migrations.RemoveField(model_name="inspection", name="reminded_at"),
        migrations.RemoveField(model_name="inspection", name="scheduled_at"),
        migrations.RemoveField(model_name="inspection", name="slot_request"),
        migrations.DeleteModel(name="AppointmentSlot"),
    ]
