"""The hashed lock files (requirements/run.txt, requirements/dev.txt) that `make` installs from
cover every dependency pyproject.toml names, at a version it allows, each with its SHA-256s: a
dependency added to pyproject.toml without `make lock` fails here, not with an ImportError."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


def pins(lock: str) -> dict[str, Version]:
    """name -> pinned version; every pin carries at least one --hash."""
    text = (ROOT / "requirements" / lock).read_text()
    found: dict[str, Version] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = PIN.match(block)
        if match:
            assert "--hash=sha256:" in block, f"{lock}: {match[1]} has no hash"
            found[canonicalize_name(match[1])] = Version(match[2])
    assert not re.search(r"^(-e|--index-url|--extra-index-url|--find-links)", text, re.M), lock
    return found


def declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = list(project["dependencies"])
    if extra:
        names += project["optional-dependencies"][extra]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize(("lock", "extra"), [("run.txt", None), ("dev.txt", "dev")])
def test_the_lock_pins_every_declared_dependency(lock: str, extra: str | None) -> None:
    pinned = pins(lock)
    for requirement in declared(extra):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in requirements/{lock}: run `make lock`"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={pinned[name]}, pyproject.toml asks "
            f"{requirement.specifier}: run `make lock`"
        )
