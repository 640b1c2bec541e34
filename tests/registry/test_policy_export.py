"""Policies a terminal can enforce: USBGuard rules for the site's approved removable media,
fapolicyd and Santa rules for its approved, mandatory and blocked software — each checked against
its tool's grammar, the same bytes for the same registry, ledgered, and only for who may."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from dsg.audit.models import AuditEvent
from dsg.enrollment.models import State
from dsg.registry.models import (
    CatalogueEntry,
    DisposalState,
    MediumDisposal,
    RemovableMedium,
    SoftwareCatalogue,
    SoftwareState,
    Terminal,
    TerminalDisposal,
    TerminalSoftware,
)
from dsg.registry.policy_export import policy_render, usbguard_string

from ..factories import SiteFactory
from ..walk import new_case, today, walk_to
from .disposal import folder_pdf

USBGUARD_PARSER = shutil.which("usbguard-rule-parser")


# The registry, row by row (the approval services belong to the equipment requests) ----------
def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def device_hash(text: str) -> str:
    """A USBGuard device hash: base64 of a SHA-256."""
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def terminal(site, name="PC-01") -> Terminal:
    return Terminal.objects.create(
        site=site, name=name, model_name="指定端末", serial_number=f"SN-{name}"
    )


def medium(site, terminals=(), **values) -> RemovableMedium:
    row = RemovableMedium.objects.create(
        site=site,
        **{
            "kind": "usb_memory",
            "vendor_id": "0781",
            "product_id": "5567",
            "serial_number": "4C530001234",
            "capacity_gb": Decimal("32.0"),
            "custodian": "情報 管理子",
            **values,
        },
    )
    row.terminals.set(terminals)
    return row


def software(on: Terminal, state: str, name: str, *, digest: str | None = None, **values):
    return TerminalSoftware.objects.create(
        terminal=on,
        state=state,
        name=name,
        vendor=values.pop("vendor", "ベンダー"),
        version=values.pop("version", "1.0"),
        sha256=sha(name) if digest is None else digest,
        preinstalled=values.pop("preinstalled", state == SoftwareState.PROHIBITED),
        **values,
    )


def catalogue(actor, version: int, names: list[str], kind="mandatory") -> SoftwareCatalogue:
    published = SoftwareCatalogue.objects.create(kind=kind, version=version, published_by=actor)
    for position, name in enumerate(names, start=1):
        CatalogueEntry.objects.create(
            catalogue=published,
            position=position,
            name=name,
            vendor="提供事業者",
            version="2.0",
            sha256=sha(name),
        )
    return published


def dispose(row, psa, reviewer, *, confirmed: bool = True):
    """A disposal of a medium or a terminal, recorded by the PSA, confirmed by the office."""
    model, key = (
        (MediumDisposal, "medium")
        if isinstance(row, RemovableMedium)
        else (TerminalDisposal, "terminal")
    )
    return model.objects.create(
        **{key: row},
        method="physical_destruction",
        disposed_on=today(),
        performed_by="廃棄 太郎",
        performed_by_company="株式会社テスト廃棄",
        certificate=folder_pdf(row.site.company, psa),
        recorded_by=psa,
        state=DisposalState.CONFIRMED if confirmed else DisposalState.RECORDED,
        confirmed_by=reviewer if confirmed else None,
        confirmed_at=timezone.now() if confirmed else None,
    )


def rules_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def header_digest(text: str) -> str:
    return re.search(r"^# SHA-256 of the lines below this header: ([0-9a-f]{64})$", text, re.M)[1]


def body_of(text: str) -> str:
    return text.split("\n\n", 1)[1]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(site, fmt: str) -> str:
    return f"/sites/{site.pk}/policy/{fmt}/"


# USBGuard -----------------------------------------------------------------------------------
def usbguard_parses(rule: str) -> None:
    if USBGUARD_PARSER is None:
        pytest.skip("usbguard-rule-parser is missing: install the Debian package usbguard")
    result = subprocess.run(
        [USBGUARD_PARSER, rule], capture_output=True, text=True, check=False, timeout=30
    )
    assert result.returncode == 0, f"usbguard-rule-parser refused {rule!r}: {result.stderr}"


def test_usbguard_allows_the_standing_media_and_blocks_the_rest(site, psa, reviewer, tmp_path):
    pc1, pc2 = terminal(site, "PC-01"), terminal(site, "PC-02")
    full = medium(site, [pc1, pc2], usbguard_hash=device_hash("stick"))
    medium(
        site,
        [pc1],
        kind="external_disk",
        vendor_id="04e8",
        product_id="61f5",
        serial_number="",
        unique_device=False,
        custodian="保管\n責任者",
    )
    medium(site, [], serial_number='AB"C\\日本', product_id="5581")
    awaiting = medium(site, [pc2], serial_number="AWAITING-1")
    dispose(awaiting, psa, reviewer, confirmed=False)  # still stands until the office confirms
    gone = medium(site, [pc1], serial_number="GONE-1")
    dispose(gone, psa, reviewer)
    medium(SiteFactory(company=site.company), [], serial_number="OTHER-SITE")

    text = policy_render(site=site, fmt="usbguard").text

    rules = rules_of(text)
    assert rules == [
        f'allow id 0781:5567 serial "4C530001234" hash "{full.usbguard_hash}"',
        "allow id 04e8:61f5",
        'allow id 0781:5581 serial "AB\\"C\\\\\\xe6\\x97\\xa5\\xe6\\x9c\\xac"',
        'allow id 0781:5567 serial "AWAITING-1"',
        "block",
    ]
    for rule in rules:
        usbguard_parses(rule)
    (tmp_path / "rules.conf").write_text(text, encoding="utf-8")
    usbguard_parses_file(tmp_path / "rules.conf")
    assert f"# {full.ref} " in text and "custodian (管理者): 情報 管理子" in text
    assert f"terminals: {pc1.ref}, {pc2.ref}" in text
    assert "custodian (管理者): 保管 責任者;" in text  # a newline cannot end the comment
    assert text.count("# not a unique device") == 1
    assert "GONE-1" not in text and "OTHER-SITE" not in text
    assert f"Site {site.ref}, company 法人番号 {site.company.corporate_number}" in text
    assert header_digest(text) == sha(body_of(text))


def usbguard_parses_file(path: Path) -> None:
    if USBGUARD_PARSER is None:
        pytest.skip("usbguard-rule-parser is missing: install the Debian package usbguard")
    result = subprocess.run(
        [USBGUARD_PARSER, "-f", str(path)], capture_output=True, text=True, check=False, timeout=30
    )
    assert result.returncode == 0, result.stderr


def test_usbguard_of_a_site_without_media_blocks_everything(site):
    text = policy_render(site=site, fmt="usbguard").text
    assert rules_of(text) == ["block"]


def test_usbguard_strings_escape_what_the_rule_language_would_read(site):
    assert usbguard_string("plain-123") == '"plain-123"'
    assert usbguard_string('a"b\\c') == '"a\\"b\\\\c"'
    assert usbguard_string("é\t") == '"\\xc3\\xa9\\x09"'
    usbguard_parses(f"allow id 0781:5567 serial {usbguard_string(chr(7) + 'x' + chr(0x7F))}")


# fapolicyd ----------------------------------------------------------------------------------
# fapolicyd.rules(5): "decision perm subject : object", fields name=value, "all" alone.
DECISIONS = {
    "allow",
    "deny",
    "allow_audit",
    "deny_audit",
    "allow_syslog",
    "deny_syslog",
    "allow_log",
    "deny_log",
}
SUBJECT_FIELDS = {
    "auid",
    "uid",
    "gid",
    "sessionid",
    "pid",
    "ppid",
    "trust",
    "comm",
    "exe",
    "dir",
    "ftype",
    "device",
    "pattern",
}
OBJECT_FIELDS = {"path", "dir", "device", "ftype", "trust", "sha256hash"}


def fapolicyd_rule_errors(line: str) -> list[str]:
    """What fapolicyd.rules(5) would refuse in one line of a rules.d file."""
    if not line or line.startswith("#"):
        return []
    if line.count(" : ") != 1:
        return ["the colon between subject and object is mandatory (once)"]
    left, right = line.split(" : ")
    decision, *subject = left.split()
    errors = [] if decision in DECISIONS else [f"unknown decision {decision}"]
    if subject and subject[0].startswith("perm="):
        perm = subject.pop(0).removeprefix("perm=")
        errors += [] if perm in {"open", "execute", "any"} else [f"unknown perm {perm}"]
    for side, fields, names in (
        ("subject", subject, SUBJECT_FIELDS),
        ("object", right.split(), OBJECT_FIELDS),
    ):
        if fields == ["all"]:
            continue
        if not fields or "all" in fields:
            errors.append(f"the {side} is 'all' alone or name=value fields")
        for item in fields:
            name, _, value = item.partition("=")
            if name not in names or not value:
                errors.append(f"{side} field {item!r}")
            elif name == "sha256hash" and not re.fullmatch(r"[0-9a-f]{64}", value):
                errors.append(f"sha256hash must be 64 lowercase hex digits: {value}")
            elif name == "trust" and value not in {"0", "1"}:
                errors.append(f"trust is 0 or 1: {value}")
    return errors


def test_the_fapolicyd_validator_refuses_what_the_grammar_refuses():
    good = "allow perm=execute all : sha256hash=" + sha("x")
    assert fapolicyd_rule_errors(good) == []
    for bad in (
        "allow perm=execute all sha256hash=" + sha("x"),
        "permit perm=execute all : all",
        "allow perm=run all : all",
        "allow perm=execute all : sha256hash=0x" + sha("x")[2:],
        "allow perm=execute all : sha256hash=" + sha("x").upper(),
        "allow perm=execute all uid=0 : all",
        "allow perm=execute all : size=10",
    ):
        assert fapolicyd_rule_errors(bad), bad


@pytest.fixture
def software_site(site, psa, reviewer):
    """A site with software in every state on two terminals, and two mandatory catalogues."""
    pc1, pc2 = terminal(site, "PC-01"), terminal(site, "PC-02")
    catalogue(reviewer, 1, ["旧ウイルス対策"])
    catalogue(reviewer, 2, ["ウイルス対策", "資産管理"])
    catalogue(reviewer, 1, ["表計算"], kind="whitelist")
    software(pc1, SoftwareState.APPROVED, "CADツール")
    software(pc2, SoftwareState.APPROVED, "CADツール")  # the same bytes: one rule
    software(pc1, SoftwareState.PROHIBITED, "体験版ゲーム")
    software(pc2, SoftwareState.REFUSED, "リモート操作")
    software(pc1, SoftwareState.REMOVED, "削除済ツール")
    software(pc1, SoftwareState.APPROVED, "ハッシュなし", digest="")
    # approved on one terminal and declared, not yet approved, on the other: blocked site-wide
    software(pc1, SoftwareState.APPROVED, "PDF閲覧")
    software(pc2, SoftwareState.PROHIBITED, "PDF閲覧")
    # the mandatory catalogue's software runs even where a terminal declared it
    software(pc2, SoftwareState.PROHIBITED, "ウイルス対策")
    return site


ALLOWED = ["CADツール", "PDF閲覧", "ウイルス対策", "資産管理"]


def test_fapolicyd_allows_approved_and_mandatory_and_denies_the_blocked(software_site):
    text = policy_render(site=software_site, fmt="fapolicyd").text
    rules = rules_of(text)
    for line in text.splitlines():
        assert fapolicyd_rule_errors(line) == [], line
    denied = {r.rsplit("=", 1)[1] for r in rules if r.startswith("deny_audit perm=execute all :")}
    allowed = {r.rsplit("=", 1)[1] for r in rules if r.startswith("allow perm=execute all :")}
    assert len(rules) == len(denied) + len(allowed)
    assert allowed == {sha(n) for n in ["CADツール", "ウイルス対策", "資産管理"]}
    assert denied == {sha(n) for n in ["体験版ゲーム", "リモート操作", "PDF閲覧"]}
    assert rules.index(f"deny_audit perm=execute all : sha256hash={sha('PDF閲覧')}") < rules.index(
        f"allow perm=execute all : sha256hash={sha('CADツール')}"
    )  # the denials come first: fapolicyd takes the first rule that matches
    for absent in ("削除済ツール", "旧ウイルス対策", "表計算"):
        assert sha(absent) not in text
    assert "blocked at the whole site until the office decides alike" in text
    assert "1 approved item(s) have no SHA-256" in text
    assert header_digest(text) == sha(body_of(text))


# Santa --------------------------------------------------------------------------------------
# santactl rule --import and the sync server's ruledownload: {"rules": [rule objects]}.
SANTA_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["rules"],
    "properties": {
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["identifier", "policy", "rule_type"],
                "additionalProperties": False,
                "properties": {
                    "identifier": {"type": "string", "minLength": 1},
                    "policy": {
                        "enum": [
                            "ALLOWLIST",
                            "ALLOWLIST_COMPILER",
                            "BLOCKLIST",
                            "REMOVE",
                            "SILENT_BLOCKLIST",
                        ]
                    },
                    "rule_type": {"enum": ["BINARY", "CERTIFICATE", "SIGNINGID", "TEAMID"]},
                    "custom_msg": {"type": "string"},
                    "custom_url": {"type": "string"},
                    "creation_time": {"type": "number"},
                    "file_bundle_binary_count": {"type": "integer"},
                    "file_bundle_hash": {"type": "string"},
                },
                "if": {"properties": {"rule_type": {"enum": ["BINARY", "CERTIFICATE"]}}},
                "then": {"properties": {"identifier": {"pattern": "^[0-9a-fA-F]{64}$"}}},
            },
        }
    },
}


def test_santa_rules_follow_santas_format(software_site):
    text = policy_render(site=software_site, fmt="santa").text
    document = json.loads(text)
    jsonschema.validate(document, SANTA_SCHEMA)
    policies = {rule["identifier"]: rule["policy"] for rule in document["rules"]}
    assert policies == {
        **{sha(n): "ALLOWLIST" for n in ["CADツール", "ウイルス対策", "資産管理"]},
        **{sha(n): "BLOCKLIST" for n in ["体験版ゲーム", "リモート操作", "PDF閲覧"]},
    }
    assert {rule["rule_type"] for rule in document["rules"]} == {"BINARY"}
    games = next(r for r in document["rules"] if r["identifier"] == sha("体験版ゲーム"))
    assert "起動・使用禁止" in games["custom_msg"]
    header = document["dsg"]
    assert header["site"] == software_site.ref
    assert header["company_corporate_number"] == software_site.company.corporate_number
    canonical = json.dumps(
        document["rules"], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert header["rules_sha256"] == sha(canonical)


def test_the_schema_refuses_what_santa_refuses():
    for bad in (
        {},
        {"rules": [{"identifier": sha("x"), "policy": "ALLOW", "rule_type": "BINARY"}]},
        {"rules": [{"identifier": "abc", "policy": "ALLOWLIST", "rule_type": "BINARY"}]},
        {"rules": [{"identifier": sha("x"), "policy": "ALLOWLIST"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SANTA_SCHEMA)


# The same registry, the same bytes; what leaves the registry leaves the file ----------------
@pytest.mark.parametrize("fmt", ["usbguard", "fapolicyd", "santa"])
def test_the_same_registry_gives_the_same_bytes(software_site, fmt):
    medium(software_site, software_site.terminals.all())
    first = policy_render(site=software_site, fmt=fmt)
    other = SiteFactory(company=software_site.company)  # another site's rows change nothing
    medium(other, [], serial_number="ELSEWHERE")
    software(terminal(other, "PC-X"), SoftwareState.APPROVED, "別拠点ソフト")
    again = policy_render(site=software_site, fmt=fmt)
    assert again.text.encode() == first.text.encode() and again.sha256 == first.sha256
    assert not re.search(r"20\d\d-\d\d-\d\d", first.text)  # no time in the file


@pytest.mark.parametrize("fmt", ["usbguard", "fapolicyd", "santa"])
def test_the_bytes_do_not_depend_on_the_language_of_whoever_exports(software_site, fmt):
    medium(software_site, software_site.terminals.all())
    with translation.override("ja"):
        japanese = policy_render(site=software_site, fmt=fmt).text
    with translation.override("en"):
        assert policy_render(site=software_site, fmt=fmt).text == japanese


def test_a_disposed_medium_and_withdrawn_software_leave_the_next_export(
    software_site, psa, reviewer
):
    stick = medium(software_site, [], serial_number="LEAVING-1")
    before = {fmt: policy_render(site=software_site, fmt=fmt) for fmt in ("usbguard", "santa")}
    assert "LEAVING-1" in before["usbguard"].text
    dispose(stick, psa, reviewer)
    cad = TerminalSoftware.objects.filter(name="CADツール")
    cad.update(state=SoftwareState.REMOVED)
    games = TerminalSoftware.objects.get(name="体験版ゲーム")
    games.state = SoftwareState.APPROVED  # the office approved the declared software
    games.save()

    after = {fmt: policy_render(site=software_site, fmt=fmt) for fmt in ("usbguard", "santa")}
    assert "LEAVING-1" not in after["usbguard"].text
    assert after["usbguard"].sha256 != before["usbguard"].sha256
    policies = {r["identifier"]: r["policy"] for r in json.loads(after["santa"].text)["rules"]}
    assert sha("CADツール") not in policies
    assert policies[sha("体験版ゲーム")] == "ALLOWLIST"


def test_the_software_of_a_disposed_terminal_leaves_the_export(site, psa, reviewer):
    pc = terminal(site)
    software(pc, SoftwareState.APPROVED, "CADツール")
    assert sha("CADツール") in policy_render(site=site, fmt="fapolicyd").text
    dispose(pc, psa, reviewer)
    assert sha("CADツール") not in policy_render(site=site, fmt="fapolicyd").text


# The download: who may, and the ledger ------------------------------------------------------
@pytest.mark.parametrize("fmt", ["usbguard", "fapolicyd", "santa"])
def test_the_psa_downloads_each_format_and_the_ledger_records_it(site, psa, fmt):
    medium(site, [terminal(site)])
    response = logged_in(psa).get(url(site, fmt))
    assert response.status_code == 200
    exported = policy_render(site=site, fmt=fmt)
    assert response.content == exported.text.encode()
    assert response["Content-Disposition"] == f'attachment; filename="{exported.filename}"'
    event = AuditEvent.objects.get(action="policy.export")
    assert event.actor_id == psa.pk and event.company_id == site.company_id
    assert event.object_type == "orgs.site" and event.object_id == str(site.pk)
    assert event.after == {
        "site": site.ref,
        "format": fmt,
        "sha256": exported.sha256,
        "via": "page",
    }


def test_who_may_download_the_policy(site, cast, everyone, company):
    provisioned = walk_to(new_case(SiteFactory(company=company), cast), State.SURVEY, cast).site
    expected = {
        "psa": 200,
        "reviewer": 200,
        "inspector": 200,
        "delegate": 403,
        "user": 403,  # 利用者 and the PSA's delegate see the site, may not export
        "provider_staff": 404,  # a site the provider does not provision
        "other_psa": 404,  # another company's site does not exist for it
    }
    for who, status in expected.items():
        response = logged_in(everyone[who]).get(url(site, "usbguard"))
        assert response.status_code == status, (who, response.status_code)
    assert logged_in(cast.staff).get(url(provisioned, "santa")).status_code == 200
    assert AuditEvent.objects.filter(action="policy.export").count() == 4
    assert logged_in(everyone["psa"]).post(url(site, "usbguard")).status_code == 405
    assert logged_in(everyone["other_psa"]).post(url(site, "usbguard")).status_code == 404


def test_the_api_answers_the_same_file_to_whoever_may_export(site, psa, company_user, other_psa):
    medium(site, [terminal(site)])
    api = f"/api/v1/sites/{site.pk}/policy/santa"
    response = logged_in(psa).get(api)
    assert response.status_code == 200
    assert response.content == policy_render(site=site, fmt="santa").text.encode()
    assert AuditEvent.objects.get(action="policy.export").after["via"] == "api"
    for person, status in ((company_user, 403), (other_psa, 404)):
        refused = logged_in(person).get(api)
        assert refused.status_code == status and refused.json()["code"]
    assert Client().get(api).status_code == 401
    schema = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {
        f"/api/v1/sites/{{site_id}}/policy/{fmt}" for fmt in ("usbguard", "fapolicyd", "santa")
    } <= set(schema)


def test_the_registry_page_offers_the_downloads_to_whoever_may_export(site, psa, company_user):
    page = logged_in(psa).get(f"/sites/{site.pk}/terminals/").content.decode()
    for fmt in ("usbguard", "fapolicyd", "santa"):
        assert url(site, fmt) in page
    page = logged_in(company_user).get(f"/sites/{site.pk}/terminals/").content.decode()
    assert "/policy/" not in page


def test_the_download_uses_a_fixed_number_of_queries(site, psa, reviewer):
    catalogue(reviewer, 1, ["ウイルス対策"])

    client = logged_in(psa)
    client.get(url(site, "fapolicyd"))  # the session's first request writes its clock

    def count() -> int:
        ContentType.objects.clear_cache()  # each count from a cold cache
        with CaptureQueriesContext(connection) as queries:
            for fmt in ("usbguard", "santa"):
                assert client.get(url(site, fmt)).status_code == 200
        return len(queries)

    pc = terminal(site, "PC-01")
    medium(site, [pc])
    software(pc, SoftwareState.APPROVED, "A")
    few = count()
    for n in range(2, 6):
        more = terminal(site, f"PC-0{n}")
        medium(site, [pc, more], serial_number=f"SN-{n}")
        software(more, SoftwareState.APPROVED, f"B{n}")
        software(more, SoftwareState.PROHIBITED, f"C{n}")
    assert count() == few


# The command ----------------------------------------------------------------------------------
def test_the_command_writes_the_same_file_and_ledgers_it_as_the_system(site, tmp_path):
    medium(site, [terminal(site)])
    target = tmp_path / "usbguard.conf"
    out = io.StringIO()
    call_command(
        "policy",
        "export",
        "--site",
        site.ref,
        "--format",
        "usbguard",
        "--output",
        str(target),
        stdout=out,
    )
    exported = policy_render(site=site, fmt="usbguard")
    assert target.read_bytes() == exported.text.encode()
    assert exported.sha256 in out.getvalue()
    event = AuditEvent.objects.get(action="policy.export")
    assert event.actor_id is None and event.actor_label == "system"
    assert event.after["via"] == "cli" and event.after["sha256"] == exported.sha256


def test_the_command_prints_to_stdout_by_site_id(site):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "policy", "export", "--site", str(site.pk), "--format", "santa", stdout=out, stderr=err
    )
    assert out.getvalue() == policy_render(site=site, fmt="santa").text
    assert site.ref in err.getvalue()


def test_the_command_writes_every_open_site_of_a_company(site, company, tmp_path):
    second = SiteFactory(company=company)
    closed = SiteFactory(company=company, closed_on=today())
    SiteFactory()  # another company's
    call_command(
        "policy",
        "export",
        "--company",
        company.corporate_number,
        "--format",
        "fapolicyd",
        "--output",
        str(tmp_path / "out"),
        stdout=io.StringIO(),
    )
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted([f"35-dsg-{site.ref}.rules", f"35-dsg-{second.ref}.rules"])
    assert closed.ref not in " ".join(names)
    assert AuditEvent.objects.filter(action="policy.export").count() == 2
    only_closed = SiteFactory(closed_on=today()).company
    out = io.StringIO()
    call_command(
        "policy",
        "export",
        "--company",
        only_closed.corporate_number,
        "--format",
        "usbguard",
        "--output",
        str(tmp_path / "none"),
        stdout=out,
    )
    assert "has no open site" in out.getvalue()


def test_the_command_refuses_what_it_cannot_do(site, company):
    for args, message in (
        (["--site", "S-999999"], "no site S-999999"),
        (["--site", "abc"], "no site abc"),
        (["--company", "1234567890123"], "no company"),
        (["--company", company.corporate_number], "give --output DIRECTORY"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("policy", "export", *args, "--format", "usbguard", stdout=io.StringIO())
    assert not AuditEvent.objects.filter(action="policy.export").exists()
