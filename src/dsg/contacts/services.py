"""The office keeps the 問い合わせ先 current; every change is in the ledger."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.audit.services import audit_record
from dsg.core.errors import RuleViolation
from dsg.core.inputs import required_text
from dsg.orgs.models import User
from dsg.orgs.permissions import require_permission

from .models import Contact, ContactParty

FIELDS = ("name", "phone", "extensions", "email", "hours", "note")
# A Japanese telephone number with its hyphens: 03-3268-3111, 0120-123-456, 090-1234-5678.
PHONE = re.compile(r"\A0[0-9]{1,4}-[0-9]{1,4}-[0-9]{3,4}\Z")
EXTENSION_SEPARATORS = re.compile(r"\s*[、,，]\s*|\s+")
EXTENSION = re.compile(r"\A[0-9]{1,8}\Z")


def contact_update(*, actor: User, party: str, data: dict[str, Any]) -> Contact:
    """The office changes a contact; the fields that changed go to the ledger, before and after."""
    require_permission(actor=actor, action="contact.edit")
    if party not in ContactParty.values:
        raise _invalid(_("Unknown contact."), "party")
    values = _clean(data)
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(party=party).first()
        contact = contact or Contact(party=party)
        before = {name: getattr(contact, name) for name in FIELDS}
        changed = {name: value for name, value in values.items() if before[name] != value}
        if not changed:
            return contact
        for name, value in changed.items():
            setattr(contact, name, value)
        contact.updated_by, contact.updated_at = actor, timezone.now()
        contact.save()
        audit_record(
            actor=actor,
            action="contact.update",
            obj=contact,
            before={"party": party, **{name: before[name] for name in changed}},
            after={"party": party, **changed},
        )
    return contact


def _invalid(message: Any, field: str) -> RuleViolation:
    return RuleViolation(message, code="invalid", status=422, field=field)


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name) or ""
    if not isinstance(value, str):
        raise _invalid(_("Enter text."), name)
    return value.strip()


def _too_long(value: str, name: str, limit: int) -> str:
    if len(value) > limit:
        raise RuleViolation(
            _("This text is too long (at most {limit} characters).").format(limit=limit),
            code="too_long",
            status=422,
            field=name,
        )
    return value


def _clean(data: dict[str, Any]) -> dict[str, str]:
    """The values as stored, or a refusal naming the field."""
    phone = unicodedata.normalize("NFKC", _text(data, "phone"))
    if phone and (not PHONE.match(phone) or len(re.sub(r"[^0-9]", "", phone)) not in (10, 11)):
        raise _invalid(_("Enter a telephone number with its hyphens, as in 03-3268-3111."), "phone")
    extensions = _extensions(unicodedata.normalize("NFKC", _text(data, "extensions")))
    if extensions and not phone:
        raise _invalid(_("Extensions need the telephone number they belong to."), "extensions")
    email = _text(data, "email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise _invalid(_("Enter a valid email address."), "email") from None
    if not (phone or email):
        raise _invalid(
            _("Give a telephone number or an email address: a contact must be reachable."),
            "phone",
        )
    return {
        "name": required_text(_text(data, "name"), "name", 200),
        "phone": phone,
        "extensions": extensions,
        "email": _too_long(email, "email", 254),
        "hours": _too_long(_text(data, "hours"), "hours", 200),
        "note": _too_long(_text(data, "note"), "note", 1000),
    }


def _extensions(value: str) -> str:
    """32503、32505 from "32503, 32505" or "32503 32505"; only numbers."""
    if not value:
        return ""
    numbers = [number for number in EXTENSION_SEPARATORS.split(value) if number]
    if not all(EXTENSION.match(number) for number in numbers) or len(numbers) > 6:
        raise _invalid(
            _("Enter extension numbers separated by 、 (as in 32503、32505)."), "extensions"
        )
    return "、".join(numbers)
