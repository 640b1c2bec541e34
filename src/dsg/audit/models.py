"""The append-only, hash-chained audit ledger.

h_i = SHA-256(h_{i-1} ‖ canonical JSON of event i). The head row holds the last sequence number and
hash, so a deleted tail is caught too. Rows are never updated or deleted through the ORM, and the
database refuses it too (``triggers``: UPDATE, DELETE and TRUNCATE of events; the head only moves
forward).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

# The database's triggers are declared (pgtrigger's Meta.triggers) whenever pgtrigger is
# installed: always in the portal, so that its migrations and pgtrigger's registry have them.
# `dsg audit` starts without it (dsg.cli.OWN_APPS): reading the ledger installs and ignores no
# trigger, and pgtrigger imports psycopg — on SQLite a third of the command's start-up (#14).
TRIGGERS = apps.is_installed("pgtrigger")
if TRIGGERS:
    from .triggers import EVENT_TRIGGERS, HEAD_TRIGGERS

GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    pass


class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are never updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are never deleted")


class AuditEvent(models.Model):
    sequence = models.BigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=300, blank=True)
    organization_id = models.BigIntegerField(_("organization id"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=100)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    company_id = models.BigIntegerField(_("company id"), null=True, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    # The request that caused the event (dsg.core.request_log), matching its log line; None for
    # a command or the worker, and for every event from before the field existed. Nullable, so
    # that adding it changed no row (no table rebuild on SQLite, no rewrite on PostgreSQL), and
    # NULL is what the hash leaves out (canonical_payload).
    request_id = models.CharField(  # noqa: DJ001
        _("HTTP request id"), max_length=64, null=True, blank=True
    )
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["sequence"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        if TRIGGERS:
            triggers = EVENT_TRIGGERS

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are never deleted")

    def canonical_payload(self) -> dict[str, Any]:
        """What the hash covers. ``request_id`` enters it only when the event has one, so that
        the events written before it existed (and those outside a request) hash as they did."""
        payload: dict[str, Any] = {
            "sequence": self.sequence,
            "occurred_at": self.occurred_at.isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "organization_id": self.organization_id,
            "company_id": self.company_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "before": self.before,
            "after": self.after,
        }
        if self.request_id is not None:
            payload["request_id"] = self.request_id
        return payload


class AuditHead(models.Model):
    """One row: the chain's last sequence and hash. Locked while appending, so appends serialise."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(_("last sequence"), default=0)
    hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_singleton")
        ]
        if TRIGGERS:
            triggers = HEAD_TRIGGERS

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash[:12]}"
