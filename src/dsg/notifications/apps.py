from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dsg.core.health import register_metrics


class NotificationsConfig(AppConfig):
    name = "dsg.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from . import checks  # noqa: F401 — registers the system checks
        from .metrics import outbox_metrics, task_metrics

        register_metrics(outbox_metrics)  # /metrics: the outbox's backlog, the task queue
        register_metrics(task_metrics)
