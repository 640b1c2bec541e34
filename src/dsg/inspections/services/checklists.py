"""The office's checklists: a template's versions; a version an inspection used is frozen and an
edit goes to the next version, so every inspection keeps the items it was held against."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from ..models import ChecklistItem, ChecklistTemplate, ChecklistVersion, InspectionKind
from .common import ITEM_FIELDS, invalid


def checklist_version_current(kind: str = InspectionKind.SITE) -> ChecklistVersion:
    """The latest published version of the default template of ``kind``: what a new inspection
    of that kind uses."""
    version = (
        ChecklistVersion.objects.filter(
            template__is_default=True, template__kind=kind, published_at__isnull=False
        )
        .order_by("-number")
        .first()
    )
    if version is None:
        raise RuleViolation(
            format_lazy(
                _("No checklist for the {kind} is published: the office must publish one first."),
                kind=InspectionKind(kind).label,
            ),
            code="no_checklist",
        )
    return version


def checklist_template_create(
    *, actor: User, name: str, kind: str = InspectionKind.SITE
) -> ChecklistTemplate:
    require_permission(actor=actor, action="checklist.manage")
    name = name.strip()
    if not name:
        raise invalid(_("Please enter a name."), "name", "name_required")
    if kind not in InspectionKind.values:
        raise invalid(_("Choose the kind of inspection."), "kind", "kind_required")
    with transaction.atomic():
        template = ChecklistTemplate.objects.create(name=name[:200], kind=kind)
        ChecklistVersion.objects.create(template=template, number=1)
        audit_record(
            actor=actor, action="checklist.create", obj=template, after={"name": name, "kind": kind}
        )
    return template


def checklist_template_update(
    *, actor: User, template: ChecklistTemplate, name: str | None = None, is_default: bool = False
) -> ChecklistTemplate:
    """Rename a template or make it the one new inspections of its kind use (it needs a
    published version)."""
    require_permission(actor=actor, action="checklist.manage")
    with transaction.atomic():
        template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
        if name is not None and name.strip():
            template.name = name.strip()[:200]
        if is_default and not template.is_default:
            if not template.versions.filter(published_at__isnull=False).exists():
                raise RuleViolation(
                    _("Publish a version of this checklist before making it the default."),
                    code="not_published",
                )
            ChecklistTemplate.objects.filter(is_default=True, kind=template.kind).update(
                is_default=False
            )
            template.is_default = True
        template.save(update_fields=["name", "is_default"])
        audit_record(
            actor=actor,
            action="checklist.update",
            obj=template,
            after={"name": template.name, "is_default": template.is_default},
        )
    return template


def _editable_version(template: ChecklistTemplate) -> ChecklistVersion:
    """The version an edit goes to: the latest unless an inspection used it, else a copy."""
    latest = ChecklistVersion.objects.select_for_update().filter(template=template).first()
    if latest is not None and not latest.frozen and latest.published_at is None:
        return latest
    number = (latest.number if latest else 0) + 1
    version = ChecklistVersion.objects.create(template=template, number=number)
    if latest is not None:
        ChecklistItem.objects.bulk_create(
            ChecklistItem(version=version, **{f: getattr(item, f) for f in ITEM_FIELDS})
            for item in latest.items.all()
        )
    return version


def _item_data(data: dict[str, Any]) -> dict[str, Any]:
    clean = {f: data[f] for f in ITEM_FIELDS if f in data}
    for key in ("code", "theme", "text"):
        if key in clean and not str(clean[key]).strip():
            raise invalid(_("This field is required."), key, "required")
    for key, value in clean.items():
        if isinstance(value, str):
            clean[key] = value.strip()
    return clean


def checklist_item_save(
    *,
    actor: User,
    template: ChecklistTemplate,
    data: dict[str, Any],
    code: str | None = None,
) -> ChecklistItem:
    """Add an item, or change the item ``code``, in the template's editable (draft) version."""
    require_permission(actor=actor, action="checklist.manage")
    clean = _item_data(data)
    with transaction.atomic():
        version = _editable_version(template)
        item: ChecklistItem | None
        if code is None:
            for key in ("code", "theme", "text"):
                if not clean.get(key):
                    raise invalid(_("This field is required."), key, "required")
            item = ChecklistItem(version=version)
        else:
            item = version.items.filter(code=code).first()
            if item is None:
                raise RuleViolation(_("Not found."), code="not_found", status=404)
        for key, value in clean.items():
            setattr(item, key, value)
        if version.items.filter(code=item.code).exclude(pk=item.pk).exists():
            raise invalid(_("Another item has this ID."), "code", "duplicate_code")
        item.save()
        audit_record(
            actor=actor,
            action="checklist.item_save",
            obj=version,
            after={"version": version.number, "item": item.code, **clean},
        )
    return item


def checklist_item_delete(*, actor: User, template: ChecklistTemplate, code: str) -> None:
    require_permission(actor=actor, action="checklist.manage")
    with transaction.atomic():
        version = _editable_version(template)
        deleted, _rows = version.items.filter(code=code).delete()
        if not deleted:
            raise RuleViolation(_("Not found."), code="not_found", status=404)
        audit_record(
            actor=actor,
            action="checklist.item_delete",
            obj=version,
            after={"version": version.number, "item": code},
        )


def checklist_version_publish(*, actor: User, template: ChecklistTemplate) -> ChecklistVersion:
    """Publish the draft: new inspections use it from now on; earlier ones keep theirs."""
    require_permission(actor=actor, action="checklist.manage")
    with transaction.atomic():
        version = ChecklistVersion.objects.select_for_update().filter(template=template).first()
        if version is None or version.published_at is not None:
            raise RuleViolation(_("There is no draft to publish."), code="nothing_to_publish")
        if not version.items.exists():
            raise RuleViolation(_("A checklist needs at least one item."), code="empty_checklist")
        version.published_at = timezone.now()
        version.save(update_fields=["published_at"])
        audit_record(
            actor=actor, action="checklist.publish", obj=version, after={"number": version.number}
        )
    return version
