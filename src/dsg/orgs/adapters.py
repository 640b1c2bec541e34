from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from dsg.core.locale import language_cookie_set
from dsg.notifications.services import outbox_queue

from . import throttle
from .selectors import recipients_of


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Accounts are issued by an organisation's administrator; nobody signs themselves up.

    allauth's mails (password reset, its notices) go through the outbox like every other mail:
    a failing SMTP server delays them instead of losing them with a 500. Their bodies carry
    secrets (the reset link), so they are erased from the outbox once sent.
    """

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    # Login throttling (dsg.orgs.throttle): allauth's limits, keyed by the address alone, with a
    # refusal that says which limit refused and a mailed link that releases a throttled account.
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        return throttle.login_key(credentials.get("email", ""))

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        key = self._get_login_attempts_cache_key(request, **credentials)
        self._login_failed_rl_usage = throttle.login_attempt_consume(request=request, key=key)

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        user = super().authenticate(request, **credentials)
        if user is not None:
            throttle.login_pass_drop(request)
        return user

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        """The pages speak the person's own language from the login on (User.language, chosen in
        個人設定 or with the header's switch while signed in): the language cookie is set with the
        login's answer, as the switch sets it."""
        response = super().post_login(request, user, **kwargs)
        language = getattr(user, "language", "")
        if language in dict(settings.LANGUAGES):
            language_cookie_set(response, language)
        return response

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = allauth_context.request
        person = recipients_of([email]).get(email)
        language = person.language if person else settings.LANGUAGE_CODE  # the reader's (#12)
        with translation.override(language):
            message = self.render_mail(
                template_prefix,
                email,
                {"request": request, "email": email, "current_site": get_current_site(request)}
                | context,
            )
        with transaction.atomic():
            outbox_queue(
                recipients=list(message.to),
                subject=str(message.subject),
                body=str(message.body),
                kind="account." + template_prefix.rsplit("/", 1)[-1],
                secret=True,
                language=language,
            )
