"""The provider's ④–⑦ month warnings, all of them, a page at a time (#14).

The dashboard shows how many cases break the rule and the first ones
(``views.MONTH_WARNINGS_SHOWN``); this page lists every one, earliest date first, and reads the
cases of its page only.
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
    warnings = worklist.provider_month_warning_list(user=user)
    page = Paginator(warnings, MONTH_WARNINGS_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "provisioning/month_warnings.html",
        {
            "page": page,
            "month_warnings": worklist.month_warnings_with_cases(page.object_list),
            "month_warnings_count": len(warnings),
        },
    )
