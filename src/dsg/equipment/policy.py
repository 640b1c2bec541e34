"""Who files, reviews and decides the registry requests, and who sees them."""

from __future__ import annotations


def register_policy() -> None:
    """Filled in with the request models."""
