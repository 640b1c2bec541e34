from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnualConfig(AppConfig):
    """年次確認: once a year each company confirms that the portal's data about it is current."""

    name = "dsg.annual"
    label = "annual"
    verbose_name = _("Annual confirmation (年次確認)")

    def ready(self) -> None:
        from .dashboard import register_dashboard_panel
        from .policy import register_policy

        register_policy()
        register_dashboard_panel()
