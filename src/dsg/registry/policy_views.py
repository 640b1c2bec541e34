"""The site's enforceable policy as a download (USBGuard, fapolicyd, Santa): see policy_export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.selectors import site_get_for

from .policy_export import policy_export


@login_required
def site_policy_export(request: HttpRequest, site_id: int, fmt: str) -> HttpResponse:
    """The site's policy in one format, ledgered. Another company's site is a 404 and a role
    without ``policy.export`` a 403, whatever the method; then only GET is answered."""
    user = request_user(request)
    site = site_get_for(user=user, pk=site_id)
    permissions.require_permission(actor=user, action="policy.export", obj=site)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    exported = policy_export(site=site, fmt=fmt, actor=user, via="page")
    response = HttpResponse(exported.text.encode(), content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response
