"""The checks of a change: its values as the 加入申請書 checks them, what it still misses before it
is submitted, and what work still stands before it is applied."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation
from dsg.documents.selectors import documents_of
from dsg.enrollment.application_services import NORMALIZE
from dsg.enrollment.models import Application
from dsg.enrollment.parts import ADDRESSES, application_field
from dsg.inspections.inspected import DECIDING, INSPECTING, REMEDIATING
from dsg.orgs.japan import prefecture_for_postal_code
from dsg.registry.selectors import media_standing, terminals_standing

from .registered import GROUPS, changed_groups

# Fields a group may leave empty.
OPTIONAL = frozenset({"facility_description"})
INSPECTION_PASSED = "passed"
PHASE_LABELS = {
    INSPECTING: _("the inspection is to be held"),
    REMEDIATING: _("the company remedies the deficiencies"),
    DECIDING: _("the office decides on the remediation"),
}


def _invalid(message: Any, field: str) -> RuleViolation:
    return RuleViolation(message, code="invalid", status=422, field=field)


def clean_fields(values: dict[str, Any], names: list[str]) -> dict[str, str]:
    """The values of ``names`` normalised and checked by the 加入申請書's own validators."""
    cleaned: dict[str, str] = {}
    for name in names:
        value = values.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise _invalid(_("Enter text."), name)
        value = value.strip()
        cleaned[name] = NORMALIZE[name](value) if name in NORMALIZE and value else value
    probe = Application(**cleaned)
    excluded = [f.name for f in Application._meta.concrete_fields if f.name not in cleaned]
    try:
        probe.clean_fields(exclude=excluded)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise _invalid(messages[0], field) from error
    for postal, prefecture in ADDRESSES:
        if postal in cleaned and prefecture in cleaned:
            try:
                cleaned[prefecture] = prefecture_for_postal_code(
                    cleaned[postal], cleaned[prefecture]
                )
            except ValidationError as error:
                raise _invalid(error.messages[0], postal) from error
    return cleaned


def change_missing(change: Any) -> list[Any]:
    """What stops the change from being submitted, in plain words."""
    kind = change.kind
    missing: list[Any] = []
    if not change.description.strip():
        missing.append(_("Describe what changes and why."))
    for group in kind.groups:
        for name in GROUPS.get(group, ()):
            if name not in OPTIONAL and not change.proposed["fields"].get(name):
                missing.append(
                    _("“{label}” is not filled in.").format(
                        label=str(application_field(name).verbose_name).capitalize()
                    )
                )
    if kind.groups and not changed_groups(change.registered, change.proposed):
        missing.append(_("Nothing differs from the registered data yet."))
    if (kind.closes_site or kind.may_need_provider_work) and change.effective_on is None:
        missing.append(_("Give the date of the change."))
    if kind.requires_layout and not documents_of(change, "layout").exists():
        missing.append(_("Upload the new layout diagram (レイアウト図)."))
    return missing


def equipment_standing(site: Any) -> list[str]:
    """The terminals and removable media still at a site, by name and 媒体番号: a closure waits
    until the office confirmed the disposal of each (基準 第6第6項第3号・第4号)."""
    return [t.name for t in terminals_standing(site)] + [m.ref for m in media_standing(site)]


def work_outstanding(change: Any) -> list[Any]:
    """What still stands before an accepted change is applied."""
    outstanding: list[Any] = []
    if change.needs_inspection and change.inspection_phase != INSPECTION_PASSED:
        phase = PHASE_LABELS.get(change.inspection_phase, PHASE_LABELS[INSPECTING])
        outstanding.append(_("The new inspection is not passed ({phase}).").format(phase=phase))
    for work in change.provider_work.all():
        if not work.is_done:
            outstanding.append(
                _("The provider's work is not done: {work}.").format(work=work.get_kind_display())
            )
    if change.kind.closes_site:
        standing = equipment_standing(change.site)
        if standing:
            outstanding.append(
                _("Terminals and media still registered at the site: {names}.").format(
                    names=", ".join(standing)
                )
            )
    return outstanding
