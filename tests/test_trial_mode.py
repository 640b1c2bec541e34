"""Secrets and the local-trial mode: without DSG_SECRET_KEY the portal runs only as a loopback
trial and says so on every page; the documented production environment passes
``dsg check --deploy --fail-level WARNING`` with no warning at all."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from dsg.core.trial import is_loopback, trial_mode_decide

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENT = ROOT / "docs" / "operators" / "deployment.md"
BANNER = "試用モード: 本番では使用しないでください"


def documented_environment() -> dict[str, str]:
    """The environment file of docs/operators/deployment.md, line by line."""
    text = DEPLOYMENT.read_text(encoding="utf-8")
    block = re.search(r"e\.g\. `/etc/dsg/env`:\n\n```sh\n(.*?)```", text, re.S)
    assert block, "deployment.md lost its environment file"
    pairs = (line.split("=", 1) for line in block.group(1).splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def dsg(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dsg.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any DSG_* setting or database, plus ``extra``; and
    without the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (tests/e2e/conftest.py sets it in this
    process when the e2e tests are collected with the rest), which no deployment sets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DSG_")}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return {**env, "DSG_DATA_DIR": str(tmp_path / "data"), **extra}


def test_the_documented_production_environment_passes_the_deploy_check_with_no_warning(tmp_path):
    documented = documented_environment()
    assert documented["DSG_SECRET_KEY"].startswith("<"), "the doc shows how to make a key"
    env = clean_env(tmp_path, **documented)
    env["DSG_SECRET_KEY"] = "k3y-" + "8fQz1-" * 10  # what the doc's command prints, in kind
    env["DSG_DATA_DIR"] = str(tmp_path / "data")  # not /var/lib/dsg
    env.pop("DATABASE_URL")  # no PostgreSQL server in this test: SQLite, the same settings else
    result = dsg(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_production_defaults_are_https_and_a_shared_cache(tmp_path):
    env = clean_env(tmp_path, **documented_environment())
    env["DSG_SECRET_KEY"] = "k3y-" + "8fQz1-" * 10
    env["DSG_DATA_DIR"] = str(tmp_path / "data")
    env.pop("DATABASE_URL")
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DSG_TRIAL_MODE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.ALLAUTH_TRUSTED_PROXY_COUNT, "
        "s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1], "
        "'dsg.core.trial.LoopbackOnlyMiddleware' in s.MIDDLEWARE)"
    )
    env["DJANGO_SETTINGS_MODULE"] = "dsg.settings"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == [
        "False",
        "True",
        "31536000",
        "True",
        "True",
        "1",
        "DatabaseCache",
        "False",
    ], result.stderr


def test_the_trial_key_is_reported_by_the_deploy_check(tmp_path):
    result = dsg(clean_env(tmp_path), "check", "--deploy")
    assert result.returncode != 0
    assert "dsg.E001" in result.stderr and "DSG_SECRET_KEY is not set" in result.stderr
    assert "security.W009" in result.stderr  # Django's own check recognises it too


def test_a_public_host_without_a_secret_key_is_refused_at_start_with_a_clear_error(tmp_path):
    result = dsg(clean_env(tmp_path, DSG_ALLOWED_HOSTS="dsg.example.jp"), "check")
    assert result.returncode != 0
    assert "DSG_SECRET_KEY is not set" in result.stderr
    assert "'dsg.example.jp'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "environ",
    [
        {"DSG_BEHIND_TLS_PROXY": "true"},
        {"DSG_SECURE_COOKIES": "1"},
        {"DSG_SSL_REDIRECT": "on"},
        {"DSG_HSTS_SECONDS": "31536000"},
    ],
)
def test_a_production_setting_without_a_secret_key_is_refused(environ):
    with pytest.raises(ImproperlyConfigured, match=f"{next(iter(environ))} is set"):
        trial_mode_decide(
            secret_key="", allowed_hosts=["localhost"], portal_url="", environ=environ
        )


@pytest.mark.parametrize("hosts", [["dsg.example.jp"], ["*"], ["localhost", "10.0.0.5"]])
def test_a_host_that_is_not_loopback_without_a_secret_key_is_refused(hosts):
    with pytest.raises(ImproperlyConfigured, match="DSG_ALLOWED_HOSTS names"):
        trial_mode_decide(secret_key="", allowed_hosts=hosts, portal_url="", environ={})


def test_a_public_portal_url_without_a_secret_key_is_refused():
    with pytest.raises(ImproperlyConfigured, match="DSG_PORTAL_URL"):
        trial_mode_decide(
            secret_key="",
            allowed_hosts=["localhost"],
            portal_url="https://dsg.example.jp",
            environ={},
        )


def test_the_trial_runs_on_loopback_with_its_switches_off():
    assert trial_mode_decide(
        secret_key="",
        allowed_hosts=["127.0.0.1", "localhost", "[::1]"],
        portal_url="http://127.0.0.1:8000",
        environ={"DSG_SECURE_COOKIES": "0", "DSG_HSTS_SECONDS": "0", "DSG_SSL_REDIRECT": "false"},
    )
    assert not trial_mode_decide(
        secret_key="x" * 50, allowed_hosts=["dsg.example.jp"], portal_url="", environ={}
    )


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.0.1.7", True),
        ("[::1]", True),
        ("::1", True),
        ("localhost:8000", True),
        ("dsg.localhost", True),
        ("0.0.0.0", False),
        ("192.0.2.1", False),
        ("::", False),
        ("dsg.example.jp", False),
        ("*", False),
    ],
)
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


@pytest.mark.django_db
def test_every_page_says_trial_mode(client, psa, settings):
    assert settings.DSG_TRIAL_MODE  # the test suite runs without DSG_SECRET_KEY
    login = client.get(reverse("account_login"))
    assert BANNER in login.content.decode()
    client.force_login(psa)
    assert BANNER in client.get(reverse("dashboard")).content.decode()
    assert BANNER in client.get(reverse("contacts")).content.decode()


@pytest.mark.django_db
def test_the_admin_says_trial_mode_too(client, reviewer):
    reviewer.is_staff = reviewer.is_superuser = True
    reviewer.save()
    client.force_login(reviewer)
    assert BANNER in client.get("/admin/").content.decode()


@pytest.mark.django_db
@override_settings(DSG_TRIAL_MODE=False)
def test_production_pages_have_no_trial_banner(client, psa):
    assert BANNER not in client.get(reverse("account_login")).content.decode()
    client.force_login(psa)
    assert BANNER not in client.get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_the_trial_answers_loopback_clients_only(client):
    assert client.get(reverse("account_login"), REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get(reverse("account_login"), REMOTE_ADDR="::1").status_code == 200
    refused = client.get(reverse("account_login"), REMOTE_ADDR="192.0.2.10")
    assert refused.status_code == 403
    assert b"local trial" in refused.content


def test_dsg_serve_refuses_a_public_bind_address_in_the_trial():
    with pytest.raises(CommandError, match="loopback only"):
        call_command("serve", host="0.0.0.0", port=8765)


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_to_https_but_the_health_probe(client):
    login = client.get(reverse("account_login"))
    assert login.status_code == 301 and login["Location"].startswith("https://")
    assert client.get("/readyz").status_code == 200
