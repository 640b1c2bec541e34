from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dsg.core"
    label = "core"
    verbose_name = "DSG Portal"
