"""The cache every worker shares (login throttling counts there): ``DSG_CACHE_URL``.

Unset (or ``db://``): Django's database cache, table ``dsg_cache``, created by ``dsg migrate``
(``create_cache_tables`` runs after every migrate, so switching back to it later works too).
``redis://`` / ``rediss://`` / ``unix://``: Django's Redis backend (needs the ``redis`` package:
``pip install 'dsg-portal[redis]'``). ``memcached://host:port`` or ``memcached:///path/to/socket``:
Django's pymemcache backend (``pip install 'dsg-portal[memcached]'``). A per-process cache is never
configured: it would multiply every limit by the number of workers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

CACHE_TABLE = "dsg_cache"
# Far above what the portal stores (a few entries per login attempt), so that an attacker cannot
# make the database cache cull (evict) someone's throttling counters by filling it.
DATABASE_MAX_ENTRIES = 1_000_000


def cache_from_url(url: str) -> dict[str, Any]:
    """One ``CACHES`` entry from ``DSG_CACHE_URL``."""
    url = url.strip()
    parts = urlsplit(url)
    if not url or (parts.scheme in {"db", "database"} and not parts.netloc):
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": DATABASE_MAX_ENTRIES},
        }
    if parts.scheme in {"redis", "rediss", "unix"}:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "dsg",
        }
    if parts.scheme == "memcached" and (parts.netloc or parts.path):
        location = parts.netloc or f"unix:{parts.path}"
        return {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": location,
            "KEY_PREFIX": "dsg",
        }
    raise ImproperlyConfigured(
        f"DSG_CACHE_URL {url!r} is not understood: leave it unset (the database), or give "
        "redis://host:6379/0, rediss://…, unix:///path/redis.sock, memcached://host:11211 or "
        "memcached:///path/memcached.sock"
    )


def create_cache_tables(*, using: str = "default", **kwargs: Any) -> None:
    """Create the database cache's table when it is missing (after every ``migrate``; a test
    database is migrated too). Does nothing for Redis or Memcached."""
    call_command("createcachetable", database=using, verbosity=0)
