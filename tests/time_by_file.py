"""At the end of a run, the test files that took the most time: wall clock and this process's CPU,
setup, call and teardown together (a module's world built once counts to its first test).

``make test`` prints each half's 15 slowest tests (``--durations=15``); this says which files the
half's time went to, so that a CI log shows where to look (#14). On a shared machine the CPU column
is the one to compare: the wall clock grows with the other processes' load, the CPU far less (the
matrices on PostgreSQL: 5.9x the wall clock at a load of 9 than at 3.5, 1.6x the CPU); on
PostgreSQL the server's CPU is not in it. Printed when tests of more than one file ran.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

TOP = 15

WALL: Counter[str] = Counter()
CPU: Counter[str] = Counter()
TESTS: Counter[str] = Counter()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    path = item.nodeid.split("::", 1)[0]
    WALL[path] += time.perf_counter() - wall
    CPU[path] += time.process_time() - cpu
    TESTS[path] += 1


def summary_lines(wall: Counter[str], cpu: Counter[str], tests: Counter[str]) -> list[str]:
    """The slowest files by wall clock, then the run's total, one line each."""
    if len(wall) < 2:
        return []
    lines = [
        f"{wall[path]:8.1f} s wall {cpu[path]:8.1f} s CPU {tests[path]:6d} tests  {path}"
        for path, _ in wall.most_common(TOP)
    ]
    total = f"{sum(wall.values()):8.1f} s wall {sum(cpu.values()):8.1f} s CPU"
    lines.append(f"{total} {sum(tests.values()):6d} tests  in {len(wall)} files")
    return lines


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = summary_lines(WALL, CPU, TESTS)
    if lines:
        terminalreporter.write_sep("=", f"slowest {min(TOP, len(WALL))} test files")
        for line in lines:
            terminalreporter.write_line(line)
