"""The portal's own deploy checks (``dsg check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from .trial import TRIAL_SECRET_KEY

E001 = Error(
    "DSG_SECRET_KEY is not set: the portal runs as a local trial, with a built-in secret key "
    "that everyone can read (sessions, CSRF tokens and signed links can be forged).",
    hint="Set DSG_SECRET_KEY to a long random value, as docs/operators/deployment.md shows.",
    id="dsg.E001",
)


@register(Tags.security, deploy=True)
def check_trial_secret_key(app_configs: Any, **kwargs: Any) -> list[Error]:
    trial = getattr(settings, "DSG_TRIAL_MODE", False) or settings.SECRET_KEY == TRIAL_SECRET_KEY
    return [E001] if trial else []
