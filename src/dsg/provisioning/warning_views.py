"""The provider's ④–⑦ month warnings, all of them, a page at a time (#14).

The dashboard shows how many cases break the rule and the first ones
(``views.MONTH_WARNINGS_SHOWN``); this page lists every one, earliest date first: both count and
page the cases by the rule's result kept on the case, and weigh the dates of the cases shown only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dsg.orgs.auth import request_user
from dsg.orgs.permissions import require_permission

from . import worklist

MONTH_WARNINGS_PAGE = 50


@login_required
def provider_month_warnings(request: HttpRequest) -> HttpResponse:
    """Every case of the provider's whose ④–⑦ dates span more than one calendar month."""
    user = request_user(request)
    require_permission(actor=user, action="provider.tasks")
    broken = worklist.provider_month_rule_cases(user=user)  # kept on the case: one count
    page = Paginator(broken, MONTH_WARNINGS_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "provisioning/month_warnings.html",
        {
            "page": page,
            "month_warnings": worklist.month_warnings_of(page.object_list),
            "month_warnings_count": page.paginator.count,
        },
    )
