from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScheduleConfig(AppConfig):
    name = "dsg.schedule"
    label = "schedule"
    verbose_name = _("Schedule")

    def ready(self) -> None:
        from .policy import register_policy

        register_policy()
