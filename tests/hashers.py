"""The password hasher of the test run: Argon2id as in production, with the least work."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Real Argon2id hashes and checks with the smallest cost the algorithm allows.

    Production's parameters (settings.PASSWORD_HASHERS: Django's Argon2 defaults, 100 MiB and two
    passes) cost a few hundred milliseconds a check by design; the suite logs people in through the
    real form several hundred times. The algorithm name is the same, so a hash made here is checked
    by production's hasher too (which would rehash it at the next login: ``must_update``).
    """

    time_cost = 1
    memory_cost = 8  # KiB: Argon2's minimum is 8 × parallelism
    parallelism = 1
