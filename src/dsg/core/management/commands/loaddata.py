"""Django's `loaddata` across every company (see `dumpdata`): loading a fixture looks rows up
through the models' managers, which answer only inside a tenancy scope otherwise."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import loaddata
from django_scopes import scopes_disabled


class Command(loaddata.Command):
    def handle(self, *fixture_labels: str, **options: Any) -> None:
        with scopes_disabled():
            super().handle(*fixture_labels, **options)
