from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "dsg.contacts"
    label = "contacts"
    verbose_name = _("Contacts (問い合わせ先)")

    def ready(self) -> None:
        from dsg.notifications.footer import register_footer

        from .mail import contact_footer
        from .policy import register_policy

        register_policy()
        register_footer(contact_footer)
