from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "dsg.requests"
    label = "requests"
    verbose_name = _("Requests after enrollment (加入後の申請)")

    def ready(self) -> None:
        from dsg.registry.services import on_equipment_gone

        from .dashboard import register_dashboard_panel
        from .inspection import register_inspected_change
        from .overview import register_overview_panel
        from .panels import register_panels
        from .policy import register_policy
        from .services import closure_if_ready
        from .subject import register_subject
        from .todos import register as register_todos

        on_equipment_gone(closure_if_ready)
        register_dashboard_panel()
        register_overview_panel()
        register_policy()
        register_subject()
        register_todos()
        register_inspected_change()
        register_panels()
