from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def trial_mode(request: HttpRequest) -> dict[str, object]:
    """``trial_mode``: every page says so while the portal runs as a local trial."""
    return {"trial_mode": getattr(settings, "DSG_TRIAL_MODE", False)}
