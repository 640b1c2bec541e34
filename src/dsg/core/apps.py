from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "dsg.core"
    label = "core"
    verbose_name = "DSG Portal"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deploy checks)
        from .caches import create_cache_tables

        post_migrate.connect(
            create_cache_tables, sender=self, dispatch_uid="dsg.core.create_cache_tables"
        )
