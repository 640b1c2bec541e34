"""The registered data as the pages show it: labels from the 加入申請書's columns, a 都道府県 by
its name, the contacts one per line, registered and proposed side by side."""

from __future__ import annotations

from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from dsg.enrollment.inspection import PREFECTURE_NAMES
from dsg.enrollment.parts import application_field

from .registered import CONTACT_FIELDS, GROUP_LABELS, GROUPS, differences

# History rows of values that are not columns of the application.
EXTRA_LABELS = {"contacts": GROUP_LABELS["contacts"]}


def field_label(name: str) -> str:
    if name == "closed_on":
        return _("Closed on (閉鎖日)")
    if name in EXTRA_LABELS:
        return str(EXTRA_LABELS[name])
    return str(capfirst(application_field(name).verbose_name))


def value_text(name: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if name.endswith("_prefecture"):
        return PREFECTURE_NAMES.get(str(value), str(value))
    if name == "contacts" and isinstance(value, list):
        return "\n".join(contact_text(c) for c in value) or "—"
    return str(value)


def contact_text(contact: dict[str, Any]) -> str:
    return " / ".join(str(contact.get(n) or "—") for n in CONTACT_FIELDS)


def group_rows(group: str, before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per field of ``group`` (per contact for the contacts), registered and proposed."""
    rows: list[dict[str, Any]]
    if group == "contacts":
        old, new = before.get("contacts", []), after.get("contacts", [])
        rows = []
        for n in range(max(len(old), len(new))):
            a = contact_text(old[n]) if n < len(old) else "—"
            b = contact_text(new[n]) if n < len(new) else "—"
            label = _("Contact {n}").format(n=n + 1)
            rows.append({"name": f"contact-{n}", "label": label, "before": a, "after": b})
    else:
        rows = [
            {
                "name": name,
                "label": field_label(name),
                "before": value_text(name, before["fields"].get(name, "")),
                "after": value_text(name, after["fields"].get(name, "")),
            }
            for name in GROUPS[group]
        ]
    for row in rows:
        row["changed"] = row["before"] != row["after"]
    return rows


def comparison(
    groups: list[str], before: dict[str, Any], after: dict[str, Any]
) -> list[dict[str, Any]]:
    """The groups a kind edits, each with its rows and whether anything in it differs."""
    parts = []
    for group in groups:
        rows = group_rows(group, before, after)
        parts.append(
            {
                "key": group,
                "label": GROUP_LABELS[group],
                "rows": rows,
                "changed": any(r["changed"] for r in rows),
            }
        )
    return parts


def difference_rows(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What the change changes (registered.differences), labelled."""
    return [
        {
            "group": GROUP_LABELS[group],
            "label": field_label(name),
            "before": value_text(name, old),
            "after": value_text(name, new),
        }
        for group, name, old, new in differences(before, after)
    ]


def history_rows(history: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "entry": entry,
            "label": field_label(entry.field),
            "before": value_text(entry.field, entry.before),
            "after": value_text(entry.field, entry.after),
        }
        for entry in history
    ]
