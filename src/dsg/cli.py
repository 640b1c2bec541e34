"""The `dsg` console script: Django's manage.py with the project's settings."""

from __future__ import annotations

import os
import sys

# Commands that need no app but their own, started with only those apps installed (#14): Django's
# start-up imports every installed app's models and runs its AppConfig.ready — allauth, the
# admin, the portal's apps and everything they register — which `dsg audit verify` never uses,
# and which was about half of its time on 125,000 events (docs/performance.md). The ledger
# stands on the floor only (dsg.core's plain modules; docs/architecture.md); reading it needs
# not pgtrigger, which installs its triggers and imports psycopg (dsg.audit.models).
# tests/test_startup.py holds the command to this app.
OWN_APPS = {"audit": ("dsg.audit",)}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dsg.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        installed = settings.INSTALLED_APPS  # loads the settings: a refusal says why, no traceback
    except ImproperlyConfigured as refusal:
        sys.exit(f"dsg: {refusal}")
    own = OWN_APPS.get(sys.argv[1] if len(sys.argv) > 1 else "")
    if own and set(own) <= set(installed):
        settings.INSTALLED_APPS = list(own)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
