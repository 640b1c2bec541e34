"""Who is told when an appointment's date changes: proposed, taken, declined, done, moved,
cancelled or withdrawn (#14).

An app above keeps something that depends on the dates (the case's ④–⑦ rule, kept on the case by
``enrollment``) and registers a watcher in its ``AppConfig.ready``. Every service of
``appointments.services`` that writes a date or its state calls the watchers with the
appointment as written, inside the caller's transaction, so what they keep changes with it.
"""

from __future__ import annotations

from collections.abc import Callable

from .models import Appointment

DateWatcher = Callable[[Appointment], None]
DATE_WATCHERS: list[DateWatcher] = []


def register_date_watcher(watcher: DateWatcher) -> None:
    """Call ``watcher(appointment)`` after each change of an appointment's date or state."""
    if watcher not in DATE_WATCHERS:
        DATE_WATCHERS.append(watcher)


def date_changed(appointment: Appointment) -> None:
    for watcher in DATE_WATCHERS:
        watcher(appointment)
