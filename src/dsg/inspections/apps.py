from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "dsg.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from .policy import register_policy
        from .subject import register_subject
        from .todos import register as register_todos

        register_policy()
        register_subject()
        register_todos()
