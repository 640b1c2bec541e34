"""Who an address is: the person behind it, the language they read, whether they have an inbox.

The composer (``services.mail_queue``) addresses people by email and knows no model above it;
the app that owns the people (``orgs``) registers, in its ``AppConfig.ready``, the function that
tells, for a set of addresses, each one's person and language in one query. An address nobody
holds (a contact's, an account holder's) reads the office's language, Japanese, and has no inbox.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Recipient:
    address: str
    user_id: int | None = None  # a person of the portal: the mail is mirrored in their inbox
    language: str = ""  # "" → the portal's language (settings.LANGUAGE_CODE)


Resolver = Callable[[list[str]], dict[str, Recipient]]
_RESOLVERS: list[Resolver] = []


def register_recipients(resolver: Resolver) -> None:
    """Register the function that tells who each address is (once per function)."""
    if resolver not in _RESOLVERS:
        _RESOLVERS.append(resolver)


def recipients_resolve(addresses: Iterable[str]) -> list[Recipient]:
    """Each address once, with its person and language (the portal's when nobody says)."""
    wanted = sorted({address for address in addresses if address})
    known: dict[str, Recipient] = {}
    for resolver in _RESOLVERS:
        known.update(resolver(wanted))
    languages = dict(settings.LANGUAGES)
    found = []
    for address in wanted:
        person = known.get(address, Recipient(address))
        language = person.language if person.language in languages else settings.LANGUAGE_CODE
        found.append(Recipient(address, person.user_id, language))
    return found
