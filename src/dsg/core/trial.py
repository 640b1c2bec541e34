"""The local-trial mode: how the portal runs without ``DSG_SECRET_KEY``.

``dsg.settings`` decides it once (``trial_mode_decide``) and every setting whose default differs
in a trial reads ``DSG_TRIAL_MODE``. A trial is what ``make run`` starts: a built-in, public
secret key, plain HTTP, loopback only — the host names it answers to, the address ``dsg serve``
binds and the client address of every request (``LoopbackOnlyMiddleware``) — and a banner on
every page. An environment that asks for more than that without a key (a public host name, the
HTTPS settings of a deployment) is refused at start with a message naming what to set.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden

# Starts with Django's "django-insecure-" so that Django's own deploy check (security.W009)
# reports it as well as ours (dsg.E001).
TRIAL_SECRET_KEY = "django-insecure-dsg-local-trial-key-never-use-in-production"

# Settings that only a deployment sets: any of them switched on without a key is refused.
PRODUCTION_SIGNALS = (
    "DSG_BEHIND_TLS_PROXY",
    "DSG_SECURE_COOKIES",
    "DSG_SSL_REDIRECT",
    "DSG_HSTS_SECONDS",
)
_OFF = {"", "0", "false", "no", "off"}


def is_loopback(host: str) -> bool:
    """A host name or address that only this machine reaches (``localhost``, 127.0.0.0/8, ::1)."""
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and "]" in name:
        name = name[1 : name.index("]")]
    elif name.count(":") == 1:  # host:port
        name = name.split(":", 1)[0]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def trial_mode_decide(
    *,
    secret_key: str,
    allowed_hosts: list[str],
    portal_url: str,
    environ: Mapping[str, str],
) -> bool:
    """True when the portal runs as a local trial (no secret key); False in production.

    Raises ImproperlyConfigured when the environment is that of a deployment but has no key.
    """
    if secret_key.strip():
        return False
    problems = [
        f"DSG_ALLOWED_HOSTS names {host!r}" for host in allowed_hosts if not is_loopback(host)
    ]
    portal_host = urlsplit(portal_url).hostname if portal_url else None
    if portal_host and not is_loopback(portal_host):
        problems.append(f"DSG_PORTAL_URL is {portal_url!r}")
    problems += [
        f"{name} is set"
        for name in PRODUCTION_SIGNALS
        if environ.get(name, "").strip().lower() not in _OFF
    ]
    if problems:
        raise ImproperlyConfigured(
            "DSG_SECRET_KEY is not set, so DSG Portal can only run as a local trial (loopback "
            "only, plain HTTP), but " + "; ".join(problems) + ". Set DSG_SECRET_KEY to a long "
            "random value (python3 -c 'import secrets; print(secrets.token_urlsafe(50))') as "
            "docs/operators/deployment.md shows, or remove those settings for a local trial."
        )
    return True


class LoopbackOnlyMiddleware:
    """In the local-trial mode, a request from another machine is refused (403): a trial
    started with a public bind address still answers nobody but this machine."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_loopback(request.META.get("REMOTE_ADDR", "")):
            return HttpResponseForbidden(
                "DSG Portal runs as a local trial (no DSG_SECRET_KEY): loopback clients only.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
