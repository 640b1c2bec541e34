from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "dsg.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from .policy import register_policy

        register_policy()
