"""The contacts as the guideline gives them (加入要領 6. お問い合わせ先), loaded by a migration.

The office's contact is printed in the guideline; the provider's helpdesk is "the contact the
service provider presents", so it starts with its name only, for the office to fill in.
"""

from __future__ import annotations

from typing import Any

GUIDELINE_CONTACTS: dict[str, dict[str, str]] = {
    "office": {
        "name": "防衛装備庁長官官房総務官付情報システム管理室",
        "phone": "03-3268-3111",
        "extensions": "32503、32505",
        "email": "dsg-atla@atla.mod.go.jp",
    },
    "provider": {"name": "サービス提供事業者 ヘルプデスク"},
}


def contacts_seed(contact_model: Any) -> None:
    """Create each contact the guideline gives that is not there yet (never overwrites edits)."""
    for party, values in GUIDELINE_CONTACTS.items():
        contact_model.objects.get_or_create(party=party, defaults=values)
