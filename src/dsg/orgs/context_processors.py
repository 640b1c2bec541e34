from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from . import permissions


def membership(request: HttpRequest) -> dict[str, object]:
    # Requests answered before the auth middleware (a missing static file) have no user.
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "is_company_member": permissions.is_company_member(user),
        "is_office": permissions.is_office(user),
        "is_provider": permissions.is_provider(user),
        # the office's page extending 二要素認証 to a company's delegates (mfa_views.office_mfa)
        "may_extend_mfa": permissions.may(user, "company.mfa_delegates"),
        # 「APIトークン」 in the person's menu, for the roles that may use the API (#12)
        "may_use_api": permissions.may_use_api(user),
        # 「必須のメール」 in the person's menu: the office decides which mails are required (#12)
        "may_set_mail_rules": permissions.may(user, "mail.required"),
    }
