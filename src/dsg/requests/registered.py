"""The registered data of a site (登録情報): what the office accepted, and each change since.

It starts as the accepted 加入申請書 (its company, site and contact parts) and each accepted change
application (加入申請内容の変更) applied since replaces the values it changed. It is kept as a
snapshot on every applied change, so the registered data of a site is one read.

The data is grouped as the change kinds edit it: the company (会社名・所在地), the site's name,
its address, the handling facility (取扱施設等), the protection system administrator and the
contacts.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# The groups of registered fields a change may edit, each with its fields (columns of the
# 加入申請書, see dsg.enrollment.parts). 法人番号 never changes for a company.
GROUPS: dict[str, tuple[str, ...]] = {
    "company": ("company_name", "company_postal_code", "company_prefecture", "company_address"),
    "site_name": ("site_name",),
    "site_address": ("site_postal_code", "site_prefecture", "site_address"),
    "facility": ("facility_name", "facility_description"),
    "psa": ("psa_name", "psa_department", "psa_phone", "psa_email"),
    "contacts": (),  # the list of contacts (連絡先), edited as a whole
}
GROUP_LABELS: dict[str, Any] = {
    "company": _("Company name and address (会社名・所在地)"),
    "site_name": _("Site name (拠点名)"),
    "site_address": _("Site address (拠点の所在地)"),
    "facility": _("Handling facility (取扱施設等)"),
    "psa": _("Protection system administrator (保護システム管理者)"),
    "contacts": _("Contacts (連絡先)"),
}
FIELDS: tuple[str, ...] = tuple(name for fields in GROUPS.values() for name in fields)
GROUP_OF_FIELD = {name: group for group, fields in GROUPS.items() for name in fields}
# The parts of the application snapshot the registered fields come from.
SNAPSHOT_PARTS = ("company", "site", "contacts")
CONTACT_FIELDS = ("name", "department", "phone", "email")


def from_application(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The registered data an accepted application version gives."""
    parts = snapshot.get("parts", {})
    values: dict[str, Any] = {}
    for part in SNAPSHOT_PARTS:
        values.update(parts.get(part, {}))
    return {
        "fields": {name: values.get(name) or "" for name in FIELDS},
        "contacts": [
            {name: contact.get(name, "") for name in CONTACT_FIELDS}
            for contact in snapshot.get("contacts", [])
        ],
    }


def changed_groups(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The groups whose values differ, in the order of GROUPS."""
    changed = []
    for group, fields in GROUPS.items():
        if group == "contacts":
            if before.get("contacts", []) != after.get("contacts", []):
                changed.append(group)
        elif any(before["fields"].get(n, "") != after["fields"].get(n, "") for n in fields):
            changed.append(group)
    return changed


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    """(group, field, before, after) of every value that differs; the contacts as one row."""
    rows: list[tuple[str, str, Any, Any]] = []
    for name in FIELDS:
        old, new = before["fields"].get(name, ""), after["fields"].get(name, "")
        if old != new:
            rows.append((GROUP_OF_FIELD[name], name, old, new))
    if before.get("contacts", []) != after.get("contacts", []):
        rows.append(("contacts", "contacts", before.get("contacts", []), after["contacts"]))
    return rows
