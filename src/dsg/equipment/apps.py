from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquipmentConfig(AppConfig):
    """利用端末・ソフトウェア・可搬記憶媒体の申請 (guideline §5): requests that change a site's
    registry, decided by the office, applied only on approval."""

    name = "dsg.equipment"
    label = "equipment"
    verbose_name = _("Terminal, software and media requests (利用端末等の申請)")

    def ready(self) -> None:
        from dsg.registry.selectors import register_removal_pending

        from .dashboard import register_dashboard_panel
        from .overview import register_overview_panel
        from .panels import register_panels
        from .policy import register_policy
        from .services import removal_pending_terminals
        from .subject import register_subject
        from .todos import register as register_todos

        register_policy()
        register_subject()
        register_todos()
        register_dashboard_panel()
        register_overview_panel()
        register_panels()
        register_removal_pending(removal_pending_terminals)
