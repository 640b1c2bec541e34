import datetime as dt

from django.db import migrations, models


def existing_tokens_keep_what_they_had(apps, schema_editor):
    """Tokens made before scopes and expiry read and wrote: they keep that, for 90 days more."""
    ApiToken = apps.get_model("orgs", "ApiToken")
    ApiToken.objects.update(scope="read_write")
    now = dt.datetime.now(dt.UTC)
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=now + dt.timedelta(days=90))


class Migration(migrations.Migration):
    dependencies = [("orgs", "0003_site_closed_on")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[("read", "Read only"), ("read_write", "Read and write")],
                default="read",
                max_length=16,
                verbose_name="scope",
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires at"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_because",
            field=models.CharField(blank=True, max_length=32, verbose_name="revoked because"),
        ),
        migrations.RunPython(existing_tokens_keep_what_they_had, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires at"),
        ),
    ]
