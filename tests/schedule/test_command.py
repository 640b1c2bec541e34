"""dsg schedule: JSON and table output, and clear refusals of bad input."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dsg.schedule.planner import latest_start, plan


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("schedule", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_json_has_exactly_the_documented_keys():
    out, _err = run("--start", "2027-04-26", "--target", "2027-10-01", "--json")
    body = json.loads(out)
    assert list(body) == ["start", "completion", "steps", "latest_start"]
    expected = plan(dt.date(2027, 4, 26))
    assert body["start"] == "2027-04-26"
    assert body["completion"] == expected.completion.isoformat()
    assert [(s["step"], s["start"], s["end"]) for s in body["steps"]] == [
        (s.step, s.start.isoformat(), s.end.isoformat()) for s in expected.steps
    ]
    assert body["latest_start"] == latest_start(dt.date(2027, 10, 1)).isoformat()


@pytest.mark.django_db
def test_json_without_target_has_null_latest_start_and_terminals_count():
    body = json.loads(run("--start", "2027-04-26", "--terminals", "45", "--json")[0])
    assert body["latest_start"] is None
    assert (
        body["steps"][5]["business_days"]
        == plan(dt.date(2027, 4, 26), terminals=45).step(6).business_days
    )


@pytest.mark.django_db
def test_table_shows_japanese_step_names_and_wareki():
    out, _err = run("--start", "2026-12-25", "--target", "2027-06-30")
    assert "① 加入申請書の提出" in out and "⑦ 最終現地確認" in out
    assert "令和8年12月25日" in out
    assert "最遅の申請日" in out


@pytest.mark.django_db
def test_warnings_go_to_stderr():
    _out, err = run("--start", "2027-04-26", "--terminals", "999", "--json")
    assert "warning:" in err


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ("--start", "2027-02-30"),
        ("--start", "27/4/26"),
        ("--start", "2027-04-26", "--terminals", "0"),
        ("--start", "2027-04-26", "--terminals", "1000"),
        ("--start", "2027-04-26", "--terminals", "many"),
        ("--start", "2027-04-26", "--target", "2027-04-25"),
        ("--target", "2027-04-25"),
    ],
)
def test_bad_input_is_refused(args):
    with pytest.raises(CommandError):
        run(*args)


def test_the_installed_dsg_script(tmp_path):
    dsg = Path(sys.executable).with_name("dsg")
    env = {**os.environ, "DSG_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [str(dsg), "schedule", "--start", "2027-01-29", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["completion"] == plan(dt.date(2027, 1, 29)).completion.isoformat()
    bad = subprocess.run(
        [str(dsg), "schedule", "--start", "2027-04-26", "--target", "2027-01-01"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert bad.returncode != 0
    assert "before --start" in bad.stderr
