"""Django's `dumpdata` across every company: company-owned rows are reachable only inside a
tenancy scope (django-scopes), and an export of the whole database is not a request of one."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import dumpdata
from django_scopes import scopes_disabled


class Command(dumpdata.Command):
    def handle(self, *app_labels: str, **options: Any) -> None:
        with scopes_disabled():
            super().handle(*app_labels, **options)
