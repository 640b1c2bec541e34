"""What every mail ends with: lines that apps above register (the contacts app its 問い合わせ先).

The composer (``services.mail_queue``) knows no app above it; an app adds its lines here in its
``AppConfig.ready``. The lines are asked for when a mail is composed, in Japanese.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

FooterLines = Callable[[], Iterable[str]]
_FOOTERS: list[FooterLines] = []


def register_footer(lines: FooterLines) -> None:
    """Add ``lines`` (called for each mail) to the end of every mail; once per function."""
    if lines not in _FOOTERS:
        _FOOTERS.append(lines)


def footer_lines() -> list[str]:
    """Every registered footer's lines, in the order they were registered."""
    return [str(line) for footer in _FOOTERS for line in footer()]
