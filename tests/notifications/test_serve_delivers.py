"""`make run` delivers mail too (#12): `dsg serve` runs the worker beside gunicorn, stops both
together, points the mails' links at its own address, and the trial's mail is readable text."""

from __future__ import annotations

import io
import os
import sys
import time

import pytest
from django.core import mail
from django.core.management import call_command

from dsg.core.management.commands import serve
from dsg.notifications.console import EmailBackend as ReadableConsole


@pytest.fixture
def started(monkeypatch):
    """What `dsg serve` would start, without starting it."""
    runs: list[list[list[str]]] = []
    monkeypatch.setattr(serve, "run_together", lambda commands: runs.append(commands) or 0)
    monkeypatch.delenv("DSG_PORTAL_URL", raising=False)
    return runs


def test_serve_starts_the_mail_worker_beside_gunicorn(started, monkeypatch):
    out = io.StringIO()
    with pytest.raises(SystemExit) as done:
        call_command("serve", port=8123, stdout=out)
    assert done.value.code == 0
    [[gunicorn, worker]] = started
    assert gunicorn[0].endswith("gunicorn") and "127.0.0.1:8123" in gunicorn
    assert worker[-1] == "worker" and worker[:3] == [sys.executable, "-m", "dsg.cli"]
    # the children read their links from the environment: this server's own address
    assert os.environ["DSG_PORTAL_URL"] == "http://127.0.0.1:8123"
    assert "http://127.0.0.1:8123/" in out.getvalue()


def test_serve_keeps_a_configured_portal_url_and_can_leave_the_worker_out(started, monkeypatch):
    monkeypatch.setenv("DSG_PORTAL_URL", "https://dsg.example.jp")
    with pytest.raises(SystemExit):
        call_command("serve", port=8124, no_worker=True, stdout=io.StringIO())
    [[gunicorn]] = started
    assert os.environ["DSG_PORTAL_URL"] == "https://dsg.example.jp"


def test_the_local_url_of_an_ipv6_loopback_is_bracketed():
    assert serve.local_url("::1", 8000) == "http://[::1]:8000"
    assert serve.local_url("localhost", 8001) == "http://localhost:8001"


def test_when_one_child_ends_the_other_is_stopped():
    started = time.monotonic()
    status = serve.run_together(
        [
            [sys.executable, "-c", "import sys; sys.exit(3)"],
            [sys.executable, "-c", "import time; time.sleep(60)"],
        ]
    )
    assert status == 3
    assert time.monotonic() - started < 20  # the sleeper was stopped, not waited for


def test_the_trial_console_writes_the_mail_as_people_read_it():
    stream = io.StringIO()
    message = mail.EmailMessage(
        subject="[DSGポータル] DSG-2026-00001：審査中",
        body="詳細はポータルで: http://127.0.0.1:8000/enrollments/1/",
        from_email="dsg-portal@localhost",
        to=["psa@example.jp"],
    )
    ReadableConsole(stream=stream).send_messages([message])
    text = stream.getvalue()
    assert "Subject: [DSGポータル] DSG-2026-00001：審査中" in text
    assert "http://127.0.0.1:8000/enrollments/1/" in text and "To: psa@example.jp" in text


def test_without_a_mail_host_the_trial_prints_the_mail(tmp_path):
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DSG_EMAIL", "DJANGO_"))}
    env.update(DSG_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="dsg.settings")
    script = "from django.conf import settings as s; print(s.EMAIL_BACKEND)"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "dsg.notifications.console.EmailBackend", result.stderr


def test_ctrl_c_stops_the_server_and_the_worker_together():
    """Ctrl+C in the terminal reaches the whole process group: `dsg serve` waits for both
    children and returns; a child that ignores it is stopped in turn."""
    import signal
    import subprocess

    script = (
        "import sys; from dsg.core.management.commands.serve import run_together; "
        "sys.exit(run_together([[sys.executable, '-c', 'import time; time.sleep(60)'], "
        "[sys.executable, '-c', 'import signal, time; signal.signal(signal.SIGINT, "
        "signal.SIG_IGN); time.sleep(60)']]))"
    )
    group = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    time.sleep(2)  # the children are up
    started = time.monotonic()
    os.killpg(group.pid, signal.SIGINT)
    assert group.wait(timeout=30) == 0
    assert time.monotonic() - started < 25
