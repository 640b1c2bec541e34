"""Rules the test suite keeps about itself, so that a test passes or fails whatever the clock says.

The suite runs for about twenty minutes, and CI may start it at any hour: a day taken in a
``@pytest.mark.parametrize`` is taken when pytest collects, and once the run crosses midnight in
Japan (15:00 UTC) "tomorrow" is today and a "future date" is accepted (CI failed so at 15:00 UTC on
2026-11-30). Such a day is taken inside the test, or as ``walk.DaysFromToday`` for a form value.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
CLOCK_READS = {"today", "localdate", "now", "localtime", "utcnow"}


def _clock_reads(node: ast.AST):
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            function = call.func
            name = (
                function.attr
                if isinstance(function, ast.Attribute)
                else getattr(function, "id", "")
            )
            if name in CLOCK_READS:
                yield call


def _decorators(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from node.decorator_list


def test_no_day_is_taken_when_pytest_collects():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for decorator in _decorators(tree):
            found += [
                f"{path.relative_to(TESTS)}:{call.lineno}: {ast.unparse(call)}"
                for call in _clock_reads(decorator)
            ]
    assert not found, "a day read while collecting:\n" + "\n".join(found)


def test_the_rule_sees_a_day_in_a_parametrize():
    source = "@pytest.mark.parametrize('d', [today() + dt.timedelta(days=1)])\ndef test(d): ..."
    assert len([c for d in _decorators(ast.parse(source)) for c in _clock_reads(d)]) == 1
