"""The end of every mail the portal sends: the 問い合わせ先 (§6) and the page that lists them.

Registered with ``dsg.notifications`` (``register_footer``) when Django starts: the mail composer
sits below this app and never imports it.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext

from .selectors import contacts_all


def contact_footer() -> list[str]:
    """The contacts that can be reached, and the link to the contacts page (in Japanese)."""
    lines = [gettext("Contacts (お問い合わせ先)")]
    for contact in contacts_all():
        if not contact.reachable:
            continue
        lines.append(contact.name)
        if contact.phone:
            lines.append("  " + gettext("Telephone: {phone}").format(phone=contact.phone_display))
        if contact.email:
            lines.append("  " + gettext("Email: {email}").format(email=contact.email))
        if contact.hours:
            lines.append("  " + gettext("Hours: {hours}").format(hours=contact.hours))
    lines.append(
        gettext("All contacts: {url}").format(url=f"{settings.PORTAL_URL}{reverse('contacts')}")
    )
    return lines
