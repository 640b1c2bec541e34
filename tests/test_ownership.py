"""Every company-owned model says who owns its rows, twice and the same way: a django-scopes
ScopedManager (a query outside a scope raises instead of leaking) and the Visibility its app
registers with the permission engine (who sees which rows). A new model cannot slip past: it is
either in the short list of models no company owns, or it is checked here.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from dsg.orgs.permissions import VISIBILITY

# Models no company owns: the organisations and people themselves, the office's checklists and
# settings, the ledger, the outbox, the notice counter and the public contacts (問い合わせ先).
NOT_COMPANY_OWNED = {
    "orgs.Organization",
    "orgs.User",
    "orgs.ApiToken",
    "audit.AuditEvent",
    "audit.AuditHead",
    "schedule.StepDuration",
    "inspections.ChecklistTemplate",
    "inspections.ChecklistVersion",
    "inspections.ChecklistItem",
    "notices.NoticeCounter",
    "notifications.OutboxMessage",
    # a person's own: their inbox and the mails they turned off (#12)
    "notifications.Notification",
    "notifications.MailOptOut",
    "notifications.MailCategoryRule",  # the office's: which mails are required (#12)
    "contacts.Contact",
    "requests.ChangeKind",
    # 年次確認: the office's round is the same for every company it asks.
    "annual.AnnualRound",
    # The provider's catalogues of software: the same for every company.
    "registry.SoftwareCatalogue",
    "registry.CatalogueEntry",
}
PORTAL_MODELS = [m for m in apps.get_models() if m.__module__.startswith("dsg.")]
COMPANY_OWNED = [m for m in PORTAL_MODELS if m._meta.label not in NOT_COMPANY_OWNED]


def test_the_list_of_models_no_company_owns_is_current():
    labels = {m._meta.label for m in PORTAL_MODELS}
    assert NOT_COMPANY_OWNED <= labels, NOT_COMPANY_OWNED - labels
    assert len(COMPANY_OWNED) >= 20


@pytest.mark.parametrize("model", COMPANY_OWNED, ids=lambda m: m._meta.label)
def test_a_company_owned_model_declares_its_owner_to_the_engine_and_the_scope(model):
    assert model in VISIBILITY, f"{model._meta.label}: no Visibility registered in a policy.py"
    assert type(model.objects).__module__ == "django_scopes.manager", (
        f"{model._meta.label}: objects is not a django-scopes ScopedManager"
    )
    path = VISIBILITY[model].company
    with scope(company=4711):
        scoped = str(model.objects.all().query)
    declared = str(model._base_manager.filter(**{path: 4711}).query)
    assert scoped == declared, f"{model._meta.label}: the scope and the Visibility differ"


@pytest.mark.parametrize("model", COMPANY_OWNED, ids=lambda m: m._meta.label)
def test_outside_a_scope_a_company_owned_query_raises(model):
    with scope(), pytest.raises(ScopeError):  # scopes on, but no company chosen
        list(model.objects.all())
