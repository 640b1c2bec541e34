"""What the organisations part offers: registering a site, and who sees which sites.

The provider sees a site while it provisions one of its cases; the enrollment app, which knows the
cases, declares that (``register_provider_view``).
"""

from __future__ import annotations

from .models import Role, Site
from .permissions import Visibility, register


def register_policy() -> None:
    register(
        # outbox.resend: the office's list of undelivered mail and its resend button (mail.py)
        # company.mfa_delegates: the office requires 二要素認証 of a company's delegates (mfa.py)
        actions={
            "site.create": {Role.PSA},
            "outbox.resend": {Role.REVIEWER},
            "company.mfa_delegates": {Role.REVIEWER},
            # mail.required: the office decides which mails nobody may turn off (#12)
            "mail.required": {Role.REVIEWER},
            # the company's people, listed to name account holders and custodians (API /people)
            "company.people": {Role.PSA, Role.DELEGATE},
        },
        models={Site: Visibility(company="company")},
    )
