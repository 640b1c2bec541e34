from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvisioningConfig(AppConfig):
    name = "dsg.provisioning"
    label = "provisioning"
    verbose_name = _("Provisioning")

    def ready(self) -> None:
        from .policy import register_policy
        from .registration import register
        from .todos import register as register_todos

        register_policy()
        register()
        register_todos()
