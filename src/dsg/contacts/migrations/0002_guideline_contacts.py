"""The 問い合わせ先 of the guideline (加入要領 6): the office's contact and the helpdesk's name."""

from __future__ import annotations

from django.db import migrations


def load_contacts(apps, schema_editor):
    from dsg.contacts.seed import contacts_seed

    contacts_seed(apps.get_model("contacts", "Contact"))


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]

    operations = [migrations.RunPython(load_contacts, migrations.RunPython.noop)]
