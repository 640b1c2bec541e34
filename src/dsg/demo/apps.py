from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """`dsg demo`: demo data made through every app's services (part of the shell)."""

    name = "dsg.demo"
    label = "demo"
    verbose_name = _("Demo data")
