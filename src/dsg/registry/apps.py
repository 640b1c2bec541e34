from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "dsg.registry"
    label = "registry"
    verbose_name = _("Site registry")

    def ready(self) -> None:
        from .panels import register_panels
        from .policy import register_policy

        register_policy()
        register_panels()
