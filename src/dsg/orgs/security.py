"""What ends when a person's standing changes: their API tokens are revoked when the password,
the role or the organisation changes or the account is deactivated (the sessions end by the
session hash, ``User._get_session_auth_hash``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save, pre_save

from .models import User

WATCHED = ("password", "role", "organization_id", "is_active")
_CHANGES = "_dsg_security_changes"


def _remember_changes(sender: type[User], instance: User, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if instance.pk is None or (
        update_fields is not None
        and not {"password", "role", "organization", "is_active"} & set(update_fields)
    ):
        return
    before = User.objects.filter(pk=instance.pk).values(*WATCHED).first()
    if before is None:
        return
    changed = [name for name in WATCHED if before[name] != getattr(instance, name)]
    if changed:
        setattr(instance, _CHANGES, changed)


def _revoke_tokens(sender: type[User], instance: User, **kwargs: Any) -> None:
    from .services import tokens_revoke_on_change

    changed = getattr(instance, _CHANGES, None)
    if not changed:
        return
    delattr(instance, _CHANGES)
    because = "password_changed" if "password" in changed else f"{changed[0]}_changed"
    if "is_active" in changed and not instance.is_active:
        because = "deactivated"
    with transaction.atomic():
        tokens_revoke_on_change(instance, because.replace("_id_", "_"))


def connect() -> None:
    pre_save.connect(_remember_changes, sender=User, dispatch_uid="dsg.orgs.security.remember")
    post_save.connect(_revoke_tokens, sender=User, dispatch_uid="dsg.orgs.security.revoke")
