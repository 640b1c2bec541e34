"""Login throttling on the cache every worker shares, and its release by a mailed link.

allauth counts failed logins per client address (10 a minute) and per address typed (5 in
5 minutes); the portal counts them in the database cache (or Redis/Memcached), keys the account's
count by the address alone, tells a throttled account apart, and releases it by a single-use link
mailed to the account's own address.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.urls import reverse

from dsg.audit.models import AuditEvent
from dsg.core.caches import CACHE_TABLE, cache_from_url
from dsg.notifications.models import OutboxMessage

from ..factories import PASSWORD, UserFactory

LOGIN = reverse("account_login")
WRONG = "not the password 123"
THROTTLED = "Too many failed attempts to log in with this address"
PAUSED_JA = "このアドレスでのログインに失敗した回数が多すぎる"


def attempt(client: Client, email: str, password: str = WRONG, **extra: str):
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def refused_code(response) -> str | None:
    """The code of the login form's refusal (None: the login went through)."""
    if response.status_code != 200:
        return None
    errors = response.context["form"].non_field_errors().as_data()
    return errors[0].code if errors else None


def logged_in(client: Client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def fail(client: Client, email: str, times: int, **extra: str) -> None:
    for _ in range(times):
        attempt(client, email, **extra)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every attempt checks a password; a fast hasher keeps these tests quick (hashing is not
    what they are about)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def en(settings):
    settings.LANGUAGE_CODE = "en"  # English messages, to read the refusals


@pytest.fixture
def person(db):
    return UserFactory(email="victim@test.example.jp", password=make_password(PASSWORD))


def unlock_mail(person) -> OutboxMessage:
    return OutboxMessage.objects.filter(recipients=[person.email]).latest("pk")


def unlock_code(message: OutboxMessage) -> str:
    link = re.search(r"https?://\S+/accounts/unlock/#(\S+)", message.body)
    assert link, message.body
    return link.group(1)


# The shared cache ---------------------------------------------------------------------------------
def test_the_default_cache_is_the_database_and_the_test_database_has_its_table(db):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert CACHE_TABLE in connection.introspection.table_names()
    cache.set("dsg:probe", 1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {CACHE_TABLE}")  # noqa: S608 (a constant)
        assert cursor.fetchone()[0] >= 1


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("", "db.DatabaseCache", CACHE_TABLE),
        ("db://", "db.DatabaseCache", CACHE_TABLE),
        ("redis://cache.internal:6379/1", "redis.RedisCache", "redis://cache.internal:6379/1"),
        (
            "rediss://:pw@cache.internal:6380/0",
            "redis.RedisCache",
            "rediss://:pw@cache.internal:6380/0",
        ),
        ("unix:///run/redis.sock", "redis.RedisCache", "unix:///run/redis.sock"),
        ("memcached://10.0.0.7:11211", "memcached.PyMemcacheCache", "10.0.0.7:11211"),
        (
            "memcached:///run/memcached.sock",
            "memcached.PyMemcacheCache",
            "unix:/run/memcached.sock",
        ),
    ],
)
def test_the_cache_comes_from_dsg_cache_url(url, backend, location):
    entry = cache_from_url(url)
    assert entry["BACKEND"] == f"django.core.cache.backends.{backend}"
    assert entry["LOCATION"] == location


@pytest.mark.parametrize("url", ["locmem://", "memcached://", "http://cache", "file:///tmp/c"])
def test_a_cache_url_that_is_not_shared_or_not_understood_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="DSG_CACHE_URL"):
        cache_from_url(url)


def test_the_database_cache_cannot_be_flooded_into_evicting_counters():
    assert cache_from_url("")["OPTIONS"]["MAX_ENTRIES"] >= 1_000_000


# Throttling ---------------------------------------------------------------------------------------
def test_five_failures_throttle_the_account_even_for_the_right_password(client, person, en):
    fail(client, person.email, 5)
    refused = attempt(client, person.email, PASSWORD)
    assert refused_code(refused) == "login_throttled"
    assert not logged_in(client, person)
    page = refused.content.decode()
    assert THROTTLED in page
    assert 'data-form="unlock-request"' in page  # 「send me a link to unlock」
    assert reverse("login_unlock_request") in page


def test_the_throttled_page_speaks_japanese(client, person):
    fail(client, person.email, 5)
    assert PAUSED_JA in attempt(client, person.email, PASSWORD).content.decode()


def test_an_unknown_address_is_throttled_alike(client, db, en):
    fail(client, "nobody@test.example.jp", 5)
    refused = attempt(client, "nobody@test.example.jp")
    assert refused_code(refused) == "login_throttled"
    assert 'data-form="unlock-request"' in refused.content.decode()


def test_the_host_header_does_not_start_a_new_count(client, person):
    """allauth's own key holds the Host header; a client that varies it (any port passes
    ALLOWED_HOSTS) would have had 5 new attempts per port."""
    for port in range(1, 6):
        attempt(client, person.email, HTTP_HOST=f"localhost:{port}")
    refused = attempt(client, person.email, PASSWORD, HTTP_HOST="localhost:6")
    assert refused_code(refused) == "login_throttled"


def test_the_address_is_counted_whatever_its_case_or_spaces(client, person):
    for variant in ("VICTIM@test.example.jp", " victim@TEST.example.jp", "Victim@Test.Example.JP"):
        attempt(client, variant)
    fail(client, person.email, 2)
    assert refused_code(attempt(client, person.email, PASSWORD)) == "login_throttled"


def test_a_right_password_does_not_count(client, person):
    for _ in range(8):
        assert attempt(client, person.email, PASSWORD).status_code == 302
        client.logout()
    fail(client, person.email, 4)
    assert attempt(client, person.email, PASSWORD).status_code == 302


def test_the_per_address_limit_refuses_with_its_own_message(client, db, en):
    for n in range(10):
        attempt(client, f"someone{n}@test.example.jp", REMOTE_ADDR="127.0.0.7")
    refused = attempt(client, "someone99@test.example.jp", REMOTE_ADDR="127.0.0.7")
    assert refused_code(refused) == "too_many_login_attempts"
    assert "from your network" in refused.content.decode()
    assert 'data-form="unlock-request"' not in refused.content.decode()


def test_the_throttling_is_ledgered_once_per_window(client, person):
    fail(client, person.email, 5)
    for _ in range(3):
        attempt(client, person.email, PASSWORD)
    events = AuditEvent.objects.filter(action="login.throttled", object_id=str(person.pk))
    assert events.count() == 1
    assert events.get().actor_label == "system"


def test_the_account_is_released_after_the_window(client, person, monkeypatch):
    fail(client, person.email, 5)
    assert refused_code(attempt(client, person.email, PASSWORD)) == "login_throttled"
    later = time.time() + 301
    monkeypatch.setattr("allauth.core.internal.ratelimit.time.time", lambda: later)
    assert attempt(client, person.email, PASSWORD).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_limit_holds_across_two_processes(tmp_path):
    """Another process (another gunicorn worker) makes 5 failed attempts; this one's 6th, with
    the right password, is refused: both count in the same database cache."""
    person = UserFactory(email="shared@test.example.jp")
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = (
            f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
            f"@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    script = (
        "import sys, django; django.setup()\n"
        "from django.test.utils import setup_test_environment; setup_test_environment()\n"
        "from django.test import Client\n"
        "client = Client(REMOTE_ADDR='127.0.0.3')\n"
        "for _ in range(5):\n"
        "    r = client.post('/accounts/login/', {'login': sys.argv[1], 'password': 'wrong 123'})\n"
        "    print(r.status_code, r.context['form'].non_field_errors().as_data()[0].code)\n"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "dsg.settings"}
    other = subprocess.run(
        [sys.executable, "-c", script, person.email],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.split("\n")[:5] == ["200 email_password_mismatch"] * 5, other.stdout
    client = Client(REMOTE_ADDR="127.0.0.4")
    assert refused_code(attempt(client, person.email, PASSWORD)) == "login_throttled"
    assert not logged_in(client, person)


# Release by a mailed link -------------------------------------------------------------------------
def test_asking_for_a_link_mails_the_accounts_own_address_once_per_window(client, person, en):
    fail(client, person.email, 5)
    asked = client.post(reverse("login_unlock_request"), {"email": person.email}, follow=True)
    assert "a link to unlock it has been mailed" in asked.content.decode()
    message = unlock_mail(person)
    assert message.recipients == [person.email] and message.secret  # erased once sent
    assert AuditEvent.objects.filter(action="login.unlock_mailed", object_id=str(person.pk))
    client.post(reverse("login_unlock_request"), {"email": person.email})
    assert OutboxMessage.objects.filter(recipients=[person.email]).count() == 1


def test_asking_for_a_link_answers_the_same_whether_an_account_has_the_address(client, person):
    def ask(email: str) -> str:
        page = client.post(reverse("login_unlock_request"), {"email": email}, follow=True)
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode())

    fail(client, "nobody@test.example.jp", 5, REMOTE_ADDR="127.0.0.11")
    fail(client, person.email, 5, REMOTE_ADDR="127.0.0.12")
    unknown = ask("nobody@test.example.jp")
    known = ask(person.email)
    not_throttled = ask(UserFactory().email)
    assert unknown == known == not_throttled
    assert OutboxMessage.objects.count() == 1  # the throttled account's only


def test_the_link_keeps_its_code_out_of_every_url_a_server_sees(client, person):
    fail(client, person.email, 5)
    client.post(reverse("login_unlock_request"), {"email": person.email})
    body = unlock_mail(person).body
    code = unlock_code(unlock_mail(person))
    assert f"/accounts/unlock/#{code}" in body  # in the fragment: browsers never send it
    assert code in body.split("#", 1)[1]
    # Opening the page (a mail scanner would) changes nothing: the code still works afterwards.
    assert Client().get(reverse("login_unlock")).status_code == 200
    assert Client().post(reverse("login_unlock"), {"code": code}).status_code == 302


def test_the_link_releases_the_account_and_the_person_logs_in(client, person, en):
    attacker = Client(REMOTE_ADDR="127.0.0.2")
    fail(attacker, person.email, 5)
    attacker.post(reverse("login_unlock_request"), {"email": person.email})
    browser = Client(REMOTE_ADDR="127.0.0.9")  # the person's, with the mail
    used = browser.post(reverse("login_unlock"), {"code": unlock_code(unlock_mail(person))})
    assert used.status_code == 302 and used["Location"] == LOGIN
    assert attempt(browser, person.email, PASSWORD).status_code == 302
    assert logged_in(browser, person)
    released = AuditEvent.objects.get(action="login.released", object_id=str(person.pk))
    assert released.actor_label == person.email


def test_an_attacker_who_keeps_failing_cannot_lock_the_released_person_out(client, person):
    attacker = Client(REMOTE_ADDR="127.0.0.2")
    fail(attacker, person.email, 5)
    attacker.post(reverse("login_unlock_request"), {"email": person.email})
    browser = Client(REMOTE_ADDR="127.0.0.9")
    browser.post(reverse("login_unlock"), {"code": unlock_code(unlock_mail(person))})
    fail(Client(REMOTE_ADDR="127.0.0.3"), person.email, 5)  # locked again at once
    assert refused_code(attempt(attacker, person.email, PASSWORD)) == "login_throttled"
    assert attempt(browser, person.email, PASSWORD).status_code == 302  # the pass holds
    assert logged_in(browser, person)


def test_the_pass_of_a_released_browser_is_bounded_too(client, person):
    fail(client, person.email, 5)
    client.post(reverse("login_unlock_request"), {"email": person.email})
    browser = Client(REMOTE_ADDR="127.0.0.9")
    browser.post(reverse("login_unlock"), {"code": unlock_code(unlock_mail(person))})
    fail(Client(REMOTE_ADDR="127.0.0.3"), person.email, 5)  # locked again
    fail(browser, person.email, 5)  # the pass's own 5 attempts, spent
    assert refused_code(attempt(browser, person.email, PASSWORD)) == "login_throttled"


def test_the_link_works_once(client, person, en):
    fail(client, person.email, 5)
    client.post(reverse("login_unlock_request"), {"email": person.email})
    code = unlock_code(unlock_mail(person))
    assert client.post(reverse("login_unlock"), {"code": code}).status_code == 302
    again = client.post(reverse("login_unlock"), {"code": code})
    assert again.status_code == 200
    assert "used already" in again.content.decode()
    assert AuditEvent.objects.filter(action="login.released").count() == 1


def test_a_forged_or_expired_code_is_refused(client, person, monkeypatch, en):
    fail(client, person.email, 5)
    client.post(reverse("login_unlock_request"), {"email": person.email})
    code = unlock_code(unlock_mail(person))
    signed = code.rsplit(":", 1)[0]  # nonce:timestamp, without its signature
    for forged in (f"{signed}:{'A' * 43}", "x" * 40, code[:-3]):
        refused = client.post(reverse("login_unlock"), {"code": forged})
        assert "used already" in refused.content.decode()
    later = time.time() + 31 * 60
    with monkeypatch.context() as patched:
        patched.setattr("django.core.signing.time.time", lambda: later)
        expired = client.post(reverse("login_unlock"), {"code": code})
    assert "used already" in expired.content.decode()
    assert refused_code(attempt(client, person.email, PASSWORD)) == "login_throttled"


def test_the_release_leaves_the_per_address_count(client, person):
    """The link clears the account's count only: failures from the person's network still count."""
    browser = Client(REMOTE_ADDR="127.0.0.9")
    fail(browser, person.email, 5)  # the network's count: 5 (and the refused 6th below: 6)
    browser.post(reverse("login_unlock_request"), {"email": person.email})
    attempt(browser, person.email, WRONG)
    browser.post(reverse("login_unlock"), {"code": unlock_code(unlock_mail(person))})
    for n in range(4):
        attempt(browser, f"other{n}@test.example.jp")  # 10 in the minute
    assert refused_code(attempt(browser, person.email, PASSWORD)) == "too_many_login_attempts"


def test_a_deactivated_account_gets_no_link_and_its_link_does_not_work(client, person):
    fail(client, person.email, 5)
    client.post(reverse("login_unlock_request"), {"email": person.email})
    code = unlock_code(unlock_mail(person))
    person.is_active = False
    person.save()
    assert client.post(reverse("login_unlock"), {"code": code}).status_code == 200
    assert not AuditEvent.objects.filter(action="login.released").exists()
