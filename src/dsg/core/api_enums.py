"""The labels of the API's codes: each enum of the OpenAPI document names its codes in Japanese
and English (``x-enum-labels``: {code: {ja, en}}; ``x-enumDescriptions``: {code: "ja / en"}).

A model's choices (``TextChoices``) used as a schema's type carry their labels already. An enum
an app's ``api.py`` builds from choices (or from another table of codes) registers the labels
under its name, which is its schema's name in the document::

    StateCode = enum.Enum("StateCode", {v: v for v in State.values}, type=str)
    code_labels(StateCode, State.choices)

The portal's API (``dsg.api``) writes the labels into the document it serves.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Choices
from django.utils import translation
from django.utils.translation import gettext_lazy as _

LANGUAGES = ("ja", "en")
# The label of "" in an enum of what may not be recorded yet (a result, an outcome, a decision).
NOT_YET = ("", _("Not yet recorded"))
_LABELS: dict[str, dict[str, Any]] = {}


def code_labels(codes: type[enum.Enum], labels: Iterable[tuple[Any, Any]]) -> None:
    """Register the label of each code of ``codes`` (pairs as a model's ``choices`` gives them);
    every member must have one."""
    named = {str(code): label for code, label in labels}
    missing = {str(member.value) for member in codes} - named.keys()
    if missing:
        raise ValueError(f"{codes.__name__}: no label for {sorted(missing)}")
    _LABELS[codes.__name__] = {str(m.value): named[str(m.value)] for m in codes}


def _choices_classes(cls: type[Choices] = Choices) -> Iterator[type[Choices]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _choices_classes(sub)


def _labels_of(name: str, codes: list[str]) -> dict[str, Any] | None:
    """The registered labels of the enum ``name``; else those of the model choices holding
    exactly ``codes`` (of that name, or the only ones)."""
    if name in _LABELS:
        return _LABELS[name]
    same = [c for c in _choices_classes() if sorted(map(str, c.values)) == sorted(codes)]
    named = [c for c in same if c.__name__ == name]
    found = named or (same if len(same) == 1 else [])
    return {str(value): label for value, label in found[0].choices} if found else None


def in_languages(labels: dict[str, Any]) -> dict[str, dict[str, str]]:
    """{code: {language: label}} in every language of the portal."""
    out: dict[str, dict[str, str]] = {code: {} for code in labels}
    for language in LANGUAGES:
        with translation.override(language):
            for code, label in labels.items():
                out[code][language] = str(label)
    return out


def document_labels(schemas: dict[str, Any]) -> list[str]:
    """Write the labels into the enum schemas of an OpenAPI document's components; the names of
    the enums left without labels."""
    unlabelled = []
    for name, schema in schemas.items():
        if "enum" not in schema:
            continue
        found = _labels_of(name, [str(code) for code in schema["enum"]])
        if found is None:
            unlabelled.append(name)
            continue
        labels = in_languages(found)
        schema["x-enum-labels"] = labels
        schema["x-enumDescriptions"] = {
            code: " / ".join(by_language[lang] for lang in LANGUAGES)
            for code, by_language in labels.items()
        }
        listing = "; ".join(
            f"`{code}`: {text}" for code, text in schema["x-enumDescriptions"].items()
        )
        schema["description"] = listing
    return unlabelled
