"""Subjects: what the shared apps attach their records to, without knowing the app that owns it.

A document, a notice, an inspection or an appointment belongs to a company and, optionally, to a
*subject*: an enrollment case today, a change application or a terminal request later. The shared
apps (documents, notices, appointments, inspections) sit below the apps that own the subjects and
never import them; the owning app registers its kind of subject here when Django starts, with the
few things the shared apps need of it: how a person finds one (its selector, a miss being a 404),
how it is locked for a change, which company owns it, its number and page, and whether it still
takes additions.

A shared app names a subject type by its key (``"enrollment"``) where it serves a route for it;
it never names the model or the code behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.signals import pre_delete
from django_scopes import scopes_disabled

from .errors import NotVisible

if TYPE_CHECKING:
    from .models import SubjectLink

_TYPES: dict[str, SubjectType] = {}
# The models that link to a subject through ``subject_type`` / ``subject_id``.
_ATTACHED: list[type[models.Model]] = []


def _takes_additions(subject: Any) -> None:
    return None


def _nowhere(subject: Any) -> str:
    return ""


@dataclass(frozen=True)
class SubjectType:
    """One kind of subject and what the shared apps may ask of it."""

    key: str
    model: type[models.Model]
    # The owner's selector: the subject ``user`` may see, or NotVisible.
    get_for: Callable[..., Any]
    # The subject re-read under a row lock: every change that hangs off it starts here.
    lock: Callable[[Any], Any]
    # The company (an orgs Organization) whose folder and records it belongs to.
    company: Callable[[Any], Any]
    number: Callable[[Any], str]
    # How people name it on a page: its number and where it is ("DSG-2026-00001 (第1拠点)").
    label: Callable[[Any], str]
    url: Callable[[Any], str]
    # Raises RuleViolation when the subject takes no more records (a withdrawn case).
    check_open: Callable[[Any], None] = _takes_additions
    # Where it is, for a visit (the site's name and address).
    place: Callable[[Any], str] = _nowhere
    # The rows read with what ``label`` and ``place`` need (for prefetching many subjects).
    related: tuple[str, ...] = ()


def register(subject_type: SubjectType) -> None:
    known = _TYPES.get(subject_type.key)
    if known is not None and known.model is not subject_type.model:
        raise ImproperlyConfigured(f"subject type {subject_type.key!r} registered twice")
    _TYPES[subject_type.key] = subject_type
    pre_delete.connect(
        _protect, sender=subject_type.model, dispatch_uid=f"subject:{subject_type.key}"
    )


def unregister(key: str) -> None:
    """Forget a subject type (tests register one of their own)."""
    known = _TYPES.pop(key, None)
    if known is not None:
        pre_delete.disconnect(sender=known.model, dispatch_uid=f"subject:{key}")


def register_attached(model: type[models.Model]) -> None:
    """A model of a shared app that links to subjects (``subject_type``, ``subject_id``)."""
    if model not in _ATTACHED:
        _ATTACHED.append(model)


def attached_to(queryset: models.QuerySet[Any], subject: models.Model) -> models.QuerySet[Any]:
    """The rows of ``queryset`` that belong to ``subject``."""
    return queryset.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    )


def _protect(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """A subject with records attached is never deleted (the generic link has no PROTECT)."""
    with scopes_disabled():
        for model in _ATTACHED:
            records = attached_to(model._default_manager.all(), instance)
            if records.exists():
                raise models.ProtectedError(
                    f"{instance} has {model._meta.verbose_name_plural} attached",
                    set(records[:10]),
                )


def subject_type(key: str) -> SubjectType:
    try:
        return _TYPES[key]
    except KeyError:
        raise ImproperlyConfigured(f"no subject type {key!r} is registered") from None


def subject_type_of(subject: models.Model | type[models.Model]) -> SubjectType:
    model = subject if isinstance(subject, type) else type(subject)
    for known in _TYPES.values():
        if issubclass(model, known.model):
            return known
    raise ImproperlyConfigured(f"{model.__name__} is not a registered subject type")


def subject_type_for(content_type: ContentType) -> SubjectType:
    """The registered subject type a link's ``subject_type`` names."""
    model = content_type.model_class()
    if model is None:
        raise ImproperlyConfigured(f"{content_type} names no installed model")
    return subject_type_of(model)


def linked_subject(record: SubjectLink) -> models.Model:
    """The subject ``record`` belongs to. Never missing: its type and id are required, and a
    subject with records attached is never deleted (``_protect``)."""
    subject = record.subject
    if subject is None:
        raise ImproperlyConfigured(
            f"{type(record).__name__} {record.pk} links to a missing subject"
        )
    return subject


def subject_types() -> list[SubjectType]:
    return list(_TYPES.values())


def subject_get_for(key: str, *, user: Any, pk: int) -> Any:
    """The subject of type ``key`` with id ``pk`` that ``user`` may see, or NotVisible (404)."""
    if key not in _TYPES:
        raise NotVisible()
    return _TYPES[key].get_for(user=user, pk=pk)


def subjects_prefetch(lookup: str = "subject") -> Any:
    """Prefetch the subjects of many rows at once, each type with what its label reads."""
    from django.contrib.contenttypes.prefetch import GenericPrefetch

    return GenericPrefetch(
        lookup,
        [known.model._default_manager.select_related(*known.related) for known in _TYPES.values()],
    )
