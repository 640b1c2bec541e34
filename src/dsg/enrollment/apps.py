from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "dsg.enrollment"
    label = "enrollment"
    verbose_name = _("Enrollment")

    def ready(self) -> None:
        from .inspection import register_inspected_case
        from .month_rule import register_month_rule
        from .policy import register_policy
        from .search import register_sqlite_nfkc
        from .subject import register_subject, register_transition_services
        from .todos import register as register_todos

        register_policy()
        register_subject()
        register_transition_services()
        register_inspected_case()
        connection_created.connect(register_sqlite_nfkc, dispatch_uid="dsg_nfkc")
        register_todos()
        register_month_rule()
