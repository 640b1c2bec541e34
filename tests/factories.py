"""factory_boy factories: organisations, people with a role, sites in Japan."""

from __future__ import annotations

import functools

import factory
from django.contrib.auth.hashers import make_password
from django.test import Client

from dsg.orgs.japan import corporate_number_check_digit
from dsg.orgs.models import Organization, OrganizationKind, Role, Site, User

PASSWORD = "correct horse battery staple 42"


@functools.cache
def password_hash() -> str:
    """One real Argon2 hash, computed once: hashing per user would dominate the suite's time."""
    return make_password(PASSWORD)


def corporate_number(n: int) -> str:
    base = f"{n:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.COMPANY
    name = factory.Sequence(lambda n: f"テスト工業{n}株式会社")
    corporate_number = factory.Sequence(lambda n: corporate_number(100000000 + n))
    postal_code = "100-0001"
    prefecture = "13"
    address = "千代田区千代田1-1"


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.OFFICE
    name = "防衛装備庁 情報システム管理室"
    corporate_number = None


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.PROVIDER
    name = "サービス提供事業者"
    corporate_number = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@test.example.jp")
    full_name = factory.Sequence(lambda n: f"試験 太郎{n}")
    password = factory.LazyFunction(password_hash)
    organization = factory.SubFactory(CompanyFactory)
    role = Role.PSA


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"第{n}拠点")
    postal_code = "162-8870"
    prefecture = "13"
    address = "新宿区市谷本村町5-1"


def token_made_before_the_rule(person: User, *, name: str = "old") -> str:
    """A personal API token stored as one was before the 利用者 lost the API (#13): the service
    refuses to make one for that role now, and the portal refuses it at authentication."""
    import datetime as dt

    from django.utils import timezone

    from dsg.orgs.models import ApiToken

    raw = ApiToken.new_raw_token()
    ApiToken.objects.create(
        user=person,
        name=name,
        digest=ApiToken.digest_of(raw),
        scope=ApiToken.Scope.READ_WRITE,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    return raw


def api_client(person: User, *, name: str = "tests") -> Client:
    """The API as the person reaches it: with a personal token, or — the 利用者, who has none
    (#13) — with their browser session, which the API refuses (403 ``api_not_for_role``, #12)."""
    from dsg.orgs.permissions import may_use_api
    from dsg.orgs.services import api_token_create

    if may_use_api(person):
        raw = api_token_create(actor=person, name=name)
        return Client(headers={"Authorization": f"Bearer {raw}"})
    client = Client()
    client.force_login(person)
    return client
