"""The organisations part's deploy check: 二要素認証 is required in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

W001 = Warning(
    "DSG_MFA_REQUIRED is off: the office, the provider's staff, the PSAs and the admin's users "
    "may log in with a password alone.",
    hint="Remove DSG_MFA_REQUIRED from the environment (it is on by default outside a trial).",
    id="dsg.orgs.W001",
)


@register(Tags.security, deploy=True)
def check_mfa_required(app_configs: Any, **kwargs: Any) -> list[Warning]:
    return [] if getattr(settings, "DSG_MFA_REQUIRED", True) else [W001]
