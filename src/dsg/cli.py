"""The `dsg` console script: Django's manage.py with the project's settings."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dsg.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads the settings: a refusal says why, no traceback)
    except ImproperlyConfigured as refusal:
        sys.exit(f"dsg: {refusal}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
