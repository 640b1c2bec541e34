"""Account holders come from the accepted application (name, department, email; a portal user
only where one exists), a holder added later says so; a holder's receipt of the account
information is kept, and a request to issue it again. The appointments and connection tests of a
holder name it by its key ("account_holder:<id>").

The holders that exist already were named by the PSA at ⑥ (before the application listed them):
they become "added", their name and email those of their person; their receipt is the first
opening of their account information. (The rows are changed last, and their new constraint is
added by the next migration: PostgreSQL alters no table with pending trigger events.)"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def holders_as_they_were(apps, schema_editor):
    AccountHolder = apps.get_model("provisioning", "AccountHolder")
    AccountDelivery = apps.get_model("provisioning", "AccountDelivery")
    ConnectionTest = apps.get_model("registry", "ConnectionTest")
    Appointment = apps.get_model("appointments", "Appointment")
    ContentType = apps.get_model("contenttypes", "ContentType")
    case_type = ContentType.objects.filter(app_label="enrollment", model="enrollment").first()
    for holder in AccountHolder.objects.select_related("person", "enrollment"):
        key = f"account_holder:{holder.pk}"
        opened = (
            AccountDelivery.objects.filter(holder=holder, opened_at__isnull=False)
            .order_by("opened_at")
            .values_list("opened_at", flat=True)
            .first()
        )
        holder.name = (holder.person.full_name or holder.person.email)[:100]
        holder.email = holder.person.email
        holder.source = "added"
        holder.account_received_at = opened
        holder.save(update_fields=["name", "email", "source", "account_received_at"])
        ConnectionTest.objects.filter(
            person_id=holder.person_id, terminal__site_id=holder.enrollment.site_id
        ).update(tester_key=key)
        if case_type is not None:
            Appointment.objects.filter(
                subject_type=case_type,
                subject_id=holder.enrollment_id,
                purpose="vein_registration",
                person_id=holder.person_id,
            ).update(party=key)


class Migration(migrations.Migration):
    dependencies = [
        ("provisioning", "0004_terminals_to_registry"),
        ("registry", "0003_connection_test_tester"),
        ("appointments", "0003_appointment_party"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="accountholder",
            name="name",
            field=models.CharField(default="", max_length=100, verbose_name="name"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accountholder",
            name="department",
            field=models.CharField(blank=True, max_length=200, verbose_name="department"),
        ),
        migrations.AddField(
            model_name="accountholder",
            name="email",
            field=models.EmailField(default="", max_length=254, verbose_name="email address"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accountholder",
            name="source",
            field=models.CharField(
                choices=[
                    ("application", "From the accepted application"),
                    ("added", "Added by the PSA after acceptance"),
                ],
                default="application",
                max_length=16,
                verbose_name="source",
            ),
        ),
        migrations.AddField(
            model_name="accountholder",
            name="application_version",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="version of the application"
            ),
        ),
        migrations.AddField(
            model_name="accountholder",
            name="added_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="added by",
            ),
        ),
        migrations.AddField(
            model_name="accountholder",
            name="reason",
            field=models.TextField(blank=True, verbose_name="reason for the addition"),
        ),
        migrations.AddField(
            model_name="accountholder",
            name="account_received_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="account information received at"
            ),
        ),
        migrations.AddField(
            model_name="accountholder",
            name="reissue_requested_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="new account information requested at"
            ),
        ),
        migrations.AddField(
            model_name="accountholder",
            name="reissue_requested_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="new account information requested by",
            ),
        ),
        migrations.AlterField(
            model_name="accountholder",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="dsg_accounts",
                to=settings.AUTH_USER_MODEL,
                verbose_name="portal user",
            ),
        ),
        migrations.RunPython(holders_as_they_were, migrations.RunPython.noop),
    ]
