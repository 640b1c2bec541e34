"""The Japanese catalog: complete, consistent with its .mo, in step with the code, and in use.

Japanese is the portal's default language and the msgids are English, so an untranslated or
stale entry shows English to a Japanese user. These tests fail when a developer adds a string
(in Python or a template) without adding its translation to the catalog.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

import dsg

PACKAGE = Path(dsg.__file__).resolve().parent
PO_PATH = PACKAGE / "locale" / "ja" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# {name} (str.format) and %(name)s / %s / %d (printf-style); "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[sdifr]")
# A run of Japanese script: kanji, hiragana, katakana (with the long-vowel mark and middle dot).
JAPANESE_RUN = re.compile(r"[\u3005\u3040-\u30ff\u4e00-\u9fff]{2,}")
# Variants the official guideline (防衛セキュリティゲートウェイサービス加入要領) does not use.
NON_OFFICIAL = {"ルーター": "ルータ", "取り下げ": "取下げ", "プロバイダ": "サービス提供事業者"}

GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")
MISSING_TOOLS_HELP = (
    "GNU gettext tools ({}) are not installed; makemessages needs them. "
    "Install the Debian/Ubuntu package `gettext` (apt-get install gettext)."
)


def _key(entry: polib.POEntry | polib.MOEntry) -> tuple[str | None, str]:
    return (entry.msgctxt or None, entry.msgid)


def _translations(entry: polib.POEntry | polib.MOEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


@pytest.fixture(scope="module")
def catalog() -> polib.POFile:
    assert PO_PATH.is_file(), f"{PO_PATH} is missing: run makemessages -l ja and translate it"
    return polib.pofile(str(PO_PATH))


def _live(catalog: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalog if not entry.obsolete]


def test_header_declares_japanese(catalog):
    assert catalog.metadata.get("Language") == "ja"
    assert catalog.metadata.get("Plural-Forms") == "nplurals=1; plural=0;"
    assert "charset=UTF-8" in catalog.metadata.get("Content-Type", "")
    assert not catalog.metadata_is_fuzzy, "the header is marked fuzzy"


def test_every_entry_is_translated_and_not_fuzzy(catalog):
    entries = _live(catalog)
    assert entries, "the catalog is empty"
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    untranslated = [e.msgid for e in entries if not all(s.strip() for s in _translations(e))]
    assert not fuzzy, f"fuzzy entries (check them, then drop the flag): {fuzzy}"
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_placeholders_are_kept(catalog):
    wrong = []
    for entry in _live(catalog):
        expected = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural or "")
        for msgstr in _translations(entry):
            if _placeholders(msgstr) != expected:
                wrong.append((entry.msgid, msgstr))
    assert not wrong, f"placeholders differ between msgid and msgstr: {wrong}"


def test_japanese_terms_of_the_msgid_are_kept(catalog):
    """A term the msgid already gives in Japanese (加入案件, 到達番号 ...) is the official one."""
    lost = []
    for entry in _live(catalog):
        for term in JAPANESE_RUN.findall(entry.msgid):
            if not all(term in msgstr for msgstr in _translations(entry)):
                lost.append((entry.msgid, term))
    assert not lost, f"official terms of the msgid missing from the translation: {lost}"


def test_official_spellings_are_used(catalog):
    found = [
        (entry.msgid, variant, official)
        for entry in _live(catalog)
        for variant, official in NON_OFFICIAL.items()
        if any(variant in msgstr for msgstr in _translations(entry))
    ]
    assert not found, f"use the guideline's spelling (msgid, found, official): {found}"


def test_mo_is_compiled_from_the_po(catalog):
    assert MO_PATH.is_file(), f"{MO_PATH} is missing: run `msgfmt --check -o django.mo django.po`"
    compiled = polib.mofile(str(MO_PATH))
    po_map = {_key(e): _translations(e) for e in _live(catalog) if "fuzzy" not in e.flags}
    mo_map = {_key(e): _translations(e) for e in compiled if e.msgid}
    missing = sorted(set(po_map) - set(mo_map), key=str)
    extra = sorted(set(mo_map) - set(po_map), key=str)
    differing = sorted(
        (k for k in po_map.keys() & mo_map.keys() if po_map[k] != mo_map[k]), key=str
    )
    stale = "django.mo is stale: recompile it with `msgfmt --check -o django.mo django.po`"
    assert not missing, f"{stale}; not in the .mo: {missing}"
    assert not extra, f"{stale}; only in the .mo: {extra}"
    assert not differing, f"{stale}; different translation: {differing}"


def test_every_string_of_the_code_is_in_the_catalog(catalog, tmp_path):
    """Extract the strings of src/dsg afresh (makemessages in a copy) and look each one up."""
    absent = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if absent:
        pytest.fail(MISSING_TOOLS_HELP.format(", ".join(absent)), pytrace=False)

    copy = tmp_path / "dsg"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale", "static", "migrations"),
    )
    (copy / "locale").mkdir()
    # makemessages only needs configured settings, not the project: a minimal module keeps the
    # run away from the real catalog (no LOCALE_PATHS) and from the database.
    (tmp_path / "extract_settings.py").write_text(
        "USE_I18N = True\nSECRET_KEY = 'extract'\nLOCALE_PATHS = []\n", encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "DJANGO_SETTINGS_MODULE": "extract_settings"}
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ja", "--ignore", "migrations/*"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0 and "gettext" in result.stderr.lower():
        pytest.fail(f"{MISSING_TOOLS_HELP.format('makemessages')}\n{result.stderr}", pytrace=False)
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"

    fresh = polib.pofile(str(copy / "locale" / "ja" / "LC_MESSAGES" / "django.po"))
    extracted = {_key(e): e for e in fresh if not e.obsolete}
    assert extracted, "makemessages found no translatable string in src/dsg"
    known = {_key(e) for e in _live(catalog)}
    missing = [
        f"{key[1]!r}" + (f" (context {key[0]!r})" if key[0] else "") + f" at {e.occurrences[:2]}"
        for key, e in extracted.items()
        if key not in known
    ]
    assert not missing, (
        "strings used in the code but missing from the Japanese catalog; run "
        "`cd src/dsg && django-admin makemessages -l ja --ignore 'migrations/*'`, translate, "
        "then compile:\n  " + "\n  ".join(missing)
    )


def test_login_page_is_japanese_by_default(client):
    with translation.override("ja"):
        response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "ログイン" in html
    assert "パスワード" in html
    assert "Log in" not in html


def test_login_page_is_english_when_asked(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "Password" in html
    assert "ログイン" not in html
