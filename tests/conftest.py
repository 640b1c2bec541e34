from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation
from django_scopes import scopes_disabled

from dsg.orgs.models import Role

from .factories import CompanyFactory, OfficeFactory, ProviderFactory, SiteFactory, UserFactory
from .walk import Cast

# The slowest test files at the end of a run, wall clock and CPU (#14).
pytest_plugins = ["tests.time_by_file"]


@pytest.fixture(autouse=True)
def _scopes_disabled_in_test_code():
    """Test code sees everything; requests made through a client get the real tenant scope."""
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True, scope="session")
def _flush_may_empty_the_ledger():
    """Transactional tests (the live server's among them) are separated by Django's flush, which
    empties the append-only audit ledger too: allowed here only (dsg.audit's flush command)."""
    settings.DSG_FLUSH_EMPTIES_LEDGER = True


@pytest.fixture(autouse=True, scope="session")
def _passwords_hashed_with_the_least_work():
    """Argon2id with the least work for the whole run (tests/hashers.py): the same checks, not
    the same cost. A hash carries its own parameters, so production's (a subprocess's) verify."""
    hashers = ["tests.hashers.QuickArgon2PasswordHasher", *settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


@pytest.fixture(autouse=True)
def _data_migrations_after_a_flush(request):
    """Tests on a transactional database (the live server's among them) start from a flushed
    database, which drops what data migrations put there: load the shipped sample checklists
    again, as their migrations do. Other tests keep the migrated data in their transaction."""
    marker = request.node.get_closest_marker("django_db")
    flushed = marker is not None and marker.kwargs.get("transaction", False)
    if not flushed and not {"transactional_db", "live_server"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    from dsg.contacts.models import Contact
    from dsg.contacts.seed import contacts_seed
    from dsg.inspections.models import ChecklistItem, ChecklistTemplate, ChecklistVersion
    from dsg.inspections.sample_checklist import sample_load

    contacts_seed(Contact)  # the guideline's 問い合わせ先 (contacts)
    from dsg.requests.models import ChangeKind
    from dsg.requests.seed import kinds_seed

    kinds_seed(ChangeKind)  # the kinds of 加入申請内容の変更

    for kind in ("site", "final"):
        sample_load(ChecklistTemplate, ChecklistVersion, ChecklistItem, kind)


@pytest.fixture(autouse=True)
def _mfa_not_required_unless_a_test_turns_it_on(settings):
    """二要素認証 is required of the office, the provider and every PSA (DSG_MFA_REQUIRED,
    dsg.orgs.mfa), checked on every request. The tests log such people in with ``force_login``
    and through the e2e login form, with no second factor: they run with the requirement off.
    The tests of MFA itself (tests/orgs/test_mfa.py, tests/e2e/test_webauthn.py) turn it on."""
    settings.DSG_MFA_REQUIRED = False


@pytest.fixture(autouse=True)
def _default_language_for_each_test():
    """Each test starts in the portal's default language: a request (or API call with
    ``Accept-Language``) leaves its language active in the thread, which would leak into the next
    test and make lazy messages depend on the order the tests run in."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def office(db):
    return OfficeFactory()


@pytest.fixture
def provider_org(db):
    return ProviderFactory()


@pytest.fixture
def company(db):
    return CompanyFactory()


@pytest.fixture
def other_company(db):
    return CompanyFactory()


@pytest.fixture
def psa(company):
    return UserFactory(organization=company, role=Role.PSA)


@pytest.fixture
def delegate(company):
    return UserFactory(organization=company, role=Role.DELEGATE)


@pytest.fixture
def company_user(company):
    return UserFactory(organization=company, role=Role.USER)


@pytest.fixture
def reviewer(office):
    return UserFactory(organization=office, role=Role.REVIEWER)


@pytest.fixture
def inspector(office):
    return UserFactory(organization=office, role=Role.INSPECTOR)


@pytest.fixture
def provider_staff(provider_org):
    return UserFactory(organization=provider_org, role=Role.PROVIDER_STAFF)


@pytest.fixture
def other_psa(other_company):
    return UserFactory(organization=other_company, role=Role.PSA)


@pytest.fixture
def site(company):
    return SiteFactory(company=company)


@pytest.fixture
def cast(psa, delegate, reviewer, inspector, provider_staff):
    return Cast(
        psa=psa, delegate=delegate, reviewer=reviewer, inspector=inspector, staff=provider_staff
    )


@pytest.fixture
def everyone(psa, delegate, company_user, reviewer, inspector, provider_staff, other_psa):
    """Every role, plus a PSA of another company, by name."""
    return {
        "psa": psa,
        "delegate": delegate,
        "user": company_user,
        "reviewer": reviewer,
        "inspector": inspector,
        "provider_staff": provider_staff,
        "other_psa": other_psa,
    }
