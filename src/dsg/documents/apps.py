from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "dsg.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from dsg.core.panels import Panel, register_panel

        from .folder_views import storage_reports_panel
        from .policy import register_policy

        register_policy()
        # 「格納した旨を連絡」: the office's queue of stored documents, on its dashboard.
        register_panel(
            Panel(
                "dashboard",
                "storage_reports",
                "documents/_storage_reports.html",
                storage_reports_panel,
                order=20,
            )
        )
