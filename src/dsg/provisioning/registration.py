"""The provider's part in the enrollment app: the case's ③–⑥ section and the provider's tasks on
its pages, the conditions of ③ on its records, and the transitions of ④ and ⑤, taken through
their own services.

The panels' views are imported when a panel is first shown, not when Django starts (as in
``dsg.registry.panels``): they import the forms, the work list and the iCalendar writer, which no
command needs (#14: ``dsg audit verify``'s start-up)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dsg.core.panels import Panel, register_panel
from dsg.enrollment.rules import register_condition
from dsg.enrollment.services import register_transition_service
from dsg.orgs.auth import request_user

from .rules import ANCILLARY_WORK_DONE, SURVEY_RECORDED
from .services import construction_complete, router_install


def _case(request: HttpRequest, enrollment: Any) -> dict[str, Any] | None:
    if enrollment.step < 3:
        return None
    from .views import provisioning_context  # lazy: see the module's docstring

    return provisioning_context(user=request_user(request), enrollment=enrollment)


def _dashboard(request: HttpRequest, _obj: Any) -> dict[str, Any] | None:
    from .views import provider_dashboard_context  # lazy, as above

    return provider_dashboard_context(request) or None


def register() -> None:
    register_condition("complete_survey", SURVEY_RECORDED)
    register_condition("complete_survey", ANCILLARY_WORK_DONE)
    register_transition_service("complete_construction", construction_complete)
    register_transition_service("install_router", router_install)
    register_panel(Panel("case", "provisioning", "provisioning/_panel.html", _case, order=40))
    register_panel(
        Panel("dashboard", "provider_tasks", "provisioning/_provider_dashboard.html", _dashboard)
    )
