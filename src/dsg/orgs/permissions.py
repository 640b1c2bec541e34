"""The permission engine: who may see what, and who may do what.

orgs knows no app above it. Each app declares, in a ``policy.py`` of its own, the actions it
offers with the roles that may take them, and for each of its models who sees its rows; it
registers that policy when Django starts (``AppConfig.ready``). Every page, API handler,
selector and service asks here, so the rules are checked in one place: reads are filtered in the
query (``restrict``: a miss is a 404), actions are checked with ``may`` (services call
``require_permission``). Unknown actions and unregistered models are never allowed.

The rules for a model's rows (``Visibility``): a company's people see their own company's rows
(the roles listed, optionally narrowed further); the office sees every company's rows; the service
provider sees only what a ``ProviderView`` gives it (the cases it provisions, and what hangs off
them), nothing by default.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dsg.core import subjects
from dsg.core.errors import RuleViolation

from .models import Organization, OrganizationKind, Role

if TYPE_CHECKING:
    from .models import User

COMPANY_ROLES = frozenset({Role.PSA, Role.DELEGATE, Role.USER})

# Every app's actions and the roles that may take them, registered at start-up. Company roles act
# only on their own company's objects; the provider only on objects it sees.
ACTION_ROLES: dict[str, frozenset[str]] = {}

RowFilter = Callable[["User", QuerySet[Any]], QuerySet[Any]]
_M = TypeVar("_M", bound=models.Model)


@dataclass(frozen=True)
class ProviderView:
    """The rows of one model the service provider sees: a filter on a queryset, and the same test
    on one object (``sees``; without it the engine asks the database)."""

    rows: RowFilter
    sees: Callable[[User, Any], bool] | None = None


@dataclass(frozen=True)
class Visibility:
    """Who sees the rows of one model.

    ``company`` is the ORM path from the model to the company that owns its rows ("company",
    "site__company"); ``company_roles`` the company roles that see them; ``narrow`` an optional
    further filter for those roles (a 利用者 sees only some kinds). ``via_subject``: a row is seen
    only by those who see its subject (``subject_type``/``subject_id``) as well.
    """

    company: str
    company_roles: frozenset[str] = COMPANY_ROLES
    narrow: RowFilter | None = None
    office: bool = True
    provider: ProviderView | None = None
    via_subject: bool = False


VISIBILITY: dict[type[models.Model], Visibility] = {}


def register(
    *,
    actions: Mapping[str, Iterable[str]] | None = None,
    models: Mapping[type[models.Model], Visibility] | None = None,
) -> None:
    """An app's policy: its actions with their roles, and its models with their visibility."""
    for action, roles in (actions or {}).items():
        if action in ACTION_ROLES:
            raise ImproperlyConfigured(f"action {action!r} is declared twice")
        ACTION_ROLES[action] = frozenset(roles)
    for model, visibility in (models or {}).items():
        if model in VISIBILITY:
            raise ImproperlyConfigured(f"the visibility of {model.__name__} is declared twice")
        VISIBILITY[model] = visibility


def register_provider_view(model: type[models.Model], view: ProviderView) -> None:
    """What the provider sees of a model declared below the app that knows why it sees it (the
    sites of the cases it provisions are declared by the enrollment app)."""
    VISIBILITY[model] = replace(visibility_of(model), provider=view)


def visibility_of(model: type[models.Model]) -> Visibility:
    for known in model.__mro__:
        if known in VISIBILITY:
            return VISIBILITY[known]
    raise ImproperlyConfigured(f"no visibility is declared for {model.__name__}")


# Who the user is ---------------------------------------------------------------------------
def kind_of(user: Any) -> str | None:
    if not user.is_authenticated or user.organization_id is None:
        return None
    return str(user.organization.kind)


def is_company_member(user: Any) -> TypeGuard[User]:
    return kind_of(user) == OrganizationKind.COMPANY and user.role in COMPANY_ROLES


def may_use_api(user: Any) -> bool:
    """Personal API tokens are offered to every role but the 利用者 (#12), who only reads what
    the portal's pages show them."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in API_ROLES


API_ROLES = frozenset({Role.PSA, Role.DELEGATE, Role.REVIEWER, Role.INSPECTOR, Role.PROVIDER_STAFF})


def is_office(user: Any) -> bool:
    return kind_of(user) == OrganizationKind.OFFICE


def is_provider(user: Any) -> bool:
    return kind_of(user) == OrganizationKind.PROVIDER


# Reads -------------------------------------------------------------------------------------
def restrict(user: Any, queryset: QuerySet[_M]) -> QuerySet[_M]:
    """The rows of ``queryset`` that ``user`` may see, filtered in the query."""
    rule = visibility_of(queryset.model)
    if is_company_member(user):
        if user.role not in rule.company_roles:
            return queryset.none()
        rows = queryset.filter(**{f"{rule.company}_id": user.organization_id})
        rows = rule.narrow(user, rows) if rule.narrow else rows
    elif is_office(user):
        rows = queryset if rule.office else queryset.none()
    elif is_provider(user) and rule.provider is not None:
        rows = rule.provider.rows(user, queryset)
    else:
        return queryset.none()
    return rows.filter(subject_visible_q(user)) if rule.via_subject else rows


def subject_visible_q(user: Any, prefix: str = "") -> Q:
    """Rows whose subject (``subject_type``, ``subject_id``) ``user`` sees; no subject: none."""
    condition = Q(pk__in=[])
    for known in subjects.subject_types():
        content_type = ContentType.objects.get_for_model(known.model)
        visible = restrict(user, known.model._default_manager.all()).values("pk")
        condition |= Q(
            **{f"{prefix}subject_type": content_type, f"{prefix}subject_id__in": visible}
        )
    return condition


def sees(user: Any, obj: Any) -> bool:
    """May ``user`` see ``obj``? The same rule as ``restrict``, asked of one object."""
    rule = visibility_of(type(obj))
    if is_company_member(user) and not rule.via_subject and rule.narrow is None:
        return user.role in rule.company_roles and company_id_of(obj) == user.organization_id
    if is_provider(user) and rule.provider is not None and rule.provider.sees is not None:
        return rule.provider.sees(user, obj)
    model = type(obj)
    return restrict(user, model._default_manager.filter(pk=obj.pk)).exists()


def company_id_of(obj: Any) -> int | None:
    """The id of the company that owns ``obj``, by the path its model declares."""
    if isinstance(obj, Organization):
        return obj.pk if obj.is_company else None
    *path, last = visibility_of(type(obj)).company.split("__")
    owner = operator.attrgetter(".".join(path))(obj) if path else obj
    return getattr(owner, f"{last}_id", None) if owner is not None else None


def through(path: str, model: type[models.Model]) -> ProviderView:
    """The provider sees a row when it sees the ``model`` object at ``path`` (its case, site)."""
    getter = operator.attrgetter(path.replace("__", "."))
    return ProviderView(
        rows=lambda user, queryset: queryset.filter(
            **{f"{path}__in": restrict(user, model._default_manager.all()).values("pk")}
        ),
        sees=lambda user, obj: sees(user, getter(obj)),
    )


# Actions -----------------------------------------------------------------------------------
def may(user: Any, action: str, obj: Any = None) -> bool:
    """May ``user`` do ``action`` (on ``obj``)? Unknown actions are never allowed."""
    roles = ACTION_ROLES.get(action)
    if roles is None or not user.is_authenticated or user.role not in roles:
        return False
    if user.role in COMPANY_ROLES:
        if not is_company_member(user):
            return False
        return obj is None or company_id_of(obj) == user.organization_id
    if user.role == Role.PROVIDER_STAFF:
        return is_provider(user) and (obj is None or sees(user, obj))
    return is_office(user)


def require_permission(*, actor: Any, action: str, obj: Any = None) -> None:
    """The guard every service starts with: the action is refused (403) unless ``may``."""
    if not may(actor, action, obj):
        raise RuleViolation(
            _("Your role is not allowed to do this in this case."), code="forbidden", status=403
        )
