"""The end-of-run list of the slowest test files (tests/time_by_file.py)."""

from __future__ import annotations

from collections import Counter

from . import time_by_file


def test_the_files_are_listed_slowest_first_with_the_run_s_total():
    wall = Counter({"tests/a.py": 3.0, "tests/b.py": 10.0, "tests/c.py": 1.0})
    cpu = Counter({"tests/a.py": 2.5, "tests/b.py": 4.0, "tests/c.py": 0.5})
    tests = Counter({"tests/a.py": 3, "tests/b.py": 7, "tests/c.py": 1})
    lines = time_by_file.summary_lines(wall, cpu, tests)
    assert [line.rsplit(" ", 1)[1] for line in lines[:3]] == [
        "tests/b.py",
        "tests/a.py",
        "tests/c.py",
    ]
    assert lines[0].split() == ["10.0", "s", "wall", "4.0", "s", "CPU", "7", "tests", "tests/b.py"]
    assert lines[-1].split() == [
        "14.0",
        "s",
        "wall",
        "7.0",
        "s",
        "CPU",
        "11",
        "tests",
        "in",
        "3",
        "files",
    ]


def test_only_the_slowest_are_listed():
    wall = Counter({f"tests/t{n}.py": float(n) for n in range(time_by_file.TOP + 5)})
    lines = time_by_file.summary_lines(wall, Counter(), Counter())
    assert len(lines) == time_by_file.TOP + 1
    assert lines[0].endswith(f"tests/t{time_by_file.TOP + 4}.py")


def test_nothing_is_printed_for_one_file():
    assert time_by_file.summary_lines(Counter({"tests/a.py": 1.0}), Counter(), Counter()) == []


def test_the_plugin_times_the_run(request):
    """Loaded through tests/conftest.py, around every test and at the run's end."""
    manager = request.config.pluginmanager
    plugin = manager.get_plugin("tests.time_by_file")
    assert plugin is time_by_file
    hooks = manager.hook
    assert plugin in {impl.plugin for impl in hooks.pytest_runtest_protocol.get_hookimpls()}
    assert plugin in {impl.plugin for impl in hooks.pytest_terminal_summary.get_hookimpls()}
