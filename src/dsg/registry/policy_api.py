"""The site's enforceable policy in the API: one download per format, as on the registry page
(``GET /sites/{site_id}/policy/usbguard|fapolicyd|santa``), ledgered alike."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from ninja import Router

from dsg.core.schemas import Error
from dsg.orgs.auth import request_user
from dsg.orgs.selectors import site_get_for

from .policy_export import FORMATS, policy_export

router = Router(tags=["registry"])

MEDIA_TYPES = {"usbguard": "text/plain", "fapolicyd": "text/plain", "santa": "application/json"}
# A text file is a string; Santa's JSON is an object ({"rules": [...]} with the portal's "dsg").
SCHEMAS = {"text/plain": {"type": "string"}, "application/json": {"type": "object"}}
ABOUT = {
    "usbguard": "USBGuard rules for the site's approved removable media, ending with a block rule",
    "fapolicyd": "fapolicyd rules (rules.d) allowing the approved and mandatory software by "
    "SHA-256, denying the software not to be started",
    "santa": "Santa rules (santactl rule --import): BINARY rules by SHA-256",
}


def _download(fmt: str) -> Callable[[HttpRequest, int], HttpResponse]:
    def download(request: HttpRequest, site_id: int) -> HttpResponse:
        user = request_user(request)
        exported = policy_export(
            site=site_get_for(user=user, pk=site_id), fmt=fmt, actor=user, via="api"
        )
        response = HttpResponse(exported.text.encode(), content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response

    download.__name__ = download.__qualname__ = f"site_policy_{fmt}"
    download.__doc__ = f"The site's policy: {ABOUT[fmt]} (the same bytes for the same registry)."
    return download


for _fmt in FORMATS:
    router.get(
        f"/sites/{{site_id}}/policy/{_fmt}",
        response={200: None, 401: Error, 403: Error, 404: Error},
        operation_id=f"site_policy_{_fmt}",
        openapi_extra={
            "responses": {
                200: {
                    "description": f"The file ({ABOUT[_fmt]}); the export is ledgered",
                    "content": {MEDIA_TYPES[_fmt]: {"schema": SCHEMAS[MEDIA_TYPES[_fmt]]}},
                }
            }
        },
    )(_download(_fmt))
