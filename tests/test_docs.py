"""Docs are checked: every state and transition of the procedure is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsg.enrollment.models import Enrollment, State

ROOT = Path(__file__).resolve().parent.parent
PROCEDURE = ROOT / "docs" / "procedure.md"
TRANSITIONS = sorted(
    {t.name for t in Enrollment._meta.get_field("state").get_all_transitions(Enrollment)}
)


@pytest.mark.parametrize("state", State.values)
def test_every_state_is_documented(state):
    assert f"`{state}`" in PROCEDURE.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", TRANSITIONS)
def test_every_transition_is_documented(name):
    assert f"`{name}`" in PROCEDURE.read_text(encoding="utf-8")


@pytest.mark.parametrize("role_doc", ["company.md", "office.md", "provider.md"])
def test_each_role_has_a_workflow_page(role_doc):
    assert (ROOT / "docs" / "workflows" / role_doc).stat().st_size > 500


APPS = sorted(p.parent.name for p in (ROOT / "src" / "dsg").glob("*/apps.py"))


@pytest.mark.parametrize("app", APPS)
def test_the_architecture_names_every_app(app):
    """docs/architecture.md is the living layer diagram: a new app must find its place there."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert f"`{app}`" in text, f"docs/architecture.md does not name the app {app!r}"


def test_every_app_is_in_a_layer_of_the_import_contracts():
    """An app outside the layers contract would not be checked by import-linter."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")[
        "layers"
    ]
    named = {name.strip() for layer in layers for name in layer.replace(":", "|").split("|")}
    missing = [app for app in APPS if f"dsg.{app}" not in named]
    assert not missing, f"apps missing from the layers contract in pyproject.toml: {missing}"


def _imports_inside_functions(path: Path):
    """(function name, module) for each ``dsg.<app>`` import inside a function of the file."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            yield from ((function.name, m) for m in modules if m.startswith("dsg."))


def test_no_cross_app_import_hides_inside_a_function():
    """An import of another app inside a function hid the import cycle before the layers: only an
    AppConfig.ready may import another (lower) app's registry late, as docs/architecture.md says;
    import-linter checks those imports like any other."""
    source = ROOT / "src" / "dsg"
    hidden = []
    for path in sorted(source.rglob("*.py")):
        relative = path.relative_to(source)
        if "migrations" in relative.parts or len(relative.parts) < 2:
            continue
        app = relative.parts[0]
        for function, module in _imports_inside_functions(path):
            other = module.split(".")[1]
            if other != app and not (relative.name == "apps.py" and function == "ready"):
                hidden.append(f"{relative}: {function}() imports {module}")
    assert not hidden, "\n".join(hidden)
