"""The contacts as everyone reads them: the office first, then the provider's helpdesk."""

from __future__ import annotations

from .models import Contact


def contacts_all() -> list[Contact]:
    """Every contact, the office's first (§6: the provider's contact or the office's)."""
    return list(Contact.objects.order_by("party"))
