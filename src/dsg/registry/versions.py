"""Versions and version ranges of a catalogue entry (§5②), and whether a version is within one.

A catalogue entry's version is one of (spaces around the operators are optional; full-width
characters are read as their half-width forms):

- ``1.2.3`` — that version (``1.2`` and ``1.2.0`` are the same version);
- ``1.2 – 1.4``, ``1.2-1.4``, ``1.2 ~ 1.4``, ``1.2〜1.4`` — from 1.2 to 1.4, both included;
- ``>=1.2``, ``>1.2``, ``<=1.4``, ``<1.4``, or several joined by commas (``>=1.2, <2.0``);
- ``*`` — any version.

Versions are compared as PEP 440 versions (``packaging.version``) when packaging is installed,
else as dotted numbers (1.10 > 1.9). A version that is neither (``2019 SP1``, ``22H2``) matches
only itself, letter for letter but for case; it cannot be the end of a range.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

try:
    from packaging.version import InvalidVersion, Version

    HAVE_PACKAGING = True
except ImportError:  # pragma: no cover - packaging comes with pip; it is not a declared dependency
    HAVE_PACKAGING = False

ANY = "*"
_RANGE = re.compile(r"^([0-9][^\s\-–—~〜]*)\s*[-–—~〜]\s*([0-9]\S*)$")
_BOUND = re.compile(r"^(>=|<=|>|<|==|=)\s*(\S+)$")
_DOTTED = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def fold(text: str) -> str:
    """A text as it is compared: NFKC (全角 → 半角), case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def version_key(text: str) -> Any:
    """A comparable key of one version, or None when it is not a version number."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if HAVE_PACKAGING:
        try:
            return Version(text)
        except InvalidVersion:
            return None
    if not _DOTTED.match(text):
        return None
    numbers = [int(part) for part in text.split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


@dataclass(frozen=True)
class VersionSpec:
    """What an entry's version admits: ``bounds`` all hold (none: only the text itself)."""

    text: str
    bounds: tuple[tuple[str, Any], ...] = ()
    any: bool = False

    def admits(self, version: str) -> bool:
        if self.any or fold(version) == fold(self.text):
            return True
        if not self.bounds:
            return False
        key = version_key(version)
        return key is not None and all(_holds(key, op, bound) for op, bound in self.bounds)


def _holds(key: Any, op: str, bound: Any) -> bool:
    if op == ">=":
        return bool(key >= bound)
    if op == ">":
        return bool(key > bound)
    if op == "<=":
        return bool(key <= bound)
    if op == "<":
        return bool(key < bound)
    return bool(key == bound)


def _bound(op: str, text: str) -> tuple[str, Any]:
    key = version_key(text)
    if key is None:
        raise ValueError(text)
    return ("==" if op in ("=", "==") else op, key)


def version_spec(text: str) -> VersionSpec:
    """The spec an entry's version states; ValueError when it looks like a range or a bound
    but cannot be read as one (an end that is no version number, a range running backwards)."""
    plain = unicodedata.normalize("NFKC", text or "").strip()
    if plain == ANY:
        return VersionSpec(text, any=True)
    if plain[:1] in "<>=":
        parts = [part.strip() for part in plain.split(",")]
        bounds = []
        for part in parts:
            match = _BOUND.match(part)
            if match is None:
                raise ValueError(text)
            bounds.append(_bound(match[1], match[2]))
        return VersionSpec(text, tuple(bounds))
    match = _RANGE.match(plain)
    if match is not None:
        low, high = _bound(">=", match[1]), _bound("<=", match[2])
        if low[1] > high[1]:
            raise ValueError(text)
        return VersionSpec(text, (low, high))
    key = version_key(plain)
    return VersionSpec(text, (("==", key),) if key is not None else ())


def version_admits(spec: str, version: str) -> bool:
    """Is ``version`` (one version, as a request names it) within the entry's ``spec``? A spec
    that cannot be read admits only itself."""
    try:
        return version_spec(spec).admits(version)
    except ValueError:
        return fold(spec) == fold(version)
