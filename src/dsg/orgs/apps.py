from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "dsg.orgs"
    label = "orgs"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from dsg.notifications.recipients import register_recipients

        from . import checks  # noqa: F401 — registers the deploy check of DSG_MFA_REQUIRED
        from .mail_views import register_panel
        from .mfa import connect as hold_mfa_changes
        from .policy import register_policy
        from .security import connect as end_tokens_on_changes
        from .selectors import recipients_of
        from .sessions import track_idle_sessions

        register_policy()
        register_panel()
        track_idle_sessions()
        end_tokens_on_changes()
        hold_mfa_changes()
        register_recipients(recipients_of)  # each mail in its recipient's language (#12)
