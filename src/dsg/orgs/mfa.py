"""二要素認証 (two-factor authentication, allauth's ``mfa``): who must use it and what holds it.

- **Who.** The office (reviewers, inspectors), the provider's staff, every PSA and anyone who may
  open the admin; a company's 指定する者 when the office extends it to them
  (``Organization.mfa_for_delegates``, ``services.company_mfa_delegates_set``). The setting
  ``DSG_MFA_REQUIRED`` (on unless the local-trial mode turns it off) switches the requirement.
- **At login.** allauth asks the second factor of whoever has one (TOTP, a WebAuthn key or a
  recovery code). Whoever must use it and has none is sent to set it up before any other page
  (``MfaSetupMiddleware``); an API call of theirs is refused with 403 ``mfa_setup_required``.
- **Changes.** Adding or removing a factor, or renewing the recovery codes, is ledgered, revokes
  the person's API tokens and ends their other sessions (``User.mfa_epoch`` is part of the
  session hash); the session that made the change stays logged in.
- **The last factor** of someone who must use MFA cannot be removed (``PortalMFAAdapter``;
  ``mfa_views.webauthn_remove``). An operator resets a lost one in the admin instead.
- **At rest.** TOTP secrets and the recovery-code seed are stored AES-256-GCM encrypted with
  ``keys/mfa.key``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from typing import Any

from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.keys import data_key
from dsg.notifications.services import mail_queue

from .models import Role, User
from .services import tokens_revoke_on_change

MFA_ROLES = frozenset({Role.PSA, Role.REVIEWER, Role.INSPECTOR, Role.PROVIDER_STAFF})
FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)  # recovery codes stand in only
KEY_FILE = "mfa.key"
_SEALED = "aesgcm1:"
_AAD = b"dsg.orgs.mfa"
# What someone who still has to set up a factor may open: allauth's MFA pages (setup,
# reauthentication, recovery codes), logging out, the language switch, the contacts.
SETUP_PAGES = frozenset({"account_logout", "account_reauthenticate", "set_language", "contacts"})
SETUP_REQUIRED = _(
    "Your role requires two-factor authentication (二要素認証). Set up an authenticator app or a "
    "security key to continue."
)
FACTOR_NAMES = {
    Authenticator.Type.TOTP: _("an authenticator app"),
    Authenticator.Type.WEBAUTHN: _("a security key"),
}
FACTOR_ADDED = _("On {when}, {factor} was added to the second factors of your account.")
FACTOR_REMOVED = _("On {when}, {factor} was removed from the second factors of your account.")
NOT_YOU = _(
    "If this was not you, tell the Information Systems Management Office at once: someone may "
    "know your password."
)
LAST_FACTOR = _(
    "Your role requires two-factor authentication: add another authenticator app or security key "
    "before you remove this one."
)


def mfa_required_for(user: Any) -> bool:
    """Whether ``user`` must log in with a second factor (whatever DSG_MFA_REQUIRED says)."""
    if user.is_staff or user.is_superuser or user.role in MFA_ROLES:
        return True
    if user.role != Role.DELEGATE or user.organization_id is None:
        return False
    return bool(user.organization.mfa_for_delegates)


def mfa_enforced() -> bool:
    return bool(getattr(settings, "DSG_MFA_REQUIRED", True))


def has_factor(user: Any, *, besides: int | None = None) -> bool:
    """Whether ``user`` has a TOTP app or a WebAuthn key (other than the one ``besides``)."""
    factors = Authenticator.objects.filter(user_id=user.pk, type__in=FACTORS)
    if besides is not None:
        factors = factors.exclude(pk=besides)
    return factors.exists()


def setup_pending(user: Any) -> bool:
    """``user`` must use MFA, and has no factor yet."""
    return mfa_enforced() and mfa_required_for(user) and not has_factor(user)


class PortalMFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter: the last factor stays, and secrets are sealed at rest."""

    error_messages = DefaultMFAAdapter.error_messages | {"cannot_delete_authenticator": LAST_FACTOR}

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type not in FACTORS or not mfa_enforced():
            return True
        user = User.objects.select_related("organization").get(pk=authenticator.user_id)
        return not mfa_required_for(user) or has_factor(user, besides=authenticator.pk)

    def encrypt(self, text: str) -> str:
        nonce = os.urandom(12)
        sealed = nonce + AESGCM(data_key(KEY_FILE)).encrypt(nonce, text.encode(), _AAD)
        return _SEALED + base64.urlsafe_b64encode(sealed).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(_SEALED):  # stored before sealing began
            return encrypted_text
        sealed = base64.urlsafe_b64decode(encrypted_text[len(_SEALED) :])
        return AESGCM(data_key(KEY_FILE)).decrypt(sealed[:12], sealed[12:], _AAD).decode()


class MfaSetupMiddleware:
    """Whoever must use MFA and has no factor gets only the setup pages: every other page sends
    them to 二要素認証, an API call is refused. Checked on each request of a session or token,
    not only at login, so that a requirement the office adds takes hold at once."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and setup_pending(user):
            if request.path_info.startswith("/api/"):
                body = {"detail": str(SETUP_REQUIRED), "code": "mfa_setup_required"}
                return JsonResponse(body, status=403)
            request.dsg_mfa_setup_required = True  # type: ignore[attr-defined]  # read by mfa/index.html
            if not _setup_page(request.path_info):
                return HttpResponseRedirect(reverse("mfa_index"))
        return self.get_response(request)


def _setup_page(path: str) -> bool:
    try:
        name = resolve(path).url_name or ""
    except Resolver404:
        return False
    return name.startswith("mfa_") or name in SETUP_PAGES


# --- a change of factors ends the other sessions and the tokens -----------------------------------


def _factor_added(
    sender: Any, instance: Authenticator, created: bool = False, **kwargs: Any
) -> None:
    if created:
        _factors_changed(instance, "mfa.added")


def _factor_removed(sender: Any, instance: Authenticator, **kwargs: Any) -> None:
    origin = kwargs.get("origin")
    if isinstance(origin, User) or (isinstance(origin, QuerySet) and origin.model is User):
        return  # the person is being deleted with their factors
    _factors_changed(instance, "mfa.removed")


def _factors_changed(authenticator: Authenticator, action: str) -> None:
    with transaction.atomic():
        User.objects.filter(pk=authenticator.user_id).update(mfa_epoch=F("mfa_epoch") + 1)
        user = User.objects.select_related("organization").get(pk=authenticator.user_id)
        company = user.organization if user.organization and user.organization.is_company else None
        audit_record(
            actor=user,
            action=action,
            obj=authenticator,
            company_id=company.pk if company else None,
            after={"user": user.pk, "type": authenticator.type},
        )
        tokens_revoke_on_change(user, "mfa_changed")
        if authenticator.type in FACTORS:
            _tell_the_person(user, authenticator, added=action == "mfa.added", company=company)
    _carry_this_session_over(authenticator.user_id)


def _tell_the_person(
    user: User, authenticator: Authenticator, *, added: bool, company: Any
) -> None:
    """A second factor added or removed is mailed to its owner: someone who knows the password
    and changes it is noticed."""
    factor = FACTOR_NAMES[authenticator.type]
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    line = FACTOR_ADDED if added else FACTOR_REMOVED
    mail_queue(
        to=[user.email],
        about=user.email,
        subject=_("Two-factor authentication changed"),
        lines=[format_lazy(line, factor=factor, when=when), NOT_YOU],
        link=reverse("mfa_index"),
        kind="mfa.changed",
        company_id=company.pk if company else None,
    )


def _carry_this_session_over(user_id: int) -> None:
    """The session of the request that made the change (allauth's pages, the person's own admin
    page) carries on under the new session hash; the person's other sessions end."""
    request = allauth_context.request
    current = getattr(request, "user", None)
    if request is None or current is None or not current.is_authenticated or current.pk != user_id:
        return
    current.refresh_from_db(fields=["mfa_epoch"])
    update_session_auth_hash(request, current)


def connect() -> None:
    post_save.connect(_factor_added, sender=Authenticator, dispatch_uid="dsg.orgs.mfa.added")
    post_delete.connect(_factor_removed, sender=Authenticator, dispatch_uid="dsg.orgs.mfa.removed")
