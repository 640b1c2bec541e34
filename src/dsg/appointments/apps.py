from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "dsg.appointments"
    label = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        from .policy import register_policy

        register_policy()
