"""What many models share: the link of a record to its subject (see ``dsg.core.subjects``)."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectLink(models.Model):
    """A record that belongs to a subject: a case, an inspection round, later a request."""

    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of subject"), on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(_("subject"))
    subject = GenericForeignKey("subject_type", "subject_id")

    class Meta:
        abstract = True
