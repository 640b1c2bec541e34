"""Login throttling and its release.

allauth counts failed logins (``ACCOUNT_RATE_LIMITS["login_failed"]``) per client address and per
account — the address typed, whether an account has it or not — in the cache every worker shares
(``CACHES``: the database, Redis or Memcached). What the portal adds (through its account adapter):

- the account's counter is keyed by the address alone (allauth's also holds the Host header, which
  a client chooses: every new ``Host: portal:<port>`` would have started a new count);
- a refusal says which limit refused: an account that is throttled offers a link to unlock it,
  mailed to the account's own address (``login_unlock_request``: at most once per window, and the
  page answers the same whether the address has an account or not);
- the link (signed, short-lived, single use: a nonce kept in the cache) clears the account's
  counter and gives the browser that opened it a pass of its own attempts for the account, so an
  attacker who keeps failing cannot lock the real person out again (``login_unlock_redeem``);
  the per-address limit still counts every attempt;
- the ledger records the throttling (once per window, actor ``system``) and the release (the
  person, who proved they hold the mailbox).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.core.internal import ratelimit
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.signing import BadSignature, TimestampSigner
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation

from .models import User

logger = logging.getLogger(__name__)

APP = "allauth.account"
LOGIN = "login_failed"  # allauth's action for password attempts
UNLOCK = "login_unlock"  # the portal's: asking for an unlock link
PASS = "dsg_login_pass"  # in the session of the browser that opened an unlock link
THROTTLED_CODE = "login_throttled"
_SALT = "dsg.orgs.throttle.unlock"
_NONCE = "dsg:login-unlock:"
_NOTED = "dsg:login-throttled:"


def login_key(email: str) -> str:
    """What the per-account limit counts: the address as typed, trimmed and lower-cased."""
    return (email or "").strip().lower()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _parts(action: str, per: str | None = None) -> list[str]:
    """The configured rates of ``action`` (``"10/m/ip"``…), as written: allauth's counters are
    keyed by the parsed rate, so a part must be passed on exactly as configured."""
    config = account_settings.RATE_LIMITS.get(action) or ""
    parts = [part.strip() for part in config.split(",") if part.strip()]
    return [part for part in parts if per in (None, ratelimit.parse_rate(part).per)]


def _rates(action: str, per: str | None = None) -> list[ratelimit.Rate]:
    return [ratelimit.parse_rate(part) for part in _parts(action, per)]


def _config(action: str, per: str) -> dict[str, str]:
    return {action: ",".join(_parts(action, per))}


def _consume(request: HttpRequest, action: str, key: str, *, per: str | None = None) -> Any:
    config = _config(action, per) if per else None
    return ratelimit.consume(request, app=APP, action=action, key=key, config=config)


def window_seconds() -> int:
    """How long an account stays throttled after its last counted failure."""
    return int(max((r.duration for r in _rates(LOGIN, "key")), default=300))


def unlock_seconds() -> int:
    return int(getattr(settings, "DSG_LOGIN_UNLOCK_MINUTES", 30)) * 60


def account_throttled(request: HttpRequest, key: str) -> bool:
    """Whether the per-account limit refuses the next attempt for ``key`` (nothing is counted)."""
    config = _config(LOGIN, "key")
    if not config[LOGIN]:
        return False
    return (
        ratelimit.consume(request, app=APP, action=LOGIN, key=key, config=config, dry_run=True)
        is None
    )


def _active_user(key: str) -> User | None:
    return User.objects.filter(email__iexact=key, is_active=True).first() if key else None


# Attempts ----------------------------------------------------------------------------------------
def _pass_held(request: HttpRequest, key: str) -> bool:
    held = getattr(request, "session", {}).get(PASS)
    return bool(
        isinstance(held, dict)
        and held.get("key") == _digest(key)
        and held.get("until", 0) > time.time()
        and held.get("left", 0) > 0
    )


def _pass_spend(request: HttpRequest) -> None:
    held = dict(request.session[PASS])
    held["left"] -= 1
    request.session[PASS] = held


def login_pass_drop(request: HttpRequest) -> None:
    if hasattr(request, "session"):
        request.session.pop(PASS, None)


def _note_throttled(key: str) -> None:
    """Ledger the throttling of an account once per window (an unknown address: a log line)."""
    if not cache.add(_NOTED + _digest(key), True, timeout=window_seconds()):
        return
    user = _active_user(key)
    logger.warning("login throttled for %s (account: %s)", _digest(key)[:12], bool(user))
    if user is not None:
        with transaction.atomic():
            audit_record(
                actor="system",
                action="login.throttled",
                obj=user,
                after={"window_seconds": window_seconds()},
            )


def login_attempt_consume(*, request: HttpRequest, key: str) -> Any:
    """Count one password attempt for ``key`` from this client, before the password is checked.

    Returns allauth's usage (rolled back when the password is right); raises ValidationError
    when a limit refuses: ``login_throttled`` for the account, ``too_many_login_attempts`` for
    the client's address. A browser holding an unlock pass for ``key`` spends its own attempts
    instead of the account's counter.
    """
    held = _pass_held(request, key)
    usage = _consume(request, LOGIN, key, per="ip" if held else None)
    if usage is None:
        if not held and account_throttled(request, key):
            _note_throttled(key)
            minutes = max(1, window_seconds() // 60)
            raise ValidationError(
                ngettext(
                    "Too many failed attempts to log in with this address: logging in with it is "
                    "paused for {minutes} minute. If the account is yours, have a link to unlock "
                    "it mailed to the address.",
                    "Too many failed attempts to log in with this address: logging in with it is "
                    "paused for {minutes} minutes. If the account is yours, have a link to unlock "
                    "it mailed to the address.",
                    minutes,
                ).format(minutes=minutes),
                code=THROTTLED_CODE,
            )
        raise ValidationError(
            _("Too many failed logins from your network. Try again in a minute."),
            code="too_many_login_attempts",
        )
    if held:
        _pass_spend(request)
    return usage


# The unlock link ----------------------------------------------------------------------------------
def login_unlock_request(*, request: HttpRequest, email: str) -> bool:
    """Mail a link that releases ``email``'s throttling to that address — only when it is
    throttled and an active account has it, at most once per window. Returns False only when
    this client asked too often; the page answers the same whether a mail went or not."""
    key = login_key(email)
    if _consume(request, UNLOCK, key, per="ip") is None:
        return False
    user = _active_user(key)
    if user is None or not account_throttled(request, key):
        return True
    if _consume(request, UNLOCK, key, per="key") is None:
        return True  # a link went to the address within the window already
    nonce = secrets.token_urlsafe(32)
    cache.set(_NONCE + nonce, {"key": key, "user": user.pk}, timeout=unlock_seconds())
    code = TimestampSigner(salt=_SALT).sign(nonce)
    page = f"{settings.PORTAL_URL}{reverse('login_unlock')}"
    with transaction.atomic():
        audit_record(actor="system", action="login.unlock_mailed", obj=user)
        get_adapter(request).send_mail(
            "orgs/email/login_unlock",
            user.email,
            {
                "link": f"{page}#{code}",
                "page": page,
                "code": code,
                "minutes": unlock_seconds() // 60,
            },
        )
    return True


def _invalid_link() -> RuleViolation:
    return RuleViolation(
        _(
            "This unlock link does not work: it was used already, has expired or was copied "
            "incompletely. Ask for a new one on the login page."
        ),
        code="unlock_link_invalid",
        status=400,
        field="code",
    )


def login_unlock_redeem(*, request: HttpRequest, code: str) -> User:
    """Release the throttled account of an unlock link: its counter is cleared (the per-address
    limit stays) and this browser gets a pass of its own attempts for the account. Once only."""
    try:
        nonce = TimestampSigner(salt=_SALT).unsign(code.strip(), max_age=unlock_seconds())
    except BadSignature as error:  # a forged, damaged or expired code
        raise _invalid_link() from error
    entry = cache.get(_NONCE + nonce)
    if not isinstance(entry, dict) or not cache.delete(_NONCE + nonce):
        raise _invalid_link()
    user = User.objects.filter(pk=entry["user"], is_active=True).first()
    if user is None:
        raise _invalid_link()
    key = entry["key"]
    ratelimit.clear(request, app=APP, action=LOGIN, key=key, config=_config(LOGIN, "key"))
    cache.delete(_NOTED + _digest(key))  # a new throttling is ledgered again
    amount = min((r.amount for r in _rates(LOGIN, "key")), default=5)
    request.session[PASS] = {
        "key": _digest(key),
        "until": time.time() + unlock_seconds(),
        "left": amount,
    }
    with transaction.atomic():
        audit_record(actor=user, action="login.released", obj=user, after={"by": "unlock_link"})
    return user
