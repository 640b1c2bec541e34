from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.http import HttpRequest

from dsg.notifications.services import outbox_queue


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Accounts are issued by an organisation's administrator; nobody signs themselves up.

    allauth's mails (password reset, its notices) go through the outbox like every other mail:
    a failing SMTP server delays them instead of losing them with a 500. Their bodies carry
    secrets (the reset link), so they are erased from the outbox once sent.
    """

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = allauth_context.request
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
            )
